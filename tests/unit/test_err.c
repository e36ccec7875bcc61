/*
 * test_err: the errors users meet get a sentence of their own (err.h),
 * and err_set appends it to the message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void
test_err_explain_full_disk_quota_read_only(void **state)
{
	(void)state;
	assert_non_null(strstr(err_explain(ENOSPC),
	    "the backup disk is full"));
	assert_non_null(strstr(err_explain(EDQUOT),
	    "raise the quota of the backup user"));
	assert_non_null(strstr(err_explain(EROFS),
	    "mounted read-only; remount it read-write"));
	assert_non_null(strstr(err_explain(EACCES), "Permission denied"));
	assert_non_null(strstr(err_explain(EPERM),
	    "run snap as root to keep owners"));
	/* Anything else is strerror's. */
	assert_string_equal(err_explain(EIO), strerror(EIO));
}

static void
test_err_set_appends_the_sentence(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(err_set(&e, EDQUOT, "cannot write '%s'", "a"), -1);
	assert_int_equal(e.errnum, EDQUOT);
	assert_string_equal(e.msg, "cannot write 'a': Disk quota exceeded "
	    "(raise the quota of the backup user or delete old snapshots)");
	/* errno 0: the message alone. */
	assert_int_equal(err_set(&e, 0, "plain %d", 1), -1);
	assert_string_equal(e.msg, "plain 1");
	err_clear(&e);
	assert_int_equal(e.errnum, 0);
	assert_string_equal(e.msg, "");
	/* No struct to fill: still -1. */
	assert_int_equal(err_set(NULL, EIO, "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_explain_full_disk_quota_read_only),
		cmocka_unit_test(test_err_set_appends_the_sentence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
