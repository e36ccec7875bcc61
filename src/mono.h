/*
 * mono: durations, on the monotonic clock (a wall-clock step during a
 * run must not make it look negative or hours long).
 *
 *   struct timespec t0;
 *   mono_start(&t0);
 *   ... mono_seconds_since(&t0) ...
 */
#ifndef SNAP_MONO_H
#define SNAP_MONO_H

#include <time.h>

static inline void
mono_start(struct timespec *t0)
{
	clock_gettime(CLOCK_MONOTONIC, t0);
}

static inline double
mono_seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

#endif
