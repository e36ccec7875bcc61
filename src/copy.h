/*
 * copy: one regular file's content into a new file, hashed on the way.
 *
 * The new file is created with openat(dstdir, name, O_WRONLY | O_CREAT |
 * O_EXCL | O_NOFOLLOW | O_CLOEXEC) so a copy can never write through an
 * existing name.  The copy tries FICLONE (a reflink shares blocks, costs
 * no space; then reading for the hash is the only read), else reads
 * each buffer once, hashes it and writes it; holes in the source stay
 * holes.  The source's page cache is dropped after a copy
 * (POSIX_FADV_DONTNEED): a backup must not evict the machine's working
 * set.
 * All writes go through sys so tests can inject ENOSPC.
 */
#ifndef SNAP_COPY_H
#define SNAP_COPY_H

#include <stdint.h>
#include <sys/stat.h>

#include "entry.h"
#include "err.h"
#include "sys.h"

enum copy_method {
	COPY_CLONE = 1,		/* FICLONE */
	COPY_READWRITE,		/* pread, hash, pwrite */
};

/*
 * What the caller knows of a copy, so that calls which cannot help are
 * skipped.  Every field may be left 0 for "unknown": then nothing is
 * skipped.
 */
struct copy_hint {
	const struct stat *src;		/* the source's stat, or NULL: a file
					 * whose blocks cover its size has no
					 * hole to look for */
	dev_t		 dst_dev;	/* the new file's filesystem */
};

struct copy_result {
	uint64_t	 bytes;		/* bytes of content (file size) */
	unsigned char	 hash[ENTRY_HASH_LEN];	/* canonical XXH3-128 */
	enum copy_method method;
};

/*
 * Copies everything readable from srcfd (a regular file opened
 * O_RDONLY, read from offset 0 with pread, so its offset is not used) to
 * a new file dstdir/name created with mode 0600 (the caller sets the
 * real mode later, on the open fd).  On success returns 0, sets *dstfd to
 * the new file, open for writing, and fills *res.  On failure returns -1
 * with e set (e->errnum is the errno, e.g. ENOSPC), *dstfd is -1 and the
 * new name has been removed again.  path is used only in messages.
 * hint may be NULL.  Once FICLONE was refused between the filesystems
 * hint names, it is not tried again between them in this process.
 *
 * With name NULL the new file has no name (O_TMPFILE in dstdir) until
 * the caller links it in, so that no one, not even after a crash, sees
 * it half written; a filesystem without O_TMPFILE fails with EOPNOTSUPP
 * (EISDIR before Linux 3.11), and the caller copies to a name instead.
 */
int	copy_file(const struct sys_ops *sys, int srcfd,
	    const struct copy_hint *hint, int dstdir, const char *name,
	    const char *path, int *dstfd, struct copy_result *res,
	    struct err *e);

/*
 * Has fn told, while copy_file or copy_hash_fd reads one file, how many
 * of its bytes are done: after every COPY_PROGRESS_STEP bytes (a
 * compare per buffer in between), so that a progress line moves inside
 * one large file.  done starts again from 0 with each file (and a file
 * hashed, then copied, is told twice).  fn NULL: no calls.
 */
#define COPY_PROGRESS_STEP	(8 << 20)
void	copy_set_progress(void (*fn)(void *arg, uint64_t done), void *arg);

/*
 * Hashes the whole content of fd (read with pread from offset 0) into
 * hash (canonical XXH3-128) and stores the byte count in *size.
 * Returns 0, or -1 with e set.  path is used only in messages.
 */
int	copy_hash_fd(int fd, const char *path, unsigned char *hash,
	    uint64_t *size, struct err *e);

#endif
