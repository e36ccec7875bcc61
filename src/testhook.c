#include "testhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys_fault.h"

static bool			 now_set;
static time_t			 now;
static long			 hang_after;
static bool			 stat_received;
static const struct sys_ops	*sys = &sys_real;
static char			 fault_spec[64];
static bool			 count_calls;
static const char		*unit_config_dir;	/* borrowed from environ */

/* No hook in force: what a run without the variables sees. */
static void
reset(void)
{
	now_set = false;
	hang_after = 0;
	stat_received = false;
	unit_config_dir = NULL;
	sys = &sys_real;
	fault_spec[0] = '\0';
	count_calls = false;
	sys_fault_journal(NULL, NULL);
}

int
testhook_init(struct err *e)
{
	const char *v;
	const struct sys_ops *faulty;
	char *end;
	long long t;

	reset();
	unit_config_dir = getenv("SNAP_TEST_UNIT_CONFIG_DIR");
	if (unit_config_dir != NULL && *unit_config_dir == '\0')
		unit_config_dir = NULL;

	if ((v = getenv("SNAP_NOW")) != NULL && *v != '\0') {
		t = strtoll(v, &end, 10);
		if (*end != '\0') {
			err_set(e, 0, "SNAP_NOW='%s' is not a number of "
			    "seconds", v);
			goto fail;
		}
		now = (time_t)t;
		now_set = true;
	}
	if ((v = getenv("SNAP_TEST_HANG_AFTER")) != NULL && *v != '\0') {
		hang_after = strtol(v, &end, 10);
		if (*end != '\0' || hang_after < 0) {
			err_set(e, 0, "SNAP_TEST_HANG_AFTER='%s' is not a "
			    "number of entries", v);
			goto fail;
		}
	}
	if ((v = getenv("SNAP_TEST_STAT_RECEIVED")) != NULL && *v != '\0') {
		if (strcmp(v, "1") != 0) {
			err_set(e, 0, "SNAP_TEST_STAT_RECEIVED='%s': only 1 "
			    "(stat every received file) is known", v);
			goto fail;
		}
		stat_received = true;
	}
	if ((v = getenv("SNAP_TEST_FAULT")) != NULL && *v != '\0') {
		faulty = sys_fault_wrap(&sys_real);
		if (sys_fault_parse(v, e) == -1)
			goto fail;
		sys = faulty;
		snprintf(fault_spec, sizeof(fault_spec), "%s", v);
	}
	if ((v = getenv("SNAP_TEST_COUNT")) != NULL && *v != '\0') {
		if (strcmp(v, "1") != 0) {
			err_set(e, 0, "SNAP_TEST_COUNT='%s': only 1 (count the "
			    "mutating calls) is known", v);
			goto fail;
		}
		/* Counting alone: the wrapped table with no rule, or the
		 * one SNAP_TEST_FAULT made, which counts the same way. */
		if (sys == &sys_real)
			sys = sys_fault_wrap(&sys_real);
		count_calls = true;
	}
	if ((v = getenv("SNAP_TEST_JOURNAL")) != NULL && *v != '\0') {
		if (sys == &sys_real)
			sys = sys_fault_wrap(&sys_real);
		if (sys_fault_journal(v, e) == -1)
			goto fail;
	}
	return 0;
fail:
	/* The header's promise: a malformed hook leaves none in force,
	 * not the ones read before it. */
	reset();
	return -1;
}

const char *
testhook_unit_config_dir(void)
{
	return unit_config_dir;
}

bool
testhook_now(time_t *t)
{
	if (now_set)
		*t = now;
	return now_set;
}

long
testhook_hang_after(void)
{
	return hang_after;
}

bool
testhook_stat_received(void)
{
	return stat_received;
}

const struct sys_ops *
testhook_sys(void)
{
	return sys;
}

bool
testhook_fault_missed(char *msg, size_t size)
{
	char kind[64];

	if (fault_spec[0] == '\0' || sys_fault_hits() > 0)
		return false;
	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(fault_spec, ":"),
	    fault_spec);
	snprintf(msg, size, "SNAP_TEST_FAULT '%s' was not reached: the run "
	    "made %lu calls of %s", fault_spec, sys_fault_count(kind), kind);
	return true;
}

bool
testhook_count(char *msg, size_t size)
{
	if (!count_calls)
		return false;
	snprintf(msg, size, "the run made %lu mutating calls",
	    sys_fault_count("any"));
	return true;
}
