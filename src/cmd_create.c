/* snap create: take a snapshot, as the config describes. */
#include <getopt.h>
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
#include "out.h"
#include "store.h"
#include "sys.h"
#include "testhook.h"

static const char usage[] = "usage: snap [-c FILE] [-v | -q] create "
    "[-v | -q] [--dry-run] [--label TEXT] [--wait SECONDS]\n";

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
	if (metrics_write(h->cfg, &run, testhook_sys(), &e) == -1) {
		out_warning("%s", e.msg);
		/* A failed run stays failed; a good one now has a warning. */
		if (status == CMD_OK)
			status = CMD_WARNINGS;
	}
	return status;
}

int
cmd_create(int argc, char **argv, const struct cmd_globals *global)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "wait", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_globals g = *global;
	struct create_opts opts = { .dry_run = false };
	struct create_stats stats;
	struct run_hooks hooks = { .snapshot = "" };
	struct config *cfg = NULL;
	struct timespec t0;
	struct err e;
	int ch, r, status;

	mono_start(&t0);
	optind = 0;	/* reset getopt: permute, so options may follow */
	while ((ch = getopt_long(argc, argv, "nvqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			opts.dry_run = true;
			break;
		case 'l':
			if (create_check_label(optarg, &e) == -1) {
				out_error("%s", e.msg);
				return CMD_USAGE;
			}
			opts.label = optarg;
			break;
		case 'w':
			if (cmd_parse_wait(&g, optarg) != CMD_OK)
				return CMD_USAGE;
			break;
		case 'v':
			/* Also after the command name, where people put it. */
			out_level = OUT_VERBOSE;
			break;
		case 'q':
			out_level = OUT_QUIET;
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_USAGE;
		}
	}
	if (optind != argc) {
		out_error("create takes no arguments ('%s')", argv[optind]);
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if ((r = cmd_load_config(&g, &cfg)) != CMD_OK)
		return r;
	opts.hang_after = testhook_hang_after();
	hooks.cfg = cfg;
	opts.before_write = before_create;
	opts.before_write_arg = &hooks;
	r = create_run(cfg, &opts, testhook_sys(), &stats, &e);
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
