/*
 * Unit tests of filter.c (pure: no disk).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"
#include "filter.h"

/* A filter made of rule lines, which must all parse. */
static void
make(struct filter *f, const char *text)
{
	char why[256];
	size_t line;

	*f = (struct filter)FILTER_INIT;
	assert_int_equal(filter_parse_lines(f, text, strlen(text), &line, why,
	    sizeof(why)), 0);
}

static bool
excl(const struct filter *f, const char *path, bool is_dir)
{
	return filter_excludes(f, path, strlen(path), is_dir);
}

/* The error for one rule, which must not parse. */
static const char *
bad_rule(const char *text)
{
	static char why[256];
	const char *pattern;
	bool include;

	assert_int_equal(filter_parse_rule(text, &include, &pattern, why,
	    sizeof(why)), -1);
	return why;
}

static void
test_filter_parse_forms(void **state)
{
	const char *pattern;
	char why[256];
	bool include;

	(void)state;
	assert_int_equal(filter_parse_rule("- *.tmp", &include, &pattern, why,
	    sizeof(why)), 0);
	assert_false(include);
	assert_string_equal(pattern, "*.tmp");
	assert_int_equal(filter_parse_rule("+ /home/", &include, &pattern, why,
	    sizeof(why)), 0);
	assert_true(include);
	assert_string_equal(pattern, "/home/");
	assert_int_equal(filter_parse_rule("exclude a b ", &include, &pattern,
	    why, sizeof(why)), 0);
	assert_false(include);
	assert_string_equal(pattern, "a b ");	/* spaces are the pattern's */
	assert_int_equal(filter_parse_rule("include x", &include, &pattern,
	    why, sizeof(why)), 0);
	assert_true(include);
	assert_int_equal(filter_parse_rule("-_x", &include, &pattern, why,
	    sizeof(why)), 0);
	assert_string_equal(pattern, "x");
	assert_int_equal(filter_parse_rule("-  x", &include, &pattern, why,
	    sizeof(why)), 0);
	assert_string_equal(pattern, " x");
}

static void
test_filter_parse_errors(void **state)
{
	(void)state;
	assert_non_null(strstr(bad_rule("x foo"), "unknown filter rule"));
	assert_non_null(strstr(bad_rule("*.tmp"), "unknown filter rule"));
	assert_non_null(strstr(bad_rule(""), "unknown filter rule"));
	assert_non_null(strstr(bad_rule(" - x"), "unknown filter rule"));
	assert_non_null(strstr(bad_rule("merge f"), "'merge' rules are not"));
	assert_non_null(strstr(bad_rule(": a/b"), "one name without '/'"));
	assert_non_null(strstr(bad_rule("dir-merge .."), "one name"));
	assert_non_null(strstr(bad_rule(":x"), "needs one space"));
	assert_non_null(strstr(bad_rule("P x"), "'P' rules are not"));
	assert_non_null(strstr(bad_rule("!"), "'!' rules are not"));
	assert_non_null(strstr(bad_rule("-! x"), "needs one space"));
	assert_non_null(strstr(bad_rule("-/ x"), "needs one space"));
	assert_non_null(strstr(bad_rule("-x"), "needs one space"));
	assert_non_null(strstr(bad_rule("exclude,s x"), "needs one space"));
	assert_non_null(strstr(bad_rule("exclude\tx"), "needs one space"));
	assert_non_null(strstr(bad_rule("- "), "has no pattern"));
	assert_non_null(strstr(bad_rule("-"), "needs one space"));
}

static void
test_filter_parse_lines(void **state)
{
	struct filter f;
	char why[256];
	size_t line;
	const char *text = "# c\n\n; c\n- a\r\n+ b\n+ c";

	(void)state;
	make(&f, text);
	assert_int_equal(f.n_rules, 3);
	assert_string_equal(f.rules[0].pattern, "a");	/* "\r\n" is "\n" */
	assert_false(f.rules[0].include);
	assert_string_equal(f.rules[1].pattern, "b");
	assert_true(f.rules[1].include);
	assert_string_equal(f.rules[2].pattern, "c");
	filter_free(&f);
	assert_int_equal(f.n_rules, 0);

	assert_int_equal(filter_parse_lines(&f, "- a\n# c\nnope\n- b\n", 19,
	    &line, why, sizeof(why)), -1);
	assert_int_equal(line, 3);
	assert_non_null(strstr(why, "'nope'"));
	assert_int_equal(f.n_rules, 1);
	filter_free(&f);
	assert_int_equal(filter_parse_lines(&f, "- a\n- b\0c\n", 10, &line,
	    why, sizeof(why)), -1);
	assert_int_equal(line, 2);
	assert_non_null(strstr(why, "NUL"));
	filter_free(&f);
}

