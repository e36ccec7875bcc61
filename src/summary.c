#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The reason names as keys: no spaces. */
static const char *const reason_keys[REASON_COUNT] = {
	[REASON_NONE] = "none",
	[REASON_NEW] = "new",
	[REASON_CONTENT] = "content",
	[REASON_MODE] = "mode",
	[REASON_OWNER] = "owner",
	[REASON_TIMES] = "times",
	[REASON_XATTRS] = "xattrs",
	[REASON_EXDEV] = "exdev",
	[REASON_EMLINK] = "emlink",
};

static int
format(char *buf, size_t size, const struct create_stats *s)
{
	size_t off;
	int i, n;

	n = snprintf(buf, size,
	    "snap-summary 1\n"
	    "name %s\n"
	    "prev %s\n"
	    "entries %llu\n"
	    "dirs %llu\n"
	    "files %llu\n"
	    "symlinks %llu\n"
	    "nodes %llu\n"
	    "skipped %llu\n"
	    "total_bytes %llu\n"
	    "linked %llu\n"
	    "linked_content %llu\n"
	    "hardlinked %llu\n"
	    "reused %llu\n"
	    "copied %llu\n"
	    "copied_bytes %llu\n"
	    "warnings %llu\n"
	    "seconds %.3f\n",
	    s->name, s->prev[0] ? s->prev : "-",
	    (unsigned long long)s->entries, (unsigned long long)s->dirs,
	    (unsigned long long)s->files, (unsigned long long)s->symlinks,
	    (unsigned long long)s->nodes, (unsigned long long)s->skipped,
	    (unsigned long long)s->total_bytes,
	    (unsigned long long)s->linked,
	    (unsigned long long)s->linked_content,
	    (unsigned long long)s->hardlinked,
	    (unsigned long long)s->reused, (unsigned long long)s->copied,
	    (unsigned long long)s->copied_bytes,
	    (unsigned long long)s->warnings, s->seconds);
	if (n < 0 || (size_t)n >= size)
		return -1;
	off = n;
	for (i = REASON_NEW; i < REASON_COUNT; i++) {
		n = snprintf(buf + off, size - off,
		    "copied.%s %llu\ncopied_bytes.%s %llu\n", reason_keys[i],
		    (unsigned long long)s->copied_by[i], reason_keys[i],
		    (unsigned long long)s->bytes_by[i]);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += n;
	}
	return (int)off;
}

int
summary_write(int dirfd, const struct create_stats *s,
    const struct sys_ops *sys, struct err *e)
{
	char buf[4096], tmp[64], final[64];
	ssize_t w;
	int fd, len;

	snprintf(final, sizeof(final), "%s.summary", s->name);
	snprintf(tmp, sizeof(tmp), "%s.summary.tmp", s->name);
	if ((len = format(buf, sizeof(buf), s)) == -1)
		return err_set(e, EOVERFLOW, "cannot write summary '%s'",
		    final);
	fd = sys->openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		return err_set(e, errno, "cannot write summary '%s'", final);
	w = sys->write(fd, buf, len);
	if (w != len || sys->fsync(fd) == -1) {
		int saved = w == -1 || w == len ? errno : ENOSPC;

		close(fd);
		unlinkat(dirfd, tmp, 0);
		return err_set(e, saved, "cannot write summary '%s'", final);
	}
	close(fd);
	if (sys->renameat(dirfd, tmp, dirfd, final) == -1) {
		int saved = errno;

		unlinkat(dirfd, tmp, 0);
		return err_set(e, saved, "cannot write summary '%s'", final);
	}
	return 0;
}
