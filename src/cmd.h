/*
 * cmd: the subcommands, one cmd_*.c file each.
 *
 * main parses the global options before the command's name into struct
 * cmd_globals, finds the command in the table (cmd_help.c) and calls it
 * with the words from the command's name on (argv[0] is the name).  The
 * command parses them with cmd_parse, which takes the global options
 * there too.  A command returns the exit status (CMD_OK, CMD_FAILED,
 * CMD_USAGE, CMD_WARNINGS); only main exits.
 */
#ifndef SNAP_CMD_H
#define SNAP_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "store.h"

enum cmd_status {
	CMD_OK = 0,		/* done */
	CMD_FAILED = 1,		/* failed; no snapshot made */
	CMD_USAGE = 2,		/* usage or config error */
	CMD_WARNINGS = 3,	/* done, with warnings naming each path */
	/* create stopped by a signal, 128 + its number as shells say;
	 * no snapshot made, what it copied kept for the next run */
	CMD_INTERRUPTED = 128,
};

struct cmd_globals {
	const char	*config;	/* -c FILE, or NULL */
	bool		 json;
	long		 wait;		/* --wait SECONDS, or -1 */
};

struct opts_option;

/* One command: the one place its name, summary and usage are written. */
struct cmd_command {
	const char	*name;
	int		(*run)(int, char **, struct cmd_globals *);
	const char	*summary;	/* one line for snap --help */
	const char	*usage;		/* snap COMMAND --help */
	bool		 json;		/* prints JSON with --json */
};

/* The command called name, or NULL. */
const struct cmd_command *cmd_find(const char *name);
/* snap --help: the global options and the list of commands. */
const char	*cmd_global_usage(void);
/* Prints the usage of command name (the global one if unknown) to f. */
void	cmd_print_usage(const char *name, FILE *f);

/*
 * Parses argv with the options of table own and the global ones (-c,
 * -v, -q, --json, --wait) into g, as opts_parse_tables does (main passes
 * OPTS_STOP_AT_OPERAND).  Returns an enum opts_result.
 */
int	cmd_parse_options(int argc, char **argv, const struct opts_option *own,
	    struct cmd_globals *g, const char *usage, int flags, int *nargs);
/*
 * What every command starts with: cmd_parse_options with the usage of
 * the command argv[0]; --json for a command without JSON output is an
 * error.  Returns an enum opts_result; the operands are argv[1 ..
 * *nargs].
 */
int	cmd_parse(int argc, char **argv, const struct opts_option *own,
	    struct cmd_globals *g, int *nargs);

/*
 * Loads the config (with --wait in place of lock_wait when given).
 * Returns CMD_OK with *cfg set, or CMD_USAGE after printing the error.
 */
int	cmd_load_config(const struct cmd_globals *g, struct config **cfg);

/*
 * What most commands start with: the config, the store opened for
 * reading (or writing: then locked) and its list of snapshots.
 */
struct cmd_ctx {
	struct config		*cfg;
	struct store		 store;
	struct store_list	 list;
	bool			 store_open;
};

/*
 * Loads the config and opens the store.  Returns CMD_OK, or the exit
 * status after printing the error (CMD_USAGE for a bad config or a root
 * that others may enter, CMD_FAILED otherwise).  cmd_close is safe after
 * either.
 */
int	cmd_open(struct cmd_ctx *ctx, const struct cmd_globals *g,
	    enum store_mode mode);
/* The same, printing nothing: on failure e says why. */
int	cmd_open_err(struct cmd_ctx *ctx, const struct cmd_globals *g,
	    enum store_mode mode, struct err *e);
void	cmd_close(struct cmd_ctx *ctx);

/*
 * Warns of the mount points the store met inside trees it removed and
 * left in place (store_kept_mounts).  Returns true when it warned: the
 * command's exit status is then CMD_WARNINGS at least.
 */
bool	cmd_warn_kept_mounts(struct cmd_ctx *ctx);

/*
 * Resolves a snapshot name given on the command line (see store_resolve).
 * Returns CMD_OK with *index set, or CMD_USAGE after printing why.
 */
int	cmd_resolve(struct cmd_ctx *ctx, const char *query, size_t *index);

/*
 * Warns that snapshot name is left out because its manifest cannot be
 * read (e says why), and how to repair it: one damaged manifest must not
 * hide every other snapshot.  The exit status is CMD_WARNINGS at least.
 */
void	cmd_warn_damaged(const char *name, const struct err *e);

/*
 * Prints a finding of verify as a problem line: "changed: SNAPSHOT/PATH
 * (DETAIL)", the path quoted (name_quote) in quoted, which grows.
 */
struct verify_finding;
struct buf;
void	cmd_print_finding(const struct verify_finding *f, struct buf *quoted);

/* A report on the space of every snapshot: list and du. */
struct usage;
struct cmd_report {
	bool		  names_option;	/* takes --names (list) */
	void		(*table)(struct cmd_ctx *, const struct usage *);
	void		(*json)(struct cmd_ctx *, const struct usage *);
};

/*
 * Runs such a report: takes no arguments, computes the usage of every
 * snapshot from the manifests and prints it.  With --names (when the
 * report takes it) it prints only the names, one a line (with --json an
 * array), from a listing of the root alone: fast enough for a shell's
 * completion.  Returns the exit status.
 */
int	cmd_usage_report(int argc, char **argv, struct cmd_globals *g,
	    const struct cmd_report *report);

int	cmd_create(int argc, char **argv, struct cmd_globals *g);
/* Parses a --wait argument into g->wait; CMD_OK or CMD_USAGE. */
int	cmd_parse_wait(struct cmd_globals *g, const char *arg);
int	cmd_list(int argc, char **argv, struct cmd_globals *g);
int	cmd_diff(int argc, char **argv, struct cmd_globals *g);
int	cmd_log(int argc, char **argv, struct cmd_globals *g);
int	cmd_restore(int argc, char **argv, struct cmd_globals *g);
int	cmd_verify(int argc, char **argv, struct cmd_globals *g);
int	cmd_repair(int argc, char **argv, struct cmd_globals *g);
int	cmd_prune(int argc, char **argv, struct cmd_globals *g);
/*
 * The prune that follows every successful create (never a failed or dry
 * one): its problems are warnings, since the new snapshot stands whatever
 * happens here.  With deleted (create --json), the name of each snapshot
 * it deletes goes into that open JSON array and nothing to stdout.
 * Returns CMD_OK or CMD_WARNINGS.
 */
struct json;
int	cmd_prune_after_create(const struct cmd_globals *g,
	    struct json *deleted);
int	cmd_delete(int argc, char **argv, struct cmd_globals *g);
int	cmd_du(int argc, char **argv, struct cmd_globals *g);
int	cmd_help(int argc, char **argv, struct cmd_globals *g);
int	cmd_check(int argc, char **argv, struct cmd_globals *g);
int	cmd_notify(int argc, char **argv, struct cmd_globals *g);
int	cmd_replicate(int argc, char **argv, struct cmd_globals *g);

#endif
