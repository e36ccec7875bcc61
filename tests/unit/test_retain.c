/*
 * test_retain: the retention policy on hand-worked UTC calendars.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retain.h"

#define MAX_SNAPS 400

#define B(rule) RETAIN_BIT(RETAIN_##rule)

static const struct config_retain none = { -1, -1, -1, -1, -1, -1 };

static struct retain_snapshot snaps[MAX_SNAPS];
static unsigned keep[MAX_SNAPS];

/*
 * Runs the policy on the snapshots named in names (oldest first, NULL
 * ended; a leading '*' marks a labelled one).  Returns their number.
 */
static size_t
decide(const struct config_retain *policy, const char *const *names)
{
	size_t n;

	for (n = 0; names[n] != NULL; n++) {
		const char *name = names[n];

		assert_true(n < MAX_SNAPS);
		snaps[n].labelled = name[0] == '*';
		snaps[n].holds = NULL;
		assert_int_equal(retain_name_time(name + snaps[n].labelled,
		    &snaps[n].time), 0);
	}
	retain_decide(snaps, n, policy, keep);
	return n;
}

static void
test_retain_name_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(retain_name_time("1970-01-01T000000Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(retain_name_time("2024-02-29T120000Z", &t), 0);
	assert_int_equal(t, 1709208000);
	assert_int_equal(retain_name_time("2024-02-29T120000", &t), -1);
	assert_int_equal(retain_name_time("2024-02-29T120000Zx", &t), -1);
	assert_int_equal(retain_name_time("latest", &t), -1);
	assert_int_equal(retain_name_time("", &t), -1);
}

static void
test_retain_all_absent_keeps_everything(void **state)
{
	static const char *const names[] = { "2024-01-01T000000Z",
		"2024-01-01T000001Z", "2024-01-01T000002Z", NULL };
	size_t i, n;

	(void)state;
	assert_true(retain_policy_empty(&none));
	n = decide(&none, names);
	for (i = 0; i < n; i++)
		assert_int_equal(keep[i], B(NO_POLICY));
}

static void
test_retain_zeros_keep_only_newest_and_labelled(void **state)
{
	static const struct config_retain zeros = { 0, 0, 0, 0, 0, 0 };
	static const char *const names[] = { "2024-01-01T000000Z",
		"*2024-01-02T000000Z", "2024-01-03T000000Z",
		"2024-01-04T000000Z", NULL };

	(void)state;
	assert_false(retain_policy_empty(&zeros));
	decide(&zeros, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(LABEL));
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], B(NEWEST));
}

static void
test_retain_one_key_zero_others_absent(void **state)
{
	static const struct config_retain p = { -1, -1, 0, -1, -1, -1 };
	static const char *const names[] = { "2024-01-01T000000Z",
		"2024-01-02T000000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(NEWEST));
}

static void
test_retain_last(void **state)
{
	static const struct config_retain p = { 3, -1, -1, -1, -1, -1 };
	static const char *const names[] = { "2024-01-01T000000Z",
		"2024-01-01T000001Z", "2024-01-01T000002Z",
		"2024-01-01T000003Z", "2024-01-01T000004Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], B(LAST));
	assert_int_equal(keep[3], B(LAST));
	assert_int_equal(keep[4], B(LAST) | B(NEWEST));
}

static void
test_retain_last_more_than_there_are(void **state)
{
	static const struct config_retain p = { 10, -1, -1, -1, -1, -1 };
	static const char *const names[] = { "2024-01-01T000000Z",
		"2024-01-01T000001Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], B(LAST));
	assert_int_equal(keep[1], B(LAST) | B(NEWEST));
}

static void
test_retain_hourly_boundary(void **state)
{
	static const struct config_retain p = { -1, 2, -1, -1, -1, -1 };
	static const char *const names[] = { "2024-05-05T095959Z",
		"2024-05-05T100000Z", "2024-05-05T105959Z",
		"2024-05-05T110000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);		/* the 09 hour: a third */
	assert_int_equal(keep[1], 0);		/* not the newest of 10 */
	assert_int_equal(keep[2], B(HOURLY));
	assert_int_equal(keep[3], B(HOURLY) | B(NEWEST));
}

/* Days that have no snapshot are not counted: restic's semantics. */
static void
test_retain_daily_leap_day_and_gaps(void **state)
{
	static const struct config_retain p = { -1, -1, 3, -1, -1, -1 };
	static const char *const names[] = { "2024-02-20T120000Z",
		"2024-02-28T230000Z", "2024-02-29T010000Z",
		"2024-02-29T235959Z", "2024-03-01T000000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(DAILY));
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], B(DAILY));
	assert_int_equal(keep[4], B(DAILY) | B(NEWEST));
}

static void
test_retain_monthly_month_ends(void **state)
{
	static const struct config_retain p = { -1, -1, -1, -1, 3, -1 };
	static const char *const names[] = { "2022-12-31T235959Z",
		"2023-01-31T235959Z", "2023-02-01T000000Z",
		"2023-02-28T235959Z", "2023-03-01T000000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(MONTHLY));
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], B(MONTHLY));
	assert_int_equal(keep[4], B(MONTHLY) | B(NEWEST));
}

/* 2024-02-26 (Monday) to 2024-03-03 (Sunday) is one ISO week. */
static void
test_retain_weekly_leap_week(void **state)
{
	static const struct config_retain p = { -1, -1, -1, 2, -1, -1 };
	static const char *const names[] = { "2024-02-25T235959Z",
		"2024-02-26T000000Z", "2024-02-29T120000Z",
		"2024-03-03T235959Z", "2024-03-04T000000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], B(WEEKLY));
	assert_int_equal(keep[4], B(WEEKLY) | B(NEWEST));
}

/*
 * 2020-W53 runs from Monday 2020-12-28 to Sunday 2021-01-03; 2021-W01
 * starts on 2021-01-04.  2024-12-30 is in 2025-W01.
 */
static void
test_retain_weekly_iso_week_53_spans_years(void **state)
{
	static const struct config_retain p = { -1, -1, -1, 3, -1, -1 };
	static const char *const names[] = { "2020-12-20T120000Z",
		"2020-12-27T235959Z", "2020-12-28T000000Z",
		"2020-12-31T120000Z", "2021-01-03T235959Z",
		"2021-01-04T000000Z", NULL };
	static const char *const names2[] = { "2024-12-29T120000Z",
		"2024-12-30T120000Z", "2025-01-05T120000Z", NULL };
	static const struct config_retain p1 = { -1, -1, -1, 1, -1, -1 };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(WEEKLY));	/* 2020-W52 */
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], 0);
	assert_int_equal(keep[4], B(WEEKLY));	/* 2020-W53 */
	assert_int_equal(keep[5], B(WEEKLY) | B(NEWEST));

	decide(&p1, names2);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], 0);		/* same week as 2025-01-05 */
	assert_int_equal(keep[2], B(WEEKLY) | B(NEWEST));
}

