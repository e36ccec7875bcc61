/*
 * snap prune: apply the retention policy (retain.h) to the snapshots of
 * the root, deleting with store_delete what no rule keeps; the newest
 * snapshot holding a real copy of each source (its summary does not name
 * it missing) is kept too.  --dry-run
 * says what would go, with the space each deletion frees (usage.h), and
 * which rules keep the rest.  create runs it after every good snapshot,
 * with --after-create: then a failure is a warning, since the snapshot
 * it follows is complete.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "opts.h"
#include "out.h"
#include "retain.h"
#include "summary.h"
#include "usage.h"

struct prune {
	struct cmd_ctx		 ctx;
	bool			 dry_run;
	bool			 json;
	bool			 after_create;	/* failures are warnings */
	struct json		*deleted;	/* create --json's array */
	bool			 have_sizes;
	struct retain_snapshot	*snaps;
	unsigned		*keep;
	char			(*labels)[CREATE_LABEL_MAX + 1];
	bool			*holds;		/* n x the config's sources */
	uint64_t		*frees;		/* alone_bytes, per snapshot */
	uint64_t		 total_frees;	/* held by no snapshot kept */
	size_t			 n_drop;
	bool			 warned;
};

/* Reports a problem: an error, or after create a warning. */
static void
report(struct prune *p, const char *msg)
{
	if (p->after_create)
		out_warning("prune after create: %s", msg);
	else
		out_error("%s", msg);
}

/*
 * Reads the times (from the names) and labels (from the summaries).  A
 * summary that exists but cannot be read might hold a label, so its
 * snapshot is kept as if it had one, with a warning.
 */
static int
load_snapshots(struct prune *p)
{
	const struct store_list *l = &p->ctx.list;
	const size_t ns = p->ctx.cfg->n_sources;
	struct create_stats stats;
	struct err e;
	size_t i, j;

	p->snaps = calloc(l->n, sizeof(*p->snaps));
	p->keep = calloc(l->n, sizeof(*p->keep));
	p->labels = calloc(l->n, sizeof(*p->labels));
	p->frees = calloc(l->n, sizeof(*p->frees));
	p->holds = calloc(l->n * ns + 1, sizeof(*p->holds));
	if (p->snaps == NULL || p->keep == NULL || p->labels == NULL ||
	    p->frees == NULL || p->holds == NULL) {
		report(p, "cannot prune: out of memory");
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (retain_name_time(l->names[i], &p->snaps[i].time) == -1) {
			err_set(&e, 0, "cannot read the time of snapshot '%s'",
			    l->names[i]);
			report(p, e.msg);
			return -1;
		}
		if (summary_read(p->ctx.store.manifests_fd, l->names[i],
		    &stats, &e) == -1) {
			if (e.errnum == ENOENT)
				continue;
			out_warning("%s; keeping snapshot '%s' in case it has "
			    "a label", e.msg, l->names[i]);
			p->warned = true;
			p->snaps[i].labelled = true;
			continue;
		}
		memcpy(p->labels[i], stats.label, sizeof(p->labels[i]));
		p->snaps[i].labelled = stats.label[0] != '\0';
		/* Without a summary it counts as holding every source. */
		p->snaps[i].holds = p->holds + i * ns;
		for (j = 0; j < ns; j++)
			p->holds[i * ns + j] = !summary_has_missing(&stats,
			    p->ctx.cfg->sources[j].dest);
	}
	return 0;
}

/*
 * The space each deletion frees on its own (what no other snapshot
 * holds) and what the whole prune frees (what no kept snapshot holds).
 */
