/*
 * The command table: every command's name, what it does and its usage,
 * written once here.  "snap COMMAND --help" and "snap help COMMAND"
 * print the same text; "snap --help" and "snap help" list the commands.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "opts.h"
#include "out.h"

/* The last lines of every command's usage. */
#define GLOBALS "\nThe options of snap --help (-c FILE, -v, -q, --wait " \
	"SECONDS) work here\ntoo, before or after the arguments.\n"

static const struct cmd_command commands[] = {
	{ "create", cmd_create, "take a snapshot, then prune",
	    "usage: snap [OPTIONS] create [--dry-run] [--label TEXT] "
	    "[--jobs N] [--json]\n\n"
	    "Takes a snapshot of the sources, then applies the retention "
	    "policy.\n"
	    "  -n, --dry-run   print what would be copied; write nothing\n"
	    "  --label TEXT    mark the snapshot: prune keeps it\n"
	    "  -j, --jobs N    threads: 1 walks, the 2nd links unchanged\n"
	    "                  files, the others read ahead\n"
	    "                  (default: the jobs key, else the CPUs)\n"
	    "  --json          the summary as JSON\n" GLOBALS, true },
	{ "list", cmd_list, "snapshots, with files, size and new space",
	    "usage: snap [OPTIONS] list [--json] [--names]\n\n"
	    "Lists the snapshots: files, size, new space, warnings, label.\n"
	    "  --names   only the names, from a listing of the root "
	    "(fast)\n" GLOBALS, true },
	{ "diff", cmd_diff, "what changed between two snapshots",
	    "usage: snap [OPTIONS] diff [--json] [OLD [NEW]]\n"
	    "       snap [OPTIONS] diff [--json] [SNAPSHOT] --source\n\n"
	    "What changed (default: between the last two snapshots).\n"
	    "  --source   between SNAPSHOT (default: the newest) and the "
	    "sources\n" GLOBALS, true },
	{ "log", cmd_log, "the versions of one path across snapshots",
	    "usage: snap [OPTIONS] log [--json] PATH\n\n"
	    "The snapshots in which PATH (like etc/fstab) changed.\n"
	    GLOBALS, true },
	{ "restore", cmd_restore, "copy a path out of a snapshot",
	    "usage: snap [OPTIONS] restore [--overwrite] SNAPSHOT PATH "
	    "DEST\n\n"
	    "Copies PATH ('/' for all) out of SNAPSHOT into DEST.\n"
	    "  --overwrite   replace entries in an existing DEST\n"
	    GLOBALS, false },
	{ "verify", cmd_verify, "re-hash stored files against the manifest",
	    "usage: snap [OPTIONS] verify [--json] [SNAPSHOT... | --all] "
	    "[--sample PERCENT]\n\n"
	    "Re-hashes stored files (default: of the newest snapshot).\n"
	    "  --all              every snapshot\n"
	    "  --sample PERCENT   read about PERCENT% of the files\n"
	    GLOBALS, true },
	{ "repair", cmd_repair, "rebuild a damaged manifest from its snapshot",
	    "usage: snap [OPTIONS] repair SNAPSHOT\n\n"
	    "Rebuilds the manifest of SNAPSHOT from its stored tree.\n"
	    GLOBALS, false },
	{ "prune", cmd_prune, "apply the retention policy",
	    "usage: snap [OPTIONS] prune [--dry-run] [--json]\n\n"
	    "Deletes the snapshots that retain does not keep.\n"
	    "  -n, --dry-run   list what would go and why the rest stays\n"
	    GLOBALS, true },
	{ "delete", cmd_delete, "delete snapshots by name",
	    "usage: snap [OPTIONS] delete [--force] [--json] SNAPSHOT...\n\n"
	    "Deletes snapshots by name, labelled ones too.\n"
	    "  -f, --force   the newest snapshot too\n" GLOBALS, true },
	{ "du", cmd_du, "space each snapshot holds alone and shared",
	    "usage: snap [OPTIONS] du [--json]\n\n"
	    "The space each snapshot holds alone and shares.\n"
	    GLOBALS, true },
	{ "check", cmd_check, "validate the config and the snapshot root",
	    "usage: snap [OPTIONS] check [--json]\n\n"
	    "Validates the config, the sources, the root and every "
	    "manifest.\n" GLOBALS, true },
	{ "notify", cmd_notify, "send the notify: ping of an event",
	    "usage: snap [OPTIONS] notify start|success|fail [--log FILE]\n\n"
	    "Sends the config's notify: ping for the event, with curl; the "
	    "body is\nthe last lines of --log FILE ('-': standard input) or "
	    "of the run\nsystemd names in $MONITOR_INVOCATION_ID.\n"
	    GLOBALS, false },
	{ "replicate", cmd_replicate, "copy the snapshots of replicate_from "
	    "that this root lacks",
	    "usage: snap [OPTIONS] replicate [--json]\n\n"
	    "Copies every snapshot of the config's replicate_from that this "
	    "root\nlacks, oldest first, checks each against its manifest, "
	    "then prunes.\n"
	    "  --json   the snapshots copied and the totals as JSON\n"
	    GLOBALS, true },
	{ "help", cmd_help, "the usage of a command",
	    "usage: snap help [COMMAND]\n\n"
	    "The usage of COMMAND, or the list of commands.\n", false },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cmd_command *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

const char *
cmd_global_usage(void)
{
	static char text[4096];
	size_t i, len;

	if (text[0] != '\0')
		return text;
	len = (size_t)snprintf(text, sizeof(text),
	    "usage: snap [OPTIONS] COMMAND [ARGS]\n"
	    "       snap help [COMMAND]\n"
	    "       snap --version\n\n"
	    "options (before or after the command and its arguments):\n"
	    "  -c FILE   config file (default: $SNAP_CONFIG, then "
	    CONFIG_DEFAULT_PATH ")\n"
	    "  -v        more output: every copied file\n"
	    "  -q        only problems\n"
	    "  --json    JSON output, for scripts\n"
	    "  --wait SECONDS\n"
	    "            wait that long for a running snap's lock (default: "
	    "lock_wait)\n"
	    "  --version the version of snap\n\ncommands:\n");
	for (i = 0; i < N_COMMANDS && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "  %-10s%s\n", commands[i].name, commands[i].summary);
	return text;
}

void
cmd_print_usage(const char *name, FILE *f)
{
	const struct cmd_command *c = cmd_find(name);

	fputs(c != NULL ? c->usage : cmd_global_usage(), f);
}

int
cmd_help(int argc, char **argv, struct cmd_globals *g)
{
	const struct opts_option options[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, r;

	if ((r = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs > 1) {
		out_error("help takes one command ('%s')", argv[2]);
		cmd_print_usage("help", stderr);
		return CMD_USAGE;
	}
	if (nargs == 1 && cmd_find(argv[1]) == NULL) {
		out_error("unknown command '%s'", argv[1]);
		fputs(cmd_global_usage(), stderr);
		return CMD_USAGE;
	}
	cmd_print_usage(nargs == 1 ? argv[1] : "", stdout);
	return CMD_OK;
}