static void
test_retain_yearly_year_change(void **state)
{
	static const struct config_retain p = { -1, -1, -1, -1, -1, 2 };
	static const char *const names[] = { "2019-12-31T235959Z",
		"2020-06-30T120000Z", "2020-12-31T235959Z",
		"2021-01-01T000000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], B(YEARLY));
	assert_int_equal(keep[3], B(YEARLY) | B(NEWEST));
}

/* Of two snapshots with one time, the later in the list is newer. */
static void
test_retain_ties(void **state)
{
	static const struct config_retain p = { -1, -1, 2, -1, -1, -1 };

	(void)state;
	snaps[0].time = snaps[1].time = 1709208000;
	snaps[2].time = 1709208000 + 86400;
	snaps[0].labelled = snaps[1].labelled = snaps[2].labelled = false;
	retain_decide(snaps, 3, &p, keep);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(DAILY));
	assert_int_equal(keep[2], B(DAILY) | B(NEWEST));
}

static void
test_retain_several_rules_keep_one(void **state)
{
	static const struct config_retain p = { 1, 1, 2, 2, 2, 2 };
	static const char *const names[] = { "2023-12-31T100000Z",
		"2023-12-31T110000Z", "2024-01-01T000000Z", NULL };

	(void)state;
	decide(&p, names);
	/* 2023-12-31 is a Sunday: 2023-W52, December, 2023. */
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(DAILY) | B(WEEKLY) | B(MONTHLY) |
	    B(YEARLY));
	assert_int_equal(keep[2], B(LAST) | B(HOURLY) | B(DAILY) |
	    B(WEEKLY) | B(MONTHLY) | B(YEARLY) | B(NEWEST));
}

static void
test_retain_labelled_always_stay(void **state)
{
	static const struct config_retain p = { 1, -1, -1, -1, -1, -1 };
	static const char *const names[] = { "*2020-01-01T000000Z",
		"2021-01-01T000000Z", "*2022-01-01T000000Z", NULL };

	(void)state;
	decide(&p, names);
	assert_int_equal(keep[0], B(LABEL));
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], B(LAST) | B(LABEL) | B(NEWEST));
}

/*
 * A leap year of daily snapshots at 03:00 with daily 7, weekly 4,
 * monthly 12: the 7 days 12-25..12-31; the newest of the last 4 ISO
 * weeks: 12-31 (2025-W01), 12-29, 12-22, 12-15; the last day of each
 * month.  20 in all.
 */
