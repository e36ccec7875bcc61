/*
 * test_entry: one word per entry type, the same in every output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"

static void
test_entry_type_name_words(void **state)
{
	(void)state;
	assert_string_equal(entry_type_name(ENTRY_REG), "file");
	assert_string_equal(entry_type_name(ENTRY_DIR), "folder");
	assert_string_equal(entry_type_name(ENTRY_SYMLINK), "symlink");
	assert_string_equal(entry_type_name(ENTRY_FIFO), "fifo");
	assert_string_equal(entry_type_name(ENTRY_CHR), "char device");
	assert_string_equal(entry_type_name(ENTRY_BLK), "block device");
	assert_string_equal(entry_type_name(ENTRY_SOCK), "socket");
}

static void
test_entry_type_name_distinct_and_known(void **state)
{
	enum entry_type a, b;

	(void)state;
	for (a = ENTRY_REG; a <= ENTRY_SOCK; a++) {
		assert_string_not_equal(entry_type_name(a), "unknown");
		for (b = a + 1; b <= ENTRY_SOCK; b++)
			assert_string_not_equal(entry_type_name(a),
			    entry_type_name(b));
	}
	/* A forged manifest may carry any number. */
	assert_string_equal(entry_type_name((enum entry_type)0), "unknown");
	assert_string_equal(entry_type_name((enum entry_type)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_type_name_words),
		cmocka_unit_test(test_entry_type_name_distinct_and_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
