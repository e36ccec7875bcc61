/*
 * snap delete: remove snapshots by name, whatever the retention policy
 * says (labelled ones too).  Every name is resolved before anything is
 * deleted, so a typo deletes nothing.  The newest snapshot ('latest') is
 * the link source of the next create and the only copy of the newest
 * data: deleting it needs --force.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "opts.h"
#include "out.h"
#include "store.h"

int
cmd_delete(int argc, char **argv, struct cmd_globals *g)
{
	struct cmd_ctx ctx;
	struct json j;
	struct err e;
	bool force = false, *doomed = NULL;
	const struct opts_option options[] = {
		{ "force", 'f', false, &force, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	size_t i, idx;
	int nargs, status;

	if ((status = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return status == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs == 0) {
		out_error("delete needs the name of a snapshot");
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_open(&ctx, g, STORE_WRITE)) != CMD_OK)
		goto out;
	if ((doomed = calloc(ctx.list.n + 1, sizeof(*doomed))) == NULL) {
		out_error("cannot delete: out of memory");
		status = CMD_FAILED;
		goto out;
	}
	for (i = 1; i <= (size_t)nargs; i++) {
		if ((status = cmd_resolve(&ctx, argv[i], &idx)) != CMD_OK)
			goto out;
		if (idx == ctx.list.n - 1 && !force) {
			out_error("'%s' is the newest snapshot (latest); the "
			    "next create links against it: use --force to "
			    "delete it anyway", ctx.list.names[idx]);
			status = CMD_USAGE;
			goto out;
		}
		doomed[idx] = true;
	}
	json_init(&j, stdout);
	if (g->json)
		json_begin_array(&j);
	for (i = 0; i < ctx.list.n; i++) {
		if (!doomed[i])
			continue;
		if (store_delete(&ctx.store, ctx.list.names[i], &e) == -1) {
			out_error("%s", e.msg);
			status = CMD_FAILED;
			break;
		}
		if (g->json)
			json_string(&j, ctx.list.names[i]);
		else
			out_info(OUT_NORMAL, "deleted snapshot %s\n",
			    ctx.list.names[i]);
	}
	if (g->json)
		json_end_array(&j);
out:
	/* A mount point inside: the rest of the delete is done, and the
	 * warning says what stays and why. */
	if (cmd_warn_kept_mounts(&ctx) && status == CMD_OK)
		status = CMD_WARNINGS;
	free(doomed);
	cmd_close(&ctx);
	return status;
}
