#include "usage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "manifest.h"

/*
 * One distinct stored inode.  The snapshot that holds it alone is `last`
 * when count is 1, so no first index is needed; 24 bytes a slot.
 */
struct ino_slot {
	uint64_t	ino;		/* 0: empty slot */
	uint64_t	size;
	uint32_t	last;		/* newest snapshot index holding it */
	uint32_t	count;		/* snapshots holding it */
};

/* Open addressing with linear probing; cap is a power of two. */
struct ino_map {
	struct ino_slot *slots;
	size_t		 cap;
	size_t		 n;
	uint64_t	 unbacked;	/* files without a stored inode */
};

/* The murmur3 finalizer: inode numbers are dense, slots must not be. */
static size_t
ino_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (size_t)x;
}

static struct ino_slot *
ino_find(struct ino_slot *slots, size_t cap, uint64_t ino)
{
	size_t i = ino_hash(ino) & (cap - 1);

	while (slots[i].ino != 0 && slots[i].ino != ino)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Doubles the table.  Returns 0, or -1 (ENOMEM) leaving it as it was. */
static int
ino_grow(struct ino_map *m)
{
	struct ino_slot *slots, *s;
	size_t cap = m->cap ? m->cap * 2 : 1024, i;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].ino == 0)
			continue;
		s = ino_find(slots, cap, m->slots[i].ino);
		*s = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/*
 * Adds one regular file of snapshot idx.  Snapshots come in order, so an
 * inode seen for the first time is new in idx, and one whose last holder
 * is idx already is another name of a file counted in this snapshot.
 */
static int
ino_add(struct ino_map *m, struct usage_snapshot *us, uint32_t idx,
    const struct entry *ent)
{
	struct ino_slot *s;

	us->files++;
	us->size += ent->size;
	if (ent->stored_ino == 0) {
		m->unbacked++;
		us->inodes++;
		us->held_bytes += ent->size;
		us->new_bytes += ent->size;
		us->alone_bytes += ent->size;
		return 0;
	}
	/* Grow at 3/4 full so probe chains stay short. */
	if ((m->n + 1) * 4 > m->cap * 3 && ino_grow(m) == -1)
		return -1;
	s = ino_find(m->slots, m->cap, ent->stored_ino);
	if (s->ino == 0) {
		s->ino = ent->stored_ino;
		s->size = ent->size;
		s->last = idx;
		s->count = 1;
		m->n++;
		us->new_bytes += ent->size;
	} else if (s->last == idx) {
		return 0;
	} else {
		s->last = idx;
		s->count++;
	}
	us->inodes++;
	us->held_bytes += s->size;
	return 0;
}

static int
read_manifest(struct ino_map *m, struct usage_snapshot *us, uint32_t idx,
    int manifests_fd, const char *name, struct err *e)
{
	struct manifest_reader *r = NULL;
	struct entry ent;
	int rc;

	if (manifest_reader_open(&r, manifests_fd, name, e) == -1)
		return -1;
	while ((rc = manifest_reader_next(r, &ent, NULL, e)) == 1) {
		if (ent.type != ENTRY_REG)
			continue;
		if (ino_add(m, us, idx, &ent) == -1) {
			rc = err_set(e, ENOMEM, "cannot account for the space "
			    "of snapshot '%s'", name);
			break;
		}
	}
	manifest_reader_close(r);
	return rc;
}

int
usage_compute(struct usage *u, int manifests_fd,
    const char (*names)[NAME_SNAPSHOT_LEN], size_t n, struct err *e)
{
	struct ino_map m = { NULL, 0, 0, 0 };
	struct ino_slot *s;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (n > UINT32_MAX)
		return err_set(e, EOVERFLOW, "cannot account for %zu "
		    "snapshots", n);
	if (n > 0 && (u->snaps = calloc(n, sizeof(*u->snaps))) == NULL)
		return err_set(e, errno, "cannot account for the space of "
		    "%zu snapshots", n);
	u->n = n;
	for (i = 0; i < n; i++) {
		if (read_manifest(&m, &u->snaps[i], (uint32_t)i, manifests_fd,
		    names[i], e) == -1) {
			free(m.slots);
			usage_free(u);
			return -1;
		}
	}
	/*
	 * So far alone_bytes holds only files without a stored inode (each
	 * its own inode); the map adds the rest.
	 */
	u->total_inodes = m.unbacked;
	for (i = 0; i < n; i++)
		u->total_bytes += u->snaps[i].alone_bytes;
	for (i = 0; i < m.cap; i++) {
		s = &m.slots[i];
		if (s->ino == 0)
			continue;
		u->total_inodes++;
		u->total_bytes += s->size;
		if (s->count == 1)
			u->snaps[s->last].alone_bytes += s->size;
	}
	for (i = 0; i < n; i++) {
		u->snaps[i].shared_bytes = u->snaps[i].held_bytes -
		    u->snaps[i].alone_bytes;
	}
	free(m.slots);
	return 0;
}

void
usage_free(struct usage *u)
{
	free(u->snaps);
	memset(u, 0, sizeof(*u));
}
