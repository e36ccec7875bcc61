#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry.h"
#include "inomap.h"
#include "manifest.h"

/*
 * One distinct stored inode (the value of the map keyed by its number).
 * The snapshot that holds it alone is `last` when count is 1, so no
 * first index is needed.
 */
struct ino_slot {
	uint64_t	size;
	uint64_t	disk;		/* bytes on disk */
	uint32_t	last;		/* newest snapshot index holding it */
	uint32_t	count;		/* snapshots holding it */
};

struct ino_map {
	struct inomap	 inodes;	/* stored ino -> struct ino_slot */
	uint64_t	 unbacked;	/* files without a stored inode */
	uint64_t	 unbacked_disk;
	int		 snap_fd;	/* the snapshot being read, or -1 */
	char		*path;		/* a NUL-ended copy of a record's */
	size_t		 path_cap;
};

/*
 * The bytes on disk of the stored file of ent: its blocks, read in the
 * snapshot; its size when they cannot be read (no snapshot folder, a
 * file gone or not regular).
 */
static uint64_t
disk_bytes(struct ino_map *m, const struct entry *ent)
{
	struct stat st;
	char *p;

	if (m->snap_fd == -1)
		return ent->size;
	if (ent->path_len + 1 > m->path_cap) {
		if ((p = realloc(m->path, ent->path_len + 1)) == NULL)
			return ent->size;
		m->path = p;
		m->path_cap = ent->path_len + 1;
	}
	memcpy(m->path, ent->path, ent->path_len);
	m->path[ent->path_len] = '\0';
	/* Reader-checked paths: relative, no "..", never a symlink at
	 * the end. */
	if (fstatat(m->snap_fd, m->path, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return ent->size;
	return (uint64_t)st.st_blocks * 512;
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
	bool added;

	uint64_t disk;

	us->files++;
	us->size += ent->size;
	if (ent->stored_ino == 0) {
		disk = disk_bytes(m, ent);
		m->unbacked++;
		m->unbacked_disk += disk;
		us->size_disk += disk;
		us->inodes++;
		us->held_bytes += ent->size;
		us->new_bytes += ent->size;
		us->alone_bytes += ent->size;
		us->held_disk += disk;
		us->new_disk += disk;
		us->alone_disk += disk;
		return 0;
	}
	/* One filesystem holds every snapshot: the number is the key. */
	if ((s = inomap_insert(&m->inodes, 0, ent->stored_ino, &added)) ==
	    NULL)
		return -1;
	if (added) {
		s->size = ent->size;
		s->disk = disk_bytes(m, ent);
		s->last = idx;
		s->count = 1;
		us->new_bytes += ent->size;
		us->new_disk += s->disk;
	}
	us->size_disk += s->disk;
	if (!added && s->last == idx)
		return 0;
	if (!added) {
		s->last = idx;
		s->count++;
	}
	us->inodes++;
	us->held_bytes += s->size;
	us->held_disk += s->disk;
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
	return usage_compute_disk(u, manifests_fd, -1, names, n, e);
}

int
usage_compute_disk(struct usage *u, int manifests_fd, int root_fd,
    const char (*names)[NAME_SNAPSHOT_LEN], size_t n, struct err *e)
{
	struct ino_map m = { .unbacked = 0, .snap_fd = -1 };
	struct ino_slot *s;
	size_t i, it;
	int r;

	memset(u, 0, sizeof(*u));
	u->failed = n;
	inomap_init(&m.inodes, sizeof(struct ino_slot));
	if (n > UINT32_MAX)
		return err_set(e, EOVERFLOW, "cannot account for %zu "
		    "snapshots", n);
	if (n > 0 && (u->snaps = calloc(n, sizeof(*u->snaps))) == NULL)
		return err_set(e, errno, "cannot account for the space of "
		    "%zu snapshots", n);
	u->n = n;
	for (i = 0; i < n; i++) {
		m.snap_fd = root_fd == -1 ? -1 : openat(root_fd, names[i],
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = read_manifest(&m, &u->snaps[i], (uint32_t)i, manifests_fd,
		    names[i], e);
		if (m.snap_fd != -1)
			close(m.snap_fd);
		if (r == -1) {
			free(m.path);
			inomap_free(&m.inodes);
			usage_free(u);
			u->failed = i;
			return -1;
		}
	}
	/*
	 * So far alone_bytes holds only files without a stored inode (each
	 * its own inode); the map adds the rest.
	 */
	u->total_inodes = m.unbacked;
	for (i = 0; i < n; i++) {
		u->total_bytes += u->snaps[i].alone_bytes;
		u->total_disk += u->snaps[i].alone_disk;
	}
	for (it = 0; (s = inomap_next(&m.inodes, &it, NULL, NULL)) != NULL; ) {
		u->total_inodes++;
		u->total_bytes += s->size;
		u->total_disk += s->disk;
		if (s->count == 1) {
			u->snaps[s->last].alone_bytes += s->size;
			u->snaps[s->last].alone_disk += s->disk;
		}
	}
	for (i = 0; i < n; i++) {
		u->snaps[i].shared_bytes = u->snaps[i].held_bytes -
		    u->snaps[i].alone_bytes;
		u->snaps[i].shared_disk = u->snaps[i].held_disk -
		    u->snaps[i].alone_disk;
	}
	free(m.path);
	inomap_free(&m.inodes);
	return 0;
}

void
usage_free(struct usage *u)
{
	free(u->snaps);
	memset(u, 0, sizeof(*u));
}
