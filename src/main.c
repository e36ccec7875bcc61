/*
 * snap: deduplicating backup snapshots.  main parses the global options,
 * picks the command and turns its result into the exit status.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd.h"
#include "out.h"
#include "testhook.h"

struct command {
	const char	*name;
	int		(*run)(int, char **, const struct cmd_globals *);
	const char	*summary;
};

static const struct command commands[] = {
	{ "create", cmd_create, "take a snapshot, then prune" },
	{ "list", cmd_list, "snapshots, with files, size and new space" },
	{ "diff", cmd_diff, "what changed between two snapshots" },
	{ "log", cmd_log, "the versions of one path across snapshots" },
	{ "restore", cmd_restore, "copy a path out of a snapshot" },
	{ "verify", cmd_verify, "re-hash stored files against the manifest" },
	{ "repair", cmd_repair, "rebuild a damaged manifest from its snapshot" },
	{ "prune", cmd_prune, "apply the retention policy" },
	{ "delete", cmd_delete, "delete snapshots by name" },
	{ "du", cmd_du, "space each snapshot holds alone and shared" },
	{ "check", cmd_check, "validate the config and the snapshot root" },
};

static void
print_usage(FILE *f)
{
	size_t i;

	fputs("usage: snap [-c FILE] [-v | -q] [--json] [--wait SECONDS] "
	    "COMMAND [ARGS]\n\n"
	    "  -c FILE   config file (default: $SNAP_CONFIG, then "
	    "/etc/snap/snap.yaml)\n"
	    "  -v        more output: every copied file\n"
	    "  -q        only problems\n"
	    "  --json    JSON output, for scripts\n"
	    "  --wait SECONDS\n"
	    "            wait that long for a running snap's lock (default: "
	    "lock_wait)\n\ncommands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s%s\n", commands[i].name,
		    commands[i].summary);
}

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
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_globals g = { NULL, false, -1 };
	struct err e;
	char missed[256];
	size_t i;
	int ch, status;

	if (testhook_init(&e) == -1) {
		out_error("%s", e.msg);
		return CMD_USAGE;
	}

	/* '+': stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			g.config = optarg;
			break;
		case 'v':
			out_level = OUT_VERBOSE;
			break;
		case 'q':
			out_level = OUT_QUIET;
			break;
		case 'j':
			g.json = true;
			break;
		case 'w':
			if (cmd_parse_wait(&g, optarg) != CMD_OK)
				return CMD_USAGE;
			break;
		case 'h':
			print_usage(stdout);
			return CMD_OK;
		default:
			print_usage(stderr);
			return CMD_USAGE;
		}
	}
	if (optind == argc) {
		print_usage(stderr);
		return CMD_USAGE;
	}
	raise_fd_limit();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		status = commands[i].run(argc - optind, argv + optind, &g);
		if (testhook_fault_missed(missed, sizeof(missed)))
			fprintf(stderr, "snap: test hook: %s\n", missed);
		if (testhook_count(missed, sizeof(missed)))
			fprintf(stderr, "snap: test hook: %s\n", missed);
		return status;
	}
	out_error("unknown command '%s'", argv[optind]);
	print_usage(stderr);
	return CMD_USAGE;
}
