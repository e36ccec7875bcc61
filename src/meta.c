#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "buf.h"
#include "name.h"

/*
 * Chown drops this one even for root (the kernel's "kill priv" on a
 * change of owner), so it is copied after the owner is set.
 */
#define XATTR_CAPS	"security.capability"

/*
 * Buffers for xattr names and values, grown as needed and kept for the
 * next file: snap applies metadata to one inode at a time, and most
 * files need no xattr buffer at all.  Not reentrant because of this.
 */
static struct buf	names_buf;
static struct buf	value_buf;
static struct buf	order_buf;	/* const char *[] for sorting */
static XXH3_state_t	hash_state;

/* The two names POSIX ACLs live under. */
static const char *const acl_names[] = {
	"system.posix_acl_access",
	"system.posix_acl_default",
};

/*
 * flistxattr and fgetxattr, also for an O_PATH descriptor (a symlink,
 * FIFO or device node): those the f* calls refuse with EBADF, and the
 * path calls reach the inode through its /proc/self/fd name.
 */
static ssize_t
fd_listxattr(int fd, char *list, size_t size)
{
	char path[SYS_FD_PATH_LEN];
	ssize_t n = flistxattr(fd, list, size);

	if (n == -1 && errno == EBADF)
		n = listxattr(sys_fd_path(fd, path), list, size);
	return n;
}

static ssize_t
fd_getxattr(int fd, const char *name, void *value, size_t size)
{
	char path[SYS_FD_PATH_LEN];
	ssize_t n = fgetxattr(fd, name, value, size);

	if (n == -1 && errno == EBADF)
		n = getxattr(sys_fd_path(fd, path), name, value, size);
	return n;
}

/*
 * Lists the xattr names of fd into names_buf.  Returns the length of
 * the list (0: none, or a filesystem without xattrs), or -1 with errno
 * set.
 */
