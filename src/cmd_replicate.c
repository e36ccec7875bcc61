/*
 * snap replicate: copy the snapshots of replicate_from that this root
 * lacks, then prune; the metrics file after it, whatever the outcome
 * (but a usage error); with --json one object on stdout: the snapshots
 * copied (streamed as each is published), the totals and what the prune
 * deleted, the lines a person reads going to stderr instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "json.h"
#include "metrics.h"
#include "mono.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "replicate.h"
#include "store.h"
#include "testhook.h"
#include "verify.h"

/* What the callbacks share: the quoting buffer, whether a warning went
 * out (then the exit status is 3, as for create), and the JSON document
 * (begun at the first snapshot copied, or at the end). */
struct replicate_out {
	struct buf		 quoted;
	bool			 warned;
	bool			 json;
	bool			 json_begun;
	struct json		 j;
	const struct config	*cfg;
};

static void
print_warning(void *arg, const char *msg)
{
	struct replicate_out *ro = arg;

	ro->warned = true;
	out_warning("%s", msg);
}

static void
print_info(void *arg, bool verbose, const char *msg)
{
	(void)arg;
	out_info(verbose ? OUT_VERBOSE : OUT_NORMAL, "%s\n", msg);
}

/* A difference that refuses a snapshot, in verify's words. */
static void
print_finding(void *arg, const struct verify_finding *f)
{
	struct replicate_out *ro = arg;

	cmd_print_finding(f, &ro->quoted);
}

/* Opens the object and its "snapshots" array, once. */
static void
json_begin(struct replicate_out *ro)
{
	const struct config *cfg = ro->cfg;
	char *from;

	if (ro->json_begun)
		return;
	ro->json_begun = true;
	json_init(&ro->j, stdout);
	json_begin_object(&ro->j);
	if ((from = replicate_primary(cfg)) != NULL) {
		json_name(&ro->j, "from", from, strlen(from));
		free(from);
	}
	json_key(&ro->j, "snapshots");
	json_begin_array(&ro->j);
}

static void
print_copied(void *arg, const struct replicate_copied *c)
{
	struct replicate_out *ro = arg;

	if (!ro->json)
		return;
	json_begin(ro);
	json_begin_object(&ro->j);
	json_key(&ro->j, "name");
	json_string(&ro->j, c->name);
	json_member_uint(&ro->j, "files", c->files);
	json_member_uint(&ro->j, "bytes", c->bytes);
	json_member_uint(&ro->j, "received_bytes", c->received_bytes);
	json_end_object(&ro->j);
}

/* Ends the array of snapshots with the totals; "pruned" is left open. */
static void
json_totals(struct replicate_out *ro, const struct replicate_stats *st,
    double seconds)
{
	json_begin(ro);
	json_end_array(&ro->j);
	json_member_uint(&ro->j, "copied", st->copied);
	json_member_uint(&ro->j, "present", st->present);
	json_member_uint(&ro->j, "refused", st->refused);
	json_member_uint(&ro->j, "skipped", st->skipped);
	json_member_uint(&ro->j, "files", st->files);
	json_member_uint(&ro->j, "bytes", st->bytes);
	json_member_uint(&ro->j, "received_bytes", st->received_bytes);
	json_member_uint(&ro->j, "milliseconds",
	    (uint64_t)(seconds * 1000 + 0.5));
	json_key(&ro->j, "pruned");
	json_begin_array(&ro->j);
}

/*
 * The metrics file of a run that got to its root, failed or not; its
 * failure is a warning (exit 3 instead of 0), as for create.  Returns the
 * final exit status.
 */
static int
write_metrics(const struct config *cfg, const struct replicate_stats *st,
    int status, const struct timespec *t0)
{
	struct metrics_run run = { .replicated = st };
	struct err e;

	if (cfg->metrics_file == NULL)
		return status;
	run.ended = time(NULL);
	run.seconds = mono_seconds_since(t0);
	run.exit_status = status;
	if (metrics_write(cfg, &run, testhook_sys(), &e) == -1) {
		out_warning("%s", e.msg);
		if (status == CMD_OK)
			status = CMD_WARNINGS;
	}
	return status;
}

