/*
 * test_summary: NAME.summary keeps a create run's record, and
 * summary_read (the one reader of it) gives it back; a write that fails
 * at any step leaves neither the summary nor its temporary behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "summary.h"
#include "sys.h"
#include "sys_fault.h"

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
	in.received_bytes = 987654321012ULL;
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
	assert_int_equal(out.received_bytes, 987654321012ULL);
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

/* True if the folder holds name (not following a symlink). */
static int
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
fill_stats(struct create_stats *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, NAME);
	s->entries = 3;
}

/*
 * Each step of summary_write failing in turn: the error names the
 * summary and carries the call's errno (ENOSPC for a short write), and
 * no NAME.summary or NAME.summary.tmp is left for a reader to find.
 */
static void
test_summary_write_fails_cleanly(void **state)
{
	static const struct {
		const char	*kind;
		int		 error;
		const char	*why;
	} steps[] = {
		{ "openat", EACCES, "Permission denied" },
		{ "write", ENOSPC, "No space left on device" },
		{ "fsync", EIO, "Input/output error" },
		{ "renameat", EROFS, "Read-only file system" },
	};
	struct scratch_dir *d = *state;
	const struct sys_ops *sys = sys_fault_wrap(&sys_real);
	struct create_stats in;
	struct err e;
	size_t i;

	fill_stats(&in);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sys_fault_reset();
		assert_int_equal(sys_fault_add(steps[i].kind, 1,
		    steps[i].error, SYS_FAULT_ONCE, &e), 0);
		assert_int_equal(summary_write(d->dirfd, &in, sys, &e), -1);
		assert_int_equal(e.errnum, steps[i].error);
		assert_non_null(strstr(e.msg,
		    "cannot write summary '" NAME ".summary'"));
		assert_non_null(strstr(e.msg, steps[i].why));
		assert_int_equal(sys_fault_hits(), 1);
		assert_false(exists(d->dirfd, NAME ".summary"));
		assert_false(exists(d->dirfd, NAME ".summary.tmp"));
	}
	sys_fault_reset();
}

/*
 * The missing sources of a run: each is a "missing" line, quoted, and
 * their count comes back; summary_has_missing finds exactly those.
 */
static void
test_summary_missing_round_trip(void **state)
{
	struct scratch_dir *d = *state;
	struct create_stats in, out;
	struct err e;

	fill_stats(&in);
	summary_add_missing(&in, "home");
	summary_add_missing(&in, "odd\nname");
	assert_true(summary_has_missing(&in, "home"));
	assert_true(summary_has_missing(&in, "odd\nname"));
	assert_false(summary_has_missing(&in, "hom"));
	assert_int_equal(summary_write(d->dirfd, &in, &sys_real, &e), 0);
	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), 0);
	assert_int_equal(out.n_missing, 2);
	assert_true(summary_has_missing(&out, "home"));
	assert_true(summary_has_missing(&out, "odd\nname"));
	assert_false(summary_has_missing(&out, "etc"));
	unlinkat(d->dirfd, NAME ".summary", 0);
}

/* A summary that is a folder cannot be read: the error says so. */
static void
test_summary_read_folder(void **state)
{
	struct scratch_dir *d = *state;
	struct create_stats out;
	struct err e;

	assert_int_equal(mkdirat(d->dirfd, NAME ".summary", 0700), 0);
	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), -1);
	assert_int_equal(e.errnum, EISDIR);
	assert_non_null(strstr(e.msg, "cannot read summary '" NAME
	    ".summary'"));
	unlinkat(d->dirfd, NAME ".summary", AT_REMOVEDIR);
}

/*
 * A summary written before received_bytes was kept (a full one of that
 * version, copied_bytes and all) reads as nothing received, not as
 * an error or a figure left over.
 */
static void
test_summary_read_without_received(void **state)
{
	struct scratch_dir *d = *state;
	struct create_stats out;
	struct err e;

	write_file(d->dirfd, NAME ".summary", "snap-summary 1\n"
	    "name " NAME "\nprev -\nentries 4\nfiles 2\ntotal_bytes 300\n"
	    "copied 2\ncopied_bytes 300\nwarnings 0\nseconds 0.5\n");
	memset(&out, 0xff, sizeof(out));
	assert_int_equal(summary_read(d->dirfd, NAME, &out, &e), 0);
	assert_int_equal(out.copied_bytes, 300);
	assert_int_equal(out.received_bytes, 0);
	unlinkat(d->dirfd, NAME ".summary", 0);
}

/* The record as create --json shows it carries the received bytes. */
static void
test_summary_json_received(void **state)
{
	struct create_stats in;
	struct json j;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	fill_stats(&in);
	in.copied_bytes = 10;
	in.received_bytes = 4242;
	json_init(&j, f);
	json_begin_object(&j);
	summary_json(&j, &in, false);
	json_end_object(&j);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "\"copied_bytes\": 10,"));
	assert_non_null(strstr(text, "\"received_bytes\": 4242,"));
	free(text);
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
		    test_summary_read_without_received, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test(test_summary_json_received),
		cmocka_unit_test_setup_teardown(
		    test_summary_read_missing_and_foreign, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_summary_write_fails_cleanly, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_summary_missing_round_trip, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(test_summary_read_folder,
		    scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
