/*
 * testhook: the test suite's hooks into the program, in one place.
 *
 * main calls testhook_init once at start; it reads the environment:
 *
 *   SNAP_NOW=SECONDS          snapshots are named after that time
 *   SNAP_TEST_HANG_AFTER=N    create stops for good after N entries,
 *                             so that a test can kill it midway
 *   SNAP_TEST_FAULT=KIND:N:ERROR
 *                             the Nth call of KIND (a member of struct
 *                             sys_ops, or "any") fails with errno ERROR
 *                             (EXDEV, ENOSPC, ...), or with "kill" the
 *                             process SIGKILLs itself at that call
 *   SNAP_TEST_COUNT=1         at the end, say how many mutating calls
 *                             (struct sys_ops) the run made, so that a
 *                             test can stop it at each one in turn
 *   SNAP_TEST_JOURNAL=FILE    append a line per mutating call to FILE:
 *                             what it changed or made durable (the
 *                             format is in sys_fault.h), from which a
 *                             test works out what a power cut at any
 *                             call would leave on disk
 *   SNAP_TEST_STAT_RECEIVED=1 create stats every file of a remote
 *                             source's received tree, even those whose
 *                             inode number says rsync linked them, so
 *                             that a test can compare the records
 *   SNAP_TEST_UNIT_CONFIG_DIR=DIR
 *                             check takes DIR for the folder whose
 *                             configs the systemd units run
 *                             (SNAP_CONFIG_DIR)
 *
 * and the rest of the program asks testhook_* for what they say.  A
 * program run without them behaves as if this module did not exist.
 * Unit tests that change the environment call testhook_init again.
 */
#ifndef SNAP_TESTHOOK_H
#define SNAP_TESTHOOK_H

#include <stdbool.h>
#include <time.h>

#include "err.h"
#include "sys.h"

/*
 * Reads the hooks from the environment (again).  Returns 0, or -1 with
 * e set when one is set but malformed (then none is in force).
 */
int	testhook_init(struct err *e);

/* True, with *t set, when SNAP_NOW names the snapshot time. */
bool	testhook_now(time_t *t);

/* SNAP_TEST_HANG_AFTER, or 0 when unset. */
long	testhook_hang_after(void);

/* True with SNAP_TEST_STAT_RECEIVED=1 (received.h's stat_all). */
bool	testhook_stat_received(void);

/*
 * The table of system calls to use: sys_real, or with SNAP_TEST_FAULT
 * the fault-injecting one of sys_fault.h wrapped around it.
 */
const struct sys_ops *testhook_sys(void);

/*
 * True when SNAP_TEST_FAULT is set but its call never came, with msg
 * saying how many calls of its kind the run made: a test that fails
 * every call in turn knows from this that it has passed the last one.
 */
bool	testhook_fault_missed(char *msg, size_t size);

/*
 * True when SNAP_TEST_COUNT is set, with msg saying how many mutating
 * calls the run made (every member of struct sys_ops counts).
 */
bool	testhook_count(char *msg, size_t size);

/* SNAP_TEST_UNIT_CONFIG_DIR, or NULL when unset. */
const char *testhook_unit_config_dir(void);

#endif
