/*
 * snap verify: re-hash stored files against the manifest.
 *
 * Prints one line per finding in mtree's words ("missing: NAME/PATH",
 * "extra: NAME/PATH", "changed: NAME/PATH (mode 0644 -> 0600)"), or with
 * --json an array of objects.  Exit status 0 when clean, 1 on any
 * finding or a snapshot that could not be verified, 2 for a bad name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "json.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "summary.h"
#include "verify.h"

struct printer {
	bool		 json;
	struct json	 j;
	struct buf	 quoted;	/* name_quote's output, grown */
};

/* One finding as JSON; path_len 0 and no what for a whole snapshot. */
static void
print_json(struct printer *p, const char *finding, const char *snapshot,
    const char *path, size_t path_len, const char *const *what,
    size_t n_what, const char *detail)
{
	size_t i;

	json_begin_object(&p->j);
	json_key(&p->j, "finding");
	json_string(&p->j, finding);
	json_key(&p->j, "snapshot");
	json_string(&p->j, snapshot);
	json_name(&p->j, "path", path, path_len);
	json_key(&p->j, "what");
	json_begin_array(&p->j);
	for (i = 0; i < n_what; i++)
		json_string(&p->j, what[i]);
	json_end_array(&p->j);
	json_key(&p->j, "detail");
	json_string(&p->j, detail);
	json_end_object(&p->j);
}

static void
print_finding(const struct verify_finding *f, void *arg)
{
	struct printer *p = arg;

	if (p->json)
		print_json(p, verify_kind_word(f->kind), f->snapshot, f->path,
		    f->path_len, f->what, f->n_what, f->detail);
	else
		cmd_print_finding(f, &p->quoted);
}

/* A snapshot that could not be verified at all. */
static void
print_error(struct printer *p, const char *snapshot, const char *msg)
{
	if (p->json)
		print_json(p, "error", snapshot, "", 0, NULL, 0, msg);
	else
		out_error("%s", msg);
}

/*
 * What the progress line expects: the chosen snapshots' entries and
 * bytes from their summary records, sampled files left out.  A snapshot
 * without a record makes the totals unknown.
 */
static void
expect_totals(struct progress *p, const struct cmd_ctx *ctx,
    const bool *chosen)
{
	struct create_stats st;
	struct err ignored;
	uint64_t entries = 0, bytes = 0;
	size_t i;

	if (!p->on)
		return;
	for (i = 0; i < ctx->list.n; i++) {
		if (!chosen[i])
			continue;
		if (summary_read(ctx->store.manifests_fd, ctx->list.names[i],
		    &st, &ignored) == -1)
			return;
		entries += st.entries;
		bytes += st.total_bytes;
	}
	progress_expect(p, entries, bytes);
}

/* --sample PERCENT into *(double *)where; -1 after saying why not. */
static int
parse_sample(const char *s, void *where)
{
	double *out = where;
	char *end;
	double d;

	d = strtod(s, &end);
	if (end == s || *end != '\0' || !(d >= 0 && d <= 100)) {
		out_error("--sample takes a percentage from 0 to 100, not '%s'",
		    s);
		return -1;
	}
	*out = d;
	return 0;
}

