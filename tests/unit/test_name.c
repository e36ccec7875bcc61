/*
 * test_name: walk order of paths, snapshot names, quoting for output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"

/* Compares two NUL-terminated paths; returns -1, 0 or 1. */
static int
cmp(const char *a, const char *b)
{
	int r;

	r = name_pathcmp(a, strlen(a), b, strlen(b));
	return r < 0 ? -1 : r > 0;
}

static void
test_name_pathcmp_slash_sorts_first(void **state)
{
	(void)state;
	assert_int_equal(cmp("a/b", "a-c"), -1);
	assert_int_equal(cmp("a-c", "a/b"), 1);
	assert_int_equal(cmp("a/b", "ab"), -1);
	assert_int_equal(cmp("a/b", "a.txt"), -1);
	assert_int_equal(cmp("a/zzz", "a!"), -1);
	assert_int_equal(cmp("a b/c", "a/b"), 1);
}

static void
test_name_pathcmp_parent_first(void **state)
{
	(void)state;
	assert_int_equal(cmp("a", "a/b"), -1);
	assert_int_equal(cmp("a/b", "a"), 1);
	assert_int_equal(cmp("", "a"), -1);
	assert_int_equal(cmp("a", "ab"), -1);
}

static void
test_name_pathcmp_equal(void **state)
{
	(void)state;
	assert_int_equal(cmp("", ""), 0);
	assert_int_equal(cmp("etc/fstab", "etc/fstab"), 0);
	/* Lengths count, not NULs: "ab" cut to one byte equals "a". */
	assert_int_equal(name_pathcmp("ab", 1, "a", 1), 0);
	assert_true(name_pathcmp("ab", 1, "ab", 2) < 0);
}

static void
test_name_pathcmp_high_bytes_after_ascii(void **state)
{
	(void)state;
	/* Bytes compare unsigned: 0x80 and up sort after every ASCII byte. */
	assert_int_equal(cmp("a\x80", "a~"), 1);
	assert_int_equal(cmp("\xc3\xa9t\xc3\xa9", "zeta"), 1);
	assert_int_equal(cmp("a\xff/b", "a\x7f/b"), 1);
	assert_int_equal(cmp("dir/\x01", "dir\xff"), -1);
	/* A newline is just a byte, above '/' in this order. */
	assert_int_equal(cmp("a\nb", "a/b"), 1);
}

