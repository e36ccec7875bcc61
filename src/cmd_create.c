/* snap create: take a snapshot, as the config describes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "create.h"
#include "hooks.h"
#include "metrics.h"
#include "mono.h"
#include "opts.h"
#include "out.h"
#include "store.h"
#include "sys.h"

static const char usage[] = "usage: snap [-c FILE] [-v | -q] create "
    "[-v | -q] [--dry-run] [--label TEXT] [--wait SECONDS]\n";

/* SNAP_TEST_HANG_AFTER=N: the test suite's way to stop a run midway. */
static long
hang_after(void)
{
	const char *s = getenv("SNAP_TEST_HANG_AFTER");

	return s != NULL ? strtol(s, NULL, 10) : 0;
}

/* The hooks' view of the run, for create_opts.before_write. */
struct run_hooks {
	const struct config	*cfg;
	int			 status;	/* SNAP_STATUS */
	const char		*snapshot;	/* SNAP_SNAPSHOT */
};

static int
run_hook(struct run_hooks *h, const char *what, char *const *cmds,
    size_t n, struct err *e)
{
	const struct hook_env env = {
		.config = h->cfg->file,
		.root = h->cfg->snapshot_root,
		.snapshot = h->snapshot,
		.status = h->status,
	};

	return hooks_run(what, cmds, n, &env, h->cfg->hooks.timeout, e);
}

static int
before_create(void *arg, struct err *e)
{
	struct run_hooks *h = arg;

	return run_hook(h, "before_create", h->cfg->hooks.before_create,
	    h->cfg->hooks.n_before_create, e);
}

/*
 * What follows a real (not dry) run, whatever its outcome: after_create
 * or on_error hooks, then the metrics file.  Their failures are
 * warnings (exit 3 instead of 0): the snapshot stands, or has already
 * failed.  Returns the final exit status.
 */
static int
after_run(struct run_hooks *h, const struct create_stats *stats,
    int status, const struct timespec *t0)
{
	const struct config_hooks *hooks = &h->cfg->hooks;
	struct metrics_run run;
	struct err e;

	h->status = status;
	h->snapshot = status == CMD_FAILED ? "" : stats->name;
	if (status == CMD_FAILED) {
		if (run_hook(h, "on_error", hooks->on_error,
		    hooks->n_on_error, &e) == -1)
			out_error("%s", e.msg);
	} else if (run_hook(h, "after_create", hooks->after_create,
	    hooks->n_after_create, &e) == -1) {
		out_warning("%s", e.msg);
		status = CMD_WARNINGS;
	}
	if (h->cfg->metrics_file == NULL)
		return status;
	run.ended = time(NULL);
	run.seconds = mono_seconds_since(t0);
	run.exit_status = status;
	run.stats = status == CMD_FAILED ? NULL : stats;
	if (metrics_write(h->cfg, &run, &e) == -1) {
		out_warning("%s", e.msg);
		/* A failed run stays failed; a good one now has a warning. */
		if (status == CMD_OK)
			status = CMD_WARNINGS;
	}
	return status;
}

/* --label TEXT into *(const char **)where, if create takes it. */
static int
parse_label(const char *arg, void *where)
{
	struct err e;

	if (create_check_label(arg, &e) == -1) {
		out_error("%s", e.msg);
		return -1;
	}
	*(const char **)where = arg;
	return 0;
}

/* --wait SECONDS into the struct cmd_globals at where. */
static int
parse_wait(const char *arg, void *where)
{
	return cmd_parse_wait(where, arg) == CMD_OK ? 0 : -1;
}

int
cmd_create(int argc, char **argv, const struct cmd_globals *global)
{
	struct cmd_globals g = *global;
	struct create_opts opts = { .dry_run = false };
	struct create_stats stats;
	struct run_hooks hooks = { .snapshot = "" };
	struct config *cfg = NULL;
	struct timespec t0;
	struct err e;
	/* -v and -q also after the command name, where people put them. */
	const struct opts_option options[] = {
		{ "dry-run", 'n', false, &opts.dry_run, NULL },
		{ "label", 0, true, &opts.label, parse_label },
		{ "wait", 0, true, &g, parse_wait },
		{ "verbose", 'v', false, NULL, opts_verbose },
		{ "quiet", 'q', false, NULL, opts_quiet },
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, r, status;

	mono_start(&t0);
	if ((r = opts_parse(argc, argv, options, usage, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 0) {
		out_error("create takes no arguments ('%s')", argv[1]);
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if ((r = cmd_load_config(&g, &cfg)) != CMD_OK)
		return r;
	opts.hang_after = hang_after();
	hooks.cfg = cfg;
	opts.before_write = before_create;
	opts.before_write_arg = &hooks;
	r = create_run(cfg, &opts, &sys_real, &stats, &e);
	if (r != 0) {
		out_error("%s", e.msg);
		if (r == -1 && !opts.dry_run)
			out_error("no snapshot was made; earlier snapshots are "
			    "unchanged");
		status = CMD_FAILED;
	} else {
		create_print_summary(&stats, opts.dry_run);
		status = stats.warnings > 0 ? CMD_WARNINGS : CMD_OK;
		if (!opts.dry_run && cmd_prune_after_create(&g) != CMD_OK)
			status = CMD_WARNINGS;
	}
	if (!opts.dry_run)
		status = after_run(&hooks, &stats, status, &t0);
	config_free(cfg);
	return status;
}