static int
compute_sizes(struct prune *p, struct err *e)
{
	const struct store_list *l = &p->ctx.list;
	char (*kept)[NAME_SNAPSHOT_LEN] = NULL;
	struct usage all = { 0 }, some = { 0 };
	size_t i, n = 0;
	int r = -1;

	if (usage_compute(&all, p->ctx.store.manifests_fd,
	    (const char (*)[NAME_SNAPSHOT_LEN])l->names, l->n, e) == -1)
		goto out;
	if ((kept = calloc(l->n, sizeof(*kept))) == NULL) {
		err_set(e, errno, "cannot compute sizes");
		goto out;
	}
	for (i = 0; i < l->n; i++) {
		p->frees[i] = all.snaps[i].alone_bytes;
		if (p->keep[i] != 0)
			memcpy(kept[n++], l->names[i], NAME_SNAPSHOT_LEN);
	}
	if (usage_compute(&some, p->ctx.store.manifests_fd,
	    (const char (*)[NAME_SNAPSHOT_LEN])kept, n, e) == -1)
		goto out;
	p->total_frees = all.total_bytes - some.total_bytes;
	r = 0;
out:
	usage_free(&all);
	usage_free(&some);
	free(kept);
	return r;
}

/* "daily, weekly" */
static void
print_reasons(unsigned keep)
{
	int rule;
	bool first = true;

	for (rule = 0; rule < RETAIN_RULE_COUNT; rule++) {
		if (!(keep & RETAIN_BIT(rule)))
			continue;
		printf("%s%s", first ? "" : ", ", retain_rule_name(rule));
		first = false;
	}
}

static void
print_json(struct prune *p)
{
	const struct store_list *l = &p->ctx.list;
	struct json j;
	size_t i;
	int rule;

	json_init(&j, stdout);
	json_begin_array(&j);
	for (i = 0; i < l->n; i++) {
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, l->names[i]);
		json_key(&j, "action");
		json_string(&j, p->keep[i] ? "keep" : "delete");
		json_key(&j, "reasons");
		json_begin_array(&j);
		for (rule = 0; rule < RETAIN_RULE_COUNT; rule++)
			if (p->keep[i] & RETAIN_BIT(rule))
				json_string(&j, retain_rule_name(rule));
		json_end_array(&j);
		if (p->labels[i][0] != '\0')
			json_name(&j, "label", p->labels[i],
			    strlen(p->labels[i]));
		else {
			json_key(&j, "label");
			json_null(&j);
		}
		if (p->keep[i] == 0 && p->have_sizes) {
			json_key(&j, "frees");
			json_uint(&j, p->frees[i]);
		}
		json_end_object(&j);
	}
	json_end_array(&j);
}

/* One line per snapshot, then the total: the dry run's output. */
static void
print_plan(struct prune *p)
{
	const struct store_list *l = &p->ctx.list;
	char b[32];
	size_t i;

	if (out_level < OUT_NORMAL)
		return;
	for (i = 0; i < l->n; i++) {
		if (p->keep[i] == 0) {
			printf("delete  %s  frees %s\n", l->names[i],
			    p->have_sizes ? out_bytes(b, p->frees[i]) : "?");
			continue;
		}
		printf("keep    %s  ", l->names[i]);
		print_reasons(p->keep[i]);
		printf("\n");
	}
	printf("would delete %zu of %zu snapshot%s, freeing %s\n", p->n_drop,
	    l->n, l->n == 1 ? "" : "s",
	    p->have_sizes ? out_bytes(b, p->total_frees) : "?");
}

/* Deletes what the policy drops, oldest first. */
static int
carry_out(struct prune *p)
{
	const struct store_list *l = &p->ctx.list;
	struct err e;
	size_t i, done = 0;
	char b[32];

	for (i = 0; i < l->n; i++) {
		if (p->keep[i] != 0)
			continue;
		if (store_delete(&p->ctx.store, l->names[i], &e) == -1) {
			report(p, e.msg);
			return -1;
		}
		done++;
		if (p->deleted != NULL)
			json_string(p->deleted, l->names[i]);
		else if (!p->json)
			out_info(OUT_NORMAL, "deleted snapshot %s (freed %s)\n",
			    l->names[i], p->have_sizes ?
			    out_bytes(b, p->frees[i]) : "?");
	}
	if (!p->json && p->deleted == NULL && done > 0)
		out_info(OUT_NORMAL, "pruned %zu of %zu snapshot%s, freed %s\n",
		    done, l->n, l->n == 1 ? "" : "s",
		    p->have_sizes ? out_bytes(b, p->total_frees) : "?");
	return 0;
}

