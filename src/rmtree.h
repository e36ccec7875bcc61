/*
 * rmtree: removes a folder and everything below it.
 *
 * The one remover of snap (deleted snapshots, leftovers of killed runs,
 * a folder a restore replaces).  It works with fd-relative calls through
 * a struct sys_ops, never follows a symlink, and holds a bounded number
 * of descriptors however deep the tree: past RMTREE_OPEN levels it goes
 * back up through ".." (checked against the folder it left) and reads
 * the folder again.
 *
 * It never leaves the filesystem of the tree it removes: a mount point
 * inside (a device change, or the kernel's mount-root flag, which also
 * sees bind mounts) is neither entered nor removed, nor are the folders
 * above it.  It is reported to the caller instead, who warns.
 */
#ifndef SNAP_RMTREE_H
#define SNAP_RMTREE_H

#include <limits.h>
#include <stddef.h>

#include "err.h"
#include "sys.h"

#define RMTREE_OPEN	32	/* folders held open at once, at most */

/* The mount points a removal left in place. */
struct rmtree_kept {
	size_t	n;
	char	first[PATH_MAX];	/* the first met, relative to dirfd */
};

/*
 * Removes dirfd/name (a folder, or anything else) and everything below
 * it.  Returns 0 when it is gone, or when what is left are mount points
 * and the folders above them: then kept->n counts those mount points
 * (kept is added to, not reset).  With kept NULL a mount point is an
 * error (EBUSY).  Returns -1 with e set at the first entry that cannot
 * be removed; what was removed before stays removed.
 */
int	rmtree_remove(const struct sys_ops *sys, int dirfd, const char *name,
	    struct rmtree_kept *kept, struct err *e);

#endif
