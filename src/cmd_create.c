/* snap create: take a snapshot, as the config describes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "create.h"
#include "hooks.h"
#include "interrupt.h"
#include "json.h"
#include "metrics.h"
#include "mono.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "store.h"
#include "summary.h"
#include "sys.h"
#include "testhook.h"

/* One line per missing source: its folder holds no new copy. */
static void
print_missing(enum out_level l, const struct create_stats *s)
{
	const char *p, *end;

	for (p = s->missing; (end = strchr(p, '\n')) != NULL; p = end + 1)
		out_info(l, "  missing    %.*s: the source was missing; the "
		    "previous copy, unchanged, stands in (if any)\n", (int)(end - p), p);
}

/* Prints the summary of a run (stdout, unless quiet). */
static void
create_print_summary(const struct create_stats *s, bool dry_run)
{
	const enum out_level l = OUT_NORMAL;
	char b1[32], b2[32];
	int i;

	/* Through out_info, which gives each line its priority in the
	 * journal. */
	if (out_level < OUT_NORMAL)
		return;
	if (dry_run)
		out_info(l, "dry run: nothing was written\n");
	else
		out_info(l, "snapshot %s%s%s\n", s->name,
		    s->prev[0] ? ", linked against " : "", s->prev);
	if (s->label[0] != '\0')
		out_info(l, "  label      %s\n", s->label);
	out_info(l, "  entries    %llu (%llu %s, %llu %s, %llu %s, %llu "
	    "other)\n", (unsigned long long)s->entries,
	    (unsigned long long)s->dirs, out_plural(s->dirs, "folder",
	    "folders"), (unsigned long long)s->files, out_plural(s->files,
	    "file", "files"), (unsigned long long)s->symlinks,
	    out_plural(s->symlinks, "symlink", "symlinks"),
	    (unsigned long long)(s->nodes + s->skipped));
	out_info(l, "  linked     %llu unchanged, %llu by content, %llu %s\n",
	    (unsigned long long)s->linked,
	    (unsigned long long)s->linked_content,
	    (unsigned long long)s->hardlinked, out_plural(s->hardlinked,
	    "hard link", "hard links"));
	if (s->received_bytes)
		out_info(l, "  received   %s from remote hosts\n",
		    out_bytes(b1, s->received_bytes));
	if (s->reused)
		out_info(l, "  reused     %llu from an interrupted run\n",
		    (unsigned long long)s->reused);
	out_info(l, "  copied     %llu %s, %s of %s",
	    (unsigned long long)s->copied, out_plural(s->copied, "file",
	    "files"), out_bytes(b1, s->copied_bytes),
	    out_bytes(b2, s->total_bytes));
	for (i = REASON_NEW; i < REASON_COUNT; i++) {
		if (s->copied_by[i] == 0)
			continue;
		out_info(l, "%s%s %llu (%s)", i == REASON_NEW ||
		    !s->copied_by[i - 1] ? "; " : ", ", diff_reason_name(i),
		    (unsigned long long)s->copied_by[i],
		    out_bytes(b1, s->bytes_by[i]));
	}
	out_info(l, "\n");
	if (s->copied_by[REASON_EXDEV] || s->copied_by[REASON_EMLINK])
		out_info(l, "  fallback   %llu copied because of EXDEV "
		    "(another filesystem), %llu because of EMLINK (too many "
		    "links)\n",
		    (unsigned long long)s->copied_by[REASON_EXDEV],
		    (unsigned long long)s->copied_by[REASON_EMLINK]);
	print_missing(l, s);
	out_info(l, "  warnings   %llu\n", (unsigned long long)s->warnings);
	out_info(l, "  time       %.2f s\n", s->seconds);
}

static void
print_warning(void *arg, const char *msg)
{
	(void)arg;
	out_warning("%s", msg);
}

