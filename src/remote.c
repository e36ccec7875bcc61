/*
 * remote: rsync over ssh for a remote source (remote.h).
 */
#include "remote.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outtail.h"

/* Seconds without any data before rsync gives up on a silent host. */
#define REMOTE_IO_TIMEOUT	"--timeout=600"

/* The argv being built; every string in it is owned. */
struct args {
	char	**v;
	size_t	  n;
	size_t	  cap;
	int	  failed;		/* an allocation failed */
};

static void
args_add(struct args *a, char *s)
{
	char **v;

	if (s == NULL) {
		a->failed = 1;
		return;
	}
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		if ((v = realloc(a->v, a->cap * sizeof(*v))) == NULL) {
			free(s);
			a->failed = 1;
			return;
		}
		a->v = v;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void
args_addf(struct args *a, const char *fmt, const char *arg)
{
	char *s;

	if (asprintf(&s, fmt, arg) == -1)
		s = NULL;
	args_add(a, s);
}

static void
args_free(struct args *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* What rsync keeps of what "What a snapshot keeps" lists. */
static void
args_common(struct args *a)
{
	args_add(a, strdup("rsync"));
	args_add(a, strdup("-aHAX"));
	args_add(a, strdup("--numeric-ids"));
	args_add(a, strdup("--sparse"));
}

char *
remote_filter_arg(const struct filter_rule *rule)
{
	char *arg;

	if (asprintf(&arg, "--filter=%c %s", rule->include ? '+' : '-',
	    rule->pattern) == -1)
		return NULL;
	return arg;
}

/*
 * Runs argv (argv[0] looked up in PATH) with stdin and stdout on
 * /dev/null and stderr kept in *said.  Returns the wait status, or -1
 * with errno set when it could not be started.
 */
static int
run_rsync(char **argv, struct outtail *said)
{
	int pipefd[2], status, null_fd;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1) {
		int saved = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		/* The store's lock and descriptors stay with snap. */
		null_fd = open("/dev/null", O_RDWR);
		if (null_fd == -1 || dup2(null_fd, 0) == -1 ||
		    dup2(null_fd, 1) == -1 || dup2(pipefd[1], 2) == -1)
			_exit(127);
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		n = read(pipefd[0], buf, sizeof(buf));
		if (n > 0)
			outtail_take(said, buf, (size_t)n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return status;
}

/* A few words on rsync's commonest exit statuses for a remote source. */
static const char *
rsync_status_word(int code)
{
	switch (code) {
	/* Which of the two depends on who noticed first. */
	case 255:
	case 12:
		return "the connection failed: ssh could not connect or log "
		    "in, or it broke";
	case 5:
		return "the host's rsync would not start";
	case 23:
		return "some files or the path could not be read on the host";
	case 30:
	case 35:
		return "the host did not answer in time";
	case 127:
		return "rsync or the ssh command was not found";
	}
	return "rsync failed";
}

/*
 * Runs the transfer and tells what it gave: 0, REMOTE_VANISHED or -1,
 * with e set for the last two.  what names the source in messages.
 */
static int
transfer(struct args *a, const char *what, struct err *e)
{
	struct outtail said = { 0 };
	char tail[OUTTAIL_KEEP + 256], how[160];
	int status, code;

	if (a->failed)
		return err_set(e, ENOMEM, "cannot back up '%s'", what);
	if ((status = run_rsync(a->v, &said)) == -1)
		return err_set(e, errno, "cannot back up '%s': cannot run "
		    "rsync", what);
	outtail_describe(&said, tail, sizeof(tail));
	if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
		if (code == 0)
			return 0;
		if (code == 24) {
			err_set(e, 0, "files of '%s' vanished while they were "
			    "copied; the snapshot holds the rest%s%s", what,
			    tail[0] != '\0' ? "; rsync said:" : "", tail);
			return REMOTE_VANISHED;
		}
		snprintf(how, sizeof(how), "rsync exit status %d: %s", code,
		    rsync_status_word(code));
	} else {
		snprintf(how, sizeof(how), "rsync was killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	}
	return err_set(e, 0, "cannot back up '%s' (%s)%s%s", what, how,
	    tail[0] != '\0' ? "; it said:" : " and nothing was said", tail);
}

int
remote_fetch(const struct config_source *src, const char *into,
    const char *link_dest, bool checksum, struct err *e)
{
	struct args a = { 0 };
	char *what = NULL;
	size_t i;
	int r;

	args_common(&a);
	args_add(&a, strdup(REMOTE_IO_TIMEOUT));
	if (checksum)
		args_add(&a, strdup("--checksum"));
	args_add(&a, strdup("-e"));
	args_add(&a, strdup(src->ssh_command));
	args_addf(&a, "--rsync-path=%s", src->rsync_path);
	if (src->one_file_system)
		args_add(&a, strdup("--one-file-system"));
	for (i = 0; i < src->filter.n_rules; i++)
		args_add(&a, remote_filter_arg(&src->filter.rules[i]));
	if (link_dest != NULL)
		args_addf(&a, "--link-dest=%s", link_dest);
	args_add(&a, strdup("--"));
	if (asprintf(&what, "%s:%s", src->host, src->path) == -1)
		what = NULL;
	/* The trailing '/': the folder's content, not the folder in it. */
	args_addf(&a, "%s/", what);
	args_addf(&a, "%s/", into);
	r = what == NULL ? err_set(e, ENOMEM, "cannot back up '%s'",
	    src->host) : transfer(&a, what, e);
	free(what);
	args_free(&a);
	return r;
}

int
remote_relink(const char *prev, const char *into, struct err *e)
{
	struct args a = { 0 };
	int r;

	args_common(&a);
	args_addf(&a, "--link-dest=%s", prev);
	args_add(&a, strdup("--"));
	args_addf(&a, "%s/", prev);
	args_addf(&a, "%s/", into);
	r = transfer(&a, prev, e);
	args_free(&a);
	return r == 0 ? 0 : -1;
}
