/* snap create: take a snapshot, as the config describes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "create.h"
#include "out.h"
#include "store.h"
#include "sys.h"

static const char usage[] = "usage: snap [-c FILE] [-v | -q] create "
    "[-v | -q] [--dry-run] [--label TEXT]\n";

/* SNAP_TEST_HANG_AFTER=N: the test suite's way to stop a run midway. */
static long
hang_after(void)
{
	const char *s = getenv("SNAP_TEST_HANG_AFTER");

	return s != NULL ? strtol(s, NULL, 10) : 0;
}

int
cmd_create(int argc, char **argv, const struct cmd_globals *g)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct create_opts opts = { .dry_run = false };
	struct create_stats stats;
	struct config *cfg = NULL;
	struct err e;
	int ch, r, status;

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
	if (config_load(&cfg, config_default_path(g->config), &e) == -1) {
		out_error("%s", e.msg);
		return CMD_USAGE;
	}
	opts.hang_after = hang_after();
	r = create_run(cfg, &opts, &sys_real, &stats, &e);
	config_free(cfg);
	if (r != 0) {
		out_error("%s", e.msg);
		if (r == -1 && !opts.dry_run)
			out_error("no snapshot was made; earlier snapshots are "
			    "unchanged");
		return CMD_FAILED;
	}
	create_print_summary(&stats, opts.dry_run);
	status = stats.warnings > 0 ? CMD_WARNINGS : CMD_OK;
	if (!opts.dry_run && cmd_prune_after_create(g) != CMD_OK)
		status = CMD_WARNINGS;
	return status;
}
