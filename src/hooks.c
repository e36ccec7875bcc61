#include "hooks.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mono.h"
#include "outtail.h"
#include "out.h"

/* What a hook finds in PATH: the usual one of a root login. */
#define HOOK_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
			"/sbin:/bin"
/* After SIGTERM at the timeout, how long before SIGKILL. */
#define KILL_GRACE	5.0	/* seconds */
/*
 * After the shell exits, how long to go on reading its output: a process
 * it left in the background may hold the pipe open for good.
 */
#define DRAIN		1.0	/* seconds */
/* A line of output longer than this is printed in pieces at -v. */
#define LINE_MAX_LEN	1024

/*
 * A hook runs in a session of its own, so a Ctrl-C at the terminal or a
 * SIGTERM to snap does not reach it.  While one runs, these signals are
 * caught and passed on to its process group; once it is gone, snap gets
 * the same signal, as it would have without the hook: it dies of it, or
 * the handler create installed (interrupt.h) takes it.
 */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))
static volatile sig_atomic_t stop_signal;

static void
on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* The last bytes of output, and the line being read. */
struct hook_output {
	const char	*what;
	struct outtail	 tail;
	char		 line[LINE_MAX_LEN];
	size_t		 line_len;
};

static void
flush_line(struct hook_output *o)
{
	out_info(OUT_VERBOSE, "%s: %.*s\n", o->what, (int)o->line_len,
	    o->line);
	o->line_len = 0;
}

static void
take_output(struct hook_output *o, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' || o->line_len == sizeof(o->line))
			flush_line(o);
		if (p[i] != '\n')
			o->line[o->line_len++] = p[i];
	}
	outtail_take(&o->tail, p, n);
}

/* The environment of a hook, in store (freed by env_free). */
static int
env_build(char *envp[7], const struct hook_env *env)
{
	const struct passwd *pw = getpwuid(geteuid());
	char status[16];
	int n = 0;

	snprintf(status, sizeof(status), "%d", env->status);
	if ((envp[n++] = strdup("PATH=" HOOK_PATH)) == NULL ||
	    asprintf(&envp[n++], "HOME=%s", pw != NULL ? pw->pw_dir : "/") ==
	    -1 ||
	    asprintf(&envp[n++], "SNAP_CONFIG=%s", env->config) == -1 ||
	    asprintf(&envp[n++], "SNAP_ROOT=%s", env->root) == -1 ||
	    asprintf(&envp[n++], "SNAP_SNAPSHOT=%s", env->snapshot) == -1 ||
	    asprintf(&envp[n++], "SNAP_STATUS=%s", status) == -1) {
		envp[n - 1] = NULL;
		return -1;
	}
	envp[n] = NULL;
	return 0;
}

static void
env_free(char *envp[7])
{
	size_t i;

	for (i = 0; envp[i] != NULL; i++)
		free(envp[i]);
}

/*
 * The command as messages show it: one line (a YAML escape can put a
 * newline in it), and long commands cut.
 */
static const char *
shown(const char *cmd, char *buf, size_t size)
{
	size_t i;

	for (i = 0; cmd[i] != '\0' && i + 4 < size; i++)
		buf[i] = (unsigned char)cmd[i] < 0x20 || cmd[i] == 0x7f ? '?' :
		    cmd[i];
	if (cmd[i] != '\0')
		memcpy(buf + i - 3, "...", 3);
	buf[i] = '\0';
	return buf;
}

