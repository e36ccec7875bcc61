/*
 * Unit tests of remote's filter rules (filter.h) as rsync arguments and
 * of its reader of rsync's stdout.  The transfer itself is tested
 * against a real sshd by tests/func/t50*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"

static void
expect_arg(bool include, const char *pattern, const char *arg)
{
	struct filter_rule rule = { (char *)pattern, include, false };
	char *got = remote_filter_arg(&rule);

	assert_non_null(got);
	assert_string_equal(got, arg);
	free(got);
}

/* snap's patterns mean what rsync's mean: each rule goes over as it is. */
static void
test_remote_filter_rules_as_they_are(void **state)
{
	(void)state;
	expect_arg(false, "*.tmp", "--filter=- *.tmp");
	expect_arg(false, "cache/", "--filter=- cache/");
	expect_arg(true, "/home/*/Documents/***",
	    "--filter=+ /home/*/Documents/***");
	expect_arg(false, "a b/c d", "--filter=- a b/c d");
}

static struct remote_counts
parsed(const char *line)
{
	struct remote_counts c = { 7, 8, 9, 0 };

	remote_parse_line(line, strlen(line), &c);
	return c;
}

/* --stats with --no-h, and with the separators of -h in any locale. */
static void
test_remote_parse_received(void **state)
{
	(void)state;
	assert_int_equal(parsed("Total bytes received: 1234567").received,
	    1234567);
	assert_int_equal(parsed("Total bytes received: 1,234,567").received,
	    1234567);
	assert_int_equal(parsed("Total bytes received: 1.234.567").received,
	    1234567);
	assert_int_equal(parsed("Total bytes received: 0").received, 0);
	assert_int_equal(parsed("Total bytes received: 1.50K").received,
	    1500);
	assert_int_equal(parsed("Total bytes received: 2.25M").received,
	    2250000);
	/* Other lines of the block leave the counts alone. */
	assert_int_equal(parsed("Total bytes sent: 55").received, 7);
	assert_int_equal(parsed("Total bytes sent: 55").sent, 55);
	assert_int_equal(parsed("Total bytes sent: 1,234,567").sent,
	    1234567);
	assert_int_equal(parsed("Total bytes received: 55").sent, 0);
	assert_int_equal(parsed("Number of files: 396 (reg: 300)").files, 8);
	assert_int_equal(parsed("Total bytes received:").received, 7);
	assert_int_equal(parsed("sent 1,234 bytes  received 5,678 bytes  "
	    "1.00 bytes/sec").received, 7);
	assert_int_equal(parsed("").bytes, 9);
}

static void
test_remote_parse_progress2(void **state)
{
	struct remote_counts c;

	(void)state;
	c = parsed("      1238099  45%  146.38MB/s    0:00:00 (xfr#5, "
	    "to-chk=169/396)");
	assert_int_equal(c.bytes, 1238099);
	assert_int_equal(c.files, 5);
	c = parsed("  1,238,099 100%  146.38MB/s    0:00:00 (xfr#12, "
	    "ir-chk=1000/2000)");
	assert_int_equal(c.bytes, 1238099);
	assert_int_equal(c.files, 12);
	/* Before the first file: no xfr# yet. */
	c = parsed("              0   0%    0.00kB/s    0:00:00");
	assert_int_equal(c.bytes, 0);
	assert_int_equal(c.files, 8);
	/* A number without a percentage is not a progress line. */
	c = parsed("12345 files to consider");
	assert_int_equal(c.bytes, 9);
	/* A line cut short by the line buffer. */
	c = parsed("  4096  1");
	assert_int_equal(c.bytes, 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_filter_rules_as_they_are),
		cmocka_unit_test(test_remote_parse_received),
		cmocka_unit_test(test_remote_parse_progress2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
