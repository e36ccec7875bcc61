/*
 * Unit tests of shellwords: sh's word splitting, without a shell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "shellwords.h"

/* Splits s and checks the words, given NULL-ended. */
static void
expect_words(const char *s, ...)
{
	char **argv;
	size_t argc, where = 0, i = 0;
	const char *want;
	va_list ap;

	assert_int_equal(shellwords_split(s, &argv, &argc, &where), 0);
	va_start(ap, s);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < argc);
		assert_string_equal(argv[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(argc, i);
	assert_null(argv[argc]);
	shellwords_free(argv);
}

static void
expect_open(const char *s, size_t at)
{
	char **argv = NULL;
	size_t argc, where = 99;

	assert_int_equal(shellwords_split(s, &argv, &argc, &where), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(where, at);
	assert_null(argv);
}

static void
test_shellwords_blanks_separate(void **state)
{
	(void)state;
	expect_words("ssh -o BatchMode=yes", "ssh", "-o", "BatchMode=yes",
	    NULL);
	expect_words("  ssh\t-p\n22  ", "ssh", "-p", "22", NULL);
	expect_words("", NULL);
	expect_words("   ", NULL);
}

static void
test_shellwords_quotes(void **state)
{
	(void)state;
	expect_words("ssh -i '/my key' -o \"User=a b\"", "ssh", "-i",
	    "/my key", "-o", "User=a b", NULL);
	/* Quotes join with what touches them; an empty pair is a word. */
	expect_words("a'b c'd ''", "ab cd", "", NULL);
	/* Single quotes keep backslashes; double quotes only some. */
	expect_words("'a\\b' \"c\\\"d\\e\"", "a\\b", "c\"d\\e", NULL);
	/* Nothing is expanded. */
	expect_words("$HOME ~ *", "$HOME", "~", "*", NULL);
}

static void
test_shellwords_backslash(void **state)
{
	(void)state;
	expect_words("a\\ b c", "a b", "c", NULL);
}

static void
test_shellwords_left_open(void **state)
{
	(void)state;
	expect_open("ssh -i '/my key", 7);
	expect_open("ssh \"x", 4);
	expect_open("ssh x\\", 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shellwords_blanks_separate),
		cmocka_unit_test(test_shellwords_quotes),
		cmocka_unit_test(test_shellwords_backslash),
		cmocka_unit_test(test_shellwords_left_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
