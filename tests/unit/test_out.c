/*
 * test_out: syslog priority prefixes for the journal, line tracking
 * across partial out_info calls, and the progress line's eraser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"

/* Two in-memory streams standing for stdout and stderr. */
struct streams {
	FILE	*out;
	char	*out_buf;
	size_t	 out_len;
	FILE	*err;
	char	*err_buf;
	size_t	 err_len;
	enum out_level saved_level;
};

static int
setup(void **state)
{
	struct streams *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	s->out = open_memstream(&s->out_buf, &s->out_len);
	s->err = open_memstream(&s->err_buf, &s->err_len);
	if (s->out == NULL || s->err == NULL)
		return -1;
	s->saved_level = out_level;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct streams *s = *state;

	out_set_streams(stdout, false, stderr, false);
	out_set_erase(NULL, NULL);
	out_level = s->saved_level;
	fclose(s->out);
	fclose(s->err);
	free(s->out_buf);
	free(s->err_buf);
	free(s);
	return 0;
}

/* What was written to stdout and stderr so far (NUL-terminated). */
static const char *
got_out(struct streams *s)
{
	fflush(s->out);
	return s->out_buf;
}

static const char *
got_err(struct streams *s)
{
	fflush(s->err);
	return s->err_buf;
}

/* out_write_lines into a memory stream; returns the text. */
static char *
lines(const char *prio, const char *const *pieces, bool *at_start)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	for (; *pieces != NULL; pieces++)
		*at_start = out_write_lines(f, prio, *pieces, strlen(*pieces),
		    *at_start);
	fclose(f);
	return buf;
}

static void
test_out_write_lines_prefixes_every_line(void **state)
{
	const char *const one[] = { "a\nb\n", NULL };
	const char *const open[] = { "a\nb", NULL };
	const char *const pieces[] = { "verified 1", ", 3 entries", "; ok\n",
	    "next", " line\n", NULL };
	const char *const blank[] = { "\n\nx\n", NULL };
	bool at;
	char *s;

	(void)state;
	at = true;
	s = lines("<6>", one, &at);
	assert_string_equal(s, "<6>a\n<6>b\n");
	assert_true(at);
	free(s);

	/* Pieces of one line get one prefix; the next line its own. */
	at = true;
	s = lines("<6>", pieces, &at);
	assert_string_equal(s, "<6>verified 1, 3 entries; ok\n<6>next line\n");
	assert_true(at);
	free(s);

	/* A line left open: no prefix until more text comes. */
	at = true;
	s = lines("<4>", open, &at);
	assert_string_equal(s, "<4>a\n<4>b");
	assert_false(at);
	free(s);

	/* Continuing an open line adds no prefix. */
	at = false;
	s = lines("<4>", one, &at);
	assert_string_equal(s, "a\n<4>b\n");
	free(s);

	/* Empty lines are lines too (journald would take them bare). */
	at = true;
	s = lines("<3>", blank, &at);
	assert_string_equal(s, "<3>\n<3>\n<3>x\n");
	free(s);

	/* Without a prefix: the text as it is; the state still tracked. */
	at = true;
	s = lines(NULL, open, &at);
	assert_string_equal(s, "a\nb");
	assert_false(at);
	free(s);
}

static void
test_out_write_lines_empty_keeps_state(void **state)
{
	const char *const empty[] = { "", NULL };
	bool at;
	char *s;

	(void)state;
	at = true;
	s = lines("<6>", empty, &at);
	assert_string_equal(s, "");
	assert_true(at);
	free(s);
	at = false;
	s = lines("<6>", empty, &at);
	assert_false(at);
	free(s);
}

static void
test_out_journal_match(void **state)
{
	(void)state;
	assert_true(out_journal_match("8:1234", 8, 1234));
	assert_true(out_journal_match("2049:18446744073709551615", 2049,
	    18446744073709551615ULL));
	assert_false(out_journal_match("8:1234", 8, 1235));
	assert_false(out_journal_match("9:1234", 8, 1234));
	assert_false(out_journal_match(NULL, 8, 1234));
	assert_false(out_journal_match("", 8, 1234));
	assert_false(out_journal_match("8", 8, 1234));
	assert_false(out_journal_match("8:1234x", 8, 1234));
	assert_false(out_journal_match("8:1234:5", 8, 1234));
	assert_false(out_journal_match("x:1234", 8, 1234));
}

static void
test_out_journal_priorities(void **state)
{
	struct streams *s = *state;

	out_set_streams(s->out, true, s->err, true);
	out_level = OUT_NORMAL;
	out_info(OUT_NORMAL, "verified %d snapshot", 1);
	out_info(OUT_NORMAL, ", %d entries", 3);
	out_info(OUT_NORMAL, "; %d findings\n", 0);
	out_info(OUT_VERBOSE, "copy not shown\n");
	out_info(OUT_NORMAL, "two\nlines\n");
	out_problem("changed: %s (mode)", "S/a");
	out_error("cannot lock '%s'", "root");
	out_warning("'%s' vanished\nbefore it was read", "a");
	assert_string_equal(got_out(s),
	    "<6>verified 1 snapshot, 3 entries; 0 findings\n"
	    "<6>two\n<6>lines\n"
	    "<3>changed: S/a (mode)\n");
	assert_string_equal(got_err(s),
	    "<3>error: cannot lock 'root'\n"
	    "<4>warning: 'a' vanished\n<4>before it was read\n");
}

