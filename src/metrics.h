/*
 * metrics: the Prometheus textfile-collector file named by metrics_file:.
 *
 * After every create (not a dry run) and every replicate, successful or
 * not, snap rewrites the file with the facts of that run and of the
 * snapshot root, so that node_exporter users can alert when backups
 * stop or start failing:
 *
 *   snap_last_success_timestamp_seconds   when the newest snapshot was made
 *   snap_last_run_*                       the create just finished
 *   snap_last_replicate_*                 the replicate just finished
 *   snap_snapshots, snap_root_*_bytes     the snapshot root now
 *
 * A root is made by one of the two (a replica's config names no
 * sources), so its file holds one family of the two.
 *
 * Every sample carries a config="FILE" label, so that several backup sets
 * (snap@.service instances) can share one collector folder.  The file is
 * written to a temporary name in the same folder, fsynced and renamed,
 * so the collector never reads half of it.
 */
#ifndef SNAP_METRICS_H
#define SNAP_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "replicate.h"
#include "summary.h"
#include "sys.h"

/* The run being reported. */
struct metrics_run {
	time_t				 ended;		/* wall clock */
	double				 seconds;	/* how long it took */
	int				 exit_status;
	const struct create_stats	*stats;	/* NULL: no snapshot made */
	/* Not NULL: the run was a replicate, these its counts (a failed
	 * one's too: what it copied before it stopped stays). */
	const struct replicate_stats	*replicated;
};

/* The snapshot root, as read after the run. */
struct metrics_root {
	bool		 known;		/* false: the root could not be read */
	uint64_t	 snapshots;
	time_t		 last_success;	/* 0: no snapshot yet */
	uint64_t	 free_bytes;	/* available to snap */
	uint64_t	 size_bytes;	/* of the filesystem */
};

/*
 * Reads what the metrics say of cfg's snapshot root.  Never fails: an
 * unreadable root leaves root->known false.
 */
void	metrics_read_root(const struct config *cfg,
	    const struct sys_ops *sys, struct metrics_root *root);

/* Prints the file's contents to f (pure; the unit tests read it back). */
void	metrics_format(FILE *f, const char *config_file,
	    const struct metrics_run *run, const struct metrics_root *root);

/*
 * Writes cfg->metrics_file atomically (mode 0644: the collector usually
 * runs as another user).  Returns 0, or -1 with e set.
 */
int	metrics_write(const struct config *cfg, const struct metrics_run *run,
	    const struct sys_ops *sys, struct err *e);

#endif
