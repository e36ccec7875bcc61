/*
 * Unit tests of testhook.c: the SNAP_* hooks read from the environment.
 * A well-formed one is in force; a malformed one is refused with a
 * sentence naming it and leaves no hook in force, not even the ones read
 * before it (main then exits 2 without running anything).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sys.h"
#include "testhook.h"

static const char *const hooks[] = {
	"SNAP_NOW", "SNAP_TEST_HANG_AFTER", "SNAP_TEST_STAT_RECEIVED",
	"SNAP_TEST_FAULT", "SNAP_TEST_COUNT", "SNAP_TEST_JOURNAL",
	"SNAP_TEST_UNIT_CONFIG_DIR",
};

static int
clear_hooks(void **state)
{
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		unsetenv(hooks[i]);
	return testhook_init(&e);
}

/* Nothing in force: what a run without the variables sees. */
static void
assert_none_in_force(void)
{
	char msg[128];
	time_t t;

	assert_false(testhook_now(&t));
	assert_int_equal(testhook_hang_after(), 0);
	assert_false(testhook_stat_received());
	assert_ptr_equal(testhook_sys(), &sys_real);
	assert_false(testhook_count(msg, sizeof(msg)));
	assert_false(testhook_fault_missed(msg, sizeof(msg)));
	assert_null(testhook_unit_config_dir());
}

static void
test_testhook_none_set(void **state)
{
	struct err e;

	(void)state;
	/* Empty values count as unset. */
	setenv("SNAP_NOW", "", 1);
	setenv("SNAP_TEST_UNIT_CONFIG_DIR", "", 1);
	assert_int_equal(testhook_init(&e), 0);
	assert_none_in_force();
}

static void
test_testhook_well_formed(void **state)
{
	char msg[128];
	struct err e;
	time_t t = 0;

	(void)state;
	setenv("SNAP_NOW", "1764000000", 1);
	setenv("SNAP_TEST_HANG_AFTER", "12", 1);
	setenv("SNAP_TEST_STAT_RECEIVED", "1", 1);
	setenv("SNAP_TEST_FAULT", "linkat:3:EXDEV", 1);
	setenv("SNAP_TEST_COUNT", "1", 1);
	setenv("SNAP_TEST_UNIT_CONFIG_DIR", "/etc/snap-test", 1);
	assert_int_equal(testhook_init(&e), 0);
	assert_true(testhook_now(&t));
	assert_int_equal(t, 1764000000);
	assert_int_equal(testhook_hang_after(), 12);
	assert_true(testhook_stat_received());
	assert_ptr_not_equal(testhook_sys(), &sys_real);
	assert_true(testhook_count(msg, sizeof(msg)));
	assert_string_equal(msg, "the run made 0 mutating calls");
	/* No call was made: the fault never came, and the run is told. */
	assert_true(testhook_fault_missed(msg, sizeof(msg)));
	assert_string_equal(msg, "SNAP_TEST_FAULT 'linkat:3:EXDEV' was not "
	    "reached: the run made 0 calls of linkat");
	assert_string_equal(testhook_unit_config_dir(), "/etc/snap-test");
}

/* SNAP_TEST_COUNT alone wraps the real table to count its calls. */
static void
test_testhook_count_alone(void **state)
{
	char msg[128];
	struct err e;

	(void)state;
	setenv("SNAP_TEST_COUNT", "1", 1);
	assert_int_equal(testhook_init(&e), 0);
	assert_ptr_not_equal(testhook_sys(), &sys_real);
	assert_true(testhook_count(msg, sizeof(msg)));
	assert_false(testhook_fault_missed(msg, sizeof(msg)));
}

/*
 * name=value is refused with the sentence want; SNAP_NOW and
 * SNAP_TEST_HANG_AFTER, read before it, are then not in force either.
 */
static void
expect_refused(const char *name, const char *value, const char *want)
{
	struct err e;

	assert_int_equal(clear_hooks(NULL), 0);
	if (strcmp(name, "SNAP_NOW") != 0)
		setenv("SNAP_NOW", "1764000000", 1);
	if (strcmp(name, "SNAP_TEST_HANG_AFTER") != 0)
		setenv("SNAP_TEST_HANG_AFTER", "5", 1);
	setenv(name, value, 1);
	assert_int_equal(testhook_init(&e), -1);
	assert_string_equal(e.msg, want);
	assert_none_in_force();
}

static void
test_testhook_malformed(void **state)
{
	(void)state;
	expect_refused("SNAP_NOW", "yesterday",
	    "SNAP_NOW='yesterday' is not a number of seconds");
	expect_refused("SNAP_TEST_HANG_AFTER", "-3",
	    "SNAP_TEST_HANG_AFTER='-3' is not a number of entries");
	expect_refused("SNAP_TEST_HANG_AFTER", "4x",
	    "SNAP_TEST_HANG_AFTER='4x' is not a number of entries");
	expect_refused("SNAP_TEST_STAT_RECEIVED", "yes",
	    "SNAP_TEST_STAT_RECEIVED='yes': only 1 (stat every received "
	    "file) is known");
	expect_refused("SNAP_TEST_COUNT", "2",
	    "SNAP_TEST_COUNT='2': only 1 (count the mutating calls) is "
	    "known");
}

/* A bad fault or journal after good ones leaves no table wrapped. */
static void
test_testhook_bad_fault_or_journal(void **state)
{
	struct err e;

	(void)state;
	setenv("SNAP_TEST_FAULT", "linkat:0:EXDEV", 1);
	assert_int_equal(testhook_init(&e), -1);
	assert_true(strstr(e.msg, "linkat:0:EXDEV") != NULL);
	assert_none_in_force();

	assert_int_equal(clear_hooks(NULL), 0);
	setenv("SNAP_TEST_COUNT", "1", 1);
	setenv("SNAP_TEST_JOURNAL", "/nonexistent-folder/journal", 1);
	assert_int_equal(testhook_init(&e), -1);
	assert_true(strstr(e.msg, "/nonexistent-folder/journal") != NULL);
	assert_none_in_force();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_testhook_none_set,
		    clear_hooks, clear_hooks),
		cmocka_unit_test_setup_teardown(test_testhook_well_formed,
		    clear_hooks, clear_hooks),
		cmocka_unit_test_setup_teardown(test_testhook_count_alone,
		    clear_hooks, clear_hooks),
		cmocka_unit_test_setup_teardown(test_testhook_malformed,
		    clear_hooks, clear_hooks),
		cmocka_unit_test_setup_teardown(
		    test_testhook_bad_fault_or_journal, clear_hooks,
		    clear_hooks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
