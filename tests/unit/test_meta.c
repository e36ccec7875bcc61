/*
 * Unit tests of meta.c in a scratch directory: mode, ns times, xattrs,
 * owner (as root only) and the xattr fingerprint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <xxhash.h>

#include "meta.h"
#include "sys_fault.h"

struct scratch {
	char	path[256];
	int	dirfd;
	int	xattrs;		/* scratch filesystem takes user.* */
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
new_file(struct scratch *s, const char *name)
{
	int fd;

	fd = openat(s->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	assert_int_not_equal(fd, -1);
	return fd;
}

static int
setup(void **state)
{
	struct scratch *s;
	const char *tmp;
	int fd;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	tmp = getenv("TMPDIR");
	snprintf(s->path, sizeof(s->path), "%s/test_meta.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(s->path) == NULL) {
		free(s);
		return -1;
	}
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd == -1)
		return -1;
	fd = openat(s->dirfd, "probe", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	s->xattrs = fsetxattr(fd, "user.probe", "1", 1, 0) == 0;
	close(fd);
	unlinkat(s->dirfd, "probe", 0);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	close(s->dirfd);
	nftw(s->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

static void
need_xattrs(struct scratch *s)
{
	if (!s->xattrs) {
		print_message("scratch filesystem has no user xattrs\n");
		skip();
	}
}

static void
set_xattr(int fd, const char *name, const char *value, size_t len)
{
	assert_int_equal(fsetxattr(fd, name, value, len, 0), 0);
}

static void
assert_xattr(int fd, const char *name, const char *value, size_t len)
{
	char buf[8192];
	ssize_t n;

	n = fgetxattr(fd, name, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(buf, value, len);
}

static void
test_meta_apply_fd_mode_times_xattrs(void **state)
{
	struct scratch *s = *state;
	char big[3000];
	struct stat st, got;
	struct err e;
	struct meta_refusal skipped = { 0, 0, "" };
	int src, dst;

	need_xattrs(s);
	memset(big, 'x', sizeof(big));
	src = new_file(s, "src");
	dst = new_file(s, "dst");
	set_xattr(src, "user.note", "hello", 5);
	/* Bigger than the first buffer, so the buffer has to grow. */
	set_xattr(src, "user.big", big, sizeof(big));
	set_xattr(src, "user.empty", "", 0);
	assert_int_equal(fstat(src, &st), 0);
	st.st_mode = S_IFREG | 0640;
	st.st_mtim.tv_sec = 1234567890;
	st.st_mtim.tv_nsec = 123456789;
	st.st_atim.tv_sec = 1000000001;
	st.st_atim.tv_nsec = 987654321;

	assert_int_equal(meta_apply_fd(&sys_real, dst, src, &st, false, true, "a/dst",
	    &skipped, &e), 0);
	assert_int_equal(skipped.count, 0);
	assert_int_equal(fstat(dst, &got), 0);
	assert_int_equal(got.st_mode & 07777, 0640);
	assert_int_equal(got.st_mtim.tv_sec, 1234567890);
	assert_int_equal(got.st_mtim.tv_nsec, 123456789);
	assert_int_equal(got.st_atim.tv_sec, 1000000001);
	assert_int_equal(got.st_atim.tv_nsec, 987654321);
	assert_xattr(dst, "user.note", "hello", 5);
	assert_xattr(dst, "user.big", big, sizeof(big));
	assert_xattr(dst, "user.empty", "", 0);
	assert_int_equal(meta_xattr_hash(dst), meta_xattr_hash(src));
	close(dst);
	close(src);
}

static void
test_meta_apply_fd_without_source(void **state)
{
	struct scratch *s = *state;
	struct stat st, got;
	struct err e;
	int dst;

	dst = new_file(s, "dst");
	assert_int_equal(fstat(dst, &st), 0);
	st.st_mode = S_IFREG | 0444;
	st.st_mtim.tv_sec = 86400;
	st.st_mtim.tv_nsec = 1;
	assert_int_equal(meta_apply_fd(&sys_real, dst, -1, &st, false, true, "dst", NULL, &e),
	    0);
	assert_int_equal(fstat(dst, &got), 0);
	assert_int_equal(got.st_mode & 07777, 0444);
	assert_int_equal(got.st_mtim.tv_sec, 86400);
	assert_int_equal(got.st_mtim.tv_nsec, 1);
	assert_int_equal(meta_xattr_hash(dst), 0);
	close(dst);
}

static void
test_meta_apply_fd_skips_refused_xattr(void **state)
{
	struct scratch *s = *state;
	struct stat st, got;
	struct err e;
	struct meta_refusal skipped = { 0, 0, "" };
	int src, fifo;

	need_xattrs(s);
	src = new_file(s, "src");
	set_xattr(src, "user.a", "1", 1);
	set_xattr(src, "user.b", "2", 1);
	/* A FIFO takes no user.* xattrs: EPERM, even for root. */
	assert_int_equal(mkfifoat(s->dirfd, "fifo", 0600), 0);
	fifo = openat(s->dirfd, "fifo", O_RDWR | O_CLOEXEC);
	assert_int_not_equal(fifo, -1);
	assert_int_equal(fstat(src, &st), 0);
	st.st_mode = S_IFIFO | 0620;
	assert_int_equal(meta_apply_fd(&sys_real, fifo, src, &st, false, true, "fifo",
	    &skipped, &e), 0);
	assert_int_equal(skipped.count, 2);
	assert_true(strcmp(skipped.name, "user.a") == 0 ||
	    strcmp(skipped.name, "user.b") == 0);
	assert_int_equal(skipped.errnum, EPERM);
	assert_int_equal(fstat(fifo, &got), 0);
	assert_int_equal(got.st_mode & 07777, 0620);
	close(fifo);
	close(src);
}

static void
test_meta_apply_fd_error_names_path(void **state)
{
	struct scratch *s = *state;
	struct stat st;
	struct err e;
	int dst;

	dst = new_file(s, "dst");
	assert_int_equal(fstat(dst, &st), 0);
	close(dst);
	/* A closed fd: the first call that needs it fails. */
	assert_int_equal(meta_apply_fd(&sys_real, dst, -1, &st, false, true, "a/b", NULL, &e),
	    -1);
	assert_int_equal(e.errnum, EBADF);
	assert_non_null(strstr(e.msg, "cannot set the mode of 'a/b'"));
}

static void
test_meta_apply_fd_owner(void **state)
{
	struct scratch *s = *state;
	/* VFS_CAP_REVISION_2 | effective, permitted CAP_NET_RAW */
	static const char caps[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20 };
	char got_caps[64];
	struct stat st, got;
	struct err e;
	struct meta_refusal skipped = { 0, 0, "" };
	ssize_t n;
	int src, dst;

	if (geteuid() != 0) {
		print_message("needs root\n");
		skip();
	}
	src = new_file(s, "src");
	dst = new_file(s, "dst");
	assert_int_equal(fsetxattr(src, "security.capability", caps,
	    sizeof(caps), 0), 0);
	n = fgetxattr(src, "security.capability", got_caps, sizeof(got_caps));
	assert_true(n > 0);
	assert_int_equal(fstat(src, &st), 0);
	st.st_uid = 1234;
	st.st_gid = 5678;
	/* chown clears set-id bits and file capabilities: both must stay. */
	st.st_mode = S_IFREG | 06755;
	assert_int_equal(meta_apply_fd(&sys_real, dst, src, &st, true, true, "dst", &skipped,
	    &e), 0);
	assert_int_equal(skipped.count, 0);
	assert_int_equal(fstat(dst, &got), 0);
	assert_int_equal(got.st_uid, 1234);
	assert_int_equal(got.st_gid, 5678);
	assert_int_equal(got.st_mode & 07777, 06755);
	assert_xattr(dst, "security.capability", got_caps, n);
	close(dst);
	close(src);
}

static void
test_meta_apply_at_fifo_and_symlink(void **state)
{
	struct scratch *s = *state;
	struct stat st, got, target;
	struct err e;
	int fd;

	assert_int_equal(mkfifoat(s->dirfd, "fifo", 0600), 0);
	assert_int_equal(fstatat(s->dirfd, "fifo", &st, AT_SYMLINK_NOFOLLOW),
	    0);
	st.st_mode = S_IFIFO | 0604;
	st.st_mtim.tv_sec = 1500000000;
	st.st_mtim.tv_nsec = 42;
	assert_int_equal(meta_apply_at(&sys_real, s->dirfd, "fifo", -1, &st, false,
	    "fifo", NULL, &e), 0);
	assert_int_equal(fstatat(s->dirfd, "fifo", &got, AT_SYMLINK_NOFOLLOW),
	    0);
	assert_int_equal(got.st_mode & 07777, 0604);
	assert_int_equal(got.st_mtim.tv_sec, 1500000000);
	assert_int_equal(got.st_mtim.tv_nsec, 42);

	/* The symlink gets the times; its target is left alone. */
	fd = new_file(s, "target");
	close(fd);
	assert_int_equal(fstatat(s->dirfd, "target", &target, 0), 0);
	assert_int_equal(symlinkat("target", s->dirfd, "link"), 0);
	assert_int_equal(fstatat(s->dirfd, "link", &st, AT_SYMLINK_NOFOLLOW),
	    0);
	st.st_mtim.tv_sec = 1600000000;
	st.st_mtim.tv_nsec = 7;
	if (geteuid() == 0) {
		st.st_uid = 4321;
		st.st_gid = 8765;
	}
	assert_int_equal(meta_apply_at(&sys_real, s->dirfd, "link", -1, &st,
	    geteuid() == 0, "link", NULL, &e), 0);
	assert_int_equal(fstatat(s->dirfd, "link", &got, AT_SYMLINK_NOFOLLOW),
	    0);
	assert_int_equal(got.st_mtim.tv_sec, 1600000000);
	assert_int_equal(got.st_mtim.tv_nsec, 7);
	if (geteuid() == 0) {
		assert_int_equal(got.st_uid, 4321);
		assert_int_equal(got.st_gid, 8765);
	}
	assert_int_equal(fstatat(s->dirfd, "target", &got, 0), 0);
	assert_int_equal(got.st_mode, target.st_mode);
	assert_int_equal(got.st_uid, target.st_uid);
	assert_int_equal(got.st_mtim.tv_sec, target.st_mtim.tv_sec);
	assert_int_equal(got.st_mtim.tv_nsec, target.st_mtim.tv_nsec);
}

static void
test_meta_apply_at_missing_name(void **state)
{
	struct scratch *s = *state;
	struct stat st;
	struct err e;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFIFO | 0600;
	assert_int_equal(meta_apply_at(&sys_real, s->dirfd, "nope", -1, &st, false,
	    "x/nope", NULL, &e), -1);
	assert_int_equal(e.errnum, ENOENT);
	assert_non_null(strstr(e.msg, "'x/nope'"));
}

static void
test_meta_xattr_hash_none_is_zero(void **state)
{
	struct scratch *s = *state;
	int fd;

	fd = new_file(s, "f");
	assert_int_equal(meta_xattr_hash(fd), 0);
	close(fd);
	/* An error counts as no xattrs. */
	assert_int_equal(meta_xattr_hash(fd), 0);
}

static void
test_meta_xattr_hash_order_and_values(void **state)
{
	struct scratch *s = *state;
	uint64_t ha, hb, hc;
	int a, b, c;

	need_xattrs(s);
	a = new_file(s, "a");
	b = new_file(s, "b");
	c = new_file(s, "c");
	set_xattr(a, "user.one", "1", 1);
	set_xattr(a, "user.two", "22", 2);
	set_xattr(a, "user.three", "", 0);
	set_xattr(b, "user.three", "", 0);
	set_xattr(b, "user.two", "22", 2);
	set_xattr(b, "user.one", "1", 1);
	set_xattr(c, "user.one", "1", 1);
	set_xattr(c, "user.two", "23", 2);
	set_xattr(c, "user.three", "", 0);
	ha = meta_xattr_hash(a);
	hb = meta_xattr_hash(b);
	hc = meta_xattr_hash(c);
	assert_int_not_equal(ha, 0);
	assert_int_equal(ha, hb);
	assert_int_not_equal(ha, hc);

	/* A value may not move into the name or the next value. */
	set_xattr(c, "user.two", "22", 2);
	assert_int_equal(meta_xattr_hash(c), ha);
	assert_int_equal(fremovexattr(c, "user.three"), 0);
	set_xattr(c, "user.three", "x", 1);
	assert_int_not_equal(meta_xattr_hash(c), ha);
	close(a);
	close(b);
	close(c);
}

static void
test_meta_xattr_hash_format(void **state)
{
	struct scratch *s = *state;
	/* "user.a\0", len 3 LE, "xyz", "user.b\0", len 1 LE, "q" */
	static const unsigned char stream[] = {
		'u', 's', 'e', 'r', '.', 'a', 0, 3, 0, 0, 0, 'x', 'y', 'z',
		'u', 's', 'e', 'r', '.', 'b', 0, 1, 0, 0, 0, 'q',
	};
	int fd;

	need_xattrs(s);
	fd = new_file(s, "f");
	set_xattr(fd, "user.b", "q", 1);
	set_xattr(fd, "user.a", "xyz", 3);
	/* The manifest stores this value: its format must not drift. */
	assert_int_equal(meta_xattr_hash(fd), XXH3_64bits(stream,
	    sizeof(stream)));
	close(fd);
}

static void
need_root(void)
{
	if (geteuid() != 0) {
		print_message("needs root (trusted.* xattrs, default ACLs)\n");
		skip();
	}
}

/* A symlink and a FIFO get their source's xattrs through O_PATH. */
static void
test_meta_apply_at_copies_node_xattrs(void **state)
{
	struct scratch *s = *state;
	static const char *const names[] = { "link", "fifo" };
	char src_name[4096], value[16];
	struct stat st;
	struct err e;
	int i, src;

	need_root();
	assert_int_equal(symlinkat("somewhere", s->dirfd, "src-link"), 0);
	assert_int_equal(symlinkat("somewhere", s->dirfd, "link"), 0);
	assert_int_equal(mkfifoat(s->dirfd, "src-fifo", 0600), 0);
	assert_int_equal(mkfifoat(s->dirfd, "fifo", 0600), 0);
	for (i = 0; i < 2; i++) {
		snprintf(src_name, sizeof(src_name), "src-%s", names[i]);
		src = openat(s->dirfd, src_name, O_PATH | O_NOFOLLOW);
		assert_int_not_equal(src, -1);
		/* Through the O_PATH descriptor, as snap writes them. */
		assert_int_equal(sys_real.fsetxattr(src, "trusted.t", "v1", 2,
		    0), 0);
		assert_int_equal(fstat(src, &st), 0);
		assert_int_equal(meta_apply_at(&sys_real, s->dirfd, names[i],
		    src, &st, true, names[i], NULL, &e), 0);
		close(src);
		snprintf(src_name, sizeof(src_name), "%s/%s", s->path,
		    names[i]);
		assert_int_equal(lgetxattr(src_name, "trusted.t", value,
		    sizeof(value)), 2);
		assert_memory_equal(value, "v1", 2);
	}
}

/* Writes a POSIX ACL xattr: version 2, then (tag, perm, id) entries. */
static int
set_acl(int fd, const char *name, const uint32_t (*ents)[3], int n)
{
	unsigned char buf[4 + 8 * 8], *p = buf;
	int i;

	p[0] = 2, p[1] = p[2] = p[3] = 0, p += 4;
	for (i = 0; i < n; i++, p += 8) {
		p[0] = ents[i][0], p[1] = 0;
		p[2] = ents[i][1], p[3] = 0;
		p[4] = ents[i][2] & 0xff, p[5] = (ents[i][2] >> 8) & 0xff;
		p[6] = (ents[i][2] >> 16) & 0xff, p[7] = ents[i][2] >> 24;
	}
	return fsetxattr(fd, name, buf, (size_t)(p - buf), 0);
}

/*
 * A folder with a default ACL naming user 4242: a file made in it
 * inherits an access ACL.  A copy of a source without ACLs must not
 * keep it (nor a folder its default ACL).
 */
static void
test_meta_apply_fd_drops_inherited_acls(void **state)
{
	static const uint32_t def[][3] = {
		{ 0x01, 7, 0xffffffff },	/* user:: rwx */
		{ 0x02, 7, 4242 },		/* user:4242: rwx */
		{ 0x04, 5, 0xffffffff },	/* group:: r-x */
		{ 0x10, 7, 0xffffffff },	/* mask:: rwx */
		{ 0x20, 5, 0xffffffff },	/* other:: r-x */
	};
	struct scratch *s = *state;
	int dir, dst, sub, src;
	struct stat st;
	struct err e;

	need_root();
	assert_int_equal(mkdirat(s->dirfd, "acl", 0755), 0);
	dir = openat(s->dirfd, "acl", O_RDONLY | O_DIRECTORY);
	assert_int_not_equal(dir, -1);
	if (set_acl(dir, "system.posix_acl_default", def, 5) == -1) {
		close(dir);
		print_message("scratch filesystem has no ACLs\n");
		skip();
	}
	src = new_file(s, "plain");
	assert_int_equal(fstat(src, &st), 0);
	dst = openat(dir, "copy", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_int_not_equal(dst, -1);
	assert_true(fgetxattr(dst, "system.posix_acl_access", NULL, 0) > 0);
	assert_int_equal(meta_apply_fd(&sys_real, dst, src, &st, true, true, "copy",
	    NULL, &e), 0);
	assert_int_equal(fgetxattr(dst, "system.posix_acl_access", NULL, 0),
	    -1);
	assert_int_equal(errno, ENODATA);

	assert_int_equal(mkdirat(dir, "sub", 0700), 0);
	sub = openat(dir, "sub", O_RDONLY | O_DIRECTORY);
	assert_true(fgetxattr(sub, "system.posix_acl_default", NULL, 0) > 0);
	st.st_mode = S_IFDIR | 0700;
	assert_int_equal(meta_apply_fd(&sys_real, sub, -1, &st, true, true, "sub",
	    NULL, &e), 0);
	assert_int_equal(fgetxattr(sub, "system.posix_acl_default", NULL, 0),
	    -1);
	assert_int_equal(fgetxattr(sub, "system.posix_acl_access", NULL, 0),
	    -1);
	close(sub);
	close(dst);
	close(src);
	close(dir);
}

/*
 * ext4 refuses a value that does not fit beside the inode with ENOSPC:
 * that is one xattr left out, named, not a full disk.
 */
static void
test_meta_apply_fd_enospc_xattr_is_refusal(void **state)
{
	struct scratch *s = *state;
	struct meta_refusal refused = { 0, 0, "" };
	const struct sys_ops *ops;
	struct stat st;
	struct err e;
	int src, dst;

	need_xattrs(s);
	src = new_file(s, "src");
	set_xattr(src, "user.big", "x", 1);
	dst = new_file(s, "dst");
	assert_int_equal(fstat(src, &st), 0);
	ops = sys_fault_wrap(&sys_real);
	assert_int_equal(sys_fault_add("fsetxattr", 1, ENOSPC, SYS_FAULT_ONCE,
	    &e), 0);
	assert_int_equal(meta_apply_fd(ops, dst, src, &st, false, true, "dst",
	    &refused, &e), 0);
	sys_fault_reset();
	assert_int_equal(refused.count, 1);
	assert_string_equal(refused.name, "user.big");
	assert_int_equal(refused.errnum, ENOSPC);
	meta_refusal_describe(&refused, "d/dst", &e);
	assert_non_null(strstr(e.msg, "'d/dst' is stored without its "
	    "extended attribute user.big"));
	refused.count = 3;
	meta_refusal_describe(&refused, "d/dst", &e);
	assert_non_null(strstr(e.msg, "and 2 more"));
	close(src);
	close(dst);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_fd_mode_times_xattrs, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_fd_without_source, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_fd_skips_refused_xattr, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_fd_error_names_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_apply_fd_owner,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_at_fifo_and_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_at_missing_name, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_xattr_hash_none_is_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_xattr_hash_order_and_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_xattr_hash_format,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_at_copies_node_xattrs, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_fd_drops_inherited_acls, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meta_apply_fd_enospc_xattr_is_refusal, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