static int prune_run(struct prune *start, const struct cmd_globals *g);

int
cmd_prune(int argc, char **argv, struct cmd_globals *g)
{
	struct prune p;
	const struct opts_option options[] = {
		{ "dry-run", 'n', false, &p.dry_run, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, r;

	memset(&p, 0, sizeof(p));
	if ((r = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	p.json = g->json;
	if (nargs != 0) {
		out_error("prune takes no arguments ('%s')", argv[1]);
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	return prune_run(&p, g);
}

int
cmd_prune_after_create(const struct cmd_globals *g, struct json *deleted)
{
	struct prune p;

	memset(&p, 0, sizeof(p));
	p.after_create = true;
	p.deleted = deleted;
	return prune_run(&p, g);
}

/* Prunes as p says; the options are parsed.  Returns the exit status. */
static int
prune_run(struct prune *start, const struct cmd_globals *g)
{
	struct prune p = *start;
	struct err e;
	size_t i;
	int status;

	/* A dry run only looks, and so does not wait for the lock. */
	status = cmd_open_err(&p.ctx, g, p.dry_run ? STORE_READ : STORE_WRITE,
	    &e);
	if (status != CMD_OK) {
		/* After create, a warning as its exit status says. */
		report(&p, e.msg);
		status = p.after_create ? CMD_WARNINGS : status;
		goto out;
	}
	if (p.ctx.list.n == 0 || (retain_policy_empty(&p.ctx.cfg->retain) &&
	    !p.dry_run && !p.json)) {
		/* Nothing to do, and nothing to say after every create;
		 * with --json, stdout is the JSON alone. */
		if (!p.after_create && !p.json)
			out_info(OUT_NORMAL, "%s: nothing to prune\n",
			    p.ctx.list.n == 0 ? "no snapshots" :
			    "no retain policy in the config");
		if (p.json)
			print_json(&p);
		goto out;
	}
	if (load_snapshots(&p) == -1) {
		status = p.after_create ? CMD_WARNINGS : CMD_FAILED;
		goto out;
	}
	retain_decide(p.snaps, p.ctx.list.n, &p.ctx.cfg->retain, p.keep);
	/* A source missing for long keeps its newest real copy. */
	retain_keep_copies(p.snaps, p.ctx.list.n, p.ctx.cfg->n_sources,
	    p.keep);
	for (i = 0; i < p.ctx.list.n; i++)
		p.n_drop += p.keep[i] == 0;

	/* Sizes are what a person decides by; a real prune goes on
	 * without them (the policy does not need them).  Reading every
	 * manifest for them after a create that deletes nothing would
	 * cost seconds on big trees for no output. */
	if (p.after_create && p.n_drop == 0)
		goto out;
	p.have_sizes = compute_sizes(&p, &e) == 0;
	if (!p.have_sizes) {
		if (p.dry_run) {
			out_error("%s", e.msg);
			status = CMD_FAILED;
			goto out;
		}
		if (p.n_drop > 0) {
			out_warning("%s; the space freed is not known", e.msg);
			p.warned = true;
		}
	}
	if (p.dry_run) {
		if (p.json)
			print_json(&p);
		else
			print_plan(&p);
	} else {
		if (carry_out(&p) == -1) {
			status = p.after_create ? CMD_WARNINGS : CMD_FAILED;
			goto out;
		}
		if (p.json)
			print_json(&p);
	}
	if (p.warned)
		status = CMD_WARNINGS;
out:
	/* Also after an early end: opening for writing finishes earlier
	 * deletes, which may meet a mount point. */
	if (cmd_warn_kept_mounts(&p.ctx) && status == CMD_OK)
		status = CMD_WARNINGS;
	cmd_close(&p.ctx);
	free(p.snaps);
	free(p.keep);
	free(p.labels);
	free(p.frees);
	free(p.holds);
	return status;
}
