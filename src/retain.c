#include "retain.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "name.h"

static const char *const rule_names[RETAIN_RULE_COUNT] = {
	[RETAIN_LAST] = "last",
	[RETAIN_HOURLY] = "hourly",
	[RETAIN_DAILY] = "daily",
	[RETAIN_WEEKLY] = "weekly",
	[RETAIN_MONTHLY] = "monthly",
	[RETAIN_YEARLY] = "yearly",
	[RETAIN_LABEL] = "label",
	[RETAIN_NEWEST] = "newest",
	[RETAIN_LAST_COPY] = "last-copy",
	[RETAIN_NO_POLICY] = "no-policy",
};

const char *
retain_rule_name(enum retain_rule rule)
{
	if ((int)rule < 0 || rule >= RETAIN_RULE_COUNT)
		return "?";
	return rule_names[rule];
}

bool
retain_policy_empty(const struct config_retain *p)
{
	return p->last < 0 && p->hourly < 0 && p->daily < 0 &&
	    p->weekly < 0 && p->monthly < 0 && p->yearly < 0;
}

/* Division rounding towards minus infinity: times before 1970 too. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * The period of time t for a bucket, as a number that differs between
 * periods.  Weeks are ISO weeks: day 0 (1970-01-01) was a Thursday, so
 * adding 3 makes every week start on a Monday, and a week that spans a
 * year change is one week, as ISO 8601 has it (2020-W53 runs from
 * 2020-12-28 to 2021-01-03).
 */
static int64_t
period(enum retain_rule rule, time_t t)
{
	struct tm tm;

	switch (rule) {
	case RETAIN_HOURLY:
		return floor_div(t, 3600);
	case RETAIN_DAILY:
		return floor_div(t, 86400);
	case RETAIN_WEEKLY:
		return floor_div(floor_div(t, 86400) + 3, 7);
	case RETAIN_MONTHLY:
	case RETAIN_YEARLY:
		if (gmtime_r(&t, &tm) == NULL)
			return INT64_MIN;
		if (rule == RETAIN_YEARLY)
			return tm.tm_year;
		return (int64_t)tm.tm_year * 12 + tm.tm_mon;
	default:
		return 0;
	}
}

/*
 * One bucket: walking from the newest snapshot back, the first snapshot
 * of each period is that period's newest; it is kept until count
 * periods have one.
 */
static void
keep_bucket(const struct retain_snapshot *snaps, size_t n,
    enum retain_rule rule, int count, unsigned *keep)
{
	int64_t last = 0, p;
	bool have = false;
	size_t i;

	for (i = n; i > 0 && count > 0; i--) {
		p = period(rule, snaps[i - 1].time);
		if (have && p == last)
			continue;
		keep[i - 1] |= RETAIN_BIT(rule);
		last = p;
		have = true;
		count--;
	}
}

void
retain_decide(const struct retain_snapshot *snaps, size_t n,
    const struct config_retain *policy, unsigned *keep)
{
	size_t i;
	int last;

	memset(keep, 0, n * sizeof(*keep));
	if (n == 0)
		return;
	if (retain_policy_empty(policy)) {
		for (i = 0; i < n; i++)
			keep[i] = RETAIN_BIT(RETAIN_NO_POLICY);
		return;
	}
	for (i = n, last = policy->last; i > 0 && last > 0; i--, last--)
		keep[i - 1] |= RETAIN_BIT(RETAIN_LAST);
	keep_bucket(snaps, n, RETAIN_HOURLY, policy->hourly, keep);
	keep_bucket(snaps, n, RETAIN_DAILY, policy->daily, keep);
	keep_bucket(snaps, n, RETAIN_WEEKLY, policy->weekly, keep);
	keep_bucket(snaps, n, RETAIN_MONTHLY, policy->monthly, keep);
	keep_bucket(snaps, n, RETAIN_YEARLY, policy->yearly, keep);
	for (i = 0; i < n; i++)
		if (snaps[i].labelled)
			keep[i] |= RETAIN_BIT(RETAIN_LABEL);
	/* Whatever the policy says, a root is never left empty. */
	keep[n - 1] |= RETAIN_BIT(RETAIN_NEWEST);
}

void
retain_keep_copies(const struct retain_snapshot *snaps, size_t n,
    size_t n_sources, unsigned *keep)
{
	size_t i, j;

	/* Only what the policy would drop: a kept snapshot needs no
	 * second reason (the newest is nearly always every source's). */
	for (j = 0; j < n_sources; j++)
		for (i = n; i > 0; i--)
			if (snaps[i - 1].holds == NULL ||
			    snaps[i - 1].holds[j]) {
				if (keep[i - 1] == 0)
					keep[i - 1] = RETAIN_BIT(
					    RETAIN_LAST_COPY);
				break;
			}
}

int
retain_name_time(const char *name, time_t *t)
{
	struct tm tm;
	int len = 0;

	if (!name_is_snapshot(name))
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(name, "%4d-%2d-%2dT%2d%2d%2dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &len) != 6 ||
	    len != 18 || name[len] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return 0;
}
