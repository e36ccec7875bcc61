#include "inomap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The first table: small enough for a restore of one file. */
#define INOMAP_MIN 64

/* A slot: the key, then the caller's value. */
struct inomap_key {
	uint64_t	dev;
	uint64_t	ino;
};

/*
 * The murmur3 64-bit finaliser, over ino and dev: consecutive inode
 * numbers (what a fresh filesystem hands out) land far apart.
 */
static uint64_t
mix(uint64_t dev, uint64_t ino)
{
	uint64_t x = ino ^ (dev * 0x9E3779B97F4A7C15ULL);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static struct inomap_key *
key_at(const struct inomap *m, size_t i)
{
	return (struct inomap_key *)(void *)(m->slots + i * m->slot_size);
}

/*
 * The slot of (dev, ino) in m, or the free slot where it would go.
 * The table is never full, so the probe ends.
 */
static size_t
probe(const struct inomap *m, uint64_t dev, uint64_t ino)
{
	size_t i = (size_t)mix(dev, ino) & (m->cap - 1);
	const struct inomap_key *k;

	for (; m->used[i]; i = (i + 1) & (m->cap - 1)) {
		k = key_at(m, i);
		if (k->dev == dev && k->ino == ino)
			break;
	}
	return i;
}

void
inomap_init(struct inomap *m, size_t elem_size)
{
	memset(m, 0, sizeof(*m));
	m->elem_size = elem_size;
	/* Values 8-byte aligned: the key is 16 bytes, slots a multiple of 8. */
	m->slot_size = sizeof(struct inomap_key) +
	    ((elem_size + 7) & ~(size_t)7);
}

void *
inomap_find(const struct inomap *m, uint64_t dev, uint64_t ino)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = probe(m, dev, ino);
	return m->used[i] ? key_at(m, i) + 1 : NULL;
}

/* Doubles the table.  Returns 0, or -1 (ENOMEM) leaving it as it was. */
static int
grow(struct inomap *m)
{
	struct inomap bigger = *m;
	size_t i, j;

	bigger.cap = m->cap ? m->cap * 2 : INOMAP_MIN;
	if (bigger.cap < m->cap ||
	    bigger.cap > SIZE_MAX / m->slot_size) {
		errno = ENOMEM;
		return -1;
	}
	bigger.slots = malloc(bigger.cap * m->slot_size);
	bigger.used = calloc(bigger.cap, 1);
	if (bigger.slots == NULL || bigger.used == NULL) {
		free(bigger.slots);
		free(bigger.used);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		j = probe(&bigger, key_at(m, i)->dev, key_at(m, i)->ino);
		memcpy(key_at(&bigger, j), key_at(m, i), m->slot_size);
		bigger.used[j] = 1;
	}
	free(m->slots);
	free(m->used);
	*m = bigger;
	return 0;
}

void *
inomap_insert(struct inomap *m, uint64_t dev, uint64_t ino, bool *added)
{
	struct inomap_key *k;
	size_t i;

	if (m->cap > 0) {
		i = probe(m, dev, ino);
		if (m->used[i]) {
			if (added != NULL)
				*added = false;
			return key_at(m, i) + 1;
		}
	}
	/* At most half full: linear probes stay short. */
	if ((m->n + 1) * 2 > m->cap && grow(m) == -1)
		return NULL;
	i = probe(m, dev, ino);
	k = key_at(m, i);
	memset(k, 0, m->slot_size);
	k->dev = dev;
	k->ino = ino;
	m->used[i] = 1;
	m->n++;
	if (added != NULL)
		*added = true;
	return k + 1;
}

size_t
inomap_count(const struct inomap *m)
{
	return m->n;
}

void *
inomap_next(const struct inomap *m, size_t *iter, uint64_t *dev,
    uint64_t *ino)
{
	struct inomap_key *k;

	for (; *iter < m->cap; (*iter)++) {
		if (!m->used[*iter])
			continue;
		k = key_at(m, (*iter)++);
		if (dev != NULL)
			*dev = k->dev;
		if (ino != NULL)
			*ino = k->ino;
		return k + 1;
	}
	return NULL;
}

void
inomap_free(struct inomap *m)
{
	free(m->slots);
	free(m->used);
	inomap_init(m, m->elem_size);
}
