/*
 * progress: one updating status line on the terminal while create,
 * verify or restore runs.
 *
 *   struct progress p;
 *   progress_begin(&p, "verify");
 *   progress_expect(&p, entries, bytes);	what the run will probably
 *						do (0: not known)
 *   for each entry: progress_update(&p, entries_done, bytes_done);
 *   progress_end(&p);				erases the line
 *
 * The line is on only when stderr is a terminal that understands
 * "\033[K" ($TERM set and not "dumb"), the level is not -q and stderr
 * does not go to the journal; otherwise every call does nothing, and
 * nothing is ever written.  It is drawn on stderr as "\r", the text and
 * "\033[K" (erase to the end of the line), and out.c erases it before
 * any other line is printed (out_set_erase), so warnings and -v's file
 * list never end up after it.
 *
 * progress_update is inline: a test, a decrement and a compare per entry.
 * Only every PROGRESS_EVERY entries or PROGRESS_BYTES bytes does it read
 * the monotonic clock, and it redraws at most every PROGRESS_INTERVAL
 * seconds.  The first draw comes at the first such check.
 *
 * progress_format is the pure part, and what the tests check.
 */
#ifndef SNAP_PROGRESS_H
#define SNAP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PROGRESS_EVERY		64
#define PROGRESS_BYTES		(64ULL << 20)
#define PROGRESS_INTERVAL	0.2	/* seconds between redraws */
/* What an entry weighs against bytes in the fraction done: about what
 * is read in the time an entry's own calls (stat, open, link) take. */
#define PROGRESS_ENTRY_BYTES	(32ULL << 10)

/* What progress_format shows. */
struct progress_counts {
	uint64_t	entries;	/* done so far */
	uint64_t	bytes;
	uint64_t	expect_entries;	/* expected in all; 0: not known */
	uint64_t	expect_bytes;
};

struct progress {
	bool			 on;
	bool			 shown;		/* the line is on the screen */
	unsigned		 countdown;	/* entries to the next check */
	uint64_t		 next_bytes;	/* bytes at the next check */
	const char		*what;		/* "create", ... */
	struct progress_counts	 c;
	struct timespec		 start;
	double			 drawn_at;	/* seconds after start; < 0:
						 * never */
};

/* Sets p up; it is on only as said above.  what is kept, not copied. */
void	progress_begin(struct progress *p, const char *what);

/* The run's expected totals (0: not known), for the percentage and ETA. */
void	progress_expect(struct progress *p, uint64_t entries, uint64_t bytes);

/*
 * A new stage of the run ("receiving" while remote sources arrive, then
 * "create"): the line shows what, its counts, rate and expected totals
 * start again from 0.  Returns the stage it was in (NULL when p is).
 * what is kept, not copied.
 */
const char *progress_stage(struct progress *p, const char *what);

/* Erases the line, if drawn, and turns p off.  p may be NULL. */
void	progress_end(struct progress *p);

/* Reads the clock and redraws if it is time.  Through progress_update. */
void	progress_check(struct progress *p, uint64_t entries, uint64_t bytes);

/* The run has done this many entries and bytes.  p may be NULL. */
static inline void
progress_update(struct progress *p, uint64_t entries, uint64_t bytes)
{
	if (p != NULL && p->on &&
	    (--p->countdown == 0 || bytes >= p->next_bytes))
		progress_check(p, entries, bytes);
}

/*
 * Formats the line for c after elapsed seconds into buf (size bytes),
 * at most width - 1 characters (so that the cursor never wraps; a width
 * of 0 means 80), e.g.
 *
 *   verify: 1200/5000 entries, 1.2 GiB/4.0 GiB, 60.0 MiB/s, 27%, ETA 0:53
 *
 * "/total" only when the total is known; the rate only after a second;
 * the percentage and ETA only then, when a total is known and nothing
 * has gone past its total (the tree grew: no guess is better than a wrong
 * one).  The fraction done counts an entry as PROGRESS_ENTRY_BYTES bytes
 * and adds the bytes (either alone when only one total is known): many
 * small files go by entries, a few big ones by bytes.  Returns the
 * length.
 */
size_t	progress_format(char *buf, size_t size, const char *what,
	    const struct progress_counts *c, double elapsed, unsigned width);

#endif