/* -v names every copied file; a dry run names what it would copy. */
static void
print_plan(void *arg, const struct entry *ent, const struct diff_plan *p)
{
	const struct create_opts *opts = arg;
	enum out_level level = opts->dry_run ? OUT_NORMAL : OUT_VERBOSE;
	char quoted[1024];

	if (out_level < OUT_VERBOSE && !opts->dry_run)
		return;
	name_quote(quoted, sizeof(quoted), ent->path, ent->path_len);
	if (p->action == ACT_COPY)
		out_info(level, "copy %s (%s)\n", quoted,
		    diff_reason_name(p->reason));
	else if (p->action == ACT_LINK_SAME_CONTENT)
		out_info(level, "link %s (same content)\n", quoted);
	else
		out_info(OUT_VERBOSE, "link %s\n", quoted);
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
	struct metrics_run run = { .stats = NULL };
	struct err e;

	bool failed = status != CMD_OK && status != CMD_WARNINGS;

	h->status = status;
	h->snapshot = failed ? "" : stats->name;
	if (failed) {
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
	run.stats = failed ? NULL : stats;
	if (metrics_write(h->cfg, &run, testhook_sys(), &e) == -1) {
		out_warning("%s", e.msg);
		/* A failed run stays failed; a good one now has a warning. */
		if (status == CMD_OK)
			status = CMD_WARNINGS;
	}
	return status;
}

/*
 * A run that failed because it was interrupted says so in one line:
 * nothing is lost, the next run picks up where this one stopped.
 * Returns the exit status, 128 + the signal.
 */
static int
interrupted(const struct create_stats *stats, bool dry_run)
{
	if (dry_run)
		out_error("interrupted: the dry run stopped; nothing was "
		    "written");
	else
		out_error("interrupted: no snapshot made; %llu %s already "
		    "copied will be reused by the next run",
		    (unsigned long long)stats->copied,
		    out_plural(stats->copied, "file", "files"));
	return CMD_INTERRUPTED + interrupt_signal();
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

/* --jobs N into *(unsigned *)where: 1 to CONFIG_JOBS_MAX. */
static int
parse_jobs(const char *arg, void *where)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    n < 1 || n > CONFIG_JOBS_MAX) {
		out_error("--jobs wants a whole number from 1 to %d, not '%s'",
		    CONFIG_JOBS_MAX, arg);
		return -1;
	}
	*(unsigned *)where = (unsigned)n;
	return 0;
}

int
cmd_create(int argc, char **argv, struct cmd_globals *g)
{
	struct create_opts opts = { .dry_run = false };
	struct create_stats stats;
	struct run_hooks hooks = { .snapshot = "" };
	struct progress progress;
	struct config *cfg = NULL;
	struct timespec t0;
	struct json j;
	struct err e;
	const struct opts_option options[] = {
		{ "dry-run", 'n', false, &opts.dry_run, NULL },
		{ "label", 0, true, &opts.label, parse_label },
		{ "jobs", 'j', true, &opts.jobs, parse_jobs },
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, r, status;

	mono_start(&t0);
	if ((r = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 0) {
		out_error("create takes no arguments ('%s')", argv[1]);
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((r = cmd_load_config(g, &cfg)) != CMD_OK)
		return r;
	/* A replica's snapshots come from its primary only. */
	if (cfg->replicate_from != NULL) {
		out_error("config '%s' is a replica (replicate_from): its "
		    "snapshots are copies; run 'snap replicate'", cfg->file);
		config_free(cfg);
		return CMD_USAGE;
	}
	opts.hang_after = testhook_hang_after();
	hooks.cfg = cfg;
	opts.before_write = before_create;
	opts.before_write_arg = &hooks;
	opts.warn = print_warning;
	/* The file lines of -v and --dry-run would break the JSON on
	 * stdout: --json prints the summary alone. */
	opts.planned = g->json ? NULL : print_plan;
	opts.report_arg = &opts;
	opts.progress = &progress;
	/* After the hooks would be fairer to the rate; close enough. */
	/* JSON is for scripts: no line to erase on their terminal. */
	memset(&progress, 0, sizeof(progress));
	if (!g->json)
		progress_begin(&progress, opts.dry_run ? "dry run" :
		    "create");
	interrupt_catch();
	r = create_run(cfg, &opts, testhook_sys(), &stats, &e);
	progress_end(&progress);
	if (r == STORE_ESHARED) {
		/* Refused before anything ran, like a bad config: no hooks,
		 * no metrics. */
		out_error("%s", e.msg);
		config_free(cfg);
		return CMD_USAGE;
	}
	if (r != 0 && interrupt_signal() != 0) {
		/* Whatever stopped the run (the check between entries, a
		 * hook or a wait the signal cut short) came of the signal. */
		status = interrupted(&stats, opts.dry_run);
	} else if (r != 0) {
		out_error("%s", e.msg);
		if (r == -1 && !opts.dry_run)
			out_error("no snapshot was made; earlier snapshots are "
			    "unchanged");
		status = CMD_FAILED;
	} else {
		/* --json: one object, the summary and what the prune
		 * deleted; the prune's lines would break it. */
		json_init(&j, stdout);
		if (g->json) {
			json_begin_object(&j);
			summary_json(&j, &stats, opts.dry_run);
			json_key(&j, "pruned");
			json_begin_array(&j);
		} else
			create_print_summary(&stats, opts.dry_run);
		status = stats.warnings > 0 ? CMD_WARNINGS : CMD_OK;
		/* Interrupted after the snapshot was made: it stands, but
		 * the prune waits for the next run. */
		if (!opts.dry_run && interrupt_signal() != 0) {
			out_warning("interrupted: snapshot %s was made; "
			    "pruning is left to the next run", stats.name);
			status = CMD_WARNINGS;
		} else if (!opts.dry_run && cmd_prune_after_create(g,
		    g->json ? &j : NULL) != CMD_OK)
			status = CMD_WARNINGS;
		if (g->json) {
			json_end_array(&j);
			json_end_object(&j);
		}
	}
	if (!opts.dry_run)
		status = after_run(&hooks, &stats, status, &t0);
	config_free(cfg);
	return status;
}
