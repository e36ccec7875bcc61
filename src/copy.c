#include "copy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "pagecache.h"

/*
 * One buffer and one hash state for the whole process: snap copies one
 * file at a time, and a 1 MiB malloc per file would be churn on the hot
 * path.  Neither function below is reentrant because of this.
 */
#define COPY_BUFSIZE	(1024 * 1024)

static unsigned char	copy_buf[COPY_BUFSIZE];
static XXH3_state_t	copy_state;

/* copy_set_progress's hook, and the bytes of this file at its next call. */
static void		(*progress_fn)(void *arg, uint64_t done);
static void		*progress_arg;
static off_t		 progress_next;

void
copy_set_progress(void (*fn)(void *arg, uint64_t done), void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

/* A new file: the hook is next told after its first COPY_PROGRESS_STEP. */
static void
progress_reset(void)
{
	progress_next = COPY_PROGRESS_STEP;
}

/* done bytes of this file are read: one compare per buffer. */
static inline void
progress_tell(off_t done)
{
	if (progress_fn != NULL && done >= progress_next) {
		progress_next = done + COPY_PROGRESS_STEP;
		progress_fn(progress_arg, (uint64_t)done);
	}
}

/*
 * Reads up to len bytes at off, retrying on EINTR.  Returns the count
 * (0 at end of file) or -1 with errno set.
 */
static ssize_t
read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, off);
	while (n == -1 && errno == EINTR);
	return n;
}

/* Writes all of buf at off.  Returns 0, or -1 with errno set. */
static int
write_all_at(const struct sys_ops *sys, int fd, const unsigned char *buf,
    size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = sys->pwrite(fd, buf, len, off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			/* Never for a regular file; do not spin on it. */
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* Feeds len zero bytes to the hash: a hole reads as zeros. */
static void
hash_zeros(uint64_t len)
{
	size_t n;

	memset(copy_buf, 0, len < COPY_BUFSIZE ? len : COPY_BUFSIZE);
	while (len > 0) {
		n = len < COPY_BUFSIZE ? len : COPY_BUFSIZE;
		XXH3_128bits_update(&copy_state, copy_buf, n);
		len -= n;
	}
}

static void
hash_final(unsigned char *hash)
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&copy_state));
	memcpy(hash, c.digest, ENTRY_HASH_LEN);
}

/*
 * Hashes fd from *off up to end (-1: the end of file) into copy_state,
 * advancing *off.  Returns 1 at the end of file, 0 at end, or -1 with
 * errno set.
 */
static int
hash_range(int fd, off_t *off, off_t end)
{
	size_t want;
	ssize_t n;

	while (end == -1 || *off < end) {
		want = end == -1 || end - *off > COPY_BUFSIZE ? COPY_BUFSIZE :
		    (size_t)(end - *off);
		if ((n = read_at(fd, copy_buf, want, *off)) == -1)
			return -1;
		if (n == 0)
			return 1;
		XXH3_128bits_update(&copy_state, copy_buf, n);
		*off += n;
		progress_tell(*off);
	}
	return 0;
}

/*
 * Hashes fd from offset 0 to the end of file into copy_state, which the
 * caller has reset.  Holes are fed as the zeros they read as, without
 * reading them (SEEK_DATA / SEEK_HOLE): a 10 GB sparse file costs its
 * data, not 10 GB of reads.  holes false says the file has none (its
 * blocks cover its size): then it is read straight through, without the
 * lseeks.  Returns 0 and the byte count in *size, or -1 with errno set.
 */
static int
hash_stream(int fd, bool holes, uint64_t *size)
{
	off_t off = 0, data, hole, end;
	int r;

	if (!holes) {
		if (hash_range(fd, &off, -1) == -1)
			return -1;
		*size = (uint64_t)off;
		return 0;
	}
	/* A file that is all hole is never read below: an fd that cannot
	 * be read from must fail all the same. */
	if (read_at(fd, copy_buf, 0, 0) == -1)
		return -1;
	for (;;) {
		data = lseek(fd, off, SEEK_DATA);
		if (data == -1 && errno == ENXIO) {
			/* No data after off: a trailing hole, if any. */
			if ((end = lseek(fd, 0, SEEK_END)) == -1)
				return -1;
			if (end > off) {
				hash_zeros((uint64_t)(end - off));
				off = end;
			}
			break;
		}
		/* Without SEEK_DATA: read it all.  A real error shows again
		 * on pread. */
		if (data == -1) {
			if (hash_range(fd, &off, -1) == -1)
				return -1;
			break;
		}
		if (data > off) {
			hash_zeros((uint64_t)(data - off));
			off = data;
		}
		hole = lseek(fd, data, SEEK_HOLE);
		if ((r = hash_range(fd, &off, hole)) == -1)
			return -1;
		if (r == 1 || hole == -1)
			break;
	}
	*size = (uint64_t)off;
	return 0;
}

