/*
 * hooks: the commands of the config's hooks: section, run around create.
 *
 * Each command runs as "/bin/sh -c COMMAND" in a clean environment (PATH,
 * HOME, SNAP_CONFIG, SNAP_SNAPSHOT, SNAP_ROOT, SNAP_STATUS and nothing
 * inherited), with stdin from /dev/null and stdout and stderr captured,
 * in a process group of its own so that a timeout kills the whole
 * pipeline, not just the shell.
 *
 *   before_create  after the lock is taken, before anything is written;
 *                  a failure aborts the run (exit 1)
 *   after_create   after a snapshot was made and pruned; a failure is a
 *                  warning (exit 3)
 *   on_error       after a run failed (exit 1); a failure is reported
 */
#ifndef SNAP_HOOKS_H
#define SNAP_HOOKS_H

#include <stddef.h>

#include "err.h"
#include "outtail.h"

/* What a hook is told, as SNAP_* environment variables. */
struct hook_env {
	const char	*config;	/* SNAP_CONFIG: the config file */
	const char	*root;		/* SNAP_ROOT: the snapshot root */
	const char	*snapshot;	/* SNAP_SNAPSHOT: "" before create */
	int		 status;	/* SNAP_STATUS: the exit status so far */
};

/* The tail of a hook's output that is kept for messages. */
#define HOOK_OUTPUT_KEEP	OUTTAIL_KEEP

/*
 * Runs the n commands of the hook called `what` (for messages: "before_create")
 * one after another, each allowed timeout seconds, and stops at the first
 * that fails.  Output goes to out_info at -v.  Returns 0, or -1 with e
 * saying which command failed, how (exit status, signal, timeout) and the
 * last lines it printed.
 */
int	hooks_run(const char *what, char *const *cmds, size_t n,
	    const struct hook_env *env, unsigned int timeout, struct err *e);

#endif