static ssize_t
list_names(int fd)
{
	ssize_t n;

	for (;;) {
		if (names_buf.p != NULL) {
			n = fd_listxattr(fd, names_buf.p, names_buf.cap);
			if (n >= 0 || errno != ERANGE)
				break;
		}
		/* No buffer yet, or the list grew meanwhile. */
		n = fd_listxattr(fd, NULL, 0);
		if (n <= 0)
			break;
		if (buf_reserve(&names_buf, n) == -1)
			return -1;
	}
	if (n == -1 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return 0;
	return n;
}

/*
 * Reads the value of xattr name of fd into value_buf.  Returns its
 * length, or -1 with errno set (ENODATA: it went away meanwhile).
 */
static ssize_t
get_value(int fd, const char *name)
{
	ssize_t n;

	for (;;) {
		if (value_buf.p != NULL) {
			n = fd_getxattr(fd, name, value_buf.p, value_buf.cap);
			if (n >= 0 || errno != ERANGE)
				return n;
		}
		n = fd_getxattr(fd, name, NULL, 0);
		if (n == -1)
			return -1;
		/* Room for an empty value too, so the loop ends. */
		if (buf_reserve(&value_buf, n > 0 ? n : 1) == -1)
			return -1;
	}
}

/*
 * Errors that refuse one xattr, not the run: a filesystem without
 * xattrs (or without this namespace), a name only root may set, a value
 * too big for the target (ext4 says ENOSPC when it does not fit beside
 * the inode, however much room the disk has).
 */
static bool
xattr_refused(int errnum)
{
	return errnum == ENOTSUP || errnum == EOPNOTSUPP || errnum == EPERM ||
	    errnum == ENOSPC || errnum == E2BIG;
}

static void
refuse(struct meta_refusal *r, const char *name, int errnum)
{
	if (r == NULL)
		return;
	if (r->count++ == 0) {
		snprintf(r->name, sizeof(r->name), "%s", name);
		r->errnum = errnum;
	}
}

void
meta_refusal_describe(const struct meta_refusal *r, const char *path,
    struct err *e)
{
	char quoted[sizeof(r->name) * 4 + 3];

	name_quote(quoted, sizeof(quoted), r->name, strlen(r->name));
	/* errno 0: a refusal is about this one file, whatever it says
	 * (ENOSPC here is no full disk). */
	if (r->count == 1)
		err_set(e, 0, "'%s' is stored without its extended attribute "
		    "%s: %s", path, quoted, strerror(r->errnum));
	else
		err_set(e, 0, "'%s' is stored without its extended attribute "
		    "%s (%s) and %u more", path, quoted,
		    strerror(r->errnum), r->count - 1);
}

/*
 * Copies xattr name from srcfd to dstfd.  A value the destination
 * refuses is noted in *refused; one that vanished from the source is
 * no longer there to copy.  Returns 0, or -1 with e set.
 */
static int
copy_xattr(const struct sys_ops *sys, int dstfd, int srcfd,
    const char *name, const char *path, struct meta_refusal *refused,
    struct err *e)
{
	ssize_t n;

	n = get_value(srcfd, name);
	if (n == -1) {
		if (errno == ENODATA)
			return 0;
		if (xattr_refused(errno)) {
			refuse(refused, name, errno);
			return 0;
		}
		return err_set(e, errno,
		    "cannot read the extended attribute '%s' of '%s'", name,
		    path);
	}
	if (sys->fsetxattr(dstfd, name, value_buf.p, n, 0) == 0)
		return 0;
	if (!xattr_refused(errno))
		return err_set(e, errno,
		    "cannot set the extended attribute '%s' of '%s'", name,
		    path);
	refuse(refused, name, errno);
	return 0;
}

/* True when the NUL-separated list of len bytes holds name. */
static bool
list_has(const char *list, ssize_t len, const char *name)
{
	const char *p, *end;

	if (len <= 0)
		return false;
	end = list + len;
	for (p = list; p < end; p += strlen(p) + 1)
		if (strcmp(p, name) == 0)
			return true;
	return false;
}

/*
 * A new inode inherits an ACL from a folder above it that has a default
 * ACL (the folder above the snapshot root, or above a restore's DEST):
 * a 0640 file would come out readable by whoever that ACL names.  The
 * copy gets exactly the source's ACLs: an inherited one the source does
 * not have goes.  srcfd's names are in names_buf (len bytes).
 */
static int
drop_inherited_acls(const struct sys_ops *sys, int dstfd, ssize_t len,
    const char *path, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof(acl_names) / sizeof(acl_names[0]); i++) {
		if (list_has(names_buf.p, len, acl_names[i]) ||
		    fd_getxattr(dstfd, acl_names[i], NULL, 0) == -1)
			continue;
		if (sys->fremovexattr(dstfd, acl_names[i]) == -1 &&
		    errno != ENODATA)
			return err_set(e, errno, "cannot remove the ACL "
			    "'%s' inherited from the folder above", path);
	}
	return 0;
}

int
meta_drop_acls(const struct sys_ops *sys, int fd, const char *path,
    struct err *e)
{
	return drop_inherited_acls(sys, fd, 0, path, e);
}

/*
 * Copies every xattr of srcfd (none when it is -1) to dstfd, except
 * security.capability when skip_caps (*caps says whether there was
 * one), and drops inherited ACLs when may_inherit.  Returns 0, or -1
 * with e set.
 */
static int
copy_xattrs(const struct sys_ops *sys, int dstfd, int srcfd,
    bool skip_caps, bool may_inherit, bool *caps, const char *path,
    struct meta_refusal *refused, struct err *e)
{
	const char *name, *end;
	ssize_t len = 0;

	*caps = false;
	if (srcfd != -1) {
		len = list_names(srcfd);
		if (len == -1)
			return err_set(e, errno,
			    "cannot list the extended attributes of '%s'",
			    path);
	}
	end = len > 0 ? names_buf.p + len : names_buf.p;
	for (name = names_buf.p; name < end; name += strlen(name) + 1) {
		if (skip_caps && strcmp(name, XATTR_CAPS) == 0) {
			*caps = true;
			continue;
		}
		if (copy_xattr(sys, dstfd, srcfd, name, path, refused,
		    e) == -1)
			return -1;
	}
	if (!may_inherit)
		return 0;
	return drop_inherited_acls(sys, dstfd, len, path, e);
}