/* In the child: never returns. */
static void
exec_hook(const char *cmd, char *envp[], int out_fd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	int null_fd;

	/* A group of its own: the timeout kills the pipeline with it. */
	setsid();
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd == -1 || dup2(null_fd, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    dup2(out_fd, 2) == -1)
		_exit(127);
	/* Nothing of snap's, the store's lock above all, leaks into it. */
	close_range(3, ~0U, 0);
	execve("/bin/sh", argv, envp);
	dprintf(2, "cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

/*
 * Waits for the hook, reading its output, killing its process group at
 * the deadline.  Sets *wstatus and *timed_out.
 */
static void
supervise(pid_t pid, int fd, unsigned int timeout, struct hook_output *o,
    int *wstatus, bool *timed_out)
{
	/* Seconds since the start; < 0: not yet. */
	double now, exited_at = -1, killed_at = -1;
	struct timespec t0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	bool eof = false, sent_kill = false;
	char buf[4096];
	ssize_t n;

	*timed_out = false;
	mono_start(&t0);
	for (;;) {
		now = mono_seconds_since(&t0);
		if (exited_at < 0 && waitpid(pid, wstatus, WNOHANG) == pid)
			exited_at = now;
		if (exited_at >= 0 && (eof || now - exited_at > DRAIN))
			break;
		if (exited_at < 0 && killed_at < 0 &&
		    (stop_signal != 0 || now >= timeout)) {
			kill(-pid, SIGTERM);
			killed_at = now;
			*timed_out = stop_signal == 0;
		}
		if (killed_at >= 0 && !sent_kill &&
		    now - killed_at >= KILL_GRACE) {
			kill(-pid, SIGKILL);
			sent_kill = true;
		}
		if (eof) {
			poll(NULL, 0, 50);
			continue;
		}
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n > 0)
			take_output(o, buf, (size_t)n);
		else if (n == 0 || errno != EINTR)
			eof = true;
	}
	if (o->line_len > 0)
		flush_line(o);
}

/* Runs one command.  Returns 0, or -1 with e set. */
static int
run_one(const char *what, const char *cmd, char *envp[],
    unsigned int timeout, struct err *e)
{
	struct hook_output o = { .what = what };
	char output[HOOK_OUTPUT_KEEP + 256], how[128], name[200];
	int pipefd[2], wstatus = 0;
	bool timed_out;
	pid_t pid;

	shown(cmd, name, sizeof(name));
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		return err_set(e, errno, "cannot run %s hook '%s'", what, name);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		err_set(e, errno, "cannot run %s hook '%s'", what, name);
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0)
		exec_hook(cmd, envp, pipefd[1]);
	close(pipefd[1]);
	supervise(pid, pipefd[0], timeout, &o, &wstatus, &timed_out);
	close(pipefd[0]);

	if (timed_out)
		snprintf(how, sizeof(how), "did not finish within %u s and "
		    "was killed (raise hooks: timeout: if it needs longer)",
		    timeout);
	else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	else if (WIFEXITED(wstatus))
		snprintf(how, sizeof(how), "failed with exit status %d",
		    WEXITSTATUS(wstatus));
	else
		snprintf(how, sizeof(how), "was killed by signal %d (%s)",
		    WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	outtail_describe(&o.tail, output, sizeof(output));
	err_set(e, 0, "%s hook '%s' %s%s%s", what, name, how,
	    output[0] != '\0' ? "; its output:" : " and printed nothing",
	    output);
	return -1;
}

int
hooks_run(const char *what, char *const *cmds, size_t n,
    const struct hook_env *env, unsigned int timeout, struct err *e)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	struct sigaction old[N_STOP_SIGNALS];
	char *envp[7] = { NULL }, name[200];
	size_t i;
	int r = 0;

	if (n == 0)
		return 0;
	if (env_build(envp, env) == -1) {
		env_free(envp);
		return err_set(e, ENOMEM, "cannot run the %s hooks", what);
	}
	/* No SA_RESTART: the signal wakes the poll in supervise. */
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	for (i = 0; i < N_STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &sa, &old[i]);
	for (i = 0; i < n && r == 0 && stop_signal == 0; i++) {
		out_info(OUT_VERBOSE, "running %s hook: %s\n", what,
		    shown(cmds[i], name, sizeof(name)));
		r = run_one(what, cmds[i], envp, timeout, e);
	}
	for (i = 0; i < N_STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &old[i], NULL);
	env_free(envp);
	/*
	 * The hook is gone; now snap gets the signal it was sent: it
	 * dies of it, or create's handler (interrupt.h) makes the run
	 * stop as an interrupted one.
	 */
	if (stop_signal != 0) {
		raise(stop_signal);
		if (r == 0)
			r = err_set(e, EINTR, "interrupted while the %s hooks "
			    "ran", what);
	}
	return r;
}
