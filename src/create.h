/*
 * create: one snapshot, end to end.
 *
 * create_run opens the store (lock, previous snapshot, leftovers of a
 * killed run), builds the content index from the previous manifest,
 * walks the sources, merge-joins each entry with the previous manifest,
 * plans each entry (diff_plan), has the linker carry the plan out inside
 * .snap/incomplete/NAME, streams the new manifest, and commits.  With
 * dry_run it plans, tells each plan and changes nothing on disk.  It
 * never prints: warnings and plans go to the callbacks in create_opts.
 */
#ifndef SNAP_CREATE_H
#define SNAP_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "diff.h"
#include "err.h"
#include "name.h"
#include "summary.h"
#include "sys.h"

struct progress;
struct diff_plan;

struct create_opts {
	bool		 dry_run;
	long		 hang_after;	/* test hook: stop for good after this
					 * many entries; 0: never */
	const char	*label;		/* create --label, or NULL */
	/*
	 * Threads: the one that walks and builds the snapshot; the second
	 * makes the links of unchanged files for it (linkq.h), each
	 * finished by the walking thread in walk order; the rest read the
	 * sources and the previous snapshot ahead (prefetch.h), which only
	 * warms the kernel's caches.  1:
	 * one thread; 0: the config's jobs, else the number of online
	 * CPUs.  A dry run links nothing: all its other jobs read ahead.
	 * With the fault layer in force (a sys other than sys_real:
	 * SNAP_TEST_FAULT, SNAP_TEST_COUNT, SNAP_TEST_JOURNAL) a run takes
	 * one job, so every mutating call is made by one thread.
	 */
	unsigned	 jobs;
	/*
	 * Called once the store is locked, before anything is written and
	 * before the snapshot is named, so that its name is the time the
	 * walk starts (never in a dry run): the before_create hooks.
	 * Returning -1 (with e set) aborts the run.  NULL: nothing to call.
	 */
	int		(*before_write)(void *arg, struct err *e);
	void		*before_write_arg;

	/* create never prints; it tells these (each may be NULL). */
	/* A warning (counted in stats->warnings): a sentence naming it. */
	void		(*warn)(void *arg, const char *msg);
	/* What was done with one regular file (in a dry run: what would
	 * be done). */
	void		(*planned)(void *arg, const struct entry *ent,
			    const struct diff_plan *plan);
	void		*report_arg;
	/* Told the entries and bytes done; NULL: nothing. */
	struct progress	*progress;
};

/*
 * Takes a snapshot as cfg describes.  Mutating calls go through sys.
 * Returns 0 (stats->warnings says whether it is exit status 3),
 * STORE_ELOCKED when another run holds the lock, STORE_ESHARED when
 * others may enter the root (nothing was done), or -1 with e set: then
 * no snapshot was made and earlier snapshots are as they were.
 */
int	create_run(const struct config *cfg, const struct create_opts *opts,
	    const struct sys_ops *sys, struct create_stats *stats,
	    struct err *e);

/*
 * Checks a label given to create --label: not empty, at most
 * CREATE_LABEL_MAX bytes, no control characters (so one line).  Returns
 * 0, or -1 with e saying why.
 */
int	create_check_label(const char *label, struct err *e);


#endif
