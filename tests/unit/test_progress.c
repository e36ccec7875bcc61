/*
 * test_progress: the progress line's text (counts, totals, rate, ETA,
 * width) and that it stays off where it must.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"
#include "progress.h"

#define MIB (1024ULL * 1024)

/* The line for c after elapsed seconds, 200 columns wide. */
static const char *
line(const char *what, uint64_t entries, uint64_t bytes,
    uint64_t expect_entries, uint64_t expect_bytes, double elapsed)
{
	static char buf[256];
	struct progress_counts c = { entries, bytes, expect_entries,
	    expect_bytes };
	size_t len;

	len = progress_format(buf, sizeof(buf), what, &c, elapsed, 200);
	assert_int_equal(len, strlen(buf));
	return buf;
}

static void
test_progress_totals_unknown(void **state)
{
	(void)state;
	/* No previous snapshot: counts and, after a second, the rate. */
	assert_string_equal(line("create", 10, 1024, 0, 0, 0.5),
	    "create: 10 entries, 1.0 KiB");
	assert_string_equal(line("create", 10, 4 * MIB, 0, 0, 2),
	    "create: 10 entries, 4.0 MiB, 2.0 MiB/s");
	assert_string_equal(line("create", 0, 0, 0, 0, 0),
	    "create: 0 entries, 0 B");
}

static void
test_progress_eta_halfway(void **state)
{
	(void)state;
	/* Half of both after 10 s: 10 s to go. */
	assert_string_equal(line("verify", 500, 50 * MIB, 1000, 100 * MIB, 10),
	    "verify: 500/1000 entries, 50.0 MiB/100.0 MiB, 5.0 MiB/s, 50%, "
	    "ETA 0:10");
}

static void
test_progress_fraction_weighs_entries_as_bytes(void **state)
{
	(void)state;
	/* 250 entries of 32 KiB and 75 MiB done, of 1000 and 100 MiB:
	 * 82.8 MiB of 131.25 MiB, 63%. */
	assert_string_equal(line("create", 250, 75 * MIB, 1000, 100 * MIB, 60),
	    "create: 250/1000 entries, 75.0 MiB/100.0 MiB, 1.2 MiB/s, 63%, "
	    "ETA 0:35");
	/* One 2 GiB file read whole, its entry not yet counted: nearly
	 * done, not the 50% that the mean of the fractions said. */
	assert_string_equal(line("create", 1, 2048 * MIB, 2, 2048 * MIB, 20),
	    "create: 1/2 entries, 2.0 GiB/2.0 GiB, 102.4 MiB/s, 99%, "
	    "ETA 0:00");
	/* Only the entries known: they alone. */
	assert_string_equal(line("restore", 250, 10 * MIB, 1000, 0, 30),
	    "restore: 250/1000 entries, 10.0 MiB, 341.3 KiB/s, 25%, ETA 1:30");
	/* Only the bytes known. */
	assert_string_equal(line("restore", 7, MIB, 0, 4 * MIB, 3),
	    "restore: 7 entries, 1.0 MiB/4.0 MiB, 341.3 KiB/s, 25%, ETA 0:09");
}

static void
test_progress_no_eta_before_a_second(void **state)
{
	(void)state;
	assert_string_equal(line("create", 500, MIB, 1000, 2 * MIB, 0.99),
	    "create: 500/1000 entries, 1.0 MiB/2.0 MiB");
}

static void
test_progress_no_eta_when_exceeded(void **state)
{
	(void)state;
	/* The tree grew since the last snapshot: no guess. */
	assert_string_equal(line("create", 1200, MIB, 1000, 2 * MIB, 5),
	    "create: 1200/1000 entries, 1.0 MiB/2.0 MiB, 204.8 KiB/s");
	assert_string_equal(line("create", 10, 3 * MIB, 1000, 2 * MIB, 5),
	    "create: 10/1000 entries, 3.0 MiB/2.0 MiB, 614.4 KiB/s");
	/* All done (a 100% with "ETA 0:00" says nothing). */
	assert_string_equal(line("create", 1000, 2 * MIB, 1000, 2 * MIB, 5),
	    "create: 1000/1000 entries, 2.0 MiB/2.0 MiB, 409.6 KiB/s");
	/* Nothing done yet: no rate to go by. */
	assert_string_equal(line("verify", 0, 0, 1000, 2 * MIB, 5),
	    "verify: 0/1000 entries, 0 B/2.0 MiB, 0 B/s");
}

