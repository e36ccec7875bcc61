/*
 * Unit tests of link.c's copy: a source rewritten in place while it is
 * copied.  A sys table rewrites the source (same size, new bytes) just
 * before the copy moves data, as a user editing her file during the
 * backup would.  The stored bytes and the recorded hash must agree, and
 * a file that kept changing must be said to have changed.
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
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "link.h"
#include "scratch.h"

#define SIZE 100000

static int	source_w = -1;		/* the source, open for writing */
static int	rewrites_left;
static char	version = 'A';

/* The user's edit: the whole file, same size, the next letter. */
static void
rewrite_source(void)
{
	static char buf[SIZE];

	if (rewrites_left == 0)
		return;
	if (rewrites_left > 0)
		rewrites_left--;
	version++;
	memset(buf, version, sizeof(buf));
	assert_int_equal(pwrite(source_w, buf, sizeof(buf), 0), SIZE);
}

static int
racing_ficlone(int dstfd, int srcfd)
{
	rewrite_source();
	return sys_real.ficlone(dstfd, srcfd);
}

static ssize_t
racing_copy_file_range(int infd, off_t *inoff, int outfd, off_t *outoff,
    size_t len, unsigned int flags)
{
	rewrite_source();
	return sys_real.copy_file_range(infd, inoff, outfd, outoff, len,
	    flags);
}

static ssize_t
racing_write(int fd, const void *buf, size_t count)
{
	rewrite_source();
	return sys_real.write(fd, buf, count);
}

static ssize_t
racing_pwrite(int fd, const void *buf, size_t count, off_t off)
{
	rewrite_source();
	return sys_real.pwrite(fd, buf, count, off);
}

static int reported;

static void
count_report(void *arg, const struct err *e)
{
	(void)arg;
	(void)e;
	reported++;
}

/*
 * Copies "src" to "dst" with rewrites rewrites during the copy (-1:
 * before every data call) and checks that the hash recorded is the hash
 * of the bytes stored.  Fills *out.
 */
static void
copy_racing(struct scratch_dir *d, int rewrites, struct link_copy *out)
{
	struct sys_ops racing = sys_real;
	unsigned char hash[ENTRY_HASH_LEN];
	struct linker l;
	struct stat st;
	uint64_t size;
	struct err e;
	int src, dst;

	racing.ficlone = racing_ficlone;
	racing.copy_file_range = racing_copy_file_range;
	racing.write = racing_write;
	racing.pwrite = racing_pwrite;
	source_w = openat(d->dirfd, "src", O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_int_not_equal(source_w, -1);
	rewrites_left = 0;
	version = 'A';
	{
		static char buf[SIZE];

		memset(buf, version, sizeof(buf));
		assert_int_equal(write(source_w, buf, sizeof(buf)), SIZE);
	}
	src = openat(d->dirfd, "src", O_RDONLY);
	assert_int_not_equal(src, -1);
	assert_int_equal(fstat(src, &st), 0);
	rewrites_left = rewrites;
	reported = 0;
	linker_init(&l, &racing, geteuid() == 0, count_report, NULL);
	assert_int_equal(linker_copy(&l, src, true, &st, d->dirfd, "dst", "dst",
	    out, &e), 0);
	linker_free(&l);
	rewrites_left = 0;

	dst = openat(d->dirfd, "dst", O_RDONLY);
	assert_int_not_equal(dst, -1);
	assert_int_equal(copy_hash_fd(dst, "dst", hash, &size, &e), 0);
	assert_int_equal(size, SIZE);
	assert_memory_equal(hash, out->hash, ENTRY_HASH_LEN);
	close(dst);
	close(src);
	close(source_w);
}

/* The first attempt saw an edit: the second copies what is there now. */
static void
test_copy_again_after_one_rewrite(void **state)
{
	struct scratch_dir *d = *state;
	struct link_copy out;
	char c;
	int dst;

	copy_racing(d, 1, &out);
	assert_false(out.changed);
	dst = openat(d->dirfd, "dst", O_RDONLY);
	assert_int_equal(pread(dst, &c, 1, SIZE - 1), 1);
	assert_int_equal(c, version);	/* the source's bytes now */
	close(dst);
	unlinkat(d->dirfd, "dst", 0);
	unlinkat(d->dirfd, "src", 0);
}

/* A file that never holds still is kept as stored, and says so. */
static void
test_copy_kept_when_always_rewritten(void **state)
{
	struct scratch_dir *d = *state;
	struct link_copy out;

	copy_racing(d, -1, &out);
	assert_true(out.changed);
	unlinkat(d->dirfd, "dst", 0);
	unlinkat(d->dirfd, "src", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_copy_again_after_one_rewrite, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copy_kept_when_always_rewritten, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
