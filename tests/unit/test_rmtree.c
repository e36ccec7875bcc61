/*
 * Unit tests of rmtree.c in a scratch directory: a tree of every kind of
 * entry goes; a symlink is removed, never followed; a tree far deeper
 * than RMTREE_OPEN goes under a descriptor limit it would break if it
 * held one per level; read-only folders go; a failing unlinkat stops it
 * with the path named, and a second run finishes; a file whose unlink
 * fails stays; a top that is a mount point (root and a tmpfs, else
 * skipped) is refused or kept.  (Mount points inside: see
 * tests/func/t2120-delete-mount.sh.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmtree.h"
#include "scratch.h"
#include "sys_fault.h"

static bool
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
put_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* t/{a,b/{c,d/e},link -> ../outside, fifo, empty/}, and outside/keep. */
static void
make_tree(int dirfd)
{
	assert_int_equal(mkdirat(dirfd, "outside", 0700), 0);
	put_file(dirfd, "outside/keep", "keep\n");
	assert_int_equal(mkdirat(dirfd, "t", 0700), 0);
	put_file(dirfd, "t/a", "a\n");
	assert_int_equal(mkdirat(dirfd, "t/b", 0700), 0);
	put_file(dirfd, "t/b/c", "c\n");
	assert_int_equal(mkdirat(dirfd, "t/b/d", 0700), 0);
	put_file(dirfd, "t/b/d/e", "e\n");
	assert_int_equal(symlinkat("../outside", dirfd, "t/link"), 0);
	assert_int_equal(symlinkat("../outside", dirfd, "t/b/d/link"), 0);
	assert_int_equal(mkfifoat(dirfd, "t/fifo", 0600), 0);
	assert_int_equal(mkdirat(dirfd, "t/empty", 0700), 0);
}

static void
test_rmtree_removes_all_follows_nothing(void **state)
{
	struct scratch_dir *d = *state;
	struct rmtree_kept kept = { 0 };
	struct err e;

	make_tree(d->dirfd);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "t", &kept, &e),
	    0);
	assert_false(exists(d->dirfd, "t"));
	assert_true(exists(d->dirfd, "outside/keep"));
	assert_int_equal(kept.n, 0);
	/* Gone already, or not a folder: fine too. */
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "t", NULL, &e),
	    0);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "outside/keep",
	    NULL, &e), 0);
	assert_false(exists(d->dirfd, "outside/keep"));
	assert_int_equal(unlinkat(d->dirfd, "outside", AT_REMOVEDIR), 0);
}

/* A symlink to a folder as the top is removed, not what it points at. */
static void
test_rmtree_top_symlink(void **state)
{
	struct scratch_dir *d = *state;
	struct err e;

	make_tree(d->dirfd);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "t/link", NULL,
	    &e), 0);
	assert_false(exists(d->dirfd, "t/link"));
	assert_true(exists(d->dirfd, "outside/keep"));
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "t", NULL, &e), 0);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "outside", NULL,
	    &e), 0);
}

/*
 * 400 levels, under a limit of 64 descriptors: one per level would
 * need 400.
 */