static void
test_out_terminal_lines_are_plain(void **state)
{
	struct streams *s = *state;

	out_set_streams(s->out, false, s->err, false);
	out_level = OUT_NORMAL;
	out_info(OUT_NORMAL, "snapshot %s\n", "N");
	out_problem("missing: %s", "N/x");
	out_error("cannot lock '%s'", "root");
	out_warning("'%s' vanished", "a");
	assert_string_equal(got_out(s), "snapshot N\nmissing: N/x\n");
	assert_string_equal(got_err(s), "snap: error: cannot lock 'root'\n"
	    "snap: warning: 'a' vanished\n");
	assert_null(strchr(got_out(s), '<'));
	assert_null(strchr(got_err(s), '<'));
}

/* Each stream is decided on its own: stdout redirected, stderr not. */
static void
test_out_journal_per_stream(void **state)
{
	struct streams *s = *state;

	out_set_streams(s->out, false, s->err, true);
	out_info(OUT_NORMAL, "result\n");
	out_warning("w");
	assert_string_equal(got_out(s), "result\n");
	assert_string_equal(got_err(s), "<4>warning: w\n");
}

static void
test_out_quiet_prints_only_problems(void **state)
{
	struct streams *s = *state;

	out_set_streams(s->out, true, s->err, true);
	out_level = OUT_QUIET;
	out_info(OUT_NORMAL, "snapshot N\n");
	out_problem("extra: N/x");
	out_warning("w");
	out_error("e");
	assert_string_equal(got_out(s), "<3>extra: N/x\n");
	assert_string_equal(got_err(s), "<4>warning: w\n<3>error: e\n");
}

/*
 * replicate --json: after out_results_to_stderr, results go where the
 * warnings go, with their own priorities; stdout is left to the JSON.
 */
static void
test_out_results_to_stderr(void **state)
{
	struct streams *s = *state;

	out_set_streams(s->out, false, s->err, true);
	out_level = OUT_NORMAL;
	out_results_to_stderr();
	out_info(OUT_NORMAL, "replicated from %s\n", "p");
	out_problem("changed: %s (content)", "N/x");
	out_warning("w");
	assert_string_equal(got_out(s), "");
	assert_string_equal(got_err(s), "<6>replicated from p\n"
	    "<3>changed: N/x (content)\n<4>warning: w\n");
}

/* One file for both: an open stdout line is ended before an error. */
static void
test_out_same_file_ends_open_line(void **state)
{
	struct streams *s = *state;

	out_set_streams(s->out, true, s->out, true);
	out_level = OUT_NORMAL;
	out_info(OUT_NORMAL, "verified 1 snapshot");
	assert_true(out_stdout_open_line());
	out_error("cannot read '%s'", "m");
	assert_false(out_stdout_open_line());
	out_info(OUT_NORMAL, "; 0 findings\n");
	assert_string_equal(got_out(s), "<6>verified 1 snapshot\n"
	    "<3>error: cannot read 'm'\n<6>; 0 findings\n");
}

static void
test_out_long_message(void **state)
{
	struct streams *s = *state;
	char *big = malloc(5000);
	const char *got;

	assert_non_null(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	big[2500] = '\n';
	out_set_streams(s->out, true, s->err, true);
	out_error("%s", big);
	got = got_err(s);
	assert_int_equal(strlen(got), strlen("<3>error: ") + 4999 + 3 + 1);
	assert_memory_equal(got, "<3>error: xxx", 13);
	assert_memory_equal(got + 10 + 2500, "\n<3>xxx", 7);
	assert_int_equal(got[strlen(got) - 1], '\n');
	free(big);
}

static int erased;

static void
count_erase(void *arg)
{
	assert_ptr_equal(arg, &erased);
	erased++;
}

static void
test_out_erases_before_stderr(void **state)
{
	struct streams *s = *state;

	erased = 0;
	out_set_streams(s->out, false, s->err, false);
	out_set_erase(count_erase, &erased);
	out_level = OUT_VERBOSE;
	/* stdout is no terminal here: the progress line is not on it. */
	out_info(OUT_NORMAL, "copy a\n");
	assert_int_equal(erased, 0);
	out_warning("w");
	assert_int_equal(erased, 1);
	out_error("e");
	assert_int_equal(erased, 2);
	out_clear();
	assert_int_equal(erased, 3);
	out_set_erase(NULL, NULL);
	out_error("e");
	out_clear();
	assert_int_equal(erased, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_write_lines_prefixes_every_line),
		cmocka_unit_test(test_out_write_lines_empty_keeps_state),
		cmocka_unit_test(test_out_journal_match),
		cmocka_unit_test_setup_teardown(test_out_journal_priorities,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_out_terminal_lines_are_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_results_to_stderr,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_journal_per_stream,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_out_quiet_prints_only_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_out_same_file_ends_open_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_long_message, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_out_erases_before_stderr,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
