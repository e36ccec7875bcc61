/* snap restore: copy a path out of a snapshot into a new place. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "restore.h"

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
cmd_restore(int argc, char **argv, struct cmd_globals *g)
{
	struct restore_opts opts = { false };
	struct progress progress;
	struct restore_stats stats;
	struct cmd_ctx ctx;
	struct err e;
	const struct opts_option options[] = {
		{ "overwrite", 0, false, &opts.overwrite, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	size_t index;
	char size[32];
	int nargs, r, status;

	if ((r = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 3) {
		out_error("restore takes a snapshot, a path in it and a "
		    "destination");
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_open(&ctx, g, STORE_READ)) != CMD_OK)
		goto out;
	if ((status = cmd_resolve(&ctx, argv[1], &index)) != CMD_OK)
		goto out;

	progress_begin(&progress, "restore");
	opts.progress = &progress;
	opts.report = print_problem;
	r = restore_run(&ctx.store, ctx.list.names[index], argv[2],
	    argv[3], &opts, &stats, &e);
	progress_end(&progress);
	if (r != 0) {
		out_error("%s", e.msg);
		status = r == -1 ? CMD_FAILED : CMD_USAGE;
		goto out;
	}
	out_info(OUT_NORMAL, "restored %llu %s, %llu %s (%s) from %s "
	    "into %s%s\n", (unsigned long long)stats.files,
	    out_plural(stats.files, "file", "files"),
	    (unsigned long long)stats.bytes,
	    out_plural(stats.bytes, "byte", "bytes"),
	    out_bytes(size, (unsigned long long)stats.bytes),
	    ctx.list.names[index], argv[3],
	    stats.mismatches + stats.failures > 0 ? ", with problems" : "");
	if (stats.mismatches > 0)
		out_error("%llu %s not match %s hash in the manifest",
		    (unsigned long long)stats.mismatches,
		    out_plural(stats.mismatches, "file does", "files do"),
		    out_plural(stats.mismatches, "its", "their"));
	if (stats.failures > 0)
		out_error("%llu %s could not be restored (see above)",
		    (unsigned long long)stats.failures,
		    out_plural(stats.failures, "entry", "entries"));
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
