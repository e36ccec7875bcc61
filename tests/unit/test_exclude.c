/*
 * Unit tests of exclude.c (pure: no disk).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "exclude.h"

/* One pattern against one path. */
static bool
m1(const char *pattern, const char *path, bool is_dir)
{
	char *const patterns[] = { (char *)pattern };

	return exclude_match(patterns, 1, path, is_dir);
}

static void
test_exclude_name_any_depth(void **state)
{
	(void)state;
	assert_true(m1("*.tmp", "a.tmp", false));
	assert_true(m1("*.tmp", "x/y/z/a.tmp", false));
	assert_true(m1("*.tmp", ".tmp", false));
	assert_true(m1("*.tmp", "dir.tmp", true));
	assert_false(m1("*.tmp", "a.tmp/b", false));
	assert_false(m1("*.tmp", "a.tmpx", false));
	assert_false(m1("*.tmp", "a.TMP", false));
	assert_true(m1("core", "a/b/core", false));
	assert_false(m1("core", "a/core.1", false));
	assert_false(m1("core", "core/x", false));
	assert_true(m1("?.o", "src/a.o", false));
	assert_false(m1("?.o", "src/ab.o", false));
}

static void
test_exclude_dir_only(void **state)
{
	(void)state;
	assert_true(m1("cache/", "cache", true));
	assert_true(m1("cache/", "home/ann/cache", true));
	assert_false(m1("cache/", "cache", false));
	assert_false(m1("cache/", "home/ann/cache", false));
	assert_true(m1("cache", "cache", false));
	assert_true(m1("cache", "cache", true));
}

static void
test_exclude_dotcache_depths(void **state)
{
	(void)state;
	/* The directory at depth 1 has no component before it. */
	assert_false(m1("*/.cache/", ".cache", true));
	assert_true(m1("*/.cache/", "ann/.cache", true));
	assert_true(m1("*/.cache/", "ann/src/.cache", true));
	assert_true(m1("*/.cache/", "a/b/c/.cache", true));
	assert_false(m1("*/.cache/", "ann/.cache", false));
	assert_false(m1("*/.cache/", "ann/.cache2", true));
	assert_false(m1("*/.cache/", "ann/x.cache", true));
	/* A tail only starts at a component. */
	assert_false(m1("*/.cache/", "ann/x/.cachex", true));
}

static void
test_exclude_anchored(void **state)
{
	(void)state;
	assert_true(m1("/build", "build", true));
	assert_true(m1("/build", "build", false));
	assert_false(m1("/build", "src/build", true));
	assert_false(m1("/build", "build2", true));
	assert_false(m1("/build/", "build", false));
	assert_true(m1("/src/*.c", "src/a.c", false));
	assert_false(m1("/src/*.c", "x/src/a.c", false));
	assert_false(m1("/src/*.c", "src/d/a.c", false));
}

static void
test_exclude_slash_inside_matches_tail(void **state)
{
	(void)state;
	assert_true(m1("src/*.c", "src/a.c", false));
	assert_true(m1("src/*.c", "p/q/src/a.c", false));
	assert_false(m1("src/*.c", "p/xsrc/a.c", false));
	assert_false(m1("src/*.c", "src/d/a.c", false));
}

static void
test_exclude_doublestar(void **state)
{
	(void)state;
	/* As rsync: "**" takes the folders between, not the '/' around it
	 * (gitignore would match "a/z" too). */
	assert_false(m1("a/**/z", "a/z", false));
	assert_true(m1("a/**/z", "a/b/z", false));
	assert_true(m1("a/**/z", "a/b/c/d/z", true));
	assert_true(m1("a/**/z", "top/a/b/z", false));
	assert_false(m1("a/**/z", "a/bz", false));
	assert_false(m1("a/**/z", "a/b/zz", false));
	assert_false(m1("a/**/z", "xa/b/z", false));
	assert_true(m1("/a/**", "a/b/c", false));
	assert_false(m1("/a/**", "a", true));
	assert_true(m1("**/*.log", "x.log", false));
	assert_true(m1("**/*.log", "d/e/x.log", false));
	/* A single '*' never crosses '/'. */
	assert_false(m1("/a/*/z", "a/b/c/z", false));
	assert_true(m1("/a/*/z", "a/b/z", false));
}

static void
test_exclude_odd_names(void **state)
{
	(void)state;
	assert_true(m1("* *", "dir/my file", false));
	assert_true(m1("my file", "a b/my file", false));
	assert_false(m1("my file", "a b/myfile", false));
	assert_true(m1("*.tmp", "d\nir/new\nline.tmp", false));
	assert_true(m1("new?line", "new\nline", false));
	assert_true(m1("/d\nir/*", "d\nir/x", false));
	assert_true(m1("caf\xc3\xa9", "x/caf\xc3\xa9", false));
}

