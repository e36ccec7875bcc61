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

/* The extended attributes a target would not store for one inode. */
struct meta_refusal {
	unsigned	count;
	int		errnum;		/* why the first one was refused */
	char		name[256];	/* the first one */
};

/*
 * Through sys, copies every extended attribute of srcfd (if srcfd is
 * not -1) to the open file or directory dstfd, removes an ACL dstfd
 * inherited from its folder that srcfd does not have (only looked for
 * when may_inherit: the caller cannot rule out a default ACL above
 * dstfd), then applies st's
 * owner (only if set_owner: running as root), mode (the permission,
 * set-id and sticky bits), atime and mtime (ns).  An xattr the target
 * refuses (EOPNOTSUPP; EPERM for trusted.* as non-root; ENOSPC or E2BIG
 * for a value too big for it) is left out and noted in *refused when
 * that is not NULL (zero it first).  Returns 0, or -1 with e set; path
 * is used only in messages.
 */
int	meta_apply_fd(const struct sys_ops *sys, int dstfd, int srcfd,
	    const struct stat *st, bool set_owner, bool may_inherit,
	    const char *path, struct meta_refusal *refused, struct err *e);

/*
 * The same for a symlink, FIFO, socket or device node dirfd/name, never
 * following it; srcfd is -1 or an O_PATH descriptor of the node whose
 * xattrs it gets (the mode is not set on symlinks, which have none).
 * No call follows a symlink, but the name is resolved once per call:
 * dirfd must be a folder nobody else can write (the linker's private
 * folder).  Returns 0, or -1 with e set.
 */
int	meta_apply_at(const struct sys_ops *sys, int dirfd, const char *name,
	    int srcfd, const struct stat *st, bool set_owner,
	    const char *path, struct meta_refusal *refused, struct err *e);

/*
 * Removes the ACLs the new folder or file fd inherited from a default
 * ACL above it (snap's own folders: the root, .snap).  Returns 0, or -1
 * with e set.
 */
int	meta_drop_acls(const struct sys_ops *sys, int fd, const char *path,
	    struct err *e);

/* Sets e to the warning that names r's refusals for path. */
void	meta_refusal_describe(const struct meta_refusal *r, const char *path,
	    struct err *e);

/*
 * A fingerprint of every extended attribute of the open fd (O_PATH too):
 * XXH3-64 over the names in byte order, each followed by a NUL, its value
 * length (u32 little-endian) and its value.  Returns 0 if fd has no xattrs (or the
 * filesystem has none), never 0 otherwise.  Errors count as "no xattrs".
 */
uint64_t meta_xattr_hash(int fd);

#endif
