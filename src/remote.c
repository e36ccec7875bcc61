/*
 * remote: rsync over ssh for a remote source (remote.h).
 */
#include "remote.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "interrupt.h"
#include "mono.h"
#include "rsyncargs.h"

char *
remote_filter_arg(const struct filter_rule *rule)
{
	char *arg;

	if (asprintf(&arg, "--filter=%c %s", rule->include ? '+' : '-',
	    rule->pattern) == -1)
		return NULL;
	return arg;
}

/* --- reading rsync's stdout ------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number at *pp (spaces before it skipped), with thousands separators;
 * with a unit suffix (-h, -hh) the last separator is the decimal point.
 * Returns true and moves *pp past it, or false when there is none.
 */
static bool
parse_number(const char **pp, const char *end, uint64_t *out)
{
	static const char units[] = "KMGTP";
	const char *p = *pp, *u;
	uint64_t v = 0, unit = 1, scale = 1;
	int frac_digits = 0;
	bool sep = false;

	while (p < end && *p == ' ')
		p++;
	if (p == end || !is_digit(*p))
		return false;
	for (; p < end; p++) {
		if (is_digit(*p)) {
			if (v <= (UINT64_MAX - 9) / 10)
				v = v * 10 + (uint64_t)(*p - '0');
			frac_digits++;
		} else if ((*p == ',' || *p == '.' || *p == '\'') &&
		    p + 1 < end && is_digit(p[1])) {
			sep = true;
			frac_digits = 0;
		} else
			break;
	}
	if (p < end && *p != '\0' &&
	    (u = memchr(units, *p, sizeof(units) - 1)) != NULL) {
		for (; u >= units; u--)
			unit *= 1000;
		/* "1.23M": v is 123, with two digits after the point. */
		if (sep) {
			while (frac_digits-- > 0)
				scale *= 10;
			v = v / scale * unit + v % scale * unit / scale;
		} else
			v *= unit;
		p++;
	}
	*out = v;
	*pp = p;
	return true;
}

void
remote_parse_line(const char *line, size_t len, struct remote_counts *c)
{
	static const struct {
		const char	*head;
		size_t		 off;
	} totals[] = {
		{ "Total bytes received:", offsetof(struct remote_counts,
		    received) },
		{ "Total bytes sent:", offsetof(struct remote_counts, sent) },
	};
	const char *p = line, *end = line + len, *x;
	uint64_t v, pct, files;
	size_t i, n;

	while (p < end && *p == ' ')
		p++;
	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		n = strlen(totals[i].head);
		if ((size_t)(end - p) <= n || memcmp(p, totals[i].head, n) != 0)
			continue;
		p += n;
		if (parse_number(&p, end, &v))
			*(uint64_t *)((char *)c + totals[i].off) = v;
		return;
	}
	/* progress2: bytes, then a percentage, then the rate and so on. */
	if (!parse_number(&p, end, &v))
		return;
	if (!parse_number(&p, end, &pct) || p == end || *p != '%')
		return;
	c->bytes = v;
	x = memmem(p, (size_t)(end - p), "xfr#", 4);
	if (x != NULL) {
		x += 4;
		if (parse_number(&x, end, &files))
			c->files = files;
	}
}

/* --- the children ----------------------------------------------- */

enum { JOB_WAITING, JOB_RUNNING, JOB_DONE };

/* Seconds to wait for a dead rsync's pipes to close (its ssh may hold
 * them a moment longer) before they are closed anyway. */
#define REMOTE_PIPE_GRACE	5.0

/* How often, in ms, the loop looks at its children and the progress. */
#define REMOTE_TICK_MS		200

/*
 * Starts job's argv, stdin on its excludes or /dev/null, stdout and
 * stderr on pipes of their own.  Returns 0, or -1 with errno set.
 */
