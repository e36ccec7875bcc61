/*
 * interrupt: a Ctrl-C (SIGINT) or a SIGTERM during create, turned into a
 * flag that the run checks between entries, so that it stops through its
 * usual failure path: the tree built so far kept for the next run to link
 * from, the lock released, the on_error hooks run and the metrics
 * written, instead of dying wherever the signal found it.
 *
 *   interrupt_catch();              before the work starts
 *   if (interrupt_signal() != 0)    between entries: stop, as on an error
 *   exit status 128 + interrupt_signal()
 *
 * The handler is installed without SA_RESTART, so that a call blocked in
 * the kernel returns EINTR, and with SA_RESETHAND, so that a second
 * signal does what it would have done without snap: end the process.
 */
#ifndef SNAP_INTERRUPT_H
#define SNAP_INTERRUPT_H

/* Catches SIGINT and SIGTERM from now on, once each; one that was
 * ignored when snap started stays ignored. */
void	interrupt_catch(void);

/* The signal caught (SIGINT or SIGTERM), or 0. */
int	interrupt_signal(void);

/*
 * Sleeps until a signal is caught (the test hook that makes create stand
 * still; SIGKILL still ends it).
 */
void	interrupt_wait(void);

#endif