static void
test_rmtree_deep_tree_bounded_descriptors(void **state)
{
	struct scratch_dir *d = *state;
	struct rlimit saved, low;
	struct err e;
	int fd, sub, i;

	assert_int_equal(mkdirat(d->dirfd, "deep", 0700), 0);
	fd = openat(d->dirfd, "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; i < 400; i++) {
		assert_true(fd >= 0);
		put_file(fd, "f", "x");
		assert_int_equal(mkdirat(fd, "sub", 0700), 0);
		/* Every tenth folder is read-only: it must still go. */
		if (i % 10 == 5)
			put_file(fd, "g", "y");
		sub = openat(fd, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (i % 10 == 5)
			assert_int_equal(fchmod(fd, 0500), 0);
		close(fd);
		fd = sub;
	}
	close(fd);

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	i = rmtree_remove(&sys_real, d->dirfd, "deep", NULL, &e);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	if (i != 0)
		fail_msg("%s", e.msg);
	assert_false(exists(d->dirfd, "deep"));
}

/* The Nth unlinkat fails: stop there, name it; a second run finishes. */
static void
test_rmtree_failure_stops_and_names(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	struct err e;
	unsigned long n, k;

	make_tree(d->dirfd);
	assert_int_equal(rmtree_remove(ops, d->dirfd, "t", NULL, &e), 0);
	n = sys_fault_count("unlinkat");
	assert_true(n >= 10);
	assert_int_equal(rmtree_remove(ops, d->dirfd, "outside", NULL, &e), 0);
	for (k = 1; k <= n; k++) {
		make_tree(d->dirfd);
		sys_fault_reset();
		assert_int_equal(sys_fault_add("unlinkat", k, EIO,
		    SYS_FAULT_ONCE, &e), 0);
		err_clear(&e);
		if (rmtree_remove(ops, d->dirfd, "t", NULL, &e) == 0)
			fail_msg("unlinkat %lu failed, rmtree said 0", k);
		assert_int_equal(e.errnum, EIO);
		assert_non_null(strstr(e.msg, "cannot remove 't"));
		assert_true(exists(d->dirfd, "outside/keep"));
		sys_fault_reset();
		assert_int_equal(rmtree_remove(ops, d->dirfd, "t", NULL, &e),
		    0);
		assert_false(exists(d->dirfd, "t"));
		assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "outside",
		    NULL, &e), 0);
	}
}

/* A file whose unlink fails: rmtree says so, naming it, and it stays. */
static void
test_rmtree_file_unlink_fails(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	struct err e;

	put_file(d->dirfd, "f", "f\n");
	/* The first unlinkat (as a folder) says ENOTDIR; the second fails. */
	assert_int_equal(sys_fault_add("unlinkat", 2, EIO, SYS_FAULT_ONCE,
	    &e), 0);
	assert_int_equal(rmtree_remove(ops, d->dirfd, "f", NULL, &e), -1);
	assert_int_equal(e.errnum, EIO);
	assert_non_null(strstr(e.msg, "cannot remove 'f': "));
	assert_true(exists(d->dirfd, "f"));
	sys_fault_reset();
	assert_int_equal(rmtree_remove(ops, d->dirfd, "f", NULL, &e), 0);
	assert_false(exists(d->dirfd, "f"));
}

/*
 * A top that is itself a mount point is never entered: an error
 * (EBUSY) for a caller that wants none kept, else kept and named, and
 * what is mounted there is untouched either way.  Needs root and a
 * tmpfs; skipped without.
 */
static void
test_rmtree_top_mount_point(void **state)
{
	struct scratch_dir *d = *state;
	struct rmtree_kept kept = { 0 };
	char path[sizeof(d->dir) + 8];
	struct err e1, e2;
	bool inside;
	int r1, r2;

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdirat(d->dirfd, "m", 0700), 0);
	snprintf(path, sizeof(path), "%s/m", d->dir);
	if (mount("tmpfs", path, "tmpfs", 0, "size=1m") == -1) {
		unlinkat(d->dirfd, "m", AT_REMOVEDIR);
		skip();
	}
	/* Both runs before any assert, so that a failure cannot leave the
	 * tmpfs mounted in the scratch folder. */
	put_file(d->dirfd, "m/inside", "inside\n");
	r1 = rmtree_remove(&sys_real, d->dirfd, "m", NULL, &e1);
	r2 = rmtree_remove(&sys_real, d->dirfd, "m", &kept, &e2);
	inside = exists(d->dirfd, "m/inside");
	assert_int_equal(umount(path), 0);
	assert_int_equal(r1, -1);
	assert_int_equal(e1.errnum, EBUSY);
	assert_non_null(strstr(e1.msg, "cannot remove 'm': it is a mount "
	    "point"));
	assert_int_equal(r2, 0);
	assert_int_equal(kept.n, 1);
	assert_string_equal(kept.first, "m");
	assert_true(inside);
	assert_int_equal(unlinkat(d->dirfd, "m", AT_REMOVEDIR), 0);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rmtree_removes_all_follows_nothing),
		T(test_rmtree_top_symlink),
		T(test_rmtree_deep_tree_bounded_descriptors),
		T(test_rmtree_failure_stops_and_names),
		T(test_rmtree_file_unlink_fails),
		T(test_rmtree_top_mount_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
