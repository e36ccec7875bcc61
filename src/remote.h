/*
 * remote: the transfers of remote sources, by rsync over ssh.
 *
 * snap speaks no protocol of its own: OpenSSH makes the connection and
 * rsync moves the files.  remote_run runs, per source, with an argv and
 * no shell,
 *
 *   rsync -aHAX --numeric-ids --sparse --timeout=600 --stats --no-h
 *         [--info=progress2] [--checksum] -e SSH_COMMAND
 *         --rsync-path=RSYNC_PATH [-x] [--from0 --exclude-from=-]
 *         [--filter=...] [--link-dest=PREV]
 *         -- HOST:PATH/ INTO/
 *
 * so that what did not change since the previous snapshot's copy PREV
 * is a hard link to it (no bytes sent, no space used).  Up to `parallel`
 * of them run at once, each its own child process with its own pipes:
 * its stderr is kept apart (a failure names its host and quotes what
 * ssh and rsync said to it, never another host's lines), its stdout is
 * read for the bytes received (--stats) and, when the progress line is
 * on, for the bytes done so far (--info=progress2).  What rsync wrote
 * is not trusted: received.h checks and records it.
 *
 *   struct remote_job jobs[n] = { { .src = ..., .into = ... }, ... };
 *   remote_run(jobs, n, parallel, progress, &e);
 *   per job: .result, .err, .counts.received
 *
 * A child is killed with snap (PR_SET_PDEATHSIG): a `kill -9` of snap
 * leaves no rsync writing into the tree the next run removes.
 *
 * remote_relink fills a folder with hard links to the previous copy of a
 * source whose host could not be reached (a local rsync --link-dest), so
 * the new snapshot still holds that source, unchanged.
 */
#ifndef SNAP_REMOTE_H
#define SNAP_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"
#include "outtail.h"
#include "progress.h"

/* rsync's exit status when some source files vanished meanwhile. */
#define REMOTE_VANISHED	1
/* A transfer stopped because another one's failure ended the run. */
#define REMOTE_CANCELLED	2

/* What rsync's stdout said so far (remote_parse_line). */
struct remote_counts {
	uint64_t	received;	/* "Total bytes received:" of --stats */
	uint64_t	files;		/* files transferred (progress2 xfr#) */
	uint64_t	bytes;		/* bytes done (progress2) */
	/* "Total bytes sent:" of --stats: where rsync is the sender (a
	 * local replicate_from: snap's own rsync reads the primary), the
	 * bytes that went across. */
	uint64_t	sent;
};

/* The line buffer of a child's stdout. */
#define REMOTE_LINE_MAX	256

/* One transfer. */
struct remote_job {
	/* Set by the caller. */
	const struct config_source *src;
	const char	*into;		/* absolute, existing and empty */
	const char	*link_dest;	/* absolute, or NULL: no previous copy */
	/*
	 * Absolute, or NULL: rsync's --partial-dir, a folder kept across
	 * runs.  An rsync that is stopped (snap interrupted or killed, the
	 * connection lost) moves the part of the file it was receiving
	 * there, and the next transfer takes it as the basis of that file's
	 * delta, so a large file is not sent again from its start.  A basis
	 * never decides content (rsync checks the whole file it made
	 * against the sender's checksum): a stale one only costs bytes.
	 * The receiver sends the host checksums of the basis's blocks, so
	 * the folder must be this host's (received.c names it by HOST and
	 * PATH).
	 */
	const char	*partial;
	bool		 checksum;	/* compare content, not size and mtime */
	bool		 fatal;		/* its failure fails the run */
	/* rsync (and its ssh) may make names only below into (and
	 * partial) and link only from link_dest (confine.h); exit 126 when
	 * that fails. */
	bool		 confine;
	/*
	 * -1, or a descriptor of NUL-ended rsync exclude patterns, read
	 * on rsync's stdin before the source's own filter rules (--from0
	 * --exclude-from=-):
	 * what lies below a symlink of the previous copy (received.h).
	 */
	int		 exclude_fd;

	/*
	 * The outcome: 0; REMOTE_VANISHED with err a warning (the copy is
	 * complete but for files that vanished on the host); -1 with err
	 * naming the host and quoting rsync's last lines (what is in into is
	 * then partial); REMOTE_CANCELLED (stopped, after another fatal
	 * job failed or the run was interrupted).
	 */
	int		 result;
	struct err	 err;
	struct remote_counts counts;

	/* remote.c's own, while it runs. */
	char		**argv;
	char		 *what;		/* "HOST:PATH", for messages */
	pid_t		  pid;
	int		  out_fd;
	int		  err_fd;
	int		  status;	/* the wait status */
	int		  state;
	bool		  cancelled;
	double		  reaped_at;	/* < 0: not yet */
	double		  cancelled_at;
	struct outtail	  said;
	char		  line[REMOTE_LINE_MAX];
	size_t		  line_len;
};

/*
 * Runs the transfers of jobs[0..n-1] in that order, at most parallel at
 * once, each job's outcome in its fields.  When a fatal job fails, no
 * other starts and those running are stopped (REMOTE_CANCELLED).  p
 * (NULL or off: none) shows the files and bytes of them all.  Returns 0
 * when every job has its outcome; -1 with e set when a child could not
 * be started or snap was interrupted (errnum EINTR), the running ones
 * then stopped.
 */
int	remote_run(struct remote_job *jobs, size_t n, unsigned parallel,
	    struct progress *p, struct err *e);

/*
 * Fills the existing, empty folder into with the tree prev (both
 * absolute): folders, symlinks and nodes new, regular files hard links
 * to prev's.  Returns 0, or -1 with e set.
 */
int	remote_relink(const char *prev, const char *into, struct err *e);

/*
 * The rsync argument for one of a source's filter rules (filter.h):
 * "--filter=- PATTERN" or "--filter=+ PATTERN".  snap's patterns mean
 * what rsync's mean (exclude.h), so the rule goes over as it is and the
 * host leaves out what a local run would.  Returns it (free it), or NULL
 * (ENOMEM).
 */
char	*remote_filter_arg(const struct filter_rule *rule);

/*
 * Reads one line of rsync's stdout (pure): "Total bytes received: N" or
 * "Total bytes sent: N" of --stats, or a progress2 line ("  1,238,099
 * 45%  1.2MB/s  0:00:01 (xfr#5, to-chk=169/396)"), into c; any other line is left alone.
 * Numbers may have thousands separators (',', '.', '\'') and, should an
 * -h have come from elsewhere, a K, M, G or T suffix.
 */
void	remote_parse_line(const char *line, size_t len,
	    struct remote_counts *c);

#endif
