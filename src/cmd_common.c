/* What the commands share: config, store and snapshot names. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "json.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "sys.h"
#include "testhook.h"
#include "usage.h"
#include "verify.h"

/* Loads the config as g says.  Returns CMD_OK, or CMD_USAGE with e set. */
static int
load_config(const struct cmd_globals *g, struct config **cfg, struct err *e)
{
	size_t len;

	if (config_load(cfg, config_default_path(g->config), e) == -1) {
		/* A first run without the default config: say how to name
		 * another one. */
		len = strlen(e->msg);
		if (e->errnum == ENOENT)
			snprintf(e->msg + len, sizeof(e->msg) - len, " (name "
			    "the config with -c FILE or $SNAP_CONFIG)");
		return CMD_USAGE;
	}
	if (g->wait >= 0)
		(*cfg)->lock_wait = (unsigned int)g->wait;
	return CMD_OK;
}

int
cmd_load_config(const struct cmd_globals *g, struct config **cfg)
{
	struct err e;
	int r;

	if ((r = load_config(g, cfg, &e)) != CMD_OK)
		out_error("%s", e.msg);
	return r;
}

int
cmd_parse_wait(struct cmd_globals *g, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    v > INT_MAX) {
		out_error("--wait takes a whole number of seconds, not '%s'",
		    arg);
		return CMD_USAGE;
	}
	g->wait = v;
	return CMD_OK;
}

/* --wait SECONDS into the struct cmd_globals at where. */
static int
parse_wait(const char *arg, void *where)
{
	return cmd_parse_wait(where, arg) == CMD_OK ? 0 : -1;
}

int
cmd_parse_options(int argc, char **argv, const struct opts_option *own,
    struct cmd_globals *g, const char *usage, int flags, int *nargs)
{
	/* The global options, taken wherever they stand: "snap delete
	 * NAME --json" is the same as "snap --json delete NAME". */
	const struct opts_option globals[] = {
		{ "config", 'c', true, &g->config, NULL },
		{ "verbose", 'v', false, NULL, opts_verbose },
		{ "quiet", 'q', false, NULL, opts_quiet },
		{ "json", 0, false, &g->json, NULL },
		{ "wait", 0, true, g, parse_wait },
		{ NULL, 0, false, NULL, NULL },
	};
	const struct opts_option *const tables[] = { own, globals, NULL };

	return opts_parse_tables(argc, argv, tables, usage, flags, nargs);
}

int
cmd_parse(int argc, char **argv, const struct opts_option *own,
    struct cmd_globals *g, int *nargs)
{
	const struct cmd_command *c = cmd_find(argv[0]);
	int r;

	r = cmd_parse_options(argc, argv, own, g, c->usage, 0, nargs);
	if (r == OPTS_OK && g->json && !c->json) {
		/* Better than output a script cannot parse. */
		out_error("%s has no JSON output", c->name);
		return OPTS_ERROR;
	}
	return r;
}

int
cmd_open_err(struct cmd_ctx *ctx, const struct cmd_globals *g,
    enum store_mode mode, struct err *e)
{
	int r;

	memset(ctx, 0, sizeof(*ctx));
	if ((r = load_config(g, &ctx->cfg, e)) != CMD_OK)
		return r;
	r = store_open(&ctx->store, ctx->cfg, mode, testhook_sys(), e);
	ctx->store_open = true;
	/* A root others may enter is like a bad config: nothing runs
	 * until someone decides. */
	if (r == STORE_ESHARED)
		return CMD_USAGE;
	if (r != 0 || store_list_snapshots(&ctx->store, &ctx->list, e) == -1)
		return CMD_FAILED;
	return CMD_OK;
}

int
cmd_open(struct cmd_ctx *ctx, const struct cmd_globals *g,
    enum store_mode mode)
{
	struct err e;
	int r;

	if ((r = cmd_open_err(ctx, g, mode, &e)) != CMD_OK)
		out_error("%s", e.msg);
	return r;
}

bool
cmd_warn_kept_mounts(struct cmd_ctx *ctx)
{
	char msg[PATH_MAX + 512];

	if (!ctx->store_open ||
	    store_kept_mounts(&ctx->store, msg, sizeof(msg)) == 0)
		return false;
	out_warning("%s", msg);
	return true;
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

void
cmd_warn_damaged(const char *name, const struct err *e)
{
	out_warning("%s; skipping snapshot '%s' (run 'snap repair %s' to "
	    "rebuild its manifest from the snapshot)", e->msg, name, name);
}

/* list --names: the snapshots' names, one a line or a JSON array. */
static void
print_names(const struct store_list *l, bool json)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	if (json)
		json_begin_array(&j);
	for (i = 0; i < l->n; i++) {
		if (json)
			json_string(&j, l->names[i]);
		else
			printf("%s\n", l->names[i]);
	}
	if (json)
		json_end_array(&j);
}

int
cmd_usage_report(int argc, char **argv, struct cmd_globals *g,
    const struct cmd_report *report)
{
	struct cmd_ctx ctx;
	struct usage u;
	struct err e;
	bool names = false;
	const struct opts_option options[] = {
		{ "names", 0, false, &names, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	const struct opts_option none[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, rc, status = CMD_OK;

	if ((rc = cmd_parse(argc, argv, report->names_option ? options : none,
	    g, &nargs)) != OPTS_OK)
		return rc == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 0) {
		out_error("%s takes no arguments ('%s')", argv[0], argv[1]);
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((rc = cmd_open(&ctx, g, STORE_READ)) != CMD_OK) {
		cmd_close(&ctx);
		return rc;
	}
	if (names) {
		print_names(&ctx.list, g->json);
		cmd_close(&ctx);
		return CMD_OK;
	}
	/*
	 * A snapshot whose manifest cannot be read is left out, and the
	 * space of the rest computed again: rare, and cheaper than reading
	 * every manifest twice.
	 */
	while (usage_compute_disk(&u, ctx.store.manifests_fd,
	    ctx.store.root_fd, ctx.list.names, ctx.list.n, &e) == -1) {
		if (u.failed >= ctx.list.n || e.errnum == ENOMEM) {
			out_error("%s", e.msg);
			cmd_close(&ctx);
			return CMD_FAILED;
		}
		cmd_warn_damaged(ctx.list.names[u.failed], &e);
		memmove(ctx.list.names + u.failed, ctx.list.names + u.failed +
		    1, (ctx.list.n - u.failed - 1) * sizeof(ctx.list.names[0]));
		ctx.list.n--;
		status = CMD_WARNINGS;
	}
	if (g->json)
		report->json(&ctx, &u);
	else if (ctx.list.n == 0)
		printf("no snapshots yet\n");
	else
		report->table(&ctx, &u);
	usage_free(&u);
	cmd_close(&ctx);
	return status;
}

void
cmd_print_finding(const struct verify_finding *f, struct buf *quoted)
{
	const char *kind = verify_kind_word(f->kind);

	if (buf_reserve(quoted, f->path_len * 4 + 1) == -1) {
		/* The finding still counts; only its name is lost. */
		out_problem("%s: %s/...", kind, f->snapshot);
		return;
	}
	name_quote(quoted->p, quoted->cap, f->path, f->path_len);
	/* A problem, so printed with -q too; one call, so one line. */
	out_problem("%s: %s%s%s%s%s%s", kind, f->snapshot,
	    f->path_len ? "/" : "", quoted->p, f->detail[0] != '\0' ? " (" :
	    "", f->detail, f->detail[0] != '\0' ? ")" : "");
}
