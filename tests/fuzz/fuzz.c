/*
 * fuzz: helpers the harnesses share (see fuzz.h).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void
fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line,
	    what);
	abort();
}

int
fuzz_memfd(const uint8_t *data, size_t len)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = memfd_create("snap-fuzz", MFD_CLOEXEC);
	fuzz_assert(fd != -1);
	/* A memfd starts at 0777; config refuses a world-writable file. */
	fuzz_assert(fchmod(fd, 0600) == 0);
	while (done < len) {
		n = write(fd, data + done, len - done);
		fuzz_assert(n > 0);
		done += (size_t)n;
	}
	fuzz_assert(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

char *
fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s;

	s = malloc(len + 1);
	fuzz_assert(s != NULL);
	if (len > 0)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}
