/*
 * test_opts: the table-driven option parser reads argv as getopt_long
 * with permutation did, and says the same things when it cannot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"
#include "out.h"

static const char usage[] = "usage: snap thing [--flag] [--value V]\n";

struct parsed {
	bool		 flag;
	bool		 json;
	bool		 force;
	const char	*value;
	int		 calls;
	const char	*last;
};

static int
count_call(const char *arg, void *where)
{
	struct parsed *p = where;

	p->calls++;
	p->last = arg;
	return strcmp(arg, "bad") == 0 ? -1 : 0;
}

/* What one parse printed on stdout and stderr. */
struct result {
	int	 r;
	int	 nargs;
	char	 out[1024];
	char	 err[1024];
};

static void
slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Parses a NULL-ended argv (copied: the parser reorders it). */
static void
parse(struct parsed *p, struct result *res, char **args, char **operands)
{
	const struct opts_option options[] = {
		{ "flag", 'f', false, &p->flag, NULL },
		{ "force", 0, false, &p->force, NULL },
		{ "json", 0, false, &p->json, NULL },
		{ "value", 'V', true, &p->value, NULL },
		{ "call", 'c', true, p, count_call },
		{ "quiet", 'q', false, NULL, opts_quiet },
		{ NULL, 0, false, NULL, NULL },
	};
	char *argv[32];
	FILE *out, *err;
	int argc = 0, saved_out, saved_err, i;

	memset(p, 0, sizeof(*p));
	memset(res, 0, sizeof(*res));
	while (args[argc] != NULL)
		argv[argc] = args[argc], argc++;
	argv[argc] = NULL;
	out = tmpfile();
	err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	res->r = opts_parse(argc, argv, options, usage, &res->nargs);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out, res->out, sizeof(res->out));
	slurp(err, res->err, sizeof(res->err));
	for (i = 0; res->r == OPTS_OK && i < res->nargs; i++)
		operands[i] = argv[1 + i];
	if (res->r == OPTS_OK)
		operands[res->nargs] = NULL;
}

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })

static void
test_opts_flags_values_and_operands_in_any_order(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing", "a", "--flag", "b", "--value", "v1",
	    "c", "--json"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_true(p.flag);
	assert_true(p.json);
	assert_false(p.force);
	assert_string_equal(p.value, "v1");
	assert_int_equal(r.nargs, 3);
	assert_string_equal(ops[0], "a");
	assert_string_equal(ops[1], "b");
	assert_string_equal(ops[2], "c");
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
}

static void
test_opts_value_forms(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing", "--value=x=y"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_string_equal(p.value, "x=y");
	parse(&p, &r, ARGS("thing", "--value="), ops);
	assert_string_equal(p.value, "");
	/* The next word is the value, even when it looks like an option. */
	parse(&p, &r, ARGS("thing", "--value", "--json"), ops);
	assert_string_equal(p.value, "--json");
	assert_false(p.json);
	parse(&p, &r, ARGS("thing", "-Vabc"), ops);
	assert_string_equal(p.value, "abc");
	parse(&p, &r, ARGS("thing", "-fV", "abc", "op"), ops);
	assert_true(p.flag);
	assert_string_equal(p.value, "abc");
	assert_int_equal(r.nargs, 1);
	assert_string_equal(ops[0], "op");
}

static void
test_opts_double_dash_and_lone_dash(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing", "-", "--", "--flag", "-x"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_false(p.flag);
	assert_int_equal(r.nargs, 3);
	assert_string_equal(ops[0], "-");
	assert_string_equal(ops[1], "--flag");
	assert_string_equal(ops[2], "-x");
}

static void
test_opts_unique_prefix(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing", "--js", "--val", "v"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_true(p.json);
	assert_string_equal(p.value, "v");
	/* "--f" could be --flag or --force. */
	parse(&p, &r, ARGS("thing", "--f"), ops);
	assert_int_equal(r.r, OPTS_ERROR);
	assert_string_equal(r.err, "thing: option '--f' is ambiguous; "
	    "possibilities: '--flag' '--force'\n"
	    "usage: snap thing [--flag] [--value V]\n");
	assert_false(p.flag);
}

static void
test_opts_help(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing", "--flag", "--help", "--bogus"), ops);
	assert_int_equal(r.r, OPTS_HELP);
	assert_true(p.flag);
	assert_string_equal(r.out, usage);
	assert_string_equal(r.err, "");
	parse(&p, &r, ARGS("thing", "-h"), ops);
	assert_int_equal(r.r, OPTS_HELP);
	assert_string_equal(r.out, usage);
	parse(&p, &r, ARGS("thing", "--he"), ops);
	assert_int_equal(r.r, OPTS_HELP);
}

