/*
 * pagecache: whether the page cache holds part of a file, without
 * reading it (pagecache.h).
 */
#include "pagecache.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * cachestat(2) came with Linux 6.5; glibc 2.36 and the kernel headers
 * of Debian 12 do not know it.  Its number is the same on every
 * architecture that uses the common system-call table.
 */
#ifndef SYS_cachestat
#define SYS_cachestat	451
#endif

struct cachestat_range {
	uint64_t	off;
	uint64_t	len;
};

struct cachestat_counts {
	uint64_t	nr_cache;
	uint64_t	nr_dirty;
	uint64_t	nr_writeback;
	uint64_t	nr_evicted;
	uint64_t	nr_recently_evicted;
};

/* Set once cachestat has failed other than for this one file. */
static atomic_bool	cachestat_missing;

bool
pagecache_holds_by_mincore(int fd, off_t len)
{
	/* One byte per page: 256 for 1 MiB of 4 KiB pages. */
	unsigned char vec[256];
	long page = sysconf(_SC_PAGESIZE);
	size_t span, pages, i;
	void *map;
	int r;

	if (page <= 0 || len <= 0)
		return false;
	pages = ((uint64_t)len + page - 1) / page;
	if (pages > sizeof(vec))
		pages = sizeof(vec);
	span = pages * page;
	/* Mapped, never touched: nothing is read in. */
	map = mmap(NULL, span, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return false;
	r = mincore(map, span, vec);
	(void)munmap(map, span);
	if (r == -1)
		return false;
	for (i = 0; i < pages; i++)
		if (vec[i] & 1)
			return true;
	return false;
}

bool
pagecache_holds(int fd, off_t len)
{
	struct cachestat_range range = { 0, (uint64_t)len };
	struct cachestat_counts counts;

	if (len <= 0)
		return false;
	if (!atomic_load_explicit(&cachestat_missing, memory_order_relaxed)) {
		if (syscall(SYS_cachestat, fd, &range, &counts, 0) == 0)
			return counts.nr_cache > 0;
		/*
		 * EBADF cannot happen for an open file; EOPNOTSUPP is a
		 * hugetlbfs file, which no page-cache advice changes.  Any
		 * other error (ENOSYS, or EPERM from a seccomp filter)
		 * says the call is not there: stop asking it.
		 */
		if (errno == EOPNOTSUPP || errno == EBADF)
			return false;
		atomic_store_explicit(&cachestat_missing, true,
		    memory_order_relaxed);
	}
	return pagecache_holds_by_mincore(fd, len);
}
