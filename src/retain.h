/*
 * retain: the retention policy, pure (no I/O, no clock).
 *
 *   struct retain_snapshot snaps[n];	times and labels, oldest first
 *   unsigned keep[n];
 *   retain_decide(snaps, n, &cfg->retain, keep);
 *   keep[i] == 0: snapshot i goes; else the RETAIN_BIT()s of the rules
 *   that keep it (retain_rule_name names them).
 *
 * The rules are restic's --keep-*: "last N" keeps the N newest
 * snapshots; each bucket (hourly, daily, weekly, monthly, yearly) keeps
 * the newest snapshot of each of the last N hours, days, ISO weeks
 * (Monday to Sunday), months or years that have a snapshot, counted from
 * the newest snapshot backwards, not from the clock.  Periods are UTC.
 * Every snapshot takes part in every bucket, labelled or not.  A
 * snapshot kept by any rule stays; labelled snapshots and the newest
 * snapshot always stay, and so does the newest real copy of each
 * source (retain_keep_copies).  When every key of the policy is absent (-1),
 * nothing goes: all are kept by RETAIN_NO_POLICY.
 */
#ifndef SNAP_RETAIN_H
#define SNAP_RETAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"

enum retain_rule {
	RETAIN_LAST,
	RETAIN_HOURLY,
	RETAIN_DAILY,
	RETAIN_WEEKLY,
	RETAIN_MONTHLY,
	RETAIN_YEARLY,
	RETAIN_LABEL,
	RETAIN_NEWEST,
	RETAIN_LAST_COPY,
	RETAIN_NO_POLICY,
	RETAIN_RULE_COUNT,
};

#define RETAIN_BIT(rule) (1u << (rule))

struct retain_snapshot {
	time_t	time;		/* from the name, UTC */
	bool	labelled;	/* made with create --label */
	/* For retain_keep_copies: per source, whether this snapshot holds
	 * a real copy of it (its source was not missing); NULL: it holds
	 * every source. */
	const bool *holds;
};

/*
 * Decides for the n snapshots in snaps (oldest first; of two with equal
 * times the later one counts as newer) which stay: keep[i] gets the bits
 * of every rule that keeps snapshot i, 0 when it goes.
 */
void	retain_decide(const struct retain_snapshot *snaps, size_t n,
	    const struct config_retain *policy, unsigned *keep);

/*
 * After retain_decide: for each of the n_sources sources, the newest
 * snapshot that holds a real copy of it (snaps[i].holds), when no other
 * rule keeps it, is kept by RETAIN_LAST_COPY, so that a source missing for longer than the policy
 * reaches back never loses its last real copy.  A source that no
 * snapshot holds keeps nothing.
 */
void	retain_keep_copies(const struct retain_snapshot *snaps, size_t n,
	    size_t n_sources, unsigned *keep);

/* True when the policy has no key at all (nothing is ever pruned). */
bool	retain_policy_empty(const struct config_retain *policy);

/* "last", "hourly", ..., "label", "newest", "last-copy", "no-policy". */
const char *retain_rule_name(enum retain_rule rule);

/*
 * Parses a snapshot name ("2026-11-24T030012Z") into the time it stands
 * for.  Returns 0, or -1 when name is not a snapshot name.
 */
int	retain_name_time(const char *name, time_t *t);

#endif
