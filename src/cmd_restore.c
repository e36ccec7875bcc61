/* snap restore: copy a path out of a snapshot into a new place. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "out.h"
#include "progress.h"
#include "restore.h"

static const char usage[] = "usage: snap [-c FILE] [-v | -q] restore "
    "[--overwrite] SNAPSHOT PATH DEST\n";

static void
print_problem(void *arg, enum restore_problem kind, const char *msg)
{
	(void)arg;
	if (kind == RESTORE_WARNING)
		out_warning("%s", msg);
	else
		out_error("%s", msg);
}

int
cmd_restore(int argc, char **argv, const struct cmd_globals *g)
{
	static const struct option longopts[] = {
		{ "overwrite", no_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct restore_opts opts = { false };
	struct progress progress;
	struct restore_stats stats;
	struct cmd_ctx ctx;
	struct err e;
	size_t index;
	char size[32];
	int ch, r, status;

	/* 0: start over, so that options after the operands count too. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			opts.overwrite = true;
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
	if (argc - optind != 3) {
		out_error("restore takes a snapshot, a path in it and a "
		    "destination");
		fputs(usage, stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_open(&ctx, g, STORE_READ)) != CMD_OK)
		goto out;
	if ((status = cmd_resolve(&ctx, argv[optind], &index)) != CMD_OK)
		goto out;

	progress_begin(&progress, "restore");
	opts.progress = &progress;
	opts.report = print_problem;
	r = restore_run(&ctx.store, ctx.list.names[index], argv[optind + 1],
	    argv[optind + 2], &opts, &stats, &e);
	progress_end(&progress);
	if (r != 0) {
		out_error("%s", e.msg);
		status = r == -1 ? CMD_FAILED : CMD_USAGE;
		goto out;
	}
	out_info(OUT_NORMAL, "restored %llu files, %llu bytes (%s) from %s "
	    "into %s%s\n", (unsigned long long)stats.files,
	    (unsigned long long)stats.bytes,
	    out_bytes(size, (unsigned long long)stats.bytes),
	    ctx.list.names[index], argv[optind + 2],
	    stats.mismatches + stats.failures > 0 ? ", with problems" : "");
	if (stats.mismatches > 0)
		out_error("%llu files do not match their hash in the manifest",
		    (unsigned long long)stats.mismatches);
	if (stats.failures > 0)
		out_error("%llu entries could not be restored (see above)",
		    (unsigned long long)stats.failures);
	if (stats.mismatches + stats.failures > 0)
		status = CMD_FAILED;
	else if (stats.warnings > 0)
		status = CMD_WARNINGS;
	else
		status = CMD_OK;

out:
	cmd_close(&ctx);
	return status;
}