int
copy_hash_fd(int fd, const char *path, unsigned char *hash, uint64_t *size,
    struct err *e)
{
	XXH3_128bits_reset(&copy_state);
	progress_reset();
	if (hash_stream(fd, true, size) == -1)
		return err_set(e, errno, "cannot read '%s'", path);
	hash_final(hash);
	return 0;
}

/*
 * The errors with which FICLONE says "cannot share blocks here" before
 * touching the new file.  Any other failure (ENOSPC, EIO on btrfs) may
 * come after part of the file was cloned: that part is cut off again so
 * that the holes of the source do not end up holding cloned data.
 */
static bool
clone_unsupported(int errnum)
{
	return errnum == EOPNOTSUPP || errnum == ENOTSUP || errnum == EXDEV ||
	    errnum == EINVAL || errnum == ENOTTY || errnum == ENOSYS;
}

/*
 * The state of one copy after FICLONE was refused: the segment walk
 * fills it and reports failures through it, so that the caller can tell
 * a read of the source from a write of the copy in its message.
 */
struct copy_walk {
	const struct sys_ops *sys;
	int	srcfd;
	int	dstfd;
	bool	eof;		/* a read came up short */
	bool	read_failed;	/* else the write failed */
	off_t	done;		/* bytes hashed so far */
	off_t	written;	/* end of the last data written */
};

/*
 * Copies and hashes the data in [start, end) (end -1: up to the end of
 * file), which the caller knows is not a hole.  Each buffer is read
 * once, hashed and written from memory: copy_file_range would make the
 * kernel read every byte a second time, after the hash had read it.
 * Returns 0, or -1 with errno set and w->read_failed telling which side
 * failed.
 */
static int
copy_segment(struct copy_walk *w, off_t start, off_t end)
{
	off_t off = start;
	size_t want;
	ssize_t n;

	while (end == -1 || off < end) {
		want = COPY_BUFSIZE;
		if (end != -1 && (off_t)want > end - off)
			want = end - off;
		n = read_at(w->srcfd, copy_buf, want, off);
		if (n == -1) {
			w->read_failed = true;
			return -1;
		}
		if (n == 0) {
			/*
			 * The file shrank since the walk saw the segment.  Stop
			 * here: the caller compares fstat before and after and
			 * deals with a file that changed under the copy.
			 */
			w->eof = true;
			return 0;
		}
		XXH3_128bits_update(&copy_state, copy_buf, n);
		if (write_all_at(w->sys, w->dstfd, copy_buf, n, off) == -1)
			return -1;
		off += n;
		w->done = off;
		w->written = off;
		progress_tell(off);
		if ((size_t)n < want) {
			w->eof = true;
			return 0;
		}
	}
	return 0;
}

/*
 * Walks the data segments of the source with SEEK_DATA / SEEK_HOLE so
 * that holes stay holes in the copy, hashing them as the zeros they read
 * as; a source without holes (holes false) is one segment, read through
 * without a seek.  Returns 0 and the logical size in *size, or -1 with
 * errno set.
 */
static int
copy_segments(struct copy_walk *w, bool holes, uint64_t *size)
{
	off_t data, hole, end;

	for (;;) {
		if (!holes) {
			if (copy_segment(w, 0, -1) == -1)
				return -1;
			break;
		}
		data = lseek(w->srcfd, w->done, SEEK_DATA);
		if (data == -1 && errno == ENXIO) {
			/*
			 * No data after w->done: the rest up to the end of
			 * file, if any, is a trailing hole.
			 */
			end = lseek(w->srcfd, 0, SEEK_END);
			if (end == -1) {
				w->read_failed = true;
				return -1;
			}
			if (end > w->done) {
				hash_zeros(end - w->done);
				w->done = end;
			}
			break;
		}
		if (data == -1) {
			/*
			 * A filesystem without SEEK_DATA: one segment, read
			 * to the end.  A real error shows again on pread.
			 */
			if (copy_segment(w, w->done, -1) == -1)
				return -1;
			break;
		}
		if (data > w->done) {
			hash_zeros(data - w->done);
			w->done = data;
		}
		hole = lseek(w->srcfd, data, SEEK_HOLE);
		if (copy_segment(w, data, hole == -1 ? -1 : hole) == -1)
			return -1;
		if (w->eof || hole == -1)
			break;
	}
	*size = w->done;
	return 0;
}

/*
 * The errors with which FICLONE says "never between these filesystems":
 * no reflinks on them, or two of them.  EINVAL is not one: btrfs says
 * it for one file that does not fit (nodatacow, a swap file) and shares
 * the blocks of the next.
 */
static bool
clone_refused_everywhere(int errnum)
{
	return errnum == EOPNOTSUPP || errnum == ENOTSUP || errnum == EXDEV ||
	    errnum == ENOTTY || errnum == ENOSYS;
}

