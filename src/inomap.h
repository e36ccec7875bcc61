/*
 * inomap: a hash map keyed by inode, (dev, ino) -> a value of the
 * caller's type.
 *
 * Who uses it and for what:
 *  - create: source (dev, ino) of a file with several names -> where this
 *    run stored it (a path, its hash), so the next name links to it;
 *  - restore: stored inode (dev 0) -> the first restored path of it;
 *  - verify: stored inode (dev 0) -> what reading it gave (hash, error);
 *  - usage: stored inode (dev 0) -> size and which snapshots hold it.
 * dev is 0 wherever one filesystem is all that matters.
 *
 * The value is a fixed-size struct the caller chooses (elem_size bytes,
 * aligned for any uint64_t or pointer member), stored inside the table:
 *
 *   struct seen { char *path; uint64_t size; };
 *   struct inomap m;
 *   struct seen *s;
 *   bool added;
 *
 *   inomap_init(&m, sizeof(struct seen));
 *   if ((s = inomap_insert(&m, st.st_dev, st.st_ino, &added)) == NULL)
 *           ... ENOMEM ...
 *   if (added)
 *           s->path = strdup(path);	a new value starts zeroed
 *   ...
 *   s = inomap_find(&m, dev, ino);		NULL: not in the map
 *   ...
 *   for (it = 0; (s = inomap_next(&m, &it, &dev, &ino)) != NULL; )
 *           free(s->path);			the map frees only itself
 *   inomap_free(&m);
 *
 * It is open addressing with linear probing over a power-of-two table,
 * the keys mixed by the murmur3 finaliser (inode numbers are dense and
 * would otherwise cluster), and the table doubles before it is half
 * full, so a look-up costs about two probes.  Nothing is ever removed.
 *
 * A value pointer stays valid until the next inomap_insert (which may
 * move every value) or inomap_free; never keep one across an insert.
 * Iteration order is the table's, not the insertion order.
 */
#ifndef SNAP_INOMAP_H
#define SNAP_INOMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inomap {
	unsigned char	*slots;		/* cap slots of slot_size bytes */
	unsigned char	*used;		/* cap flags: slot holds a key */
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 n;		/* keys held */
	size_t		 elem_size;	/* the caller's value */
	size_t		 slot_size;	/* key and value, 8-byte aligned */
};

/* An empty map of values of elem_size bytes (0: a set of inodes). */
void	inomap_init(struct inomap *m, size_t elem_size);

/* The value of (dev, ino), or NULL if the map does not hold it. */
void	*inomap_find(const struct inomap *m, uint64_t dev, uint64_t ino);

/*
 * The value of (dev, ino), added (all bytes zero, *added true) when the
 * map did not hold it yet, else the one there (*added false).  added may
 * be NULL.  Returns NULL with errno ENOMEM when the table cannot grow;
 * the map is then as it was.
 */
void	*inomap_insert(struct inomap *m, uint64_t dev, uint64_t ino,
	    bool *added);

/* The number of keys held. */
size_t	inomap_count(const struct inomap *m);

/*
 * Iterates: start with *iter = 0; each call returns the next value and
 * its key (dev, ino may be NULL), or NULL after the last.  No insert may
 * happen while iterating.
 */
void	*inomap_next(const struct inomap *m, size_t *iter, uint64_t *dev,
	    uint64_t *ino);

/* Frees the table (not what values point to) and leaves an empty map. */
void	inomap_free(struct inomap *m);

#endif