int
cmd_verify(int argc, char **argv, struct cmd_globals *g)
{
	struct printer pr = { .quoted = BUF_INIT };
	struct progress progress;
	struct verify_opts opts;
	struct verify_stats st;
	struct cmd_ctx ctx;
	struct verify *v = NULL;
	struct err e;
	bool all = false, *chosen = NULL;
	size_t i, idx, n_chosen = 0, n_unverified = 0;
	double sample = 100;
	const struct opts_option options[] = {
		{ "all", 0, false, &all, NULL },
		{ "sample", 0, true, &sample, parse_sample },
		{ NULL, 0, false, NULL, NULL },
	};
	char b1[32];
	int nargs, status, r;

	memset(&progress, 0, sizeof(progress));
	json_init(&pr.j, stdout);
	if ((status = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return status == OPTS_HELP ? CMD_OK : CMD_USAGE;
	pr.json = g->json;
	if (all && nargs > 0) {
		out_error("verify takes snapshot names or --all, not both");
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_open(&ctx, g, STORE_READ)) != CMD_OK)
		goto out;
	if ((chosen = calloc(ctx.list.n + 1, sizeof(*chosen))) == NULL) {
		out_error("cannot verify: out of memory");
		status = CMD_FAILED;
		goto out;
	}
	for (i = 0; i < ctx.list.n && all; i++)
		chosen[i] = true;
	if (!all && nargs == 0) {
		if ((status = cmd_resolve(&ctx, "latest", &idx)) != CMD_OK)
			goto out;
		chosen[idx] = true;
	}
	for (i = 1; i <= (size_t)nargs; i++) {
		if ((status = cmd_resolve(&ctx, argv[i], &idx)) != CMD_OK)
			goto out;
		chosen[idx] = true;
	}

	memset(&opts, 0, sizeof(opts));
	opts.sample = sample;
	/* Without root, a snapshot's files belong to whoever made it, not
	 * to the source's owners the manifest records: only root can
	 * compare owners meaningfully. */
	opts.check_owner = geteuid() == 0;
	opts.sources = ctx.cfg->sources;
	opts.n_sources = ctx.cfg->n_sources;
	opts.report = print_finding;
	opts.arg = &pr;
	/* JSON is for scripts, and its objects are left open on stdout. */
	if (!pr.json)
		progress_begin(&progress, "verify");
	opts.progress = &progress;
	expect_totals(&progress, &ctx, chosen);
	if (verify_open(&v, &opts, &e) == -1) {
		out_error("%s", e.msg);
		status = CMD_FAILED;
		goto out;
	}
	if (pr.json)
		json_begin_array(&pr.j);
	for (i = 0; i < ctx.list.n; i++) {
		if (!chosen[i])
			continue;
		n_chosen++;
		r = verify_snapshot(v, ctx.store.root, ctx.store.manifests_fd,
		    ctx.list.names[i], &e);
		if (r == VERIFY_EGONE) {
			/* Not damage: a prune or delete got there first. */
			out_warning("%s", e.msg);
			if (status == CMD_OK)
				status = CMD_WARNINGS;
			n_unverified++;
		} else if (r == -1) {
			print_error(&pr, ctx.list.names[i], e.msg);
			status = CMD_FAILED;
			n_unverified++;
		}
	}
	/* A damaged inode is also damaged in the snapshots not asked
	 * about: name them, from their manifests. */
	for (i = 0; i < ctx.list.n && verify_has_damage(v); i++) {
		if (chosen[i])
			continue;
		if (verify_shared(v, ctx.store.root_fd, ctx.store.manifests_fd,
		    ctx.list.names[i], &e) == -1) {
			print_error(&pr, ctx.list.names[i], e.msg);
			status = CMD_FAILED;
		}
	}
	progress_end(&progress);
	verify_get_stats(v, &st);
	if (pr.json)
		json_end_array(&pr.j);
	else {
		/* A snapshot stopped part-way (its error said above) is not
		 * counted as verified, nor are its findings all there are. */
		out_info(OUT_NORMAL, "verified %zu %s: %llu %s, %llu %s read "
		    "(%s), %llu %s to inodes read before",
		    n_chosen - n_unverified,
		    out_plural(n_chosen - n_unverified, "snapshot", "snapshots"),
		    (unsigned long long)st.entries,
		    out_plural(st.entries, "entry", "entries"),
		    (unsigned long long)st.inodes_hashed,
		    out_plural(st.inodes_hashed, "inode", "inodes"),
		    out_bytes(b1, st.bytes_hashed),
		    (unsigned long long)st.links_reused,
		    out_plural(st.links_reused, "link", "links"));
		if (sample < 100)
			out_info(OUT_NORMAL, ", %llu %s not sampled",
			    (unsigned long long)st.not_sampled,
			    out_plural(st.not_sampled, "file", "files"));
		out_info(OUT_NORMAL, "; %llu %s",
		    (unsigned long long)st.findings,
		    out_plural(st.findings, "finding", "findings"));
		if (n_unverified > 0)
			out_info(OUT_NORMAL, "; %zu %s not verified",
			    n_unverified, out_plural(n_unverified, "snapshot",
			    "snapshots"));
		out_info(OUT_NORMAL, "\n");
		/* Said once, not per file: thousands of "inode" lines
		 * would hide real damage, and these files are fine. */
		if (st.moved_inodes > 0)
			out_info(OUT_NORMAL, "note: the store was copied or "
			    "moved; inode numbers differ from the manifests "
			    "for %llu entries whose content and metadata "
			    "agree\n", (unsigned long long)st.moved_inodes);
	}
	if (st.findings > 0)
		status = CMD_FAILED;
out:
	progress_end(&progress);
	verify_close(v);
	free(chosen);
	buf_free(&pr.quoted);
	cmd_close(&ctx);
	return status;
}
