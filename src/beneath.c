#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* Opens one component at a time: for kernels without openat2. */
static int
walk_open(int dirfd, const char *rel, int flags)
{
	const char *p, *slash;
	char part[NAME_MAX + 1];
	size_t len;
	int fd, next, saved;

	if ((fd = openat(dirfd, ".", *rel != '\0' ? DIR_FLAGS : flags |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	for (p = rel; *p != '\0'; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len > NAME_MAX ||
		    (len <= 2 && strncmp(p, "..", len) == 0)) {
			close(fd);
			errno = len > NAME_MAX ? ENAMETOOLONG : EINVAL;
			return -1;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		next = openat(fd, part, slash != NULL ? DIR_FLAGS :
		    flags | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		close(fd);
		if (next == -1) {
			errno = saved;
			return -1;
		}
		fd = next;
		if (slash == NULL)
			break;
	}
	return fd;
}

/* Opens dirfd/rel, rel shorter than PATH_MAX. */
static int
open_piece(int dirfd, const char *rel, int flags)
{
	/* Read and set by the prefetch threads too (prefetch.h). */
	static int no_openat2;
	struct open_how how;
	long r;

	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
		r = syscall(SYS_openat2, dirfd, *rel != '\0' ? rel : ".",
		    &how, sizeof(how));
		if (r >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)r;
		/* No openat2 (remembered), or a seccomp filter refusing
		 * it: walk. */
		if (errno == ENOSYS)
			__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
	}
	return walk_open(dirfd, rel, flags);
}

int
beneath_open(int dirfd, const char *rel, int flags)
{
	char piece[PATH_MAX];
	const char *p = rel, *cut;
	size_t left = strlen(rel), len;
	int fd = -1, next, saved;

	/*
	 * openat2 refuses a path of PATH_MAX bytes or more, and a deep
	 * tree has longer ones: open the folder at a '/' before the limit
	 * (O_PATH: only searched, never read), then the rest beneath it.
	 */
	while (left >= PATH_MAX) {
		cut = memrchr(p, '/', PATH_MAX - 1);
		if (cut == NULL || cut == p) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		len = (size_t)(cut - p);
		memcpy(piece, p, len);
		piece[len] = '\0';
		next = open_piece(fd != -1 ? fd : dirfd, piece,
		    O_PATH | O_DIRECTORY);
		if (next == -1)
			goto fail;
		if (fd != -1)
			close(fd);
		fd = next;
		p = cut + 1;
		left -= len + 1;
	}
	next = open_piece(fd != -1 ? fd : dirfd, p, flags);
	if (next == -1)
		goto fail;
	if (fd != -1)
		close(fd);
	return next;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	errno = saved;
	return -1;
}

int
beneath_id_of(int fd, struct beneath_id *id)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int
beneath_reopen(int dirfd, const char *rel, int flags,
    const struct beneath_id *id)
{
	struct beneath_id now;
	int fd, saved;

	if ((fd = beneath_open(dirfd, rel, flags)) == -1)
		return -1;
	if (beneath_id_of(fd, &now) == -1)
		saved = errno;
	else if (now.dev != id->dev || now.ino != id->ino)
		saved = ESTALE;
	else
		return fd;
	close(fd);
	errno = saved;
	return -1;
}