static void
test_retain_year_of_dailies(void **state)
{
	static const struct config_retain p = { -1, -1, 7, 4, 12, -1 };
	const time_t start = 1704078000;	/* 2024-01-01T030000Z */
	size_t i, kept = 0;
	struct tm tm;

	(void)state;
	for (i = 0; i < 366; i++) {
		snaps[i].time = start + (time_t)i * 86400;
		snaps[i].labelled = false;
	}
	retain_decide(snaps, 366, &p, keep);
	for (i = 0; i < 366; i++) {
		if (keep[i] == 0)
			continue;
		kept++;
		gmtime_r(&snaps[i].time, &tm);
		if (keep[i] & B(MONTHLY)) {
			time_t next = snaps[i].time + 86400;
			struct tm tn;

			gmtime_r(&next, &tn);
			assert_int_not_equal(tn.tm_mon, tm.tm_mon);
		}
	}
	assert_int_equal(kept, 20);
	assert_int_equal(keep[365], B(DAILY) | B(WEEKLY) | B(MONTHLY) |
	    B(NEWEST));
	assert_int_equal(keep[363], B(DAILY) | B(WEEKLY));	/* 12-29 */
	assert_int_equal(keep[356], B(WEEKLY));			/* 12-22 */
	assert_int_equal(keep[349], B(WEEKLY));			/* 12-15 */
	assert_int_equal(keep[348], 0);
	assert_int_equal(keep[59], B(MONTHLY));			/* 02-29 */
	assert_int_equal(keep[58], 0);
}

/*
 * Source 1 went missing after the second snapshot: "last 2" would drop
 * its newest real copy, which last-copy keeps; source 0 is in every
 * snapshot, so nothing more is kept for it.
 */
static void
test_retain_keeps_newest_real_copy_of_each_source(void **state)
{
	static const struct config_retain p = { 2, -1, -1, -1, -1, -1 };
	static const char *const names[] = { "2024-01-01T000000Z",
		"2024-01-02T000000Z", "2024-01-03T000000Z",
		"2024-01-04T000000Z", "2024-01-05T000000Z", NULL };
	static const bool both[2] = { true, true };
	static const bool first_only[2] = { true, false };
	size_t n;

	(void)state;
	n = decide(&p, names);
	snaps[0].holds = both;
	snaps[1].holds = both;
	snaps[2].holds = first_only;
	snaps[3].holds = first_only;
	snaps[4].holds = first_only;
	retain_keep_copies(snaps, n, 2, keep);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], B(LAST_COPY));
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], B(LAST));
	assert_int_equal(keep[4], B(LAST) | B(NEWEST));
}

/*
 * A snapshot without a record of its sources (older snap, no summary)
 * counts as holding every one; a source that no snapshot holds keeps
 * nothing; a missing source's last copy is kept even beyond every
 * bucket.
 */
static void
test_retain_last_copy_unknown_and_never_held(void **state)
{
	static const struct config_retain p = { 1, -1, -1, -1, -1, -1 };
	static const char *const names[] = { "2023-01-01T000000Z",
		"2024-01-02T000000Z", "2024-01-03T000000Z", NULL };
	static const bool none_of_them[3] = { false, false, false };
	static const bool only_0[3] = { true, false, false };
	size_t n;

	(void)state;
	n = decide(&p, names);
	snaps[0].holds = NULL;		/* holds 0, 1 (and 2) */
	snaps[1].holds = none_of_them;
	snaps[2].holds = only_0;
	retain_keep_copies(snaps, n, 3, keep);
	/* Source 1's (and 2's) newest copy is the unrecorded old one. */
	assert_int_equal(keep[0], B(LAST_COPY));
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], B(LAST) | B(NEWEST));
	retain_keep_copies(snaps, 0, 3, keep);
}

static void
test_retain_rule_names(void **state)
{
	(void)state;
	assert_string_equal(retain_rule_name(RETAIN_LAST), "last");
	assert_string_equal(retain_rule_name(RETAIN_WEEKLY), "weekly");
	assert_string_equal(retain_rule_name(RETAIN_LABEL), "label");
	assert_string_equal(retain_rule_name(RETAIN_NEWEST), "newest");
	assert_string_equal(retain_rule_name(RETAIN_LAST_COPY), "last-copy");
}

static void
test_retain_empty_list(void **state)
{
	static const struct config_retain p = { 1, 1, 1, 1, 1, 1 };

	(void)state;
	retain_decide(snaps, 0, &p, keep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retain_name_time),
		cmocka_unit_test(test_retain_all_absent_keeps_everything),
		cmocka_unit_test(test_retain_zeros_keep_only_newest_and_labelled),
		cmocka_unit_test(test_retain_one_key_zero_others_absent),
		cmocka_unit_test(test_retain_last),
		cmocka_unit_test(test_retain_last_more_than_there_are),
		cmocka_unit_test(test_retain_hourly_boundary),
		cmocka_unit_test(test_retain_daily_leap_day_and_gaps),
		cmocka_unit_test(test_retain_monthly_month_ends),
		cmocka_unit_test(test_retain_weekly_leap_week),
		cmocka_unit_test(test_retain_weekly_iso_week_53_spans_years),
		cmocka_unit_test(test_retain_yearly_year_change),
		cmocka_unit_test(test_retain_ties),
		cmocka_unit_test(test_retain_several_rules_keep_one),
		cmocka_unit_test(test_retain_labelled_always_stay),
		cmocka_unit_test(test_retain_year_of_dailies),
		cmocka_unit_test(test_retain_keeps_newest_real_copy_of_each_source),
		cmocka_unit_test(test_retain_last_copy_unknown_and_never_held),
		cmocka_unit_test(test_retain_rule_names),
		cmocka_unit_test(test_retain_empty_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