/* The first rule that matches decides; no match keeps the entry. */
static void
test_filter_first_match_wins(void **state)
{
	struct filter f;

	(void)state;
	make(&f, "+ keep.tmp\n- *.tmp\n+ *.tmp\n");
	assert_false(excl(&f, "keep.tmp", false));
	assert_false(excl(&f, "d/keep.tmp", false));
	assert_true(excl(&f, "a.tmp", false));
	assert_false(excl(&f, "a.txt", false));
	filter_free(&f);
	make(&f, "- *.log\n+ x.log\n");
	assert_true(excl(&f, "x.log", false));
	filter_free(&f);
	make(&f, "");
	assert_false(excl(&f, "anything", true));
	filter_free(&f);
}

/* rsync(1)'s example: only the Documents of each home. */
static void
test_filter_homes_documents(void **state)
{
	struct filter f;

	(void)state;
	make(&f, "+ /home/\n+ /home/*/\n+ /home/*/Documents/***\n"
	    "- /home/*/*\n");
	assert_false(excl(&f, "home", true));
	assert_false(excl(&f, "home/ann", true));
	assert_false(excl(&f, "home/ann/Documents", true));
	assert_false(excl(&f, "home/ann/Documents/a/b.txt", false));
	assert_true(excl(&f, "home/ann/Music", true));
	assert_true(excl(&f, "home/ann/notes.txt", false));
	assert_true(excl(&f, "home/ann/Documents", false));	/* a file */
	assert_false(excl(&f, "etc", true));
	assert_false(excl(&f, "home/ann", false));
	filter_free(&f);
}

static void
test_filter_append(void **state)
{
	struct filter a, b;

	(void)state;
	make(&a, "+ x\n");
	make(&b, "- *\n");
	b.exclude_caches = true;
	b.if_present = NULL;
	assert_int_equal(filter_append(&a, &b), 0);
	assert_int_equal(a.n_rules, 2);
	assert_true(a.exclude_caches);
	assert_false(excl(&a, "d/x", false));
	assert_true(excl(&a, "d/y", false));
	filter_free(&a);
	filter_free(&b);
}

/*
 * Many rules and names, the arrays grown past several powers of two:
 * each kept, in order (a config's aliases can add thousands).
 */
static void
test_filter_many_rules(void **state)
{
	struct filter a = FILTER_INIT, b = FILTER_INIT;
	char pattern[32], *names[1000];
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(pattern, sizeof(pattern), "p%zu", i);
		assert_int_equal(filter_add_rule(&a, i % 3 == 0, pattern), 0);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(pattern, sizeof(pattern), "n%zu", i);
		assert_non_null(names[i] = strdup(pattern));
	}
	b.if_present = names;
	b.n_if_present = 1000;
	assert_int_equal(filter_append(&a, &b), 0);
	assert_int_equal(filter_append(&a, &b), 0);
	assert_int_equal(a.n_rules, 5000);
	assert_int_equal(a.n_if_present, 2000);
	for (i = 0; i < 5000; i++) {
		snprintf(pattern, sizeof(pattern), "p%zu", i);
		assert_string_equal(a.rules[i].pattern, pattern);
		assert_int_equal(a.rules[i].include, i % 3 == 0);
	}
	for (i = 0; i < 2000; i++) {
		snprintf(pattern, sizeof(pattern), "n%zu", i % 1000);
		assert_string_equal(a.if_present[i], pattern);
	}
	for (i = 0; i < 1000; i++)
		free(names[i]);
	filter_free(&a);
}

