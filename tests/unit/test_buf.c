/*
 * test_buf: the growable buffer keeps its bytes, its NUL and its
 * memory as the contract in buf.h says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void
test_buf_append_keeps_bytes_and_nul(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append(&b, "etc", 3), 0);
	assert_int_equal(buf_append(&b, "/fstab", 6), 0);
	assert_int_equal(b.len, 9);
	assert_string_equal(b.p, "etc/fstab");
	assert_true(b.cap > b.len);
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_buf_append_binary_and_empty(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, "a\0b", 4);
	buf_free(&b);
}

static void
test_buf_grows_past_many_doublings(void **state)
{
	struct buf b = BUF_INIT;
	char chunk[100];
	size_t i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(strlen(b.p), 100000);
	assert_true(b.cap >= 100001);
	buf_free(&b);
}

static void
test_buf_setlen_goes_back_up_a_path(void **state)
{
	struct buf b = BUF_INIT;
	size_t mark;

	(void)state;
	assert_int_equal(buf_append(&b, "home", 4), 0);
	mark = b.len;
	assert_int_equal(buf_append(&b, "/ann/a.txt", 10), 0);
	buf_setlen(&b, mark);
	assert_string_equal(b.p, "home");
	assert_int_equal(buf_append(&b, "/bob", 4), 0);
	assert_string_equal(b.p, "home/bob");
	buf_setlen(&b, 0);
	assert_string_equal(b.p, "");
	buf_free(&b);
	/* setlen on a buffer that never allocated is harmless. */
	buf_setlen(&b, 0);
	assert_null(b.p);
}

static void
test_buf_set_replaces(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_set(&b, "a long first value", 18), 0);
	assert_int_equal(buf_set(&b, "short", 5), 0);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.p, "short");
	buf_free(&b);
}

static void
test_buf_reserve_writes_nothing(void **state)
{
	struct buf b = BUF_INIT;
	char *p;

	(void)state;
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(buf_reserve(&b, 1000), 0);
	assert_true(b.cap >= 1004);
	assert_string_equal(b.p, "abc");
	/* Reserving what is there already keeps the memory. */
	p = b.p;
	assert_int_equal(buf_reserve(&b, 10), 0);
	assert_ptr_equal(b.p, p);
	/* A caller may fill b.p itself and then set the length. */
	memcpy(b.p + b.len, "defg", 4);
	buf_setlen(&b, 7);
	assert_string_equal(b.p, "abcdefg");
	buf_free(&b);
}

static void
test_buf_reserve_overflow_fails_unchanged(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 2), -1);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.p, "abc");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_append_keeps_bytes_and_nul),
		cmocka_unit_test(test_buf_append_binary_and_empty),
		cmocka_unit_test(test_buf_grows_past_many_doublings),
		cmocka_unit_test(test_buf_setlen_goes_back_up_a_path),
		cmocka_unit_test(test_buf_set_replaces),
		cmocka_unit_test(test_buf_reserve_writes_nothing),
		cmocka_unit_test(test_buf_reserve_overflow_fails_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
