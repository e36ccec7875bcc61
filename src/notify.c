#include "notify.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * curl's limits: each try may take NOTIFY_MAX_TIME seconds, and curl
 * tries again on a timeout, HTTP 408, 429 or 5xx, backing off, within
 * NOTIFY_RETRY_MAX_TIME seconds in all; snap-notify-*@.service's
 * TimeoutStartSec= is above that.
 */
#define NOTIFY_MAX_TIME		"30"
#define NOTIFY_CONNECT_TIMEOUT	"10"
#define NOTIFY_RETRIES		"3"
#define NOTIFY_RETRY_MAX_TIME	"120"
#define NOTIFY_INVOCATION_ID_LEN 32

extern char **environ;

static const char *const event_names[] = {
	[NOTIFY_EVENT_START] = "start",
	[NOTIFY_EVENT_SUCCESS] = "success",
	[NOTIFY_EVENT_FAIL] = "fail",
};

const char *
notify_event_name(enum notify_event ev)
{
	return event_names[ev];
}

int
notify_event_parse(const char *word, enum notify_event *ev)
{
	size_t i;

	for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++) {
		if (strcmp(word, event_names[i]) == 0) {
			*ev = (enum notify_event)i;
			return 0;
		}
	}
	return -1;
}

const char *
notify_url(const struct config_notify *nt, enum notify_event ev)
{
	switch (ev) {
	case NOTIFY_EVENT_START:
		return nt->start;
	case NOTIFY_EVENT_SUCCESS:
		return nt->success;
	case NOTIFY_EVENT_FAIL:
		return nt->fail;
	}
	return NULL;
}

int
notify_heading(struct buf *body, enum notify_event ev, const char *config)
{
	char host[256], line[1024];
	int n;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	n = snprintf(line, sizeof(line), "snap %s on %s (config %s)\n",
	    event_names[ev], host, config);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	return buf_append(body, line, (size_t)n);
}

/*
 * The start of the last NOTIFY_TAIL_LINES whole lines among the len
 * bytes at p; cut says bytes before p were dropped, so the first line
 * there may be a piece.
 */
static size_t
tail_start(const char *p, size_t len, bool cut)
{
	const char *nl;
	size_t start = 0, end = len, lines = 0;

	if (len > NOTIFY_TAIL_BYTES) {
		start = len - NOTIFY_TAIL_BYTES;
		cut = p[start - 1] != '\n';
	}
	/* A piece of a line tells nothing; a single huge line stays. */
	if (cut && (nl = memchr(p + start, '\n', len - start)) != NULL &&
	    nl + 1 < p + len)
		start = (size_t)(nl + 1 - p);
	if (end > start && p[end - 1] == '\n')
		end--;
	while (end > start) {
		if (p[end - 1] == '\n' && ++lines == NOTIFY_TAIL_LINES)
			return end;
		end--;
	}
	return start;
}

int
notify_tail_fd(int fd, const char *what, struct buf *body, struct err *e)
{
	struct buf all = BUF_INIT;
	bool cut = false;
	size_t start;
	ssize_t n;
	int rc = -1;

	for (;;) {
		if (buf_reserve(&all, 8192) == -1) {
			err_set(e, errno, "cannot read %s", what);
			goto out;
		}
		n = read(fd, all.p + all.len, all.cap - all.len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(e, errno, "cannot read %s", what);
			goto out;
		}
		if (n == 0)
			break;
		all.len += (size_t)n;
		/* Keep a little more than the tail, not the whole log. */
		if (all.len > 4 * NOTIFY_TAIL_BYTES) {
			memmove(all.p, all.p + all.len - 2 * NOTIFY_TAIL_BYTES,
			    2 * NOTIFY_TAIL_BYTES);
			all.len = 2 * NOTIFY_TAIL_BYTES;
			cut = true;
		}
	}
	start = tail_start(all.p, all.len, cut);
	if (buf_append(body, all.p + start, all.len - start) == -1 ||
	    (body->len > 0 && body->p[body->len - 1] != '\n' &&
	    buf_append(body, "\n", 1) == -1)) {
		err_set(e, errno, "cannot read %s", what);
		goto out;
	}
	rc = 0;
out:
	buf_free(&all);
	return rc;
}

/* Describes how child pid ended, after "what" failed; returns -1. */
static int
wait_failed(struct err *e, const char *what, int status)
{
	if (WIFEXITED(status))
		return err_set(e, 0, "%s failed (exit status %d)", what,
		    WEXITSTATUS(status));
	return err_set(e, 0, "%s was killed by signal %d", what,
	    WTERMSIG(status));
}

static int
wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* The error of a program that could not be started. */
static int
spawn_failed(struct err *e, const char *prog, int errnum)
{
	if (errnum == ENOENT)
		return err_set(e, 0, "cannot run '%s': it is not installed "
		    "(not found in PATH); install it (Debian: apt-get install "
		    "%s) to send notify pings", prog, prog);
	return err_set(e, errnum, "cannot run '%s'", prog);
}

