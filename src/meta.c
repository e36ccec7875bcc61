#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "buf.h"

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
			n = flistxattr(fd, names_buf.p, names_buf.cap);
			if (n >= 0 || errno != ERANGE)
				break;
		}
		/* No buffer yet, or the list grew meanwhile. */
		n = flistxattr(fd, NULL, 0);
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
			n = fgetxattr(fd, name, value_buf.p, value_buf.cap);
			if (n >= 0 || errno != ERANGE)
				return n;
		}
		n = fgetxattr(fd, name, NULL, 0);
		if (n == -1)
			return -1;
		/* Room for an empty value too, so the loop ends. */
		if (buf_reserve(&value_buf, n > 0 ? n : 1) == -1)
			return -1;
	}
}

static bool
xattr_refused(int errnum)
{
	return errnum == ENOTSUP || errnum == EOPNOTSUPP || errnum == EPERM;
}

/*
 * Copies xattr name from srcfd to dstfd.  A value the destination
 * refuses is counted in *skipped; one that vanished from the source is
 * no longer there to copy.  Returns 0, or -1 with e set.
 */
static int
copy_xattr(const struct sys_ops *sys, int dstfd, int srcfd, const char *name, const char *path,
    unsigned *skipped, struct err *e)
{
	ssize_t n;

	n = get_value(srcfd, name);
	if (n == -1) {
		if (errno == ENODATA)
			return 0;
		if (xattr_refused(errno))
			goto refused;
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
refused:
	if (skipped != NULL)
		(*skipped)++;
	return 0;
}

int
meta_apply_fd(const struct sys_ops *sys, int dstfd, int srcfd,
    const struct stat *st, bool set_owner,
    const char *path, unsigned *xattr_skipped, struct err *e)
{
	struct timespec ts[2];
	const char *name, *end;
	ssize_t len = 0;
	bool caps = false;

	if (srcfd != -1) {
		len = list_names(srcfd);
		if (len == -1)
			return err_set(e, errno,
			    "cannot list the extended attributes of '%s'",
			    path);
	}
	if (len > 0) {
		end = names_buf.p + len;
		for (name = names_buf.p; name < end;
		    name += strlen(name) + 1) {
			if (set_owner && strcmp(name, XATTR_CAPS) == 0) {
				caps = true;
				continue;
			}
			if (copy_xattr(sys, dstfd, srcfd, name, path, xattr_skipped,
			    e) == -1)
				return -1;
		}
	}

	if (set_owner && sys->fchown(dstfd, st->st_uid, st->st_gid) == -1)
		return err_set(e, errno, "cannot set the owner of '%s'", path);
	if (caps && copy_xattr(sys, dstfd, srcfd, XATTR_CAPS, path, xattr_skipped,
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
    const struct stat *st,
    bool set_owner, const char *path, struct err *e)
{
	struct timespec ts[2];

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
