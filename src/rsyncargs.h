/*
 * rsyncargs: the rsync command lines of remote sources (remote.c) and of
 * replication (replicate.c), built one way, and what rsync's exit status
 * means.
 *
 *   struct rsync_argv a = RSYNC_ARGV_INIT;
 *   rsync_argv_start(&a, "-aHAX", ssh_command, rsync_path);
 *   rsync_argv_add(&a, "--link-dest=%s", prev);
 *   if (a.failed) ... ENOMEM ...
 *   execvp(a.v[0], a.v);
 *   rsync_argv_free(&a);
 */
#ifndef SNAP_RSYNCARGS_H
#define SNAP_RSYNCARGS_H

#include <stdbool.h>
#include <stddef.h>

/* An argv being built: NULL-ended, every string in it owned. */
struct rsync_argv {
	char	**v;
	size_t	  n;
	size_t	  cap;
	bool	  failed;	/* an allocation failed: v lacks a word */
};

#define RSYNC_ARGV_INIT	{ NULL, 0, 0, false }

/* Appends one word, formatted.  On ENOMEM sets a->failed. */
void	rsync_argv_add(struct rsync_argv *a, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Starts a: "rsync", options (one word, such as "-aHAX"), the options
 * every transfer of snap's takes (numeric ids, times compared to the
 * nanosecond, an I/O timeout), and, when ssh_command is not NULL, the
 * ssh command and the rsync run on the other side.
 */
void	rsync_argv_start(struct rsync_argv *a, const char *options,
	    const char *ssh_command, const char *rsync_path);

void	rsync_argv_free(struct rsync_argv *a);

/*
 * What rsync's wait status (waitpid) says, in a few words, peer naming
 * the other side ("the host", "the primary"): "rsync exit status 23:
 * some files ... could not be read on the host", "rsync was killed by
 * signal 9 (Killed)".  Written to out; returns out.
 */
const char *rsync_describe_status(int status, const char *peer, char *out,
	    size_t len);

#endif
