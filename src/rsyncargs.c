/*
 * rsyncargs: rsync command lines and exit statuses (rsyncargs.h).
 */
#include "rsyncargs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Seconds without any data before rsync gives up on a silent peer. */
#define RSYNC_IO_TIMEOUT	"--timeout=600"

void
rsync_argv_add(struct rsync_argv *a, const char *fmt, ...)
{
	va_list ap;
	char **v, *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r == -1) {
		a->failed = true;
		return;
	}
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;

		if ((v = realloc(a->v, cap * sizeof(*v))) == NULL) {
			free(s);
			a->failed = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void
rsync_argv_start(struct rsync_argv *a, const char *options,
    const char *ssh_command, const char *rsync_path)
{
	rsync_argv_add(a, "%s", "rsync");
	rsync_argv_add(a, "%s", options);
	rsync_argv_add(a, "%s", "--numeric-ids");
	/*
	 * rsync compares times to the second by default: a folder made in
	 * the second its source was last changed would keep the time of
	 * its making, and a file rewritten within the second at the same
	 * size would be taken for the stored one by --link-dest.
	 */
	rsync_argv_add(a, "%s", "--modify-window=-1");
	rsync_argv_add(a, "%s", RSYNC_IO_TIMEOUT);
	if (ssh_command == NULL)
		return;
	rsync_argv_add(a, "%s", "-e");
	rsync_argv_add(a, "%s", ssh_command);
	rsync_argv_add(a, "--rsync-path=%s", rsync_path);
}

void
rsync_argv_free(struct rsync_argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* A few words on one of rsync's commonest exit statuses. */
static const char *
status_words(int code, const char *peer, char *out, size_t len)
{
	switch (code) {
	/* Which of the two depends on who noticed first. */
	case 255:
	case 12:
		return "the connection failed: ssh could not connect or log "
		    "in, or it broke";
	case 5:
		snprintf(out, len, "the rsync of %s would not start", peer);
		return out;
	case 23:
		snprintf(out, len, "some files or the path could not be read "
		    "on %s", peer);
		return out;
	case 24:
		snprintf(out, len, "files vanished on %s meanwhile", peer);
		return out;
	case 30:
	case 35:
		snprintf(out, len, "%s did not answer in time", peer);
		return out;
	case 126:
		return "rsync could not be started confined to its folder";
	case 127:
		return "rsync or the ssh command was not found";
	}
	return "rsync failed";
}

const char *
rsync_describe_status(int status, const char *peer, char *out, size_t len)
{
	char words[256];

	if (WIFEXITED(status))
		snprintf(out, len, "rsync exit status %d: %s",
		    WEXITSTATUS(status), status_words(WEXITSTATUS(status),
		    peer, words, sizeof(words)));
	else
		snprintf(out, len, "rsync was killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	return out;
}
