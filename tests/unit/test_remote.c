/*
 * Unit tests of remote's translation of exclude patterns (exclude.h)
 * into rsync filter rules.  The transfer itself is tested against a
 * real sshd by tests/func/t50*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "remote.h"

static void
expect_rules(const char *pattern, const char *first, const char *second)
{
	char *out[2];
	int n = remote_filter_rules(pattern, out);

	assert_int_equal(n, second != NULL ? 2 : 1);
	assert_string_equal(out[0], first);
	if (second != NULL)
		assert_string_equal(out[1], second);
	else
		assert_null(out[1]);
	free(out[0]);
	free(out[1]);
}

/* A name at any depth, folders only, anchored: rsync reads them alike. */
static void
test_remote_filter_same_meaning(void **state)
{
	(void)state;
	expect_rules("*.tmp", "--filter=- *.tmp", NULL);
	expect_rules("cache/", "--filter=- cache/", NULL);
	expect_rules("/var/tmp", "--filter=- /var/tmp", NULL);
	expect_rules("/a/**/b/", "--filter=- /a/**/b/", NULL);
}

/* A '/' inside: any tail that starts at a component, so two rules. */
static void
test_remote_filter_inner_slash(void **state)
{
	(void)state;
	expect_rules("*/.cache/", "--filter=- /*/.cache/",
	    "--filter=- **/*/.cache/");
	expect_rules("a/b", "--filter=- /a/b", "--filter=- **/a/b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_filter_same_meaning),
		cmocka_unit_test(test_remote_filter_inner_slash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
