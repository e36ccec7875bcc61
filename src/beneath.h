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

/*
 * Opens dirfd/rel (one or more components, NUL-ended, no leading '/')
 * with flags (O_CLOEXEC and O_NOFOLLOW are added): openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else one
 * component at a time with O_NOFOLLOW, refusing "." and "..".  An empty
 * rel opens dirfd itself again.  Returns the descriptor, or -1 with errno
 * set (ELOOP or ENOTDIR for a symlink on the way, EXDEV or EINVAL for a
 * path that would leave dirfd).
 */
int	beneath_open(int dirfd, const char *rel, int flags);

#endif