/* Sorting a shuffled walk with pathcmp must give the walk back. */
static int
qcmp(const void *a, const void *b)
{
	return cmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_name_pathcmp_sorts_like_a_walk(void **state)
{
	const char *walk[] = {
		"a", "a/b", "a/b/c", "a/b0", "a-c", "a.txt", "ab", "b",
		"b/\x01", "b/~", "b/\xc3\xa9", "b!",
	};
	const char *mixed[] = {
		"b!", "a-c", "b/\xc3\xa9", "a/b0", "a", "ab", "b/~",
		"a/b/c", "b", "a.txt", "b/\x01", "a/b",
	};
	size_t i, n = sizeof(walk) / sizeof(walk[0]);

	(void)state;
	qsort(mixed, n, sizeof(mixed[0]), qcmp);
	for (i = 0; i < n; i++)
		assert_string_equal(mixed[i], walk[i]);
}

static void
test_name_snapshot_format(void **state)
{
	char buf[NAME_SNAPSHOT_LEN];

	(void)state;
	/* 2026-11-24 03:00:12 UTC */
	assert_string_equal(name_snapshot(buf, (time_t)1795489212),
	    "2026-11-24T030012Z");
	assert_int_equal(strlen(buf), 18);
	assert_true(name_is_snapshot(buf));
	assert_string_equal(name_snapshot(buf, 0), "1970-01-01T000000Z");
	/* Leap day, last second of the day. */
	assert_string_equal(name_snapshot(buf, (time_t)951868799),
	    "2000-02-29T235959Z");
	assert_true(name_is_snapshot(buf));
}

static void
test_name_snapshot_names_sort_by_time(void **state)
{
	char a[NAME_SNAPSHOT_LEN], b[NAME_SNAPSHOT_LEN];
	time_t t;

	(void)state;
	for (t = 946684800; t < 4102444800; t += 86399 * 37) {
		name_snapshot(a, t);
		name_snapshot(b, t + 1);
		assert_true(strcmp(a, b) < 0);
		assert_true(name_is_snapshot(a));
	}
}

static void
test_name_is_snapshot_rejects(void **state)
{
	static const char *bad[] = {
		"",
		"latest",
		"2026-11-24T030012",		/* no Z */
		"2026-11-24T030012Z ",		/* trailing space */
		" 2026-11-24T030012Z",
		"2026-11-24T03:00:12Z",	/* extended format */
		"2026-11-24t030012Z",
		"2026-11-24T030012z",
		"2026/11/24T030012Z",
		"2026-13-24T030012Z",		/* month 13 */
		"2026-00-24T030012Z",
		"2026-11-00T030012Z",
		"2026-11-31T030012Z",		/* November has 30 days */
		"2026-02-29T030012Z",		/* not a leap year */
		"1900-02-29T030012Z",
		"2026-11-24T240012Z",
		"2026-11-24T036012Z",
		"2026-11-24T030060Z",
		"1969-12-31T235959Z",
		"2O26-11-24T030012Z",		/* letter O */
		"2026-1a-24T030012Z",
		"+026-11-24T030012Z",
		"2026-11-24T030012Z.tmp",
		"2026-11-24T030012Z/x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (name_is_snapshot(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_false(name_is_snapshot(NULL));
}

static void
test_name_is_snapshot_accepts(void **state)
{
	(void)state;
	assert_true(name_is_snapshot("2026-11-24T030012Z"));
	assert_true(name_is_snapshot("2024-02-29T000000Z"));
	assert_true(name_is_snapshot("2000-02-29T235959Z"));
	assert_true(name_is_snapshot("1970-01-01T000000Z"));
	assert_true(name_is_snapshot("9999-12-31T235959Z"));
}

/* Quotes a NUL-terminated string into a 256-byte buffer. */
static const char *
q(const char *s)
{
	static char out[256];

	return name_quote(out, sizeof(out), s, strlen(s));
}

static void
test_name_quote_plain_passes(void **state)
{
	(void)state;
	assert_string_equal(q("etc/fstab"), "etc/fstab");
	assert_string_equal(q("with space ~!\"'"), "with space ~!\"'");
	assert_string_equal(q(""), "");
}

static void
test_name_quote_controls(void **state)
{
	(void)state;
	assert_string_equal(q("a\nb"), "a\\nb");
	assert_string_equal(q("a\tb\rc"), "a\\tb\\rc");
	assert_string_equal(q("back\\slash"), "back\\\\slash");
	assert_string_equal(q("\x1b[31mred"), "\\x1b[31mred");
	assert_string_equal(q("del\x7f"), "del\\x7f");
	assert_string_equal(q("\x01\x1f"), "\\x01\\x1f");
}

static void
test_name_quote_embedded_nul(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(name_quote(out, sizeof(out), "a\0b", 3),
	    "a\\x00b");
}

static void
test_name_quote_utf8(void **state)
{
	(void)state;
	/* Well-formed UTF-8 of 2, 3 and 4 bytes passes through. */
	assert_string_equal(q("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(q("\xe2\x82\xac"), "\xe2\x82\xac");
	assert_string_equal(q("\xf0\x9f\x98\x80!"), "\xf0\x9f\x98\x80!");
	/* A lone continuation byte, a Latin-1 byte, a cut sequence. */
	assert_string_equal(q("a\x80z"), "a\\x80z");
	assert_string_equal(q("caf\xe9"), "caf\\xe9");
	assert_string_equal(q("\xe2\x82"), "\\xe2\\x82");
	assert_string_equal(q("\xe2\x82x"), "\\xe2\\x82x");
	/* Overlong '/', a surrogate, beyond U+10FFFF, bytes never used. */
	assert_string_equal(q("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(q("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	assert_string_equal(q("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(q("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(q("\xfe\xff"), "\\xfe\\xff");
	/* C1 controls (U+0085 NEL, U+009B CSI) are escaped too. */
	assert_string_equal(q("a\xc2\x85" "b"), "a\\xc2\\x85b");
	assert_string_equal(q("\xc2\x9b"), "\\xc2\\x9b");
	assert_string_equal(q("\xc2\xa0"), "\xc2\xa0");
}

static void
test_name_quote_truncates_whole(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'X', sizeof(out));
	assert_string_equal(name_quote(out, sizeof(out), "abcdefghij", 10),
	    "abcdefg");
	/* "ab\n" needs 4 bytes; the escape is not split. */
	assert_string_equal(name_quote(out, 4, "ab\ncd", 5), "ab");
	assert_string_equal(name_quote(out, 5, "ab\ncd", 5), "ab\\n");
	/* "\x80" needs 4: all or nothing. */
	assert_string_equal(name_quote(out, 5, "a\x80", 2), "a");
	assert_string_equal(name_quote(out, 6, "a\x80", 2), "a\\x80");
	/* A 4-byte character is not cut in half. */
	assert_string_equal(name_quote(out, 4, "\xf0\x9f\x98\x80", 4), "");
	assert_string_equal(name_quote(out, 1, "abc", 3), "");
	/* outsz 0: nothing is written at all. */
	out[0] = 'X';
	name_quote(out, 0, "abc", 3);
	assert_int_equal(out[0], 'X');
}

static void
test_name_quote_never_overruns(void **state)
{
	unsigned char in[512];
	char out[80];
	size_t i, sz;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (sz = 1; sz <= 64; sz++) {
		memset(out, 'Z', sizeof(out));
		name_quote(out, sz, (const char *)in, sizeof(in));
		assert_true(strlen(out) < sz);
		assert_int_equal(out[sz], 'Z');
		/* The result is one line whatever the input held. */
		assert_null(memchr(out, '\n', sz));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_pathcmp_slash_sorts_first),
		cmocka_unit_test(test_name_pathcmp_parent_first),
		cmocka_unit_test(test_name_pathcmp_equal),
		cmocka_unit_test(test_name_pathcmp_high_bytes_after_ascii),
		cmocka_unit_test(test_name_pathcmp_sorts_like_a_walk),
		cmocka_unit_test(test_name_snapshot_format),
		cmocka_unit_test(test_name_snapshot_names_sort_by_time),
		cmocka_unit_test(test_name_is_snapshot_rejects),
		cmocka_unit_test(test_name_is_snapshot_accepts),
		cmocka_unit_test(test_name_quote_plain_passes),
		cmocka_unit_test(test_name_quote_controls),
		cmocka_unit_test(test_name_quote_embedded_nul),
		cmocka_unit_test(test_name_quote_utf8),
		cmocka_unit_test(test_name_quote_truncates_whole),
		cmocka_unit_test(test_name_quote_never_overruns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
