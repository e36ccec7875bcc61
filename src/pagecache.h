/*
 * pagecache: does the kernel's page cache hold part of a file?  Asked
 * by copy.c before it reads a source, so that afterwards it drops from
 * the cache only a file the backup itself brought in, and leaves one
 * the machine's own work had cached.
 *
 * Asking must not bring anything in.  A read with RWF_NOWAIT, the
 * obvious probe, starts readahead before it looks, and on a fast disk
 * that readahead can finish first: the read then finds the file
 * "cached".  So the answer comes from cachestat(2) (Linux 6.5), which
 * only counts, or where that is missing or filtered (an older kernel,
 * a seccomp filter that does not know it) from mincore(2) on a mapping
 * of the file that is never touched.  mincore answers only for files
 * the caller owns or may write to (root may all); for others it says
 * "not cached", and the file is dropped as before.
 */
#ifndef SNAP_PAGECACHE_H
#define SNAP_PAGECACHE_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * True when the page cache holds at least one page of fd's first len
 * bytes (len > 0).  False also when neither call can tell (a file that
 * cannot be mapped, say).  Thread-safe; never reads the file.
 */
bool	pagecache_holds(int fd, off_t len);

/* The same by mincore alone: the fallback, for its unit test. */
bool	pagecache_holds_by_mincore(int fd, off_t len);

#endif
