/*
 * notify: the pings of "snap notify" (the config's notify: URLs), sent
 * with curl so that snap itself never opens a network socket; the
 * sandboxed snap.service has no network, and its notify units do.
 *
 *   struct buf body = BUF_INIT;
 *   notify_heading(&body, ev, config_file);
 *   notify_tail_fd(fd, &body, &e)                 a log's last lines, or
 *   notify_journal_tail(invocation_id, &body, &e) a unit run's
 *   notify_send(url, &body, &e)                   POSTs body to url
 *   buf_free(&body);
 *
 * The body is text for a person: healthchecks.io keeps it with the
 * ping, ntfy shows it as the message, Uptime Kuma ignores it.
 */
#ifndef SNAP_NOTIFY_H
#define SNAP_NOTIFY_H

#include <stdbool.h>

#include "buf.h"
#include "config.h"
#include "err.h"

enum notify_event { NOTIFY_EVENT_START, NOTIFY_EVENT_SUCCESS,
	NOTIFY_EVENT_FAIL };

/* The last lines of a log that go with a ping, and at most this many
 * bytes of them (ntfy's message limit is 4096). */
#define NOTIFY_TAIL_LINES	20
#define NOTIFY_TAIL_BYTES	3584

/* The word on the command line ("start", "success", "fail"). */
const char *notify_event_name(enum notify_event ev);
/* Reads such a word.  Returns 0, or -1 for another word. */
int	notify_event_parse(const char *word, enum notify_event *ev);

/* The URL of ev in nt, or NULL when the config sends no such ping. */
const char *notify_url(const struct config_notify *nt, enum notify_event ev);

/* Appends "snap EVENT on HOST (config FILE)" and a newline.  -1: ENOMEM. */
int	notify_heading(struct buf *body, enum notify_event ev,
	    const char *config);

/*
 * Reads fd to its end and appends its last NOTIFY_TAIL_LINES lines (at
 * most NOTIFY_TAIL_BYTES, whole lines) to body.  Returns 0, or -1 with
 * e set (what names the log for messages).
 */
int	notify_tail_fd(int fd, const char *what, struct buf *body,
	    struct err *e);

/*
 * Appends the last lines that the unit run with this invocation id (32
 * hex digits, systemd's $MONITOR_INVOCATION_ID) wrote to the journal,
 * read with journalctl.  Returns 0, or -1 with e set.
 */
int	notify_journal_tail(const char *invocation_id, struct buf *body,
	    struct err *e);

/*
 * The curl config (curl -K) that POSTs body to url as text/plain: url
 * and body go through curl's config rather than its argv, where any
 * local user could read the URL (whoever knows a ping URL can send
 * "success" for a backup that failed).  Control bytes in body other
 * than newline and tab become '?'.  Returns 0, or -1 (ENOMEM).
 */
int	notify_curl_config(struct buf *out, const char *url,
	    const char *body, size_t len);

/*
 * POSTs body to url with curl (found in PATH): retries, a time limit,
 * and failure on an HTTP error.  Returns 0, or -1 with e set: curl
 * missing (a sentence on installing it), or how curl failed (curl has
 * said why on stderr).
 */
int	notify_send(const char *url, const struct buf *body, struct err *e);

#endif