static void
test_exclude_brackets_and_escapes(void **state)
{
	(void)state;
	assert_true(m1("[ab].txt", "b.txt", false));
	assert_false(m1("[ab].txt", "c.txt", false));
	assert_true(m1("[!ab].txt", "c.txt", false));
	assert_true(m1("file[0-9]", "file7", false));
	assert_false(m1("file[0-9]", "filex", false));
	assert_true(m1("[[:digit:]]x", "5x", false));
	assert_true(m1("[]]", "]", false));
	assert_true(m1("a[b", "a[b", false));
	assert_true(m1("\\*", "*", false));
	assert_false(m1("\\*", "x", false));
	assert_false(m1("a[/]b", "a/b", false));
}

static void
test_exclude_several_patterns(void **state)
{
	char *const patterns[] = { "*/.cache/", "*.tmp", "/build" };

	(void)state;
	assert_true(exclude_match(patterns, 3, "ann/.cache", true));
	assert_true(exclude_match(patterns, 3, "ann/a.tmp", false));
	assert_true(exclude_match(patterns, 3, "build", true));
	assert_false(exclude_match(patterns, 3, "ann/build", true));
	assert_false(exclude_match(patterns, 3, "ann/notes.txt", false));
	assert_false(exclude_match(patterns, 0, "a.tmp", false));
	assert_false(m1("", "a", false));
	assert_false(m1("/", "a", true));
}

/*
 * Patterns that a backtracking matcher takes exponential time on: each
 * '*' retried at every position for every choice of the ones before it.
 * A matcher that keeps one set of pattern positions per byte of the name
 * does the work of one pass; were it exponential, the first assert alone
 * would outlast the ctest timeout by years.
 */
static void
test_exclude_no_exponential_backtracking(void **state)
{
	char name[301], path[700];
	size_t i;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_false(m1("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", name,
	    false));
	assert_true(m1("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", name,
	    false));
	/* "**" crosses '/', so it backtracks over the whole path. */
	for (i = 0; i + 2 < sizeof(path); i += 2)
		memcpy(path + i, "a/", 2);
	path[i - 1] = '\0';	/* "a/a/.../a" */
	assert_false(m1("**a**a**a**a**a**a**a**a**a**a**a**a**a**a**b", path,
	    false));
	assert_false(m1("a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b", path,
	    false));
	assert_true(m1("a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a", path,
	    false));
	assert_false(m1("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a/b", path, false));
	assert_false(m1("[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[!a]", name,
	    false));
}

/*
 * Bracket expressions that overlap, as in "*[[[...[" (each '[' opens one
 * that runs to the end or to the same ']'), against a name of '[': when
 * each step parsed every expression it reached again, this took the
 * cube of the length (minutes at 3000 bytes; found reading the matcher
 * for fuzz_exclude).
 * Parsed once per match it is the square; the alarm fails the test long
 * before the cube would end, even on a slow machine.
 */
static void
test_exclude_brackets_parsed_once(void **state)
{
	static char pat[3002], name[3001], closed[3003];

	(void)state;
	alarm(60);
	pat[0] = '*';
	memset(pat + 1, '[', sizeof(pat) - 2);
	memset(name, '[', sizeof(name) - 1);
	assert_true(m1(pat, name, false));
	/* The same, each expression closed by one ']' at the end. */
	memcpy(closed, pat, sizeof(pat) - 1);
	closed[sizeof(closed) - 2] = ']';
	assert_true(m1(closed, name, false));
	name[sizeof(name) - 2] = 'x';
	assert_false(m1(closed, name, false));
	alarm(0);
}

/* Stars mixed with "**", '?', escapes and brackets. */
static void
test_exclude_stars_mixed(void **state)
{
	(void)state;
	assert_true(m1("/a*/**/c*", "ab/x/y/cd", false));
	assert_false(m1("/a*/**/c*", "ab/cd", false));
	assert_false(m1("/a*/**/c*", "ab/x/y/dc", false));
	assert_true(m1("/**", "a", false));
	assert_true(m1("/**/", "a", true));
	assert_true(m1("x/**", "p/x/y", false));
	assert_false(m1("x/**", "p/x", false));
	assert_true(m1("/a/***/z", "a/b/c/z", false));
	assert_false(m1("/a/***/z", "a/z", false));
	assert_true(m1("/a**z", "a/b/z", false));
	assert_true(m1("/a**/z", "a/z", false));
	assert_false(m1("/a**/z", "az", false));
	assert_true(m1("/a*?", "ab", false));
	assert_false(m1("/a*?", "a", false));
	assert_true(m1("\\**", "*x", false));
	assert_false(m1("\\**", "*/x", false));
	assert_true(m1("/*[0-9]*", "ab7cd", false));
	assert_false(m1("/*[0-9]*", "ab/7cd", false));
	assert_true(m1("/a\\", "a\\", false));
	assert_true(m1("/a[", "a[", false));
	assert_true(m1("d/", "x/d", true));
}

