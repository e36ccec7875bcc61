/*
 * meta: owner, mode, times and extended attributes of new inodes.
 *
 * These functions are only ever called on inodes this run created in the
 * snapshot it is building: never on a file that an earlier snapshot holds
 * (that would rewrite history).  Order matters and is fixed here: xattrs
 * (POSIX ACLs are xattrs too), then owner (chown clears set-id bits),
 * then mode, then times last (every other change would touch them).
 */
#ifndef SNAP_META_H
#define SNAP_META_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "err.h"
#include "sys.h"

/*
 * Through sys, applies st's owner (only if set_owner: running as root), mode (the
 * permission, set-id and sticky bits), atime and mtime (ns) to the open
 * file or directory dstfd, and copies every extended attribute of srcfd
 * (if srcfd is not -1) to it.  An xattr the destination refuses
 * (EOPNOTSUPP, EPERM for trusted.* / security.* as non-root) is skipped
 * and counted in *xattr_skipped when that is not NULL.  Returns 0, or
 * -1 with e set; path is used only in messages.
 */
int	meta_apply_fd(const struct sys_ops *sys, int dstfd, int srcfd, const struct stat *st,
	    bool set_owner, const char *path, unsigned *xattr_skipped,
	    struct err *e);

/*
 * The same for a symlink, FIFO, socket or device node dirfd/name,
 * without following it and without xattrs (the mode is not set on
 * symlinks, which have none).  No call follows a symlink, but the name
 * is resolved once per call: dirfd must be a folder nobody else can
 * write (the linker's private folder).  Returns 0, or -1 with e set.
 */
int	meta_apply_at(const struct sys_ops *sys, int dirfd, const char *name, const struct stat *st,
	    bool set_owner, const char *path, struct err *e);

/*
 * A fingerprint of every extended attribute of the open fd: XXH3-64 over
 * the names in byte order, each followed by a NUL, its value length (u32
 * little-endian) and its value.  Returns 0 if fd has no xattrs (or the
 * filesystem has none), never 0 otherwise.  Errors count as "no xattrs".
 */
uint64_t meta_xattr_hash(int fd);

#endif
