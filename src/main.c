/*
 * snap: deduplicating backup snapshots.  main parses the global options,
 * picks the command and turns its result into the exit status.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd.h"
#include "opts.h"
#include "out.h"
#include "testhook.h"
#include "version.h"

/*
 * A walk holds a bounded number of descriptors at any depth
 * (BENEATH_OPEN_LEVELS levels of source, snapshot, previous snapshot),
 * but a service may start with a low soft limit: take what the hard
 * limit allows.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct cmd_globals g = { NULL, false, -1 };
	const struct cmd_command *c;
	bool version = false;
	const struct opts_option options[] = {
		{ "version", 0, false, &version, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	struct err e;
	char missed[256];
	int nargs, r, status;

	if (testhook_init(&e) == -1) {
		out_error("%s", e.msg);
		return CMD_USAGE;
	}
	/* The options before the command's name; the command takes the
	 * same ones after it. */
	argv[0] = "snap";
	if ((r = cmd_parse_options(argc, argv, options, &g, cmd_global_usage(),
	    OPTS_STOP_AT_OPERAND, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (version) {
		printf("snap %s\n", SNAP_VERSION);
		return CMD_OK;
	}
	if (nargs == 0) {
		fputs(cmd_global_usage(), stderr);
		return CMD_USAGE;
	}
	if ((c = cmd_find(argv[1])) == NULL) {
		out_error("unknown command '%s'", argv[1]);
		fputs(cmd_global_usage(), stderr);
		return CMD_USAGE;
	}
	raise_fd_limit();
	status = c->run(nargs, argv + 1, &g);
	if (testhook_fault_missed(missed, sizeof(missed)))
		fprintf(stderr, "snap: test hook: %s\n", missed);
	if (testhook_count(missed, sizeof(missed)))
		fprintf(stderr, "snap: test hook: %s\n", missed);
	return status;
}