static int
start_child(struct remote_job *job)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, null_fd, saved;
	pid_t parent = getpid();

	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1)
		goto fail;
	fflush(NULL);
	if ((job->pid = fork()) == -1)
		goto fail;
	if (job->pid == 0) {
		const char *into[2] = { job->into, job->partial };

		/*
		 * Stopped with snap: an rsync left writing into the tree
		 * after a kill -9 would race the next run, which takes it
		 * over or removes it.  SIGTERM, not SIGKILL: this process
		 * is rsync's generator, and the receiver it forks (which
		 * writes the files) and its ssh are not its to take along
		 * when it is killed outright; a SIGKILL left them running
		 * on until the file being sent was complete.  On SIGTERM it
		 * stops the receiver, which moves what it had of that file
		 * into --partial-dir for the next run, and ssh goes as its
		 * pipes close.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    getppid() != parent)
			_exit(127);
		/* The store's lock and descriptors stay with snap. */
		null_fd = open("/dev/null", O_RDWR);
		/* The excludes come on stdin (rsync opens a named file
		 * component by component, never through /proc/self/fd). */
		if (job->exclude_fd != -1 &&
		    lseek(job->exclude_fd, 0, SEEK_SET) == -1)
			_exit(127);
		if (null_fd == -1 || dup2(job->exclude_fd != -1 ?
		    job->exclude_fd : null_fd, 0) == -1 ||
		    dup2(outp[1], 1) == -1 || dup2(errp[1], 2) == -1)
			_exit(127);
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		/* The host is not trusted: whatever it makes rsync do
		 * stays in this source's folder (as for replicate). */
		if (job->confine && confine_writes(into, 1 +
		    (job->partial != NULL), &job->link_dest,
		    job->link_dest != NULL) == -1) {
			dprintf(2, "cannot confine rsync to '%s': %s\n",
			    job->into, strerror(errno));
			_exit(126);
		}
		execvp(job->argv[0], job->argv);
		dprintf(2, "cannot run %s: %s\n", job->argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	job->out_fd = outp[0];
	job->err_fd = errp[0];
	fcntl(job->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(job->err_fd, F_SETFL, O_NONBLOCK);
	job->state = JOB_RUNNING;
	return 0;
fail:
	saved = errno;
	if (outp[0] != -1) {
		close(outp[0]);
		close(outp[1]);
	}
	if (errp[0] != -1) {
		close(errp[0]);
		close(errp[1]);
	}
	errno = saved;
	return -1;
}

/* Takes what came on job's stdout, line by line ('\n' or '\r'). */
static void
take_stdout(struct remote_job *job, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			remote_parse_line(job->line, job->line_len,
			    &job->counts);
			job->line_len = 0;
		} else if (job->line_len < sizeof(job->line))
			job->line[job->line_len++] = buf[i];
	}
}

/* Reads what is there on *fd; closes it at its end. */
static void
drain(struct remote_job *job, int *fd)
{
	char buf[8192];
	ssize_t n;

	for (;;) {
		n = read(*fd, buf, sizeof(buf));
		if (n > 0 && fd == &job->out_fd)
			take_stdout(job, buf, (size_t)n);
		else if (n > 0)
			outtail_take(&job->said, buf, (size_t)n);
		else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN)
			return;
		else
			break;
		if (n < (ssize_t)sizeof(buf))
			return;
	}
	close(*fd);
	*fd = -1;
}

/* The outcome of job, from its wait status and what it said. */
static void
conclude(struct remote_job *job)
{
	char tail[OUTTAIL_KEEP + 256], how[160];
	int code, status = job->status;

	job->state = JOB_DONE;
	if (job->cancelled) {
		job->result = REMOTE_CANCELLED;
		err_set(&job->err, 0, "the transfer of '%s' was stopped",
		    job->what);
		return;
	}
	outtail_describe(&job->said, tail, sizeof(tail));
	if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
		if (code == 0) {
			job->result = 0;
			return;
		}
		if (code == 24) {
			err_set(&job->err, 0, "files of '%s' vanished while "
			    "they were copied; the snapshot holds the rest%s%s",
			    job->what, tail[0] != '\0' ? "; rsync said:" : "",
			    tail);
			job->result = REMOTE_VANISHED;
			return;
		}
	}
	rsync_describe_status(status, "the host", how, sizeof(how));
	job->result = -1;
	err_set(&job->err, 0, "cannot back up '%s' (%s)%s%s", job->what, how,
	    tail[0] != '\0' ? "; it said:" : " and nothing was said", tail);
}

/* Stops a running job: rsync ends its transfer and its ssh. */
static void
cancel(struct remote_job *job)
{
	if (job->state != JOB_RUNNING || job->cancelled)
		return;
	job->cancelled = true;
	if (job->reaped_at < 0)
		kill(job->pid, SIGTERM);
}

/* An rsync that a SIGTERM did not end in time gets a SIGKILL. */
static void
hasten(struct remote_job *job, const struct timespec *t0)
{
	if (job->state != JOB_RUNNING || !job->cancelled ||
	    job->reaped_at >= 0)
		return;
	if (job->cancelled_at < 0)
		job->cancelled_at = mono_seconds_since(t0);
	else if (mono_seconds_since(t0) - job->cancelled_at >
	    REMOTE_PIPE_GRACE)
		kill(job->pid, SIGKILL);
}

/*
 * Looks after a running job: reaps it when it has ended, and concludes
 * it once its pipes are closed too (or have stayed open too long after
 * its end).  Returns true when it is done.
 */
