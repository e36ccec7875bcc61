/*
 * out: what snap says to the person or the journal.
 *
 * Results go to stdout; warnings and errors to stderr, each line prefixed
 * "snap: warning: " or "snap: error: ".  The verbosity is set once by
 * main from -q / -v and read by everyone.
 */
#ifndef SNAP_OUT_H
#define SNAP_OUT_H

#include <stddef.h>
#include <stdio.h>

enum out_level {
	OUT_QUIET = -1,		/* -q: problems only */
	OUT_NORMAL = 0,
	OUT_VERBOSE = 1,	/* -v: every copied file too */
};

extern enum out_level out_level;

void	out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	out_warning(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* To stdout when the level is at least `level`. */
void	out_info(enum out_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Writes the len bytes at p to f as a JSON string, quotes included.
 * Control characters are escaped; a byte that is not part of valid UTF-8
 * (file names are bytes, JSON is text) becomes \u00XX, the code point of
 * the same number, so that the output always parses.
 */
void	out_json_string(FILE *f, const char *p, size_t len);

/* "1.5 MiB" and the like, into buf of at least 32 bytes. */
char	*out_bytes(char *buf, unsigned long long bytes);

#endif
