/* What the commands share: config, store and snapshot names. */
#include <string.h>

#include "cmd.h"
#include "out.h"
#include "sys.h"

int
cmd_open(struct cmd_ctx *ctx, const struct cmd_globals *g,
    enum store_mode mode)
{
	struct err e;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	if (config_load(&ctx->cfg, config_default_path(g->config), &e) == -1) {
		out_error("%s", e.msg);
		return CMD_USAGE;
	}
	r = store_open(&ctx->store, ctx->cfg, mode, &sys_real, &e);
	ctx->store_open = true;
	if (r != 0) {
		out_error("%s", e.msg);
		return CMD_FAILED;
	}
	if (store_list_snapshots(&ctx->store, &ctx->list, &e) == -1) {
		out_error("%s", e.msg);
		return CMD_FAILED;
	}
	return CMD_OK;
}

void
cmd_close(struct cmd_ctx *ctx)
{
	store_list_free(&ctx->list);
	if (ctx->store_open)
		store_close(&ctx->store);
	ctx->store_open = false;
	config_free(ctx->cfg);
	ctx->cfg = NULL;
}

int
cmd_resolve(struct cmd_ctx *ctx, const char *query, size_t *index)
{
	struct err e;

	if (store_resolve(&ctx->list, query, index, &e) == -1) {
		out_error("%s", e.msg);
		return CMD_USAGE;
	}
	return CMD_OK;
}