static void
test_progress_eta_formats(void **state)
{
	(void)state;
	/* 1% after 100 s: 9900 s to go. */
	assert_string_equal(line("v", 1, 0, 100, 0, 100),
	    "v: 1/100 entries, 0 B, 0 B/s, 1%, ETA 2:45:00");
	/* At most 99:59:59. */
	assert_string_equal(line("v", 1, 0, 1000000, 0, 3600),
	    "v: 1/1000000 entries, 0 B, 0 B/s, 0%, ETA 99:59:59");
	/* Minutes and seconds below an hour. */
	assert_string_equal(line("v", 3, 0, 4, 0, 1800),
	    "v: 3/4 entries, 0 B, 0 B/s, 75%, ETA 10:00");
}

static void
test_progress_width(void **state)
{
	struct progress_counts c = { 500, 50 * MIB, 1000, 100 * MIB };
	char full[256], buf[256];
	size_t n;

	(void)state;
	n = progress_format(full, sizeof(full), "verify", &c, 10, 200);
	assert_true(n > 60);

	/* One column is left free: a full line would make the cursor
	 * wrap, and "\r" would then go back to the wrong line. */
	n = progress_format(buf, sizeof(buf), "verify", &c, 10, 20);
	assert_int_equal(n, 19);
	assert_int_equal(strlen(buf), 19);
	assert_memory_equal(buf, full, 19);

	/* 0: the terminal did not say; 80 columns. */
	memset(&c, 0, sizeof(c));
	n = progress_format(buf, sizeof(buf),
	    "a-very-long-name-that-is-longer-than-a-terminal-of-eighty-"
	    "columns-could-ever-show", &c, 10, 0);
	assert_int_equal(n, 79);
	assert_int_equal(strlen(buf), 79);

	n = progress_format(buf, sizeof(buf), "verify", &c, 10, 1);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
}

static void
test_progress_small_buffer(void **state)
{
	struct progress_counts c = { 500, 50 * MIB, 1000, 100 * MIB };
	char buf[12];
	size_t n;

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	n = progress_format(buf, 10, "verify", &c, 10, 200);
	assert_int_equal(n, 9);
	assert_string_equal(buf, "verify: 5");
	assert_int_equal(buf[10], 'Z');
	assert_int_equal(progress_format(buf, 0, "verify", &c, 10, 200), 0);
	assert_int_equal(buf[0], 'v');
}

/* Where it must stay off, every call is a no-op and nothing is drawn. */
static void
test_progress_off_without_terminal(void **state)
{
	struct progress p;
	char *term = getenv("TERM") ? strdup(getenv("TERM")) : NULL;
	uint64_t i;

	(void)state;
	/* A dumb terminal cannot erase a line: off even on a tty. */
	setenv("TERM", "dumb", 1);
	progress_begin(&p, "create");
	assert_false(p.on);
	for (i = 1; i <= 1000; i++)
		progress_update(&p, i, i * 4096);
	assert_false(p.shown);
	progress_end(&p);
	progress_update(NULL, 1, 1);
	progress_end(NULL);

	/* -q: off. */
	setenv("TERM", "xterm", 1);
	out_level = OUT_QUIET;
	progress_begin(&p, "create");
	assert_false(p.on);
	out_level = OUT_NORMAL;
	if (term != NULL)
		setenv("TERM", term, 1);
	else
		unsetenv("TERM");
	free(term);
}

/* A stage says what the line counts now and starts its counts again. */
static void
test_progress_stage(void **state)
{
	struct progress p;
	char *term = getenv("TERM") ? strdup(getenv("TERM")) : NULL;

	(void)state;
	setenv("TERM", "dumb", 1);
	progress_begin(&p, "create");
	progress_expect(&p, 100, 4096);
	p.c.entries = 7;
	assert_string_equal(progress_stage(&p, "receiving"), "create");
	assert_string_equal(p.what, "receiving");
	assert_int_equal(p.c.entries, 0);
	assert_int_equal(p.c.expect_entries, 0);
	assert_int_equal(p.c.expect_bytes, 0);
	assert_string_equal(progress_stage(&p, "create"), "receiving");
	assert_null(progress_stage(NULL, "receiving"));
	progress_end(&p);
	if (term != NULL)
		setenv("TERM", term, 1);
	else
		unsetenv("TERM");
	free(term);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_totals_unknown),
		cmocka_unit_test(test_progress_eta_halfway),
		cmocka_unit_test(test_progress_fraction_weighs_entries_as_bytes),
		cmocka_unit_test(test_progress_no_eta_before_a_second),
		cmocka_unit_test(test_progress_no_eta_when_exceeded),
		cmocka_unit_test(test_progress_eta_formats),
		cmocka_unit_test(test_progress_width),
		cmocka_unit_test(test_progress_small_buffer),
		cmocka_unit_test(test_progress_off_without_terminal),
		cmocka_unit_test(test_progress_stage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
