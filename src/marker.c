#include "marker.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/*
 * The tag is read in a folder whose owner may be anyone: O_NOFOLLOW so
 * a symlink cannot point the read elsewhere, O_NONBLOCK so a FIFO named
 * CACHEDIR.TAG cannot stop the walk (the type is then checked on the
 * descriptor, as for every file the walk reads), O_NOATIME to leave the
 * source's atimes alone where the kernel lets us.
 */
static bool
cachetag_valid(int dirfd)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC;
	char head[sizeof(MARKER_CACHETAG_SIGNATURE) - 1];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	bool valid = false;
	int fd;

	fd = openat(dirfd, MARKER_CACHETAG_NAME, flags | O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(dirfd, MARKER_CACHETAG_NAME, flags);
	if (fd == -1)
		return false;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto out;
	while (got < sizeof(head)) {
		n = read(fd, head + got, sizeof(head) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	valid = memcmp(head, MARKER_CACHETAG_SIGNATURE, sizeof(head)) == 0;
out:
	close(fd);
	return valid;
}

bool
marker_found(int dirfd, const struct filter *f)
{
	struct stat st;
	size_t i;

	for (i = 0; i < f->n_if_present; i++)
		if (fstatat(dirfd, f->if_present[i], &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	return f->exclude_caches && cachetag_valid(dirfd);
}
