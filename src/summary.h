/*
 * summary: the record of a create run, kept with its snapshot.
 *
 * .snap/manifests/NAME.summary holds the run's counts as "key value"
 * lines (one key per line, the first line "snap-summary 1"), so that later
 * commands (list, log) can show what a snapshot cost and whether it had
 * warnings without re-reading the manifest.  It is written like the
 * manifest: to a temporary name, fsynced, renamed.
 *
 * struct create_stats is that record: create fills it as it runs,
 * summary_write keeps it, and summary_read is the one reader of it
 * (list, log, prune, verify, metrics).
 */
#ifndef SNAP_SUMMARY_H
#define SNAP_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"
#include "err.h"
#include "json.h"
#include "name.h"
#include "sys.h"

/* A label is one line of printable text of at most this many bytes. */
#define CREATE_LABEL_MAX 200

/* Room for the dests of the missing sources of one run (quoted, each
 * ended by '\n'); more are counted in n_missing but not named. */
#define SUMMARY_MISSING_MAX 1024

struct create_stats {
	char		 name[NAME_SNAPSHOT_LEN];	/* the snapshot made */
	char		 prev[NAME_SNAPSHOT_LEN];	/* linked against */
	char		 label[CREATE_LABEL_MAX + 1];	/* "" if none */
	uint64_t	 entries;
	uint64_t	 dirs;
	uint64_t	 files;
	uint64_t	 symlinks;
	uint64_t	 nodes;
	uint64_t	 skipped;		/* sockets */
	uint64_t	 linked;		/* LINK_PREV */
	uint64_t	 linked_content;	/* LINK_SAME_CONTENT */
	uint64_t	 hardlinked;		/* HARDLINK */
	uint64_t	 reused;		/* from a killed run's tree */
	uint64_t	 copied;
	uint64_t	 copied_bytes;
	uint64_t	 total_bytes;		/* of all regular files */
	/* From remote hosts over the network (rsync --stats); a summary
	 * written before snap kept it reads as 0. */
	uint64_t	 received_bytes;
	uint64_t	 copied_by[REASON_COUNT];
	uint64_t	 bytes_by[REASON_COUNT];
	uint64_t	 warnings;
	double		 seconds;
	/*
	 * The local sources that were missing (source.h): this snapshot
	 * holds no real copy of them, only the previous one's, linked
	 * unchanged (or nothing).  Their dests, each quoted by name_quote
	 * and ended by '\n'; the summary's "missing DEST" lines.
	 */
	uint64_t	 n_missing;
	char		 missing[SUMMARY_MISSING_MAX];
};

/* Adds dest to stats->missing (and counts it). */
void	summary_add_missing(struct create_stats *stats, const char *dest);

/*
 * True when the run of stats found the source of dest missing, so that
 * its snapshot holds no real copy of it.
 */
bool	summary_has_missing(const struct create_stats *stats,
	    const char *dest);

/*
 * Writes dirfd/NAME.summary for stats->name.  Returns 0, or -1 with e
 * set (no summary file is left behind).
 */
int	summary_write(int dirfd, const struct create_stats *stats,
	    const struct sys_ops *sys, struct err *e);

/*
 * Reads dirfd/NAME.summary into *stats (keys it does not know are
 * skipped, so older snap versions read newer records).  Returns 0, or -1
 * with e set (errnum ENOENT when the snapshot has no summary).
 */
int	summary_read(int dirfd, const char *name, struct create_stats *stats,
	    struct err *e);

/*
 * Writes the record as members of the open JSON object j (create
 * --json): "snapshot" and "previous" (null when none: a dry run has no
 * snapshot), "label" (null when none), the counts by their summary keys,
 * "copied_by" (an object of reasons, each {"files", "bytes"}),
 * "missing" (the dests of the missing sources, an array) and
 * "milliseconds".
 */
void	summary_json(struct json *j, const struct create_stats *stats,
	    bool dry_run);

/* Writes "missing": the quoted dests of the missing sources, an array. */
void	summary_json_missing(struct json *j, const struct create_stats *stats);

/*
 * The parsing half of summary_read (pure): fills *stats from text, a
 * NUL-terminated summary file, which it cuts into lines in place.
 * Returns 0, or -1 if text does not start like a summary.
 */
int	summary_parse(char *text, struct create_stats *stats);

#endif
