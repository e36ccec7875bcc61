/*
 * test_replicate: the listing of a primary's root (rsync -r --list-only)
 * read into the names of its complete snapshots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replicate.h"

static int
parse(const char *text, char (**names)[20])
{
	return replicate_parse_listing(text, strlen(text), names);
}

static void
test_replicate_listing_complete_only(void **state)
{
	char (*names)[20];
	const char *text =
	    "drwx------          4,096 2026/12/02 07:39:39 .\n"
	    "lrwxrwxrwx             18 2026/12/02 07:39:39 latest\n"
	    "drwx------          4,096 2026/12/02 07:39:39 .snap\n"
	    "drwx------          4,096 2026/12/02 07:39:39 .snap/manifests\n"
	    "-rw-------            900 2026/12/02 07:39:39 .snap/manifests/2026-01-03T000000Z\n"
	    "-rw-------            200 2026/12/02 07:39:39 .snap/manifests/2026-01-03T000000Z.summary\n"
	    "-rw-------            900 2026/12/02 07:39:39 .snap/manifests/2026-01-01T000000Z\n"
	    "-rw-------            900 2026/12/02 07:39:39 .snap/manifests/2026-01-02T000000Z.tmp\n"
	    "-rw-------            900 2026/12/02 07:39:39 .snap/manifests/2026-01-04T000000Z\n"
	    "drwxr-xr-x          4,096 2026/12/02 07:39:39 2026-01-03T000000Z\n"
	    "drwxr-xr-x          4,096 2026/12/02 07:39:39 2026-01-01T000000Z\n"
	    "drwxr-xr-x          4,096 2026/12/02 07:39:39 2026-01-02T000000Z\n"
	    "lrwxrwxrwx             18 2026/12/02 07:39:39 2026-01-04T000000Z\n"
	    "drwxr-xr-x          4,096 2026/12/02 07:39:39 x 2026-01-05T000000Z\n"
	    "-rw-------            900 2026/12/02 07:39:39 .snap/manifests/x 2026-01-05T000000Z\n"
	    "drwxr-xr-x          4,096 2026/12/02 07:39:39 ../2026-01-06T000000Z\n";

	(void)state;
	/* 01 and 03 have both; 02 lacks its manifest, 04 is a symlink. */
	assert_int_equal(parse(text, &names), 2);
	assert_string_equal(names[0], "2026-01-01T000000Z");
	assert_string_equal(names[1], "2026-01-03T000000Z");
	free(names);
}

static void
test_replicate_listing_garbage(void **state)
{
	char (*names)[20];

	(void)state;
	assert_int_equal(parse("", &names), 0);
	free(names);
	assert_int_equal(parse("drwx 2026-01-01T000000Z\n"
	    "no fields\n\n\n-rw- 1 2 3\n", &names), 0);
	free(names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replicate_listing_complete_only),
		cmocka_unit_test(test_replicate_listing_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