/* glibc's words, then the usage, all on stderr. */
static void
test_opts_errors_say_what_getopt_said(void **state)
{
	static const struct {
		char	*arg;
		char	*more;
		char	*msg;
	} cases[] = {
		{ "--bogus", NULL, "thing: unrecognized option '--bogus'\n" },
		{ "--bogus=1", NULL,
		    "thing: unrecognized option '--bogus=1'\n" },
		{ "-x", NULL, "thing: invalid option -- 'x'\n" },
		{ "-fx", NULL, "thing: invalid option -- 'x'\n" },
		{ "--value", NULL,
		    "thing: option '--value' requires an argument\n" },
		{ "--val", NULL,
		    "thing: option '--value' requires an argument\n" },
		{ "-V", NULL, "thing: option requires an argument -- 'V'\n" },
		{ "--flag=yes", NULL,
		    "thing: option '--flag' doesn't allow an argument\n" },
	};
	struct parsed p;
	struct result r;
	char *ops[32], want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(&p, &r, ARGS("thing", cases[i].arg), ops);
		assert_int_equal(r.r, OPTS_ERROR);
		snprintf(want, sizeof(want), "%s%s", cases[i].msg, usage);
		assert_string_equal(r.err, want);
		assert_string_equal(r.out, "");
	}
}

/* Options act in order; a parse function's -1 stops without usage. */
static void
test_opts_parse_functions(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing", "--call", "one", "-ctwo", "x"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_int_equal(p.calls, 2);
	assert_string_equal(p.last, "two");
	assert_int_equal(r.nargs, 1);
	parse(&p, &r, ARGS("thing", "--call=bad", "--bogus", "--flag"), ops);
	assert_int_equal(r.r, OPTS_ERROR);
	assert_int_equal(p.calls, 1);
	assert_false(p.flag);
	assert_string_equal(r.err, "");
	out_level = OUT_NORMAL;
	parse(&p, &r, ARGS("thing", "-q"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_int_equal(out_level, OUT_QUIET);
	out_level = OUT_NORMAL;
}

static void
test_opts_no_arguments(void **state)
{
	struct parsed p;
	struct result r;
	char *ops[32];

	(void)state;
	parse(&p, &r, ARGS("thing"), ops);
	assert_int_equal(r.r, OPTS_OK);
	assert_int_equal(r.nargs, 0);
	assert_null(ops[0]);
}

/*
 * Two tables, as a command and the global options: both are read, a
 * prefix is judged across them, and OPTS_STOP_AT_OPERAND leaves the
 * command's name and what follows it unparsed.
 */
static void
test_opts_tables_and_stop_at_operand(void **state)
{
	bool flag = false, json = false, force = false;
	const struct opts_option own[] = {
		{ "flag", 0, false, &flag, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	const struct opts_option shared[] = {
		{ "json", 0, false, &json, NULL },
		{ "force", 'f', false, &force, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	const struct opts_option *const tables[] = { own, shared, NULL };
	char *argv[] = { "snap", "--json", "-f", "delete", "--flag", "x",
	    NULL };
	char *argv2[] = { "delete", "x", "--fl", "--json", NULL };
	char *argv3[] = { "delete", "--f", NULL };
	int nargs;

	(void)state;
	assert_int_equal(opts_parse_tables(6, argv, tables, usage,
	    OPTS_STOP_AT_OPERAND, &nargs), OPTS_OK);
	assert_true(json);
	assert_true(force);
	assert_false(flag);
	assert_int_equal(nargs, 3);
	assert_string_equal(argv[1], "delete");
	assert_string_equal(argv[2], "--flag");
	assert_string_equal(argv[3], "x");

	json = false;
	assert_int_equal(opts_parse_tables(4, argv2, tables, usage, 0,
	    &nargs), OPTS_OK);
	assert_true(flag);
	assert_true(json);
	assert_int_equal(nargs, 1);
	assert_string_equal(argv2[1], "x");

	/* "--f": flag or force, from different tables. */
	assert_int_equal(opts_parse_tables(2, argv3, tables, usage, 0,
	    &nargs), OPTS_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_opts_flags_values_and_operands_in_any_order),
		cmocka_unit_test(test_opts_value_forms),
		cmocka_unit_test(test_opts_double_dash_and_lone_dash),
		cmocka_unit_test(test_opts_unique_prefix),
		cmocka_unit_test(test_opts_help),
		cmocka_unit_test(test_opts_errors_say_what_getopt_said),
		cmocka_unit_test(test_opts_parse_functions),
		cmocka_unit_test(test_opts_no_arguments),
		cmocka_unit_test(test_opts_tables_and_stop_at_operand),
	};

	out_set_streams(stdout, false, stderr, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
