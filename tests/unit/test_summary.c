/*
 * test_summary: NAME.summary keeps a create run's record, and
 * summary_read (the one reader of it) gives it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "summary.h"
#include "sys.h"

#define NAME "2026-11-24T030012Z"

static void
write_file(int dirfd, const char *name, const char *text)
{
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
test_summary_round_trip(void **state)
{
	struct scratch_dir *d = *state;
	struct create_stats in, out;
	struct err e;

	memset(&in, 0, sizeof(in));
	strcpy(in.name, NAME);
	strcpy(in.prev, "2026-11-23T030012Z");
	strcpy(in.label, "before the upgrade \"x\"");
	in.entries = 10;
	in.files = 7;
	in.copied = 3;
	in.copied_by[REASON_CONTENT] = 2;
	in.bytes_by[REASON_EXDEV] = 12345;
	in.warnings = 1;
	in.seconds = 1.5;
	assert_int_equal(summary_write(d->dirfd, &in, &sys_real, &e), 0);
	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), 0);
	assert_string_equal(out.name, NAME);
	assert_string_equal(out.prev, in.prev);
	assert_string_equal(out.label, in.label);
	assert_int_equal(out.entries, 10);
	assert_int_equal(out.files, 7);
	assert_int_equal(out.copied, 3);
	assert_int_equal(out.copied_by[REASON_CONTENT], 2);
	assert_int_equal(out.bytes_by[REASON_EXDEV], 12345);
	assert_int_equal(out.warnings, 1);
	assert_true(out.seconds > 1.49 && out.seconds < 1.51);
	unlinkat(d->dirfd, NAME ".summary", 0);
}

/* Older records have no label; newer ones may have keys we lack. */
static void
test_summary_read_skips_unknown_keys(void **state)
{
	struct scratch_dir *d = *state;
	struct create_stats out;
	struct err e;

	write_file(d->dirfd, NAME ".summary", "snap-summary 1\n"
	    "name " NAME "\nprev -\nfrom_the_future 7\nwarnings 2\n");
	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), 0);
	assert_string_equal(out.label, "");
	assert_string_equal(out.prev, "");
	assert_int_equal(out.warnings, 2);
	unlinkat(d->dirfd, NAME ".summary", 0);
}

static void
test_summary_read_missing_and_foreign(void **state)
{
	struct scratch_dir *d = *state;
	struct create_stats out;
	struct err e;

	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), -1);
	assert_int_equal(e.errnum, ENOENT);
	write_file(d->dirfd, NAME ".summary", "something else\n");
	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), -1);
	unlinkat(d->dirfd, NAME ".summary", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_summary_round_trip,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_summary_read_skips_unknown_keys, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_summary_read_missing_and_foreign, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
