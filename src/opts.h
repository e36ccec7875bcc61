/*
 * opts: the option parser every command uses, from a table.
 *
 *   static const char usage[] = "usage: snap ... prune [--dry-run]\n";
 *   bool dry_run = false, json = g->json;
 *   const struct opts_option options[] = {
 *           { "dry-run", 'n', false, &dry_run, NULL },
 *           { "json", 0, false, &json, NULL },
 *           { "quiet", 'q', false, NULL, opts_quiet },
 *           { NULL, 0, false, NULL, NULL },
 *   };
 *   int nargs, r;
 *
 *   if ((r = opts_parse(argc, argv, options, usage, &nargs)) != OPTS_OK)
 *           return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
 *   ... the operands are argv[1] .. argv[nargs] ...
 *
 * It reads like getopt_long with permutation, which the commands used
 * before, and says the same things:
 *  - argv[0] is the command's name, used in messages;
 *  - options and operands may come in any order ("diff OLD --json");
 *    "--" ends the options, and "-" alone is an operand;
 *  - "--name=value" and "--name value"; "-x", bundled "-vq", and for a
 *    letter with a value "-xVALUE" or "-x VALUE";
 *  - a long name may be shortened to any unique prefix ("--dry");
 *  - -h and --help print usage to stdout and end the parse (OPTS_HELP);
 *  - an unknown option, a missing value or a value given to a flag is
 *    reported as glibc words it ("prune: unrecognized option '--x'"),
 *    followed by usage, to stderr (OPTS_ERROR).
 *
 * Options take effect in the order given, as they are read: a flag's
 * bool is set to true, a value's const char * to the argument (which
 * points into argv), or parse(arg, where) is called (arg NULL for a
 * flag).  A parse function that returns -1 has printed why; the parse
 * ends there with OPTS_ERROR and no usage.
 *
 * The operands end up, in order, at argv[1 .. *nargs]: argv's slots are
 * reused for them (the strings are not touched).
 */
#ifndef SNAP_OPTS_H
#define SNAP_OPTS_H

#include <stdbool.h>

struct opts_option {
	const char	*name;		/* long name ("dry-run"), or NULL */
	char		 letter;	/* short name ('n'), or 0 */
	bool		 has_arg;	/* takes a value */
	void		*where;		/* bool *, const char ** or parse's */
	int		(*parse)(const char *arg, void *where);
};

enum opts_result {
	OPTS_OK,	/* parsed: go on */
	OPTS_HELP,	/* usage went to stdout: exit 0 */
	OPTS_ERROR,	/* a message went to stderr: exit 2 */
};

/*
 * Parses argv[1 .. argc) with options (ended by an entry whose name and
 * letter are both NULL and 0).  Returns an enum opts_result; with OPTS_OK
 * *nargs is the number of operands.
 */
int	opts_parse(int argc, char **argv, const struct opts_option *options,
	    const char *usage, int *nargs);

/* With OPTS_STOP_AT_OPERAND, the first operand ends the options: it and
 * every word after it are operands, unparsed (a command's name and its
 * arguments, after the options before it). */
#define OPTS_STOP_AT_OPERAND	1

/*
 * The same, with the options of several tables (a NULL-terminated list
 * of tables, each ended as above): a command's own and those every
 * command shares.  A long name is looked up, and its prefixes judged,
 * across all of them.
 */
int	opts_parse_tables(int argc, char **argv,
	    const struct opts_option *const *tables, const char *usage,
	    int flags, int *nargs);

/* Parse functions for -q and -v after the command's name (out_level). */
int	opts_quiet(const char *arg, void *where);
int	opts_verbose(const char *arg, void *where);

#endif
