/*
 * snap repair: rebuild the manifest of a snapshot from its stored tree
 * (repair.h), for a manifest that check, create or a reader found
 * damaged, or a snapshot folder whose manifest is gone.  It takes the
 * store's lock, so no create links against the snapshot meanwhile, and
 * changes nothing but the manifest.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "repair.h"
#include "testhook.h"

/*
 * The snapshot that query names: one that store_resolve finds, or the
 * full name of a snapshot folder without a manifest (store_resolve does
 * not list those).  Returns CMD_OK with name filled, or CMD_USAGE.
 */
static int
repair_target(struct cmd_ctx *ctx, const char *query, char *name)
{
	struct stat st;
	size_t idx;

	if (name_is_snapshot(query) && fstatat(ctx->store.root_fd, query, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(name, NAME_SNAPSHOT_LEN, "%s", query);
		return CMD_OK;
	}
	if (cmd_resolve(ctx, query, &idx) != CMD_OK)
		return CMD_USAGE;
	memcpy(name, ctx->list.names[idx], NAME_SNAPSHOT_LEN);
	return CMD_OK;
}

int
cmd_repair(int argc, char **argv, struct cmd_globals *g)
{
	struct cmd_ctx ctx;
	struct repair_stats st;
	struct err e;
	char name[NAME_SNAPSHOT_LEN], size[32];
	const struct opts_option options[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, status;

	if ((status = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return status == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 1) {
		out_error("repair takes one SNAPSHOT");
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_open(&ctx, g, STORE_WRITE)) != CMD_OK ||
	    (status = repair_target(&ctx, argv[1], name)) != CMD_OK)
		goto out;
	if (repair_manifest(ctx.cfg->snapshot_root, ctx.store.manifests_fd,
	    name, testhook_sys(), &st, &e) == -1) {
		out_error("%s", e.msg);
		status = CMD_FAILED;
		goto out;
	}
	out_info(OUT_NORMAL, "rebuilt the manifest of '%s': %llu %s, %llu %s "
	    "(%s) hashed\n", name, (unsigned long long)st.entries,
	    out_plural(st.entries, "entry", "entries"),
	    (unsigned long long)st.files, out_plural(st.files, "file",
	    "files"), out_bytes(size, st.bytes));
	status = CMD_OK;
out:
	cmd_close(&ctx);
	return status;
}
