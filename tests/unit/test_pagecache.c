/*
 * Unit tests of pagecache.c on real files in a scratch folder: a file
 * dropped from the page cache is not held, one just read is, one of
 * which only a page is cached is; both ways of asking (cachestat, and
 * mincore, the fallback) agree; and asking reads nothing in.  Skipped
 * on tmpfs, whose pages cannot be dropped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "pagecache.h"
#include "scratch.h"

#define TMPFS_MAGIC	0x01021994
#define FILE_SIZE	(1024 * 1024)

/* A new file of FILE_SIZE bytes, written back and dropped from the cache. */
static int
dropped_file(struct scratch_dir *d, const char *name)
{
	static char buf[FILE_SIZE];
	int fd;

	memset(buf, 'x', sizeof(buf));
	fd = openat(d->dirfd, name, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	return fd;
}

static bool
on_tmpfs(struct scratch_dir *d)
{
	struct statfs fs;

	assert_int_equal(fstatfs(d->dirfd, &fs), 0);
	return fs.f_type == TMPFS_MAGIC;
}

static void
test_dropped_file_is_not_held(void **state)
{
	struct scratch_dir *d = *state;
	int fd;

	if (on_tmpfs(d))
		skip();
	fd = dropped_file(d, "cold");
	assert_false(pagecache_holds(fd, FILE_SIZE));
	assert_false(pagecache_holds_by_mincore(fd, FILE_SIZE));
	/* Asked twice each: neither read anything in. */
	assert_false(pagecache_holds(fd, FILE_SIZE));
	assert_false(pagecache_holds_by_mincore(fd, FILE_SIZE));
	close(fd);
}

static void
test_read_file_is_held(void **state)
{
	struct scratch_dir *d = *state;
	static char buf[FILE_SIZE];
	int fd;

	if (on_tmpfs(d))
		skip();
	fd = dropped_file(d, "hot");
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), sizeof(buf));
	assert_true(pagecache_holds(fd, FILE_SIZE));
	assert_true(pagecache_holds_by_mincore(fd, FILE_SIZE));
	close(fd);
}

/* One cached page at the end of the range asked about is enough. */
static void
test_one_cached_page_is_held(void **state)
{
	struct scratch_dir *d = *state;
	char c;
	int fd;

	if (on_tmpfs(d))
		skip();
	fd = dropped_file(d, "last-page");
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
	assert_int_equal(pread(fd, &c, 1, FILE_SIZE - 1), 1);
	assert_true(pagecache_holds(fd, FILE_SIZE));
	assert_true(pagecache_holds_by_mincore(fd, FILE_SIZE));
	/* ... but not when the range asked about ends before it. */
	assert_false(pagecache_holds(fd, FILE_SIZE / 2));
	assert_false(pagecache_holds_by_mincore(fd, FILE_SIZE / 2));
	close(fd);
}

/* Nothing to ask about: an empty range, and a descriptor that cannot be mapped. */
static void
test_nothing_to_hold(void **state)
{
	struct scratch_dir *d = *state;
	int fds[2];

	assert_false(pagecache_holds(d->dirfd, 0));
	assert_false(pagecache_holds_by_mincore(d->dirfd, 0));
	assert_int_equal(pipe(fds), 0);
	assert_false(pagecache_holds_by_mincore(fds[0], FILE_SIZE));
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dropped_file_is_not_held,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_read_file_is_held,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_one_cached_page_is_held,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_hold,
		    scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
