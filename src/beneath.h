/*
 * beneath: open a path below a folder, never following a symlink and
 * never leaving the folder.
 *
 * Used wherever a path comes from data (a manifest record, a hard link's
 * first name) rather than from a walk that opened each folder itself:
 * create linking from the previous snapshot, restore writing into DEST.
 */
#ifndef SNAP_BENEATH_H
#define SNAP_BENEATH_H

#include <sys/types.h>

/*
 * How many levels of folders a walk down a tree (the source walker, the
 * linker's folder stack) keeps open.  Deeper than that, the far
 * ancestors' descriptors are closed and re-opened by path with
 * beneath_reopen when the walk comes back up to them, so a tree of any
 * depth takes a bounded number of descriptors: a user can make a tree
 * deeper than any descriptor limit.
 */
#define BENEATH_OPEN_LEVELS 32

/* Which inode a closed descriptor was open on. */
struct beneath_id {
	dev_t	dev;
	ino_t	ino;
};

/*
 * Opens dirfd/rel (one or more components, NUL-ended, no leading '/')
 * with flags (O_CLOEXEC and O_NOFOLLOW are added): openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else one
 * component at a time with O_NOFOLLOW, refusing "." and "..".  An empty
 * rel opens dirfd itself again.  A rel longer than PATH_MAX is opened a
 * piece at a time, each piece beneath the folder the last one opened.
 * Returns the descriptor, or -1 with errno set (ELOOP or ENOTDIR for a
 * symlink on the way, EXDEV or EINVAL for a path that would leave dirfd).
 */
int	beneath_open(int dirfd, const char *rel, int flags);

/* Fills *id from the open fd.  Returns 0, or -1 with errno set. */
int	beneath_id_of(int fd, struct beneath_id *id);

/*
 * Opens dirfd/rel as beneath_open does and checks that it is the inode
 * *id names: a folder closed to save descriptors, opened again.  Returns
 * the descriptor, or -1 with errno set (ESTALE: the name now leads to
 * another inode, because the folder was moved or replaced meanwhile).
 */
int	beneath_reopen(int dirfd, const char *rel, int flags,
	    const struct beneath_id *id);

#endif