static void
test_filter_dir_merge_parse(void **state)
{
	struct filter f = FILTER_INIT;
	const char *pattern, *name;
	char why[256];
	bool include;
	size_t line;

	(void)state;
	assert_int_equal(filter_parse_rule(": .snap-filter", &include,
	    &pattern, why, sizeof(why)), 1);
	assert_string_equal(pattern, ".snap-filter");
	assert_int_equal(filter_parse_rule("dir-merge .f", &include, &pattern,
	    why, sizeof(why)), 1);
	assert_string_equal(pattern, ".f");
	assert_false(filter_merge_name(&f, &name));
	assert_int_equal(filter_parse_lines(&f, "- a\n: .f\n+ b\n", 13,
	    &line, why, sizeof(why)), 0);
	assert_int_equal(f.n_rules, 3);
	assert_true(f.rules[1].merge);
	assert_true(filter_merge_name(&f, &name));
	assert_string_equal(name, ".f");
	filter_free(&f);
}

/*
 * rsync's order: the rules before ": NAME", then the merge files of
 * the folders above the entry, the deepest first, each matched on the
 * path below its folder (so "/x" is anchored there), then the rules
 * after it.
 */
static void
test_filter_dir_merge_order(void **state)
{
	struct filter f = FILTER_INIT, top = FILTER_INIT, sub = FILTER_INIT;
	struct filter_layer layers[2];

	(void)state;
	assert_int_equal(filter_add_rule(&f, false, "b.txt"), 0);
	assert_int_equal(filter_add_merge(&f, ".f"), 0);
	assert_int_equal(filter_add_rule(&f, false, "*.txt"), 0);
	assert_int_equal(filter_add_rule(&top, false, "*.log"), 0);
	assert_int_equal(filter_add_rule(&top, false, "/private/"), 0);
	assert_int_equal(filter_add_rule(&top, true, "*.txt"), 0);
	assert_int_equal(filter_add_rule(&sub, true, "y.log"), 0);
	layers[0] = (struct filter_layer){ &top, 5, 1 };	/* "docs/" */
	layers[1] = (struct filter_layer){ &sub, 9, 2 };	/* "docs/sub/" */
	/* Before the merge point: b.txt goes, wherever it is. */
	assert_true(filter_excludes_merged(&f, layers, 2, "docs/b.txt", 10,
	    false));
	/* docs' file keeps a .txt that the rule after it would drop. */
	assert_false(filter_excludes_merged(&f, layers, 2, "docs/a.txt", 10,
	    false));
	assert_true(filter_excludes_merged(&f, layers, 1, "docs/x.log", 10,
	    false));
	/* The deeper file comes first. */
	assert_false(filter_excludes_merged(&f, layers, 2, "docs/sub/y.log",
	    14, false));
	assert_true(filter_excludes_merged(&f, layers, 2, "docs/sub/z.log",
	    14, false));
	/* Anchored at docs: docs/private goes, docs/sub/private stays. */
	assert_true(filter_excludes_merged(&f, layers, 1, "docs/private", 12,
	    true));
	assert_false(filter_excludes_merged(&f, layers, 2,
	    "docs/sub/private", 16, true));
	/* Outside docs no layer applies; the last rule decides. */
	assert_true(filter_excludes_merged(&f, NULL, 0, "c.txt", 5, false));
	assert_true(filter_excludes(&f, "c.txt", 5, false));
	filter_free(&f);
	filter_free(&top);
	filter_free(&sub);
}

/* A pattern longer than the matcher's bound is refused, saying so. */
static void
test_filter_pattern_too_long(void **state)
{
	char text[EXCLUDE_PATTERN_MAX + 8], want[64], why[256];
	const char *pattern;
	bool include = true;

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[0] = '-';
	text[1] = ' ';
	text[sizeof(text) - 1] = '\0';
	snprintf(want, sizeof(want), "the pattern is longer than %d bytes",
	    EXCLUDE_PATTERN_MAX);
	assert_string_equal(bad_rule(text), want);
	/* At the bound it is taken. */
	text[2 + EXCLUDE_PATTERN_MAX] = '\0';
	assert_int_equal(filter_parse_rule(text, &include, &pattern, why,
	    sizeof(why)), 0);
	assert_false(include);
	assert_int_equal(strlen(pattern), EXCLUDE_PATTERN_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_parse_forms),
		cmocka_unit_test(test_filter_parse_errors),
		cmocka_unit_test(test_filter_parse_lines),
		cmocka_unit_test(test_filter_first_match_wins),
		cmocka_unit_test(test_filter_homes_documents),
		cmocka_unit_test(test_filter_append),
		cmocka_unit_test(test_filter_many_rules),
		cmocka_unit_test(test_filter_dir_merge_parse),
		cmocka_unit_test(test_filter_dir_merge_order),
		cmocka_unit_test(test_filter_pattern_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
