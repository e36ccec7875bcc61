/*
 * snap notify start|success|fail [--log FILE]: sends the config's
 * notify: ping for that event (notify.h), with curl.  The notify units
 * that snap.service and snap@.service start run it (the backup itself
 * has no network); a manual run or a cron job can run it too:
 *
 *   snap notify start
 *   snap create >log 2>&1; case $? in 0|3) ev=success;; *) ev=fail;; esac
 *   snap notify $ev --log log
 *
 * The body is a heading line, then the last lines of --log FILE ("-":
 * stdin), or else, in a unit that systemd started for another's
 * OnSuccess= or OnFailure=, the last lines that run wrote to the journal
 * ($MONITOR_INVOCATION_ID).  Without a URL for the event nothing is
 * sent, and that is success: the units are the same with or without
 * notify:.  Exit status: 0 sent (or nothing to send), 1 not sent, 2 a
 * usage or config error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "notify.h"
#include "opts.h"
#include "out.h"

/*
 * The host part of url, for messages: the URL itself is a secret (who
 * knows it can report success), so it is not printed.
 */
static void
url_host(const char *url, char *host, size_t size)
{
	const char *p = strstr(url, "://"), *at;
	size_t n;

	p = p == NULL ? url : p + 3;
	n = strcspn(p, "/?#");
	at = memchr(p, '@', n);
	if (at != NULL) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	snprintf(host, size, "%.*s", (int)n, p);
}

/* Appends what goes below the heading.  Returns 0, or -1 with e set. */
static int
add_log(struct buf *body, const char *log, struct err *e)
{
	const char *id = getenv("MONITOR_INVOCATION_ID");
	int fd, rc;

	if (log != NULL && strcmp(log, "-") == 0)
		return notify_tail_fd(STDIN_FILENO, "standard input", body, e);
	if (log != NULL) {
		if ((fd = open(log, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
			return err_set(e, errno, "cannot open log '%s'", log);
		rc = notify_tail_fd(fd, "the log", body, e);
		close(fd);
		return rc;
	}
	if (id != NULL && *id != '\0')
		return notify_journal_tail(id, body, e);
	return 0;
}

int
cmd_notify(int argc, char **argv, struct cmd_globals *g)
{
	const char *log = NULL, *url;
	const struct opts_option options[] = {
		{ "log", 'l', true, &log, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	struct config *cfg = NULL;
	struct buf body = BUF_INIT;
	enum notify_event ev;
	struct err e;
	char host[256];
	bool warned = false;
	int nargs, status;

	if ((status = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return status == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 1 || notify_event_parse(argv[1], &ev) == -1) {
		out_error("notify takes one event: start, success or fail");
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_load_config(g, &cfg)) != CMD_OK)
		return status;
	if ((url = notify_url(&cfg->notify, ev)) == NULL) {
		out_info(OUT_VERBOSE, "no notify URL for '%s' in '%s'; "
		    "nothing sent\n", argv[1], cfg->file);
		status = CMD_OK;
		goto out;
	}
	url_host(url, host, sizeof(host));
	status = CMD_FAILED;
	if (notify_heading(&body, ev, cfg->file) == -1) {
		out_error("cannot send the '%s' ping: %s", argv[1],
		    err_explain(ENOMEM));
		goto out;
	}
	if (add_log(&body, log, &e) == -1) {
		/* The ping matters more than its body. */
		out_warning("%s; the ping goes without it", e.msg);
		warned = true;
	}
	if (notify_send(url, &body, &e) == -1) {
		out_error("cannot send the '%s' ping to '%s': %s", argv[1],
		    host, e.msg);
		goto out;
	}
	out_info(OUT_NORMAL, "sent the '%s' ping to '%s'\n", argv[1], host);
	status = warned ? CMD_WARNINGS : CMD_OK;
out:
	buf_free(&body);
	config_free(cfg);
	return status;
}