/*
 * The pairs of filesystems (source, copy) between which FICLONE was
 * refused in this process: ext4 refuses every file, so asking again for
 * each is one wasted call per copy.  A few pairs are plenty; when the
 * table is full the rest are simply asked each time.
 */
#define CLONE_REFUSED_MAX	8

static struct {
	dev_t	src;
	dev_t	dst;
} clone_refused[CLONE_REFUSED_MAX];
static size_t clone_refused_n;

static bool
clone_known_refused(const struct copy_hint *hint)
{
	size_t i;

	if (hint == NULL || hint->src == NULL || hint->dst_dev == 0)
		return false;
	for (i = 0; i < clone_refused_n; i++)
		if (clone_refused[i].src == hint->src->st_dev &&
		    clone_refused[i].dst == hint->dst_dev)
			return true;
	return false;
}

static void
clone_remember_refused(const struct copy_hint *hint)
{
	if (hint == NULL || hint->src == NULL || hint->dst_dev == 0 ||
	    clone_refused_n == CLONE_REFUSED_MAX)
		return;
	clone_refused[clone_refused_n].src = hint->src->st_dev;
	clone_refused[clone_refused_n].dst = hint->dst_dev;
	clone_refused_n++;
}

/*
 * True unless the source's allocated blocks cover its size, which no
 * file with a hole does (st_blocks counts 512-byte units on Linux).  A
 * compressed file may look holey and is then merely searched for holes.
 */
static bool
may_have_holes(const struct copy_hint *hint)
{
	const struct stat *st = hint != NULL ? hint->src : NULL;

	return st == NULL || (uint64_t)st->st_blocks * 512 <
	    (uint64_t)st->st_size;
}

int
copy_file(const struct sys_ops *sys, int srcfd, const struct copy_hint *hint,
    int dstdir, const char *name, const char *path, int *dstfd,
    struct copy_result *res, struct err *e)
{
	bool holes = may_have_holes(hint);
	struct copy_walk w;
	uint64_t size = 0;
	off_t known;
	bool drop;
	int fd, r, saved;

	*dstfd = -1;
	if (name == NULL)
		fd = sys->openat(dstdir, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC,
		    0600);
	else
		fd = sys->openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		/* Nothing of ours to remove: never unlink a name we met. */
		return err_set(e, errno, "cannot create '%s'", path);
	}

	XXH3_128bits_reset(&copy_state);
	progress_reset();
	if (!clone_known_refused(hint)) {
		if (sys->ficlone(fd, srcfd) == 0) {
			/*
			 * The copy shares the source's blocks and has its
			 * size; the hash still has to read them once.
			 */
			if (hash_stream(srcfd, holes, &size) == -1) {
				err_set(e, errno, "cannot read '%s'", path);
				goto fail;
			}
			res->method = COPY_CLONE;
			goto done;
		}
		if (clone_refused_everywhere(errno))
			clone_remember_refused(hint);
		else if (!clone_unsupported(errno) &&
		    sys->ftruncate(fd, 0) == -1) {
			err_set(e, errno, "cannot copy '%s'", path);
			goto fail;
		}
	}

	memset(&w, 0, sizeof(w));
	w.sys = sys;
	w.srcfd = srcfd;
	w.dstfd = fd;
	known = hint != NULL && hint->src != NULL ? hint->src->st_size : -1;
	/* Readahead in large steps; for one buffer's worth it is moot. */
	if (known > COPY_BUFSIZE)
		(void)posix_fadvise(srcfd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/*
	 * A backup reads everything once: keeping what it read from the
	 * disk in the page cache would push out what the machine's own
	 * work keeps there.  A source of which the cache held part of the
	 * first buffer's worth before the copy stays cached; any other is
	 * dropped after it (asked before the first read: pagecache.h).
	 */
	drop = known != 0 && !pagecache_holds(srcfd,
	    known < 0 || known > COPY_BUFSIZE ? COPY_BUFSIZE : known);
	r = copy_segments(&w, holes, &size);
	if (drop)
		(void)posix_fadvise(srcfd, 0, 0, POSIX_FADV_DONTNEED);
	if (r == -1) {
		if (w.read_failed)
			err_set(e, errno, "cannot read '%s'", path);
		else
			err_set(e, errno, "cannot copy '%s'", path);
		goto fail;
	}
	/* Sets the size when the file ends in a hole. */
	if ((off_t)size > w.written && sys->ftruncate(fd, size) == -1) {
		err_set(e, errno, "cannot copy '%s'", path);
		goto fail;
	}
	res->method = COPY_READWRITE;

done:
	hash_final(res->hash);
	res->bytes = size;
	*dstfd = fd;
	return 0;

fail:
	saved = errno;
	close(fd);
	if (name != NULL)
		sys->unlinkat(dstdir, name, 0);
	errno = saved;
	return -1;
}
