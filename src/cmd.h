/*
 * cmd: the subcommands, one cmd_*.c file each.
 *
 * main parses the global options into struct cmd_globals, picks the
 * command and calls it with the arguments after the command's name
 * (argv[0] is the command name).  A command returns the exit status
 * (CMD_OK, CMD_FAILED, CMD_USAGE, CMD_WARNINGS); only main exits.
 */
#ifndef SNAP_CMD_H
#define SNAP_CMD_H

#include <stdbool.h>

enum cmd_status {
	CMD_OK = 0,		/* done */
	CMD_FAILED = 1,		/* failed; no snapshot made */
	CMD_USAGE = 2,		/* usage or config error */
	CMD_WARNINGS = 3,	/* done, with warnings naming each path */
};

struct cmd_globals {
	const char	*config;	/* -c FILE, or NULL */
	bool		 json;
};

int	cmd_create(int argc, char **argv, const struct cmd_globals *g);

#endif