/* A leading "**" sees a '/' before the path, so "**" then "/x" finds a
 * top-level "x"; anchored at the root ('/' first) it does not. */
static void
test_exclude_leading_doublestar(void **state)
{
	(void)state;
	assert_true(m1("**/x", "x", false));
	assert_true(m1("**/x", "a/b/x", false));
	assert_false(m1("**/x", "a/bx", false));
	assert_false(m1("/**/x", "x", false));
	assert_true(m1("/**/x", "a/x", false));
	assert_true(m1("**", "a/b", false));
	assert_true(m1("**.log", "d/e.log", false));
}

/* "dir/" then "***": the folder and all below it; a file "dir" is not. */
static void
test_exclude_triple_star(void **state)
{
	(void)state;
	assert_true(m1("/d/***", "d", true));
	assert_false(m1("/d/***", "d", false));
	assert_true(m1("/d/***", "d/f", false));
	assert_true(m1("/d/***", "d/e/f", false));
	assert_false(m1("/d/***", "dx", true));
	assert_false(m1("/d/***", "x/d", true));
	assert_true(m1("d/***", "x/d", true));
	assert_true(m1("d/***", "x/d/y/z", false));
	assert_true(m1("/h/*/Doc/***", "h/ann/Doc", true));
	assert_true(m1("/h/*/Doc/***", "h/ann/Doc/a/b", false));
	assert_false(m1("/h/*/Doc/***", "h/ann/Doc", false));
	assert_false(m1("/h/*/Doc/***", "h/ann/x/Doc", true));
}

/* A '/' inside: the last components, as many as the pattern has. */
static void
test_exclude_tail_components(void **state)
{
	(void)state;
	assert_true(m1("a/b", "a/b", false));
	assert_true(m1("a/b", "x/y/a/b", true));
	assert_false(m1("a/b", "xa/b", false));
	assert_false(m1("a/b", "a/b/c", false));
	assert_true(m1("*/b/", "x/y/b", true));
	assert_false(m1("*/b/", "b", true));
}

/* Without a wildcard rsync compares bytes: a '\' is itself there. */
static void
test_exclude_literal_backslash(void **state)
{
	(void)state;
	assert_true(m1("a\\b", "a\\b", false));
	assert_false(m1("a\\b", "ab", false));
	assert_true(m1("a\\b*", "ab", false));
	assert_false(m1("a\\b*", "a\\b", false));
	assert_true(m1("/x/a\\b", "x/a\\b", false));
}

/*
 * Inside a bracket expression a '\' makes the next byte literal, also a
 * ']' that would end it, a '-' that would make a range, and a range's
 * end.
 */
static void
test_exclude_escapes_inside_brackets(void **state)
{
	(void)state;
	assert_true(m1("[\\]a]x", "]x", false));
	assert_true(m1("[\\]a]x", "ax", false));
	assert_false(m1("[\\]a]x", "\\x", false));
	assert_true(m1("[a\\-z]", "-", false));
	assert_false(m1("[a\\-z]", "m", false));
	assert_true(m1("[a-\\z]", "m", false));
	assert_false(m1("[a-\\z]", "\\", false));
}

/* A pattern longer than the config allows matches nothing, not even a
 * path that spells it out. */
static void
test_exclude_overlong_pattern(void **state)
{
	char p[EXCLUDE_PATTERN_MAX + 2];

	(void)state;
	memset(p, 'a', sizeof(p) - 1);
	p[sizeof(p) - 1] = '\0';
	assert_false(m1(p, p, false));
	p[EXCLUDE_PATTERN_MAX] = '\0';
	assert_true(m1(p, p, false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclude_name_any_depth),
		cmocka_unit_test(test_exclude_dir_only),
		cmocka_unit_test(test_exclude_dotcache_depths),
		cmocka_unit_test(test_exclude_anchored),
		cmocka_unit_test(test_exclude_slash_inside_matches_tail),
		cmocka_unit_test(test_exclude_doublestar),
		cmocka_unit_test(test_exclude_odd_names),
		cmocka_unit_test(test_exclude_brackets_and_escapes),
		cmocka_unit_test(test_exclude_several_patterns),
		cmocka_unit_test(test_exclude_stars_mixed),
		cmocka_unit_test(test_exclude_no_exponential_backtracking),
		cmocka_unit_test(test_exclude_brackets_parsed_once),
		cmocka_unit_test(test_exclude_leading_doublestar),
		cmocka_unit_test(test_exclude_triple_star),
		cmocka_unit_test(test_exclude_tail_components),
		cmocka_unit_test(test_exclude_literal_backslash),
		cmocka_unit_test(test_exclude_escapes_inside_brackets),
		cmocka_unit_test(test_exclude_overlong_pattern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
