/*
 * prefetch: threads that read ahead of create's walk, so that the walk
 * and the linker find the names and inodes they ask for in the kernel's
 * caches instead of waiting for the disk at each one (a cold cache: the
 * first run after a boot, a tree bigger than memory).
 *
 *   struct prefetch *p = NULL;
 *   prefetch_start(&p, sources, n, &skip, prev_fd, prev_dest, threads, &e);
 *   for each entry the walk yields: prefetch_walked(p, entries);
 *   prefetch_stop(p);                 stops and joins the threads, frees
 *
 * Each thread takes a folder from a shared stack (depth first, the
 * first name first, so the threads go roughly in the walk's order),
 * reads its names with getdents64, statx's each of them, and statx's
 * the same name in the previous snapshot's folder, where an unchanged
 * file will be linked from.  Sub-folders go back on the stack.  A
 * thread keeps at most PREFETCH_AHEAD entries ahead of the walk, so
 * that what it read is still cached when the walk comes, and the stack
 * holds at most PREFETCH_PENDING folders (more are not read ahead).
 *
 * It only reads, and nothing it reads reaches the snapshot: the walk
 * stats and opens every entry itself as before, so a name that changes
 * between the two reads is seen as the walk sees it.  It never follows
 * a symlink (folders are opened beneath the source root with
 * RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS, beneath.h), never moves an
 * atime (a folder it cannot open with O_NOATIME is not read ahead),
 * leaves out what the walk leaves out (a folder the filter excludes,
 * the snapshot root, other filesystems under one_file_system), skips
 * remote sources, and makes no call of struct sys_ops, so neither the
 * fault layer nor the crash counts see it.  Its threads block every
 * signal: SIGINT and SIGTERM reach the walking thread, and the threads
 * stop at the next entry once interrupt_signal() says so.  Every
 * failure (a folder gone, too many open files, no memory) only means
 * less is read ahead.
 */
#ifndef SNAP_PREFETCH_H
#define SNAP_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "walk.h"

/* Entries a thread may read ahead of the walk. */
#define PREFETCH_AHEAD		32768
/* Folders waiting to be read ahead, at most. */
#define PREFETCH_PENDING	65536

struct prefetch;

/*
 * Starts threads (at least 1) reading ahead over the local sources
 * (walk order, as the walk gets them) and the previous snapshot prev_fd
 * (-1: none).  Sets *out, or leaves it NULL when threads is 0.
 * Returns 0, or -1 with e set when no thread could be started (nothing
 * is left running then).
 */
int	prefetch_start(struct prefetch **out, const struct config_source *src,
	    size_t n_sources, const struct walk_skip *skip, int prev_fd,
	    unsigned threads, struct err *e);

/* The walk has yielded this many entries.  p may be NULL. */
void	prefetch_walked(struct prefetch *p, uint64_t entries);

/* The entries read ahead so far (for the tests).  p may be NULL. */
uint64_t	prefetch_fetched(struct prefetch *p);

/* Stops the threads, waits for them and frees p.  p may be NULL. */
void	prefetch_stop(struct prefetch *p);

/* The number of online CPUs (at least 1): the default of create's jobs. */
unsigned	prefetch_default_jobs(void);

#endif
