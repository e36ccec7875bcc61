#include "interrupt.h"

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>

static const int caught_signals[] = { SIGINT, SIGTERM };
#define N_CAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))

/*
 * The signal caught, or 0.  Create's read-ahead threads (prefetch.h)
 * read it too, so it is an atomic rather than a volatile sig_atomic_t
 * (lock-free, which a signal handler may use).
 */
static _Atomic int caught;

static void
on_signal(int sig)
{
	int none = 0;

	atomic_compare_exchange_strong(&caught, &none, sig);
}

void
interrupt_catch(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, old;
	size_t i;

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked call returns EINTR and the run gets to
	 * its next check.  SA_RESETHAND: a second signal ends snap. */
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < N_CAUGHT; i++) {
		/* Ignored when we started (nohup, "snap create &" in a
		 * script): a Ctrl-C meant for others stays ignored. */
		if (sigaction(caught_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(caught_signals[i], &sa, NULL);
	}
}

int
interrupt_signal(void)
{
	return atomic_load_explicit(&caught, memory_order_relaxed);
}

void
interrupt_wait(void)
{
	sigset_t block, old;
	size_t i;

	/* Blocked between the test and the wait, so that a signal cannot
	 * slip in between and leave us waiting for good. */
	sigemptyset(&block);
	for (i = 0; i < N_CAUGHT; i++)
		sigaddset(&block, caught_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (atomic_load(&caught) == 0)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
