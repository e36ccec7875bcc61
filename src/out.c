#include "out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum out_level out_level = OUT_NORMAL;

/* One of the two output streams, as out_init found it. */
struct out_stream {
	FILE	*f;
	bool	 journal;	/* lines carry their syslog priority */
	bool	 tty;		/* a terminal: a progress line may be on it */
	bool	 at_start;	/* nothing written yet on the current line */
};

static bool inited;
static bool same_file;		/* stdout and stderr are one file */
static struct out_stream so = { NULL, false, false, true };
static struct out_stream se = { NULL, false, false, true };
static void (*erase_fn)(void *);
static void *erase_arg;

bool
out_journal_match(const char *env, unsigned long long dev,
    unsigned long long ino)
{
	unsigned long long d, i;
	int n = 0;

	if (env == NULL || sscanf(env, "%llu:%llu%n", &d, &i, &n) != 2 ||
	    env[n] != '\0')
		return false;
	return d == dev && i == ino;
}

static void
probe(struct out_stream *s, FILE *f, int fd, const char *journal,
    struct stat *st, bool *ok)
{
	s->f = f;
	s->at_start = true;
	*ok = fstat(fd, st) == 0;
	/* A terminal is never the journal's socket; no need to compare. */
	s->tty = isatty(fd);
	s->journal = *ok && !s->tty && out_journal_match(journal,
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
}

void
out_init(void)
{
	const char *journal = getenv("JOURNAL_STREAM");
	struct stat st_out, st_err;
	bool ok_out, ok_err;

	if (inited)
		return;
	inited = true;
	probe(&so, stdout, STDOUT_FILENO, journal, &st_out, &ok_out);
	probe(&se, stderr, STDERR_FILENO, journal, &st_err, &ok_err);
	same_file = ok_out && ok_err && st_out.st_dev == st_err.st_dev &&
	    st_out.st_ino == st_err.st_ino;
}

void
out_set_streams(FILE *out, bool out_journal, FILE *err, bool err_journal)
{
	inited = true;
	so = (struct out_stream){ out, out_journal, false, true };
	se = (struct out_stream){ err, err_journal, false, true };
	same_file = out == err;
}

void
out_results_to_stderr(void)
{
	out_init();
	fflush(so.f);
	so = se;
	same_file = true;
}

bool
out_stderr_journal(void)
{
	out_init();
	return se.journal;
}

bool
out_stdout_open_line(void)
{
	out_init();
	return !so.at_start;
}

void
out_set_erase(void (*erase)(void *), void *arg)
{
	erase_fn = erase;
	erase_arg = arg;
}

void
out_clear(void)
{
	if (erase_fn != NULL)
		erase_fn(erase_arg);
}

bool
out_write_lines(FILE *f, const char *prio, const char *s, size_t len,
    bool at_start)
{
	const char *nl;
	size_t n;

	if (prio == NULL) {
		fwrite(s, 1, len, f);
		return len > 0 ? s[len - 1] == '\n' : at_start;
	}
	while (len > 0) {
		if (at_start)
			fputs(prio, f);
		nl = memchr(s, '\n', len);
		n = nl != NULL ? (size_t)(nl - s) + 1 : len;
		fwrite(s, 1, n, f);
		at_start = nl != NULL;
		s += n;
		len -= n;
	}
	return at_start;
}

/*
 * Formats and writes one message to s: head (NULL: none) before it and
 * "\n" after it when nl.  In the journal each line starts with prio;
 * elsewhere plain_head replaces head.
 */
static void
emit(struct out_stream *s, const char *prio, const char *head,
    const char *plain_head, bool nl, const char *fmt, va_list ap)
{
	char small[1024], *msg = small;
	va_list ap2;
	int len;

	va_copy(ap2, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	if (len < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)len >= sizeof(small)) {
		/* A long message (many names): the whole of it, or what fit
		 * when memory is short. */
		if ((msg = malloc((size_t)len + 1)) != NULL)
			vsnprintf(msg, (size_t)len + 1, fmt, ap2);
		else {
			msg = small;
			len = sizeof(small) - 1;
		}
	}
	va_end(ap2);
	if (s->journal) {
		s->at_start = out_write_lines(s->f, prio, head, strlen(head),
		    s->at_start);
	} else if (plain_head != NULL)
		s->at_start = out_write_lines(s->f, NULL, plain_head,
		    strlen(plain_head), s->at_start);
	s->at_start = out_write_lines(s->f, s->journal ? prio : NULL, msg,
	    (size_t)len, s->at_start);
	if (nl)
		s->at_start = out_write_lines(s->f, NULL, "\n", 1,
		    s->at_start);
	/* journald timestamps a line when it arrives: do not hold lines in
	 * stdio's buffer until exit. */
	if (s->journal && s->at_start)
		fflush(s->f);
	if (msg != small)
		free(msg);
}

/* An error or a warning: stderr, after what stdout holds. */
static void
emit_problem(const char *prio, const char *head, const char *plain_head,
    const char *fmt, va_list ap)
{
	out_init();
	out_clear();
	/* An open line on stdout would get this one glued to it (and, in
	 * the journal, its priority lost in the middle): end it. */
	if (!so.at_start && same_file)
		so.at_start = out_write_lines(so.f, NULL, "\n", 1, false);
	fflush(so.f);
	emit(&se, prio, head, plain_head, true, fmt, ap);
}

void
out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_problem("<3>", "error: ", "snap: error: ", fmt, ap);
	va_end(ap);
}

void
out_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_problem("<4>", "warning: ", "snap: warning: ", fmt, ap);
	va_end(ap);
}

void
out_info(enum out_level level, const char *fmt, ...)
{
	va_list ap;

	if (out_level < level)
		return;
	out_init();
	if (so.tty)
		out_clear();
	va_start(ap, fmt);
	emit(&so, "<6>", "", NULL, false, fmt, ap);
	va_end(ap);
}

/* A result line printed at every level, with its priority. */
static void
result_line(const char *prio, const char *fmt, va_list ap)
{
	out_init();
	if (so.tty)
		out_clear();
	emit(&so, prio, "", NULL, true, fmt, ap);
}

void
out_problem(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_line("<3>", fmt, ap);
	va_end(ap);
}

void
out_caution(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_line("<4>", fmt, ap);
	va_end(ap);
}

const char *
out_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

char *
out_bytes(char *buf, unsigned long long bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, 32, "%llu B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.1f %s", v, units[u]);
	return buf;
}