static bool
tend(struct remote_job *job, const struct timespec *t0)
{
	pid_t got;

	if (job->reaped_at < 0) {
		/* Both pipes at their end: rsync is exiting, wait for it.
		 * Otherwise only look. */
		bool closed = job->out_fd == -1 && job->err_fd == -1;

		got = waitpid(job->pid, &job->status, closed ? 0 : WNOHANG);
		if (got == -1 && errno == EINTR)
			return false;
		if (got == -1) {
			/* Not our child any more: nothing to wait for. */
			job->status = 127 << 8;
			got = job->pid;
		}
		if (got != job->pid)
			return false;
		job->reaped_at = mono_seconds_since(t0);
	}
	if ((job->out_fd != -1 || job->err_fd != -1) &&
	    mono_seconds_since(t0) - job->reaped_at < REMOTE_PIPE_GRACE)
		return false;
	if (job->out_fd != -1)
		drain(job, &job->out_fd);
	if (job->err_fd != -1)
		drain(job, &job->err_fd);
	if (job->out_fd != -1)
		close(job->out_fd);
	if (job->err_fd != -1)
		close(job->err_fd);
	job->out_fd = job->err_fd = -1;
	/* The last line of stdout may lack its newline. */
	if (job->line_len > 0) {
		remote_parse_line(job->line, job->line_len, &job->counts);
		job->line_len = 0;
	}
	conclude(job);
	return true;
}

/* The rsync argv of a remote source's job.  Returns 0, or -1 (ENOMEM). */
static int
job_args(struct remote_job *job, bool progress)
{
	const struct config_source *src = job->src;
	struct rsync_argv a = RSYNC_ARGV_INIT;
	size_t i;

	rsync_argv_start(&a, "-aHAX", src->ssh_command, src->rsync_path);
	rsync_argv_add(&a, "%s", "--sparse");
	/* Plain numbers, whatever the locale, for remote_parse_line. */
	rsync_argv_add(&a, "%s", "--stats");
	rsync_argv_add(&a, "%s", "--no-h");
	if (progress)
		rsync_argv_add(&a, "%s", "--info=progress2");
	if (job->checksum)
		rsync_argv_add(&a, "%s", "--checksum");
	if (src->one_file_system)
		rsync_argv_add(&a, "%s", "--one-file-system");
	/* Before the source's rules: an include there must not win. */
	if (job->exclude_fd != -1) {
		rsync_argv_add(&a, "%s", "--from0");
		rsync_argv_add(&a, "%s", "--exclude-from=-");
	}
	for (i = 0; i < src->filter.n_rules; i++) {
		char *rule = remote_filter_arg(&src->filter.rules[i]);

		if (rule == NULL)
			a.failed = true;
		else
			rsync_argv_add(&a, "%s", rule);
		free(rule);
	}
	if (job->link_dest != NULL)
		rsync_argv_add(&a, "--link-dest=%s", job->link_dest);
	/* Absolute: found again by the next run, which receives into a
	 * new folder (and no pattern for it is needed in the tree). */
	if (job->partial != NULL)
		rsync_argv_add(&a, "--partial-dir=%s", job->partial);
	rsync_argv_add(&a, "%s", "--");
	/* The trailing '/': the folder's content, not the folder in it. */
	rsync_argv_add(&a, "%s/", job->what);
	rsync_argv_add(&a, "%s/", job->into);
	job->argv = a.v;
	return a.failed ? -1 : 0;
}

static void
job_free(struct remote_job *job)
{
	size_t i;

	for (i = 0; job->argv != NULL && job->argv[i] != NULL; i++)
		free(job->argv[i]);
	free(job->argv);
	job->argv = NULL;
	free(job->what);
	job->what = NULL;
}

/* Sets a job up to run; what and argv made here unless given. */
static int
job_prepare(struct remote_job *job, bool progress, struct err *e)
{
	job->result = REMOTE_CANCELLED;
	job->pid = -1;
	job->out_fd = job->err_fd = -1;
	job->state = JOB_WAITING;
	job->cancelled = false;
	job->reaped_at = -1;
	job->cancelled_at = -1;
	job->line_len = 0;
	memset(&job->said, 0, sizeof(job->said));
	memset(&job->counts, 0, sizeof(job->counts));
	err_set(&job->err, 0, "the transfer of '%s:%s' did not start",
	    job->src->host, job->src->path);
	if (asprintf(&job->what, "%s:%s", job->src->host,
	    job->src->path) == -1) {
		job->what = NULL;
		return err_set(e, ENOMEM, "cannot back up '%s'",
		    job->src->host);
	}
	if (job_args(job, progress) == -1)
		return err_set(e, ENOMEM, "cannot back up '%s'", job->what);
	return 0;
}

/* Shows the files and bytes of every job so far. */
static void
show(struct progress *p, const struct remote_job *jobs, size_t n)
{
	uint64_t files = 0, bytes = 0;
	size_t i;

	if (p == NULL || !p->on)
		return;
	for (i = 0; i < n; i++) {
		files += jobs[i].counts.files;
		bytes += jobs[i].counts.bytes;
	}
	progress_check(p, files, bytes);
}

