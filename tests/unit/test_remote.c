/*
 * Unit tests of remote's filter rules (filter.h) as rsync arguments.  The transfer itself is tested against a
 * real sshd by tests/func/t50*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_filter_rules_as_they_are),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
