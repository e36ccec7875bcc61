#include "progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mono.h"
#include "out.h"

/* Appends to buf (size bytes, len used) like snprintf; keeps it ended. */
static size_t
append(char *buf, size_t size, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t
append(char *buf, size_t size, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len + 1 >= size)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	return (size_t)n < size - len ? len + (size_t)n : size - 1;
}

/* "0:42", "12:03", "1:02:03"; 99:59:59 at most. */
static void
format_duration(char *buf, size_t size, double seconds)
{
	unsigned long s = seconds < 0 ? 0 : seconds > 359999 ? 359999 :
	    (unsigned long)(seconds + 0.5);

	if (s >= 3600)
		snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, size, "%lu:%02lu", s / 60, s % 60);
}

/*
 * The fraction of the run done, from 0 to 1, or -1 when there is no
 * estimate: no total known, or a count already past its total.  Work is
 * counted in bytes, an entry as PROGRESS_ENTRY_BYTES: the mean of the
 * two fractions said 50% of one 2 GiB file with its bytes all done and
 * its entry not yet counted.
 */
static double
fraction_done(const struct progress_counts *c)
{
	double done = 0, all = 0;

	if (c->expect_entries > 0) {
		if (c->entries > c->expect_entries)
			return -1;
		done += (double)c->entries * PROGRESS_ENTRY_BYTES;
		all += (double)c->expect_entries * PROGRESS_ENTRY_BYTES;
	}
	if (c->expect_bytes > 0) {
		if (c->bytes > c->expect_bytes)
			return -1;
		done += (double)c->bytes;
		all += (double)c->expect_bytes;
	}
	return all > 0 ? done / all : -1;
}

size_t
progress_format(char *buf, size_t size, const char *what,
    const struct progress_counts *c, double elapsed, unsigned width)
{
	char b1[32], b2[32], eta[32];
	size_t len = 0, max;
	double f;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	len = append(buf, size, len, "%s: %llu", what,
	    (unsigned long long)c->entries);
	if (c->expect_entries > 0)
		len = append(buf, size, len, "/%llu",
		    (unsigned long long)c->expect_entries);
	len = append(buf, size, len, " entries, %s", out_bytes(b1, c->bytes));
	if (c->expect_bytes > 0)
		len = append(buf, size, len, "/%s",
		    out_bytes(b2, c->expect_bytes));
	/* Before a second has passed, a rate or an ETA is noise. */
	if (elapsed >= 1) {
		len = append(buf, size, len, ", %s/s",
		    out_bytes(b1, (unsigned long long)(c->bytes / elapsed)));
		f = fraction_done(c);
		if (f > 0 && f < 1) {
			format_duration(eta, sizeof(eta),
			    elapsed * (1 - f) / f);
			len = append(buf, size, len, ", %d%%, ETA %s",
			    (int)(f * 100), eta);
		}
	}
	max = (width == 0 ? 80 : width) - 1;
	if (len > max) {
		len = max;
		buf[len] = '\0';
	}
	return len;
}

static void
write_all(const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* the terminal is gone: nothing to do */
		s += n;
		len -= (size_t)n;
	}
}

static void
progress_erase(void *arg)
{
	struct progress *p = arg;

	if (p->shown) {
		write_all("\r\033[K", 4);
		p->shown = false;
	}
}

void
progress_begin(struct progress *p, const char *what)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	p->what = what;
	p->drawn_at = -1;
	if (out_level < OUT_NORMAL || !isatty(STDERR_FILENO) ||
	    out_stderr_journal() || term == NULL || term[0] == '\0' ||
	    strcmp(term, "dumb") == 0)
		return;
	mono_start(&p->start);
	p->countdown = PROGRESS_EVERY;
	p->next_bytes = PROGRESS_BYTES;
	p->on = true;
	out_set_erase(progress_erase, p);
}

void
progress_expect(struct progress *p, uint64_t entries, uint64_t bytes)
{
	if (p == NULL)
		return;
	p->c.expect_entries = entries;
	p->c.expect_bytes = bytes;
}

const char *
progress_stage(struct progress *p, const char *what)
{
	const char *was;

	if (p == NULL)
		return NULL;
	was = p->what;
	p->what = what;
	memset(&p->c, 0, sizeof(p->c));
	if (p->on) {
		mono_start(&p->start);
		p->drawn_at = -1;
		p->countdown = PROGRESS_EVERY;
		p->next_bytes = PROGRESS_BYTES;
	}
	return was;
}

void
progress_check(struct progress *p, uint64_t entries, uint64_t bytes)
{
	struct winsize ws;
	char line[256];
	unsigned width = 80;
	double now;
	size_t len;

	p->countdown = PROGRESS_EVERY;
	p->next_bytes = bytes + PROGRESS_BYTES;
	now = mono_seconds_since(&p->start);
	if (p->drawn_at >= 0 && now - p->drawn_at < PROGRESS_INTERVAL)
		return;
	/* A line someone began on stdout (the same terminal) is finished
	 * first; drawing over it would garble both. */
	if (out_stdout_open_line())
		return;
	p->drawn_at = now;
	p->c.entries = entries;
	p->c.bytes = bytes;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	line[0] = '\r';
	len = 1 + progress_format(line + 1, sizeof(line) - 1 - 3, p->what,
	    &p->c, now, width);
	memcpy(line + len, "\033[K", 3);
	write_all(line, len + 3);
	p->shown = true;
}

void
progress_end(struct progress *p)
{
	if (p == NULL || !p->on)
		return;
	progress_erase(p);
	out_set_erase(NULL, NULL);
	p->on = false;
}
