/*
 * sys_fault: a struct sys_ops that fails on demand, for tests.
 *
 * sys_fault_wrap(base) returns a table whose every member counts its
 * calls, per kind (the member's name: "linkat", "write", ...), for the
 * calls that write bytes ("data": write, pwrite, copy_file_range) and in
 * all ("any": every call, since each member changes the filesystem), and
 * then passes the call on to base, unless a rule hits it.  A rule names
 * a kind, the call it hits (the Nth of that kind since the last reset,
 * counting from 1), whether it hits that call only or every later one
 * too, and what happens: the call fails with an errno, or the process
 * stops with SIGKILL right there (a crash at that very step).
 *
 *   ops = sys_fault_wrap(&sys_real);
 *   sys_fault_add("linkat", 2, EMLINK, SYS_FAULT_ONCE, &e);
 *   ... run the engine with ops ...
 *   n = sys_fault_count("renameat");      how many an operation made
 *   sys_fault_reset();
 *
 * Counting first and then failing the Nth call for every N is how a
 * test crashes or fails a run at every one of its steps.
 *
 * With a journal (sys_fault_journal), every call made also appends one
 * line to a file, so that a test can tell afterwards what a power cut
 * at any call would have left on disk:
 *
 *   N KIND RET DEV INO BEFORE AFTER
 *
 * N is the call's number among all calls ("any"), KIND the member,
 * RET what it returned.  DEV and INO name the file the call changed or
 * made durable, 0 0 for a name-based call: the written file for write,
 * pwrite, copy_file_range, ficlone and ftruncate, with its size BEFORE
 * and AFTER the call; the file for fsync (AFTER its size) and syncfs
 * (whose DEV is the filesystem made durable); for openat, the file an
 * O_CREAT, O_TRUNC or O_TMPFILE open made or emptied.  Sizes are -1
 * where they mean nothing.  A call a rule stops or fails is not
 * written, so after a SIGKILL at call N the journal holds calls 1 to
 * N - 1, each line written whole with one write(2).  The state is
 * the process's (a member has no context argument): one fault table is
 * in use at a time.  Not thread-safe.
 */
#ifndef SNAP_SYS_FAULT_H
#define SNAP_SYS_FAULT_H

#include <stdbool.h>

#include "err.h"
#include "sys.h"

#define SYS_FAULT_KILL	(-1)	/* for error: SIGKILL instead of failing */
#define SYS_FAULT_RULES	16	/* rules at once, at most */

enum sys_fault_when {
	SYS_FAULT_ONCE = 1,	/* the Nth call only */
	SYS_FAULT_FROM,		/* the Nth call and every later one */
};

/*
 * Makes base the table the calls go on to, and returns the counting
 * table.  Resets counts and rules.  base must outlive its use.
 */
const struct sys_ops *sys_fault_wrap(const struct sys_ops *base);

/* Zeroes every count and removes every rule. */
void	sys_fault_reset(void);

/* Zeroes every count; the rules stay and count from 0 again. */
void	sys_fault_recount(void);

/*
 * Adds a rule: the nth call (from 1) of kind (a member of struct
 * sys_ops, "data" or "any") fails with errno error (> 0), or stops the
 * process when error is SYS_FAULT_KILL.  Where several rules hit one
 * call, the first added wins.  Returns 0, or -1 with e set (an unknown
 * kind, nth 0, no room for more rules).
 */
int	sys_fault_add(const char *kind, unsigned long nth, int error,
	    enum sys_fault_when when, struct err *e);

/*
 * Adds the rule spec says: "KIND:N:ERROR", ERROR an errno name (EXDEV,
 * ENOSPC, ...) or number, or "kill"; the rule hits the Nth call once.
 * Returns 0, or -1 with e saying what is wrong with spec.
 */
int	sys_fault_parse(const char *spec, struct err *e);

/*
 * The calls of kind ("data", "any" too) since the last reset, whether they
 * failed or not.  Returns 0 for an unknown kind.
 */
unsigned long sys_fault_count(const char *kind);

/* How many calls the rules made fail since the last reset. */
unsigned long sys_fault_hits(void);

/*
 * Appends a line per call to the file at path (made 0600 if missing),
 * as described above; NULL stops that.  Independent of the counts and
 * rules (a reset keeps it).  Returns 0, or -1 with e set.
 */
int	sys_fault_journal(const char *path, struct err *e);

/* True when kind names a member of struct sys_ops, or is "any". */
bool	sys_fault_known(const char *kind);

#endif
