/*
 * Unit tests of beneath.c in a scratch directory: a path longer than
 * PATH_MAX opens (a piece at a time) and still refuses a symlink on the
 * way, at any piece; beneath_reopen gives the folder it was and refuses,
 * with ESTALE, another folder put at its name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "rmtree.h"
#include "scratch.h"
#include "sys.h"

#define LEVELS 300
#define NAME "level-xxxxxxxxxxxxxxxxxxxxxxxx"	/* 30 bytes */

/* Makes d/deep/NAME/NAME/... LEVELS deep with a file "f" at the bottom,
 * and returns that path (below d), malloc'ed. */
static char *
make_deep(int dirfd)
{
	size_t len = strlen("deep") + LEVELS * (strlen(NAME) + 1);
	char *path = malloc(len + 3), *p;
	int fd, next, i;

	assert_non_null(path);
	assert_int_equal(mkdirat(dirfd, "deep", 0700), 0);
	fd = openat(dirfd, "deep", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	p = path + sprintf(path, "deep");
	for (i = 0; i < LEVELS; i++) {
		assert_int_equal(mkdirat(fd, NAME, 0700), 0);
		next = openat(fd, NAME, O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
		p += sprintf(p, "/%s", NAME);
	}
	next = openat(fd, "f", O_WRONLY | O_CREAT, 0600);
	assert_true(next >= 0);
	close(next);
	close(fd);
	assert_true(strlen(path) > PATH_MAX);
	return path;
}

static void
remove_deep(struct scratch_dir *d)
{
	struct err e;

	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "deep", NULL, &e),
	    0);
}

static void
test_beneath_long_path_opens(void **state)
{
	struct scratch_dir *d = *state;
	char *path = make_deep(d->dirfd), *file;
	struct stat st;
	int fd;

	fd = beneath_open(d->dirfd, path, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(fstatat(fd, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
	close(fd);
	assert_non_null(file = malloc(strlen(path) + 3));
	sprintf(file, "%s/f", path);
	fd = beneath_open(d->dirfd, file, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
	free(file);
	free(path);
	remove_deep(d);
}

/*
 * Swaps the folder path[0..at) (a NAME) for a symlink to it, or back
 * (undo).  The parent is opened with beneath_open: the path may be
 * longer than the calls without a dirfd take.
 */
static void
swap_for_symlink(int dirfd, char *path, size_t at, bool undo)
{
	char *slash;
	int parent;

	path[at] = '\0';
	slash = strrchr(path, '/');
	*slash = '\0';
	parent = beneath_open(dirfd, path, O_RDONLY | O_DIRECTORY);
	*slash = '/';
	path[at] = '/';
	assert_true(parent >= 0);
	if (!undo) {
		assert_int_equal(renameat(parent, NAME, dirfd, "moved"), 0);
		assert_int_equal(symlinkat("/", parent, NAME), 0);
	} else {
		assert_int_equal(unlinkat(parent, NAME, 0), 0);
		assert_int_equal(renameat(dirfd, "moved", parent, NAME), 0);
	}
	close(parent);
}

/* A symlink swapped in deep down (past the first PATH_MAX bytes) and one
 * near the top both stop the open. */
static void
test_beneath_long_path_refuses_symlink(void **state)
{
	struct scratch_dir *d = *state;
	char *path = make_deep(d->dirfd);
	size_t at[2] = { strlen("deep/") + strlen(NAME),
	    strlen(path) - 3 * (strlen(NAME) + 1) };
	int i, fd;

	for (i = 0; i < 2; i++) {
		swap_for_symlink(d->dirfd, path, at[i], false);
		errno = 0;
		fd = beneath_open(d->dirfd, path, O_RDONLY | O_DIRECTORY);
		assert_int_equal(fd, -1);
		assert_true(errno == ELOOP || errno == ENOTDIR ||
		    errno == EXDEV);
		swap_for_symlink(d->dirfd, path, at[i], true);
	}
	fd = beneath_open(d->dirfd, path, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	free(path);
	remove_deep(d);
}

static void
test_beneath_reopen_checks_inode(void **state)
{
	struct scratch_dir *d = *state;
	struct beneath_id id;
	int fd;

	assert_int_equal(mkdirat(d->dirfd, "a", 0700), 0);
	fd = openat(d->dirfd, "a", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(beneath_id_of(fd, &id), 0);
	close(fd);

	fd = beneath_reopen(d->dirfd, "a", O_RDONLY | O_DIRECTORY, &id);
	assert_true(fd >= 0);
	close(fd);

	/* Another folder under the same name is not the one closed. */
	assert_int_equal(renameat(d->dirfd, "a", d->dirfd, "b"), 0);
	assert_int_equal(mkdirat(d->dirfd, "a", 0700), 0);
	errno = 0;
	assert_int_equal(beneath_reopen(d->dirfd, "a", O_RDONLY | O_DIRECTORY,
	    &id), -1);
	assert_int_equal(errno, ESTALE);
	/* Gone: ENOENT. */
	assert_int_equal(unlinkat(d->dirfd, "a", AT_REMOVEDIR), 0);
	assert_int_equal(beneath_reopen(d->dirfd, "a", O_RDONLY | O_DIRECTORY,
	    &id), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(unlinkat(d->dirfd, "b", AT_REMOVEDIR), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_beneath_long_path_opens,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_beneath_long_path_refuses_symlink, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_beneath_reopen_checks_inode, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
