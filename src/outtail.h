/*
 * outtail: the last bytes a child process printed, kept for an error
 * message ("... failed; its output: ...").
 *
 *   struct outtail t = { 0 };
 *   outtail_take(&t, buf, n);              as output arrives
 *   outtail_describe(&t, msg, sizeof(msg)); once it is over
 *
 * Used by hooks (a hook that failed) and remote (what ssh and rsync said
 * about a host that could not be backed up).
 */
#ifndef SNAP_OUTTAIL_H
#define SNAP_OUTTAIL_H

#include <stdbool.h>
#include <stddef.h>

#define OUTTAIL_KEEP	1024	/* bytes kept */

struct outtail {
	char	 tail[OUTTAIL_KEEP];
	size_t	 len;
	bool	 cut;		/* earlier output was dropped */
};

/* Keeps the last OUTTAIL_KEEP bytes of everything taken so far. */
void	outtail_take(struct outtail *t, const char *p, size_t n);

/*
 * The kept output for a message: control characters (a program may
 * print escape sequences) become '?', each line starts on a line of its
 * own, indented by two spaces, and the trailing newline goes; a cut tail
 * starts at its first whole line, after "...".  buf is "" when nothing
 * was printed.
 */
void	outtail_describe(const struct outtail *t, char *buf, size_t size);

#endif
