/*
 * compare: what changed between two versions of a tree, as `snap diff`
 * reports it.  Pure: no I/O but what the entry streams do.
 *
 * compare_entries() tells how one path differs between an old and a new
 * entry.  A join pairs two streams of entries in walk order (two
 * manifests, or a manifest and a walk of the sources) path by path,
 * holding one entry of each side, so memory does not grow with the tree:
 *
 *   struct compare_join j;
 *   compare_join_init(&j, compare_manifest_stream(old_reader),
 *       compare_manifest_stream(new_reader));
 *   while ((r = compare_join_next(&j, &old, &new, &e)) == 1)
 *       change = compare_entries(old, new);    (either may be NULL)
 *   compare_join_free(&j);
 *
 * compare_manifests() is that loop for two manifests, with a callback
 * for each changed path.
 *
 * What counts as a change (the markers of `git diff --name-status`):
 *   'T'  the type differs (a file became a folder, a symlink, ...)
 *   'M'  the content differs: for a regular file the size, or the hashes
 *        when both are known, or (a hash unknown) the mtime; for a
 *        symlink its target; for a device node its device number
 *   'm'  only metadata differs: mode, owner, group, xattrs, or the mtime
 *        of anything but a folder
 *   0    unchanged
 * A folder's mtime and size change whenever a name is added to it or
 * removed from it, which the names themselves already show, so they do
 * not count.  Neither do ctime, the source inode, the link count or the
 * stored inode: they change when a file is touched or restored without
 * being different, or when another name of it comes or goes.
 */
#ifndef SNAP_COMPARE_H
#define SNAP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "entry.h"
#include "err.h"
#include "manifest.h"

enum compare_change {
	COMPARE_SAME = 0,
	COMPARE_ADDED = '+',
	COMPARE_REMOVED = '-',
	COMPARE_CONTENT = 'M',
	COMPARE_META = 'm',
	COMPARE_TYPE = 'T',
};

/*
 * The change from old to new, two entries of the same path; either may
 * be NULL (COMPARE_ADDED, COMPARE_REMOVED).
 */
enum compare_change compare_entries(const struct entry *old,
	    const struct entry *new);

/*
 * A stream of entries in walk order.  next fills *ent and returns 1, 0
 * at the end, or -1 with e set; ent's strings must stay valid until the
 * next call.
 */
struct compare_stream {
	int	(*next)(void *arg, struct entry *ent, struct err *e);
	void	*arg;
	const char *what;	/* for messages: "manifest '...'" */
};

/* A stream over a manifest reader (which the caller keeps owning). */
struct compare_stream compare_manifest_stream(struct manifest_reader *r);

struct compare_side {
	struct compare_stream s;
	struct entry	 ent;		/* the entry read ahead */
	int		 state;		/* 1: ent pending, 0: end, -1: read */
	struct buf	 last;		/* the previous path (order check) */
	bool		 have_last;
};

struct compare_join {
	struct compare_side old;
	struct compare_side new;
};

void	compare_join_init(struct compare_join *j, struct compare_stream old,
	    struct compare_stream new);

/*
 * The next path of either stream, in walk order: *old and *new are its
 * entries on each side, one of them NULL when the path is only on the
 * other side.  They stay valid until the next call.  A side whose stream
 * is not in strict walk order (name_pathcmp) is an error.  Returns 1,
 * 0 when both streams are over, or -1 with e set (the join cannot go on).
 */
int	compare_join_next(struct compare_join *j, const struct entry **old,
	    const struct entry **new, struct err *e);

/* Frees what the join holds (not the streams). */
void	compare_join_free(struct compare_join *j);

/*
 * Called for each changed path: change is a marker above, never
 * COMPARE_SAME; old or new is NULL for an added or removed path.  Returns
 * 0 to go on, or -1 with e set to stop the join.
 */
typedef int compare_fn(void *arg, enum compare_change change,
	    const struct entry *old, const struct entry *new, struct err *e);

/*
 * Joins two manifests and calls fn for every changed path, in walk order.
 * Returns 0, or -1 with e set (a manifest is corrupt, or fn failed).
 */
int	compare_manifests(struct manifest_reader *old,
	    struct manifest_reader *new, compare_fn *fn, void *arg,
	    struct err *e);

#endif