static bool
is_invocation_id(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return i == NOTIFY_INVOCATION_ID_LEN;
}

int
notify_journal_tail(const char *invocation_id, struct buf *body,
    struct err *e)
{
	char match[64], lines[16];
	char *argv[] = { "journalctl", match, "--lines", lines, "--no-pager",
		"--quiet", "--output=short-iso", NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status, r, rc = -1;
	pid_t pid = -1;

	if (!is_invocation_id(invocation_id))
		return err_set(e, 0, "'%.64s' is not a systemd invocation id "
		    "(32 hex digits)", invocation_id);
	snprintf(match, sizeof(match), "_SYSTEMD_INVOCATION_ID=%s",
	    invocation_id);
	snprintf(lines, sizeof(lines), "%d", NOTIFY_TAIL_LINES);
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		return err_set(e, errno, "cannot run 'journalctl'");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	r = posix_spawnp(&pid, "journalctl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		spawn_failed(e, "journalctl", r);
		close(pipefd[0]);
		return -1;
	}
	rc = notify_tail_fd(pipefd[0], "the output of journalctl", body, e);
	close(pipefd[0]);
	if (wait_child(pid, &status) == -1)
		return err_set(e, errno, "cannot wait for 'journalctl'");
	if (rc == 0 && status != 0)
		rc = wait_failed(e, "journalctl", status);
	return rc;
}

static int
append_str(struct buf *out, const char *s)
{
	return buf_append(out, s, strlen(s));
}

/* Appends s as a double-quoted string of curl's config syntax. */
static int
append_quoted(struct buf *out, const char *s, size_t len)
{
	char esc[2] = { '\\', 0 };
	size_t i;
	unsigned char c;
	int r = 0;

	r |= buf_append(out, "\"", 1);
	for (i = 0; i < len && r == 0; i++) {
		c = (unsigned char)s[i];
		esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '"' ? '"' :
		    c == '\\' ? '\\' : 0;
		if (esc[1] != 0)
			r |= buf_append(out, esc, 2);
		else if (c < 0x20 || c == 0x7f)
			r |= buf_append(out, "?", 1);
		else
			r |= buf_append(out, &s[i], 1);
	}
	r |= buf_append(out, "\"\n", 2);
	return r == 0 ? 0 : -1;
}

int
notify_curl_config(struct buf *out, const char *url, const char *body,
    size_t len)
{
	int r = 0;

	/* data-raw, not data: a body starting with '@' must not make
	 * curl send a file instead. */
	r |= append_str(out, "url = ");
	r |= append_quoted(out, url, strlen(url));
	r |= append_str(out,
	    "header = \"Content-Type: text/plain; charset=utf-8\"\n");
	r |= append_str(out, "data-raw = ");
	r |= append_quoted(out, body, len);
	return r == 0 ? 0 : -1;
}

/* A file in memory holding the len bytes at p, at offset 0; or -1. */
static int
memory_file(const char *p, size_t len)
{
	ssize_t n;
	size_t done = 0;
	int fd;

	if ((fd = memfd_create("snap-notify", MFD_CLOEXEC)) == -1)
		return -1;
	while (done < len) {
		if ((n = write(fd, p + done, len - done)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == 0)
		return fd;
fail:
	n = errno;
	close(fd);
	errno = (int)n;
	return -1;
}

int
notify_send(const char *url, const struct buf *body, struct err *e)
{
	/* -q first: no ~/.curlrc; -K -: the request comes on stdin. */
	char *argv[] = { "curl", "-q", "-fsS", "--max-time", NOTIFY_MAX_TIME,
		"--connect-timeout", NOTIFY_CONNECT_TIMEOUT,
		"--retry", NOTIFY_RETRIES,
		"--retry-max-time", NOTIFY_RETRY_MAX_TIME,
		"--proto", "=http,https", "--user-agent", "snap",
		"--output", "/dev/null", "--config", "-", NULL };
	struct buf cfg = BUF_INIT;
	posix_spawn_file_actions_t fa;
	int fd = -1, r, status, rc = -1;
	pid_t pid;

	if (notify_curl_config(&cfg, url, body->len > 0 ? body->p : "",
	    body->len) == -1) {
		err_set(e, errno, "cannot send the ping");
		goto out;
	}
	if ((fd = memory_file(cfg.p, cfg.len)) == -1) {
		err_set(e, errno, "cannot send the ping");
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	r = posix_spawnp(&pid, "curl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		spawn_failed(e, "curl", r);
		goto out;
	}
	if (wait_child(pid, &status) == -1) {
		err_set(e, errno, "cannot wait for 'curl'");
		goto out;
	}
	if (status != 0) {
		wait_failed(e, "curl", status);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	buf_free(&cfg);
	return rc;
}
