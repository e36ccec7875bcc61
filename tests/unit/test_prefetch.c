/*
 * Unit tests of prefetch.c in a scratch directory: the threads read
 * every entry the walk will yield and no more (not an excluded folder's
 * contents, not the snapshot root inside a source, not a symlink's
 * target folder), keep within PREFETCH_AHEAD of a walk that does not
 * move, and stop at once when told, however far they are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "prefetch.h"
#include "rmtree.h"
#include "scratch.h"
#include "sys.h"

static void
touch(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	close(fd);
}

/* Folder dirfd/name with n files in it. */
static void
folder(int dirfd, const char *name, int n)
{
	char f[32];
	int fd, i;

	assert_int_equal(mkdirat(dirfd, name, 0700), 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "f%05d", i);
		touch(fd, f);
	}
	close(fd);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits until p has read want entries ahead (10 s at most). */
static uint64_t
wait_fetched(struct prefetch *p, uint64_t want)
{
	const struct timespec nap = { 0, 10000000 };
	double t0 = now();

	while (prefetch_fetched(p) < want && now() - t0 < 10)
		nanosleep(&nap, NULL);
	/* A little longer: it must not read more than want. */
	nanosleep(&nap, NULL);
	nanosleep(&nap, NULL);
	return prefetch_fetched(p);
}

static void
test_prefetch_no_threads(void **state)
{
	struct prefetch *p = (struct prefetch *)1;
	struct err e;

	(void)state;
	assert_int_equal(prefetch_start(&p, NULL, 0, NULL, -1, 0, &e), 0);
	assert_null(p);
	prefetch_walked(NULL, 5);
	assert_int_equal(prefetch_fetched(NULL), 0);
	prefetch_stop(NULL);
	assert_true(prefetch_default_jobs() >= 1);
}

static void
test_prefetch_reads_what_the_walk_will(void **state)
{
	struct scratch_dir *d = *state;
	struct config_source src[2];
	struct walk_skip skip = { 0, 0, false };
	struct prefetch *p = NULL;
	struct stat st;
	char path[128];
	struct err e;
	int fd;

	/* src: a (10 files), b (10), cache (10, excluded), root (the
	 * "snapshot root": 10, skipped), link -> a: the 5 names of src
	 * and the 20 files of a and b. */
	assert_int_equal(mkdirat(d->dirfd, "src", 0700), 0);
	fd = openat(d->dirfd, "src", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	folder(fd, "a", 10);
	folder(fd, "b", 10);
	folder(fd, "cache", 10);
	folder(fd, "root", 10);
	assert_int_equal(symlinkat("a", fd, "link"), 0);
	assert_int_equal(fstatat(fd, "root", &st, 0), 0);
	close(fd);
	skip.dev = st.st_dev;
	skip.ino = st.st_ino;
	skip.set = true;

	memset(src, 0, sizeof(src));
	snprintf(path, sizeof(path), "%s/src", d->dir);
	src[0].path = path;
	src[0].dest = "src";
	assert_int_equal(filter_add_rule(&src[0].filter, false, "/cache/"),
	    0);
	/* A remote source is not read ahead. */
	src[1].path = "/";
	src[1].dest = "zz";
	src[1].host = "example.org";

	assert_int_equal(prefetch_start(&p, src, 2, &skip, -1, 3, &e), 0);
	assert_non_null(p);
	prefetch_walked(p, 1000000);
	assert_int_equal(wait_fetched(p, 25), 25);
	prefetch_stop(p);
	filter_free(&src[0].filter);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "src", NULL, &e),
	    0);
}

static void
test_prefetch_keeps_to_the_walk_and_stops(void **state)
{
	struct scratch_dir *d = *state;
	struct config_source src;
	struct prefetch *p = NULL;
	char path[128];
	uint64_t got;
	struct err e;
	double t0;
	int fd;

	/* More entries than the threads may read ahead of a walk that
	 * has not started. */
	assert_int_equal(mkdirat(d->dirfd, "src", 0700), 0);
	fd = openat(d->dirfd, "src", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	folder(fd, "a", PREFETCH_AHEAD / 2);
	folder(fd, "b", PREFETCH_AHEAD / 2);
	folder(fd, "c", 1000);
	close(fd);

	memset(&src, 0, sizeof(src));
	snprintf(path, sizeof(path), "%s/src", d->dir);
	src.path = path;
	src.dest = "src";
	assert_int_equal(prefetch_start(&p, &src, 1, NULL, -1, 2, &e), 0);
	got = wait_fetched(p, PREFETCH_AHEAD);
	/* Each thread may be one entry past the mark when it looks. */
	assert_true(got >= PREFETCH_AHEAD && got <= PREFETCH_AHEAD + 2);
	prefetch_walked(p, 100);
	got = wait_fetched(p, PREFETCH_AHEAD + 100);
	assert_true(got >= PREFETCH_AHEAD + 100 &&
	    got <= PREFETCH_AHEAD + 102);
	/* Waiting on the walk, they stop at once when told. */
	t0 = now();
	prefetch_stop(p);
	assert_true(now() - t0 < 1.0);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "src", NULL, &e),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefetch_no_threads),
		cmocka_unit_test_setup_teardown(
		    test_prefetch_reads_what_the_walk_will, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_prefetch_keeps_to_the_walk_and_stops, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