/*
 * The loop of remote_run over prepared jobs: start, poll, tend.  Returns
 * 0, or -1 with e set (then every started job has been reaped).
 */
static int
run_jobs(struct remote_job *jobs, size_t n, unsigned parallel,
    struct progress *p, struct err *e)
{
	struct pollfd *fds = NULL;
	struct remote_job **owner = NULL;
	struct timespec t0;
	size_t next = 0, running = 0, i, k, nfds;
	bool stopping = false;
	int rc = 0;

	mono_start(&t0);
	if ((fds = calloc(2 * n + 1, sizeof(*fds))) == NULL ||
	    (owner = calloc(2 * n + 1, sizeof(*owner))) == NULL) {
		free(fds);
		return err_set(e, ENOMEM, "cannot start the transfers");
	}
	if (parallel == 0)
		parallel = 1;
	for (;;) {
		while (!stopping && running < parallel && next < n) {
			if (start_child(&jobs[next]) == -1) {
				rc = err_set(e, errno, "cannot back up '%s': "
				    "cannot run rsync", jobs[next].what);
				stopping = true;
				break;
			}
			next++;
			running++;
		}
		if (running == 0)
			break;
		if (!stopping && interrupt_signal() != 0) {
			rc = err_set(e, EINTR, "interrupted");
			stopping = true;
		}
		if (stopping)
			for (i = 0; i < next; i++) {
				cancel(&jobs[i]);
				hasten(&jobs[i], &t0);
			}
		for (nfds = 0, i = 0; i < next; i++) {
			if (jobs[i].state != JOB_RUNNING)
				continue;
			if (jobs[i].out_fd != -1) {
				fds[nfds] = (struct pollfd){ jobs[i].out_fd,
				    POLLIN, 0 };
				owner[nfds++] = &jobs[i];
			}
			if (jobs[i].err_fd != -1) {
				fds[nfds] = (struct pollfd){ jobs[i].err_fd,
				    POLLIN, 0 };
				owner[nfds++] = &jobs[i];
			}
		}
		if (nfds > 0 && poll(fds, nfds, REMOTE_TICK_MS) == -1 &&
		    errno != EINTR) {
			rc = err_set(e, errno, "cannot follow the transfers");
			stopping = true;
			continue;
		}
		for (k = 0; k < nfds; k++) {
			if (fds[k].revents == 0)
				continue;
			if (owner[k]->out_fd == fds[k].fd)
				drain(owner[k], &owner[k]->out_fd);
			else if (owner[k]->err_fd == fds[k].fd)
				drain(owner[k], &owner[k]->err_fd);
		}
		for (i = 0; i < next; i++) {
			if (jobs[i].state != JOB_RUNNING || !tend(&jobs[i], &t0))
				continue;
			running--;
			/* A failure that fails the run: the rest need not go
			 * on (sequentially they would not have started). */
			if (jobs[i].result == -1 && jobs[i].fatal)
				stopping = true;
		}
		show(p, jobs, n);
	}
	free(fds);
	free(owner);
	return rc;
}

int
remote_run(struct remote_job *jobs, size_t n, unsigned parallel,
    struct progress *p, struct err *e)
{
	bool progress = p != NULL && p->on;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		jobs[i].argv = NULL;
		jobs[i].what = NULL;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = job_prepare(&jobs[i], progress, e);
	if (rc == 0)
		rc = run_jobs(jobs, n, parallel, p, e);
	for (i = 0; i < n; i++)
		job_free(&jobs[i]);
	return rc;
}

int
remote_relink(const char *prev, const char *into, struct err *e)
{
	struct remote_job job;
	struct rsync_argv a = RSYNC_ARGV_INIT;
	int r;

	memset(&job, 0, sizeof(job));
	rsync_argv_start(&a, "-aHAX", NULL, NULL);
	rsync_argv_add(&a, "%s", "--sparse");
	rsync_argv_add(&a, "--link-dest=%s", prev);
	rsync_argv_add(&a, "%s", "--");
	rsync_argv_add(&a, "%s/", prev);
	rsync_argv_add(&a, "%s/", into);
	if (a.failed || (job.what = strdup(prev)) == NULL) {
		rsync_argv_free(&a);
		return err_set(e, ENOMEM, "cannot link '%s'", prev);
	}
	job.argv = a.v;
	job.pid = -1;
	job.out_fd = job.err_fd = -1;
	job.exclude_fd = -1;
	job.reaped_at = -1;
	job.cancelled_at = -1;
	r = run_jobs(&job, 1, 1, NULL, e);
	if (r == 0 && job.result != 0) {
		*e = job.err;
		r = -1;
	}
	job_free(&job);
	return r;
}
