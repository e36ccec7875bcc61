/*
 * summary: the record of a create run, kept with its snapshot.
 *
 * .snap/manifests/NAME.summary holds the run's counts as "key value"
 * lines (one key per line, the first line "snap-summary 1"), so that later
 * commands (list, log) can show what a snapshot cost and whether it had
 * warnings without re-reading the manifest.  It is written like the
 * manifest: to a temporary name, fsynced, renamed.
 */
#ifndef SNAP_SUMMARY_H
#define SNAP_SUMMARY_H

#include "create.h"
#include "err.h"
#include "sys.h"

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

#endif