int
meta_apply_fd(const struct sys_ops *sys, int dstfd, int srcfd,
    const struct stat *st, bool set_owner, bool may_inherit,
    const char *path, struct meta_refusal *refused, struct err *e)
{
	struct timespec ts[2];
	bool caps;

	if (copy_xattrs(sys, dstfd, srcfd, set_owner, may_inherit, &caps,
	    path, refused, e) == -1)
		return -1;
	if (set_owner && sys->fchown(dstfd, st->st_uid, st->st_gid) == -1)
		return err_set(e, errno, "cannot set the owner of '%s'", path);
	if (caps && copy_xattr(sys, dstfd, srcfd, XATTR_CAPS, path, refused,
	    e) == -1)
		return -1;
	/* After chown, which clears the set-id bits this puts back. */
	if (sys->fchmod(dstfd, st->st_mode & 07777) == -1)
		return err_set(e, errno, "cannot set the mode of '%s'", path);
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (sys->futimens(dstfd, ts) == -1)
		return err_set(e, errno, "cannot set the times of '%s'", path);
	return 0;
}

int
meta_apply_at(const struct sys_ops *sys, int dirfd, const char *name,
    int srcfd, const struct stat *st, bool set_owner, const char *path,
    struct meta_refusal *refused, struct err *e)
{
	struct timespec ts[2];
	bool caps;
	int fd, r;

	/* Nothing follows a symlink: O_PATH holds the node itself. */
	if ((fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_set(e, errno, "cannot open '%s'", path);
	r = copy_xattrs(sys, fd, srcfd, false, true, &caps, path, refused,
	    e);
	close(fd);
	if (r == -1)
		return -1;
	if (set_owner && sys->fchownat(dirfd, name, st->st_uid, st->st_gid,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return err_set(e, errno, "cannot set the owner of '%s'", path);
	/* A symlink has no mode of its own (Linux cannot set one). */
	if (!S_ISLNK(st->st_mode) && sys->fchmodat(dirfd, name,
	    st->st_mode & 07777, AT_SYMLINK_NOFOLLOW) == -1)
		return err_set(e, errno, "cannot set the mode of '%s'", path);
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (sys->utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) == -1)
		return err_set(e, errno, "cannot set the times of '%s'", path);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: byte order, as promised. */
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

uint64_t
meta_xattr_hash(int fd)
{
	XXH3_state_t *state = &hash_state;
	const char **order, *name, *end;
	unsigned char lenbuf[4];
	size_t count = 0, hashed = 0, i;
	uint64_t digest = 0;
	ssize_t len, n;

	len = list_names(fd);
	if (len <= 0)
		return 0;
	end = names_buf.p + len;
	for (name = names_buf.p; name < end; name += strlen(name) + 1)
		count++;
	if (buf_reserve(&order_buf, count * sizeof(*order)) == -1)
		return 0;
	order = (const char **)(void *)order_buf.p;
	i = 0;
	for (name = names_buf.p; name < end; name += strlen(name) + 1)
		order[i++] = name;
	qsort(order, count, sizeof(*order), cmp_names);

	XXH3_64bits_reset(state);
	for (i = 0; i < count; i++) {
		n = get_value(fd, order[i]);
		if (n == -1 && errno == ENODATA)
			continue;	/* removed since the listing */
		if (n == -1)
			return 0;
		lenbuf[0] = n & 0xff;
		lenbuf[1] = (n >> 8) & 0xff;
		lenbuf[2] = (n >> 16) & 0xff;
		lenbuf[3] = (n >> 24) & 0xff;
		XXH3_64bits_update(state, order[i], strlen(order[i]) + 1);
		XXH3_64bits_update(state, lenbuf, sizeof(lenbuf));
		XXH3_64bits_update(state, value_buf.p, n);
		hashed++;
	}
	if (hashed > 0) {
		digest = XXH3_64bits_digest(state);
		/* 0 means "no xattrs"; a real fingerprint must not say so. */
		if (digest == 0)
			digest = 1;
	}
	return digest;
}
