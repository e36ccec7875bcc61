#include "opts.h"

#include <stdio.h>
#include <string.h>

#include "out.h"

/* Every command has these; tables need not say so. */
static const struct opts_option help_option = {
	"help", 'h', false, NULL, NULL,
};

static bool
is_end(const struct opts_option *o)
{
	return o->name == NULL && o->letter == 0;
}

/* A look-up of a long name: exact, or a unique prefix. */
struct lookup {
	const char			*name;
	size_t				 len;		/* up to any '=' */
	const struct opts_option	*exact;
	const struct opts_option	*prefix;	/* the first one */
	int				 n_prefix;
};

static void
consider(struct lookup *l, const struct opts_option *o)
{
	if (o->name == NULL || strncmp(o->name, l->name, l->len) != 0)
		return;
	if (o->name[l->len] == '\0')
		l->exact = o;
	else if (l->n_prefix++ == 0)
		l->prefix = o;
}

/*
 * The long option called name (len bytes), exact or a unique prefix.
 * Returns it, or NULL with *ambiguous set when several start so and
 * none is exact.
 */
static const struct opts_option *
find_long(const struct opts_option *const *tables, const char *name,
    size_t len, bool *ambiguous)
{
	struct lookup l = { name, len, NULL, NULL, 0 };
	const struct opts_option *o;
	size_t t;

	for (t = 0; tables[t] != NULL; t++)
		for (o = tables[t]; !is_end(o); o++)
			consider(&l, o);
	consider(&l, &help_option);
	*ambiguous = l.exact == NULL && l.n_prefix > 1;
	if (l.exact != NULL)
		return l.exact;
	return l.n_prefix == 1 ? l.prefix : NULL;
}

static const struct opts_option *
find_letter(const struct opts_option *const *tables, char c)
{
	const struct opts_option *o;
	size_t t;

	for (t = 0; tables[t] != NULL; t++)
		for (o = tables[t]; !is_end(o); o++)
			if (o->letter == c)
				return o;
	return c == help_option.letter ? &help_option : NULL;
}

/* "prune: option '--dry' is ambiguous; possibilities: '--dry-run' ..." */
static void
print_ambiguous(const char *cmd, const struct opts_option *const *tables,
    const char *arg, size_t len)
{
	const struct opts_option *o;
	size_t t;

	fprintf(stderr, "%s: option '%s' is ambiguous; possibilities:", cmd,
	    arg);
	for (t = 0; tables[t] != NULL; t++)
		for (o = tables[t]; !is_end(o); o++)
			if (o->name != NULL &&
			    strncmp(o->name, arg + 2, len) == 0)
				fprintf(stderr, " '--%s'", o->name);
	if (strncmp(help_option.name, arg + 2, len) == 0)
		fprintf(stderr, " '--%s'", help_option.name);
	fputc('\n', stderr);
}

/* Carries out option o.  Returns OPTS_OK, OPTS_HELP or OPTS_ERROR. */
static int
apply(const struct opts_option *o, const char *arg, const char *usage)
{
	if (o == &help_option) {
		out_clear();
		fputs(usage, stdout);
		return OPTS_HELP;
	}
	if (o->parse != NULL)
		return o->parse(arg, o->where) == 0 ? OPTS_OK : OPTS_ERROR;
	if (o->has_arg)
		*(const char **)o->where = arg;
	else
		*(bool *)o->where = true;
	return OPTS_OK;
}

/* A long option at argv[*i].  Returns an enum opts_result. */
static int
parse_long(int argc, char **argv, int *i,
    const struct opts_option *const *tables, const char *usage,
    bool *usage_error)
{
	const struct opts_option *o;
	const char *arg = argv[*i], *name = arg + 2, *eq, *value = NULL;
	size_t len;
	bool ambiguous;

	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	if ((o = find_long(tables, name, len, &ambiguous)) == NULL) {
		if (ambiguous)
			print_ambiguous(argv[0], tables, arg, len);
		else
			fprintf(stderr, "%s: unrecognized option '%s'\n",
			    argv[0], arg);
		*usage_error = true;
		return OPTS_ERROR;
	}
	if (o->has_arg && eq != NULL)
		value = eq + 1;
	else if (o->has_arg && *i + 1 < argc)
		value = argv[++*i];
	else if (o->has_arg) {
		fprintf(stderr, "%s: option '--%s' requires an argument\n",
		    argv[0], o->name);
		*usage_error = true;
		return OPTS_ERROR;
	} else if (eq != NULL) {
		fprintf(stderr, "%s: option '--%s' doesn't allow an "
		    "argument\n", argv[0], o->name);
		*usage_error = true;
		return OPTS_ERROR;
	}
	return apply(o, value, usage);
}

/* Short options, perhaps bundled, at argv[*i]. */
static int
parse_letters(int argc, char **argv, int *i,
    const struct opts_option *const *tables, const char *usage,
    bool *usage_error)
{
	const struct opts_option *o;
	const char *arg = argv[*i], *value;
	size_t j;
	int r;

	for (j = 1; arg[j] != '\0'; j++) {
		if ((o = find_letter(tables, arg[j])) == NULL) {
			fprintf(stderr, "%s: invalid option -- '%c'\n",
			    argv[0], arg[j]);
			*usage_error = true;
			return OPTS_ERROR;
		}
		value = NULL;
		if (o->has_arg) {
			/* The rest of this word, or the next one. */
			if (arg[j + 1] != '\0')
				value = arg + j + 1;
			else if (*i + 1 < argc)
				value = argv[++*i];
			else {
				fprintf(stderr, "%s: option requires an "
				    "argument -- '%c'\n", argv[0], arg[j]);
				*usage_error = true;
				return OPTS_ERROR;
			}
		}
		if ((r = apply(o, value, usage)) != OPTS_OK || o->has_arg)
			return r;
	}
	return OPTS_OK;
}

int
opts_parse(int argc, char **argv, const struct opts_option *options,
    const char *usage, int *nargs)
{
	const struct opts_option *const tables[] = { options, NULL };

	return opts_parse_tables(argc, argv, tables, usage, 0, nargs);
}

int
opts_parse_tables(int argc, char **argv,
    const struct opts_option *const *tables, const char *usage, int flags,
    int *nargs)
{
	bool only_operands = false, usage_error = false;
	int i, w = 1, r = OPTS_OK;
	const char *arg;

	for (i = 1; i < argc && r == OPTS_OK; i++) {
		arg = argv[i];
		if (only_operands || arg[0] != '-' || arg[1] == '\0') {
			argv[w++] = argv[i];
			/* The command's name: what follows is its own. */
			if (flags & OPTS_STOP_AT_OPERAND)
				only_operands = true;
		} else if (strcmp(arg, "--") == 0)
			only_operands = true;
		else if (arg[1] == '-')
			r = parse_long(argc, argv, &i, tables, usage,
			    &usage_error);
		else
			r = parse_letters(argc, argv, &i, tables, usage,
			    &usage_error);
	}
	if (usage_error) {
		out_clear();
		fputs(usage, stderr);
	}
	*nargs = w - 1;
	return r;
}

int
opts_quiet(const char *arg, void *where)
{
	(void)arg;
	(void)where;
	out_level = OUT_QUIET;
	return 0;
}

int
opts_verbose(const char *arg, void *where)
{
	(void)arg;
	(void)where;
	out_level = OUT_VERBOSE;
	return 0;
}
