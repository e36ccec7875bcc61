/* snap replicate: copy the snapshots of replicate_from that this root lacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "replicate.h"
#include "store.h"
#include "testhook.h"
#include "verify.h"

/* What the callbacks share: the quoting buffer, and whether a warning
 * went out (then the exit status is 3, as for create). */
struct replicate_out {
	struct buf	 quoted;
	bool		 warned;
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

int
cmd_replicate(int argc, char **argv, struct cmd_globals *g)
{
	struct replicate_opts o = { .check_owner = geteuid() == 0 };
	struct replicate_stats st;
	struct config *cfg = NULL;
	struct replicate_out ro = { .quoted = BUF_INIT, .warned = false };
	struct err e;
	const struct opts_option options[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, r, status;

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
	o.arg = &ro;
	r = replicate_run(cfg, &o, testhook_sys(), &st, &e);
	buf_free(&ro.quoted);
	if (r == STORE_ESHARED) {
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
		config_free(cfg);
		return CMD_FAILED;
	}
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
	if (cmd_prune_after_create(g, NULL) != CMD_OK && status == CMD_OK)
		status = CMD_WARNINGS;
	config_free(cfg);
	return status;
}