int
cmd_replicate(int argc, char **argv, struct cmd_globals *g)
{
	struct replicate_opts o = { .check_owner = geteuid() == 0 };
	struct replicate_stats st;
	struct config *cfg = NULL;
	struct replicate_out ro = { .quoted = BUF_INIT, .warned = false };
	struct timespec t0;
	struct err e;
	const struct opts_option options[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, r, status;

	mono_start(&t0);
	if ((r = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 0) {
		out_error("replicate takes no arguments ('%s')", argv[1]);
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((r = cmd_load_config(g, &cfg)) != CMD_OK)
		return r;
	if (cfg->replicate_from == NULL) {
		out_error("config '%s' names no 'replicate_from': it takes "
		    "snapshots of its sources ('snap create'); a replica's "
		    "config names the root it copies instead", cfg->file);
		config_free(cfg);
		return CMD_USAGE;
	}
	o.warn = print_warning;
	o.info = print_info;
	o.finding = print_finding;
	o.copied = print_copied;
	o.arg = &ro;
	ro.json = g->json;
	ro.cfg = cfg;
	/* stdout is the JSON's alone; the rest is still said. */
	if (g->json)
		out_results_to_stderr();
	r = replicate_run(cfg, &o, testhook_sys(), &st, &e);
	buf_free(&ro.quoted);
	if (r == STORE_ESHARED) {
		/* Refused before anything ran, like a bad config: no
		 * metrics, no JSON. */
		out_error("%s", e.msg);
		config_free(cfg);
		return CMD_USAGE;
	}
	if (r != 0 && r != 1) {
		out_error("%s", e.msg);
		if (st.copied > 0)
			out_error("%zu %s copied before that %s in place",
			    st.copied, st.copied == 1 ? "snapshot" :
			    "snapshots", st.copied == 1 ? "is" : "are");
		/* A script learns what was copied before the failure. */
		if (g->json) {
			json_totals(&ro, &st, mono_seconds_since(&t0));
			json_end_array(&ro.j);
			json_end_object(&ro.j);
		}
		status = write_metrics(cfg, &st, CMD_FAILED, &t0);
		config_free(cfg);
		return status;
	}
	if (g->json)
		json_totals(&ro, &st, mono_seconds_since(&t0));
	out_info(OUT_NORMAL, "replicated from %s%s%s: %zu copied, %zu "
	    "present, %zu refused, %zu older not copied; %llu files read to "
	    "check (%llu bytes)%s\n", cfg->replicate_host != NULL ?
	    cfg->replicate_host : "", cfg->replicate_host != NULL ? ":" : "",
	    cfg->replicate_from, st.copied, st.present, st.refused,
	    st.skipped, (unsigned long long)st.files_hashed,
	    (unsigned long long)st.bytes_hashed, st.refetched > 0 ?
	    ", some fetched twice" : "");
	/* A snapshot published with a warning (latest not repointed, the
	 * root not flushed) is exit 3, not 0. */
	status = r == 1 ? CMD_FAILED : st.skipped_kept > 0 || ro.warned ?
	    CMD_WARNINGS : CMD_OK;
	if (r == 1)
		out_error("%s", e.msg);
	/* The replica keeps its own retain, as create's prune does. */
	if (cmd_prune_after_create(g, g->json ? &ro.j : NULL) != CMD_OK &&
	    status == CMD_OK)
		status = CMD_WARNINGS;
	if (g->json) {
		json_end_array(&ro.j);
		json_end_object(&ro.j);
	}
	status = write_metrics(cfg, &st, status, &t0);
	config_free(cfg);
	return status;
}
