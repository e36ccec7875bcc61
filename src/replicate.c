/*
 * replicate: copy a primary root's snapshots into a replica
 * (replicate.h).
 */
#include "replicate.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "inomap.h"
#include "manifest.h"
#include "name.h"
#include "outtail.h"
#include "remote.h"
#include "retain.h"
#include "rmtree.h"
#include "rsyncargs.h"
#include "shellwords.h"
#include "store.h"
#include "summary.h"

/* The replica's folder for what is fetched beside a tree. */
#define STAGING		"replicate"
#define REFETCH_LIST	"refetch.list"
/* Differences printed per refused snapshot; the rest are counted. */
#define MAX_SHOWN	20

/* One run: the config, the replica's store, where things are. */
struct run {
	const struct config	*cfg;
	const struct replicate_opts *o;
	const struct sys_ops	*sys;
	struct replicate_stats	*stats;
	struct store		 s;
	bool			 store_open;
	int			 staging_fd;	/* .snap/replicate */
	char			*staging;
	char			*incomplete;	/* .snap/incomplete */
	char			*from;		/* [HOST:]/ROOT */
	bool			 confine;

	/* The snapshot being checked. */
	const char		*name;
	struct manifest_writer	*mw;
	struct err		 mw_err;
	bool			 mw_failed;
	bool			 collect;	/* pass 1: refetchable */
	int			 list_fd;	/* REFETCH_LIST */
	size_t			 n_refetch;
	size_t			 n_hard;	/* refusing differences */
	size_t			 n_shown;
	struct verify		*v;
	struct inomap		 names;		/* ino -> names */
	bool			 names_failed;
	uint64_t		 files;		/* regular (last pass) */
	uint64_t		 bytes;
	uint64_t		 received;	/* by its fetches so far */
};

/* The names of one inode with several that the new tree holds. */
struct names {
	uint64_t	seen;
	uint64_t	nlink;
};

static void
warn(struct run *r, const char *msg)
{
	if (r->o->warn != NULL)
		r->o->warn(r->o->arg, msg);
}

static void __attribute__((format(printf, 3, 4)))
info(struct run *r, bool verbose, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (r->o->info == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->o->info(r->o->arg, verbose, msg);
}

/* --- running rsync ------------------------------------------------- */

/* rsync, with what reaches the primary when it is on another host. */
static void
args_rsync(struct run *r, struct rsync_argv *a, const char *options)
{
	const struct config *cfg = r->cfg;

	if (cfg->replicate_host == NULL)
		rsync_argv_start(a, options, NULL, NULL);
	else
		rsync_argv_start(a, options, cfg->ssh_command != NULL ?
		    cfg->ssh_command : CONFIG_SSH_COMMAND_DEFAULT,
		    cfg->rsync_path != NULL ? cfg->rsync_path :
		    CONFIG_RSYNC_PATH_DEFAULT);
}

/*
 * Runs argv: stdout into out_fd (-1: /dev/null), stderr kept for the
 * message.  With r->confine, the child may change nothing but the
 * folder into (link_from: folders it may hard-link from).  Returns 0
 * when rsync succeeded, or -1 with e saying what (what names it).
 */
static int
run_rsync(struct run *r, struct rsync_argv *a, int out_fd, const char *into,
    const char *const *link_from, size_t n_link, const char *what,
    struct err *e)
{
	struct outtail said = { 0 };
	char buf[4096], tail[OUTTAIL_KEEP + 256], how[200];
	int pipefd[2], status, null_fd;
	ssize_t n;
	pid_t pid;

	if (a->failed)
		return err_set(e, ENOMEM, "cannot %s", what);
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		return err_set(e, errno, "cannot %s", what);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		int saved = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return err_set(e, saved, "cannot %s", what);
	}
	if (pid == 0) {
		null_fd = open("/dev/null", O_RDWR);
		if (null_fd == -1 || dup2(null_fd, 0) == -1 ||
		    dup2(out_fd != -1 ? out_fd : null_fd, 1) == -1 ||
		    dup2(pipefd[1], 2) == -1)
			_exit(127);
		/* The store's lock and descriptors stay with snap. */
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		if (r->confine && confine_writes(&into, 1, link_from,
		    n_link) == -1) {
			dprintf(2, "cannot confine rsync to '%s': %s\n", into,
			    strerror(errno));
			_exit(126);
		}
		execvp(a->v[0], a->v);
		dprintf(2, "cannot run %s: %s\n", a->v[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		n = read(pipefd[0], buf, sizeof(buf));
		if (n > 0)
			outtail_take(&said, buf, (size_t)n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return err_set(e, errno, "cannot %s", what);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	outtail_describe(&said, tail, sizeof(tail));
	rsync_describe_status(status, "the primary", how, sizeof(how));
	return err_set(e, 0, "cannot %s (%s)%s%s", what, how,
	    tail[0] != '\0' ? "; it said:" : " and nothing was said", tail);
}

/*
 * run_rsync for a fetch whose argv asked for --stats: its stdout goes to
 * a memfd, read afterwards for the bytes that crossed (remote.h's
 * parser, as for a remote source), added to r->received.  A figure that
 * cannot be had is no reason to fail a copy: it is then not counted.
 */
static int
run_rsync_counted(struct run *r, struct rsync_argv *a, const char *into,
    const char *const *link_from, size_t n_link, const char *what,
    struct err *e)
{
	struct remote_counts counts = { 0 };
	char buf[4096];
	const char *line, *end, *nl;
	struct stat st;
	off_t from = 0;
	ssize_t n = -1;
	int fd, rc;

	fd = memfd_create("rsync-stats", MFD_CLOEXEC);
	rc = run_rsync(r, a, fd, into, link_from, n_link, what, e);
	if (fd == -1)
		return rc;
	/* --stats is some 20 short lines at the end: its last 4 KiB. */
	if (fstat(fd, &st) == 0) {
		if (st.st_size > (off_t)sizeof(buf))
			from = st.st_size - (off_t)sizeof(buf);
		n = pread(fd, buf, sizeof(buf), from);
	}
	close(fd);
	end = buf + (n > 0 ? n : 0);
	for (line = buf; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		/* A line cut at the start of the window is no line. */
		if (line != buf || from == 0)
			remote_parse_line(line, (size_t)(nl - line), &counts);
	}
	/* Over ssh snap's rsync receives; from a local path it is the
	 * sender, and what it sent is what crossed to the replica. */
	r->received += r->cfg->replicate_host != NULL ? counts.received :
	    counts.sent;
	return rc;
}

/* --- the primary's snapshots --------------------------------------- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Adds name to the sorted-later array *v of *n names.  -1: ENOMEM. */
static int
push_name(char (**v)[NAME_SNAPSHOT_LEN], size_t *n, size_t *cap,
    const char *name)
{
	char (*nv)[NAME_SNAPSHOT_LEN];

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((nv = realloc(*v, *cap * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
	}
	/* name passed name_is_snapshot, so it fits; the precision tells
	 * the compiler so too. */
	snprintf((*v)[(*n)++], NAME_SNAPSHOT_LEN, "%.*s",
	    NAME_SNAPSHOT_LEN - 1, name);
	return 0;
}

/*
 * The lines of "rsync -r --list-only" read "PERMS SIZE DATE TIME NAME":
 * four fields, then the path (rsync escapes unprintable bytes, which no
 * snapshot name has).
 */
int
replicate_parse_listing(const char *text, size_t len,
    char (**names)[NAME_SNAPSHOT_LEN])
{
	char (*dirs)[NAME_SNAPSHOT_LEN] = NULL, (*mans)[NAME_SNAPSHOT_LEN] =
	    NULL;
	size_t n_dirs = 0, n_mans = 0, cap_d = 0, cap_m = 0, i, j, k;
	const char *p = text, *end = text + len, *eol, *q;
	char path[256];
	int field, rc = -1;

	*names = NULL;
	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		q = p;
		for (field = 0; field < 4 && q < eol; field++) {
			while (q < eol && *q != ' ')
				q++;
			while (q < eol && *q == ' ')
				q++;
		}
		if (field < 4 || q >= eol || (size_t)(eol - q) >= sizeof(path))
			continue;
		memcpy(path, q, (size_t)(eol - q));
		path[eol - q] = '\0';
		if (p[0] == 'd' && name_is_snapshot(path)) {
			if (push_name(&dirs, &n_dirs, &cap_d, path) == -1)
				goto out;
		} else if (p[0] == '-' && strncmp(path, ".snap/manifests/",
		    16) == 0 && name_is_snapshot(path + 16)) {
			if (push_name(&mans, &n_mans, &cap_m, path + 16) == -1)
				goto out;
		}
	}
	if (n_dirs > 0)
		qsort(dirs, n_dirs, sizeof(*dirs), cmp_names);
	if (n_mans > 0)
		qsort(mans, n_mans, sizeof(*mans), cmp_names);
	/* Complete: the folder and its manifest (as store.h lists). */
	for (i = j = k = 0; i < n_dirs && j < n_mans;) {
		int c = strcmp(dirs[i], mans[j]);

		if (c == 0) {
			memcpy(dirs[k++], dirs[i], NAME_SNAPSHOT_LEN);
			i++;
			j++;
		} else if (c < 0)
			i++;
		else
			j++;
	}
	*names = dirs;
	dirs = NULL;
	rc = (int)k;
out:
	free(dirs);
	free(mans);
	return rc;
}

/* Lists the primary's complete snapshots.  Returns their count or -1. */
static int
list_primary(struct run *r, char (**names)[NAME_SNAPSHOT_LEN],
    struct err *e)
{
	struct rsync_argv a = RSYNC_ARGV_INIT;
	char *text = NULL, what[PATH_MAX + 64];
	struct stat st;
	int fd, n = -1;

	snprintf(what, sizeof(what), "list the snapshots of '%s'", r->from);
	if ((fd = memfd_create("snap-listing", MFD_CLOEXEC)) == -1)
		return err_set(e, errno, "cannot %s", what);
	/* The top folders and .snap/manifests, nothing below. */
	args_rsync(r, &a, "-r");
	rsync_argv_add(&a, "%s", "--list-only");
	rsync_argv_add(&a, "%s", "--filter=+ /.snap/");
	rsync_argv_add(&a, "%s", "--filter=+ /.snap/manifests/");
	rsync_argv_add(&a, "%s", "--filter=+ /.snap/manifests/*");
	rsync_argv_add(&a, "%s", "--filter=- /*/*");
	rsync_argv_add(&a, "%s", "--");
	rsync_argv_add(&a, "%s/", r->from);
	if (run_rsync(r, &a, fd, r->staging, NULL, 0, what, e) == -1)
		goto out;
	if (fstat(fd, &st) == -1 || (text = malloc((size_t)st.st_size +
	    1)) == NULL || pread(fd, text, (size_t)st.st_size, 0) !=
	    st.st_size) {
		err_set(e, errno ? errno : EIO, "cannot %s", what);
		goto out;
	}
	if ((n = replicate_parse_listing(text, (size_t)st.st_size,
	    names)) == -1)
		err_set(e, ENOMEM, "cannot %s", what);
out:
	free(text);
	close(fd);
	rsync_argv_free(&a);
	return n;
}

/* --- checking a received snapshot ---------------------------------- */

static bool
has_what(const struct verify_finding *f, const char *what)
{
	size_t i;

	for (i = 0; i < f->n_what; i++)
		if (strcmp(f->what[i], what) == 0)
			return true;
	return false;
}

/*
 * A difference that fetching the file again may mend: only its content
 * (and so the inode number the primary recorded) differs, and that
 * content is the replica's previous copy, which rsync linked because
 * size and mtime agreed.
 */
static bool
refetchable(const struct verify_finding *f)
{
	size_t i;

	if (f->kind != VERIFY_CHANGED || !f->unread || !has_what(f, "content"))
		return false;
	for (i = 0; i < f->n_what; i++)
		if (strcmp(f->what[i], "content") != 0 &&
		    strcmp(f->what[i], "inode") != 0)
			return false;
	return true;
}

static void
on_finding(const struct verify_finding *f, void *arg)
{
	struct run *r = arg;
	char nul = '\0';

	if (r->collect && refetchable(f)) {
		if (write(r->list_fd, f->path, f->path_len) !=
		    (ssize_t)f->path_len || write(r->list_fd, &nul, 1) != 1)
			r->n_hard++;	/* cannot mend it: refused */
		r->n_refetch++;
		return;
	}
	r->n_hard++;
	if (r->n_shown++ < MAX_SHOWN && r->o->finding != NULL)
		r->o->finding(r->o->arg, f);
}

/* The replica's manifest: the primary's records, the replica's inodes. */
static void
on_matched(const struct entry *m, const struct stat *st, void *arg)
{
	struct run *r = arg;
	struct entry copy = *m;

	struct names *n;

	if (m->type == ENTRY_REG) {
		r->files++;
		r->bytes += m->size;
	}

	/*
	 * A file with names outside the tree that is not the replica's own
	 * previous copy was linked in from elsewhere: rsync's --link-dest
	 * follows a symlink in the folder it links from.
	 */
	if (m->type == ENTRY_REG && st->st_nlink > 1 &&
	    !verify_is_known(r->v, (uint64_t)st->st_ino)) {
		if ((n = inomap_insert(&r->names, 0, (uint64_t)st->st_ino,
		    NULL)) == NULL)
			r->names_failed = true;
		else {
			n->seen++;
			n->nlink = st->st_nlink;
		}
	}
	if (r->mw_failed)
		return;
	copy.stored_ino = (uint64_t)st->st_ino;
	if (manifest_writer_add(r->mw, &copy, &r->mw_err) == -1)
		r->mw_failed = true;
}

/*
 * The replica's previous snapshot was checked when it was copied: a
 * file rsync linked to it keeps its hash, unread.  A manifest that
 * cannot be read only means those files are read.
 */
static void
know_previous(struct run *r, struct verify *v)
{
	struct manifest_reader *mr = NULL;
	struct entry m;
	struct err e;
	int got;

	if (r->s.prev[0] == '\0' ||
	    manifest_reader_open(&mr, r->s.manifests_fd, r->s.prev, &e) == -1)
		return;
	while ((got = manifest_reader_next(mr, &m, NULL, &e)) == 1)
		if (m.type == ENTRY_REG && m.has_hash && m.stored_ino != 0 &&
		    verify_know(v, m.stored_ino, m.hash, m.xattr_hash,
		    &e) == -1)
			break;
	manifest_reader_close(mr);
}

/* Every name of a new file with several must be in the new tree. */
static void
check_names(struct run *r)
{
	const struct names *n;
	size_t iter = 0;
	uint64_t ino;
	char msg[512];

	while ((n = inomap_next(&r->names, &iter, NULL, &ino)) != NULL) {
		if (n->seen >= n->nlink)
			continue;
		r->n_hard++;
		if (r->n_shown++ < MAX_SHOWN) {
			snprintf(msg, sizeof(msg), "snapshot '%s': inode %"
			    PRIu64 " has %" PRIu64 " names outside it: a file "
			    "from elsewhere was linked in", r->name, ino,
			    n->nlink - n->seen);
			warn(r, msg);
		}
	}
}

/*
 * One comparison of incomplete/NAME with the primary's manifest, the
 * replica's manifest written meanwhile.  Returns 0 when it ran (see
 * r->n_hard, r->n_refetch), or -1 with e set.
 */
static int
check_pass(struct run *r, bool collect, struct err *e)
{
	struct verify_opts vo = { .sample = 100 };
	struct verify_stats vs;
	struct verify *v = NULL;
	int rc = -1, got;

	r->collect = collect;
	r->n_refetch = r->n_hard = r->n_shown = 0;
	r->files = r->bytes = 0;
	r->mw_failed = false;
	r->list_fd = -1;
	if (collect && (r->list_fd = openat(r->staging_fd, REFETCH_LIST,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return err_set(e, errno, "cannot check snapshot '%s'",
		    r->name);
	vo.check_owner = r->o->check_owner;
	vo.report = on_finding;
	vo.matched = on_matched;
	vo.arg = r;
	if (manifest_writer_open(&r->mw, r->s.manifests_fd, r->name, r->sys,
	    e) == -1)
		goto out;
	if (verify_open(&v, &vo, e) == -1)
		goto out;
	r->v = v;
	inomap_init(&r->names, sizeof(struct names));
	r->names_failed = false;
	know_previous(r, v);
	got = verify_snapshot(v, r->incomplete, r->staging_fd, r->name, e);
	verify_get_stats(v, &vs);
	r->stats->files_hashed += vs.inodes_hashed;
	r->stats->bytes_hashed += vs.bytes_hashed;
	if (got != 0)
		goto out;
	if (r->mw_failed) {
		*e = r->mw_err;
		goto out;
	}
	if (r->names_failed) {
		err_set(e, ENOMEM, "cannot check snapshot '%s'", r->name);
		goto out;
	}
	rc = 0;
	check_names(r);
out:
	if (v != NULL)
		inomap_free(&r->names);
	r->v = NULL;
	verify_close(v);
	if (r->list_fd != -1)
		close(r->list_fd);
	if (rc == -1 || r->n_hard > 0 || r->n_refetch > 0) {
		manifest_writer_abort(r->mw);
		r->mw = NULL;
	}
	return rc;
}

/* --- one snapshot -------------------------------------------------- */

/* Fetches NAME's manifest and summary into .snap/replicate.  0 or -1. */
static int
fetch_records(struct run *r, struct err *e)
{
	struct rsync_argv a = RSYNC_ARGV_INIT;
	char what[PATH_MAX + 64];
	struct stat st;
	int rc;

	snprintf(what, sizeof(what), "fetch the manifest of '%s' from '%s'",
	    r->name, r->from);
	args_rsync(r, &a, "-rlpt");
	rsync_argv_add(&a, "%s", "--stats");
	rsync_argv_add(&a, "%s", "--no-h");
	rsync_argv_add(&a, "--filter=+ /%s", r->name);
	rsync_argv_add(&a, "--filter=+ /%s.summary", r->name);
	rsync_argv_add(&a, "%s", "--filter=- *");
	rsync_argv_add(&a, "%s", "--");
	rsync_argv_add(&a, "%s/.snap/manifests/", r->from);
	rsync_argv_add(&a, "%s/", r->staging);
	rc = run_rsync_counted(r, &a, r->staging, NULL, 0, what, e);
	rsync_argv_free(&a);
	if (rc == -1)
		return -1;
	/* A name that is a symlink or a FIFO here is no manifest. */
	if (fstatat(r->staging_fd, r->name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return err_set(e, ENOENT, "the primary '%s' sent no manifest "
		    "for snapshot '%s'", r->from, r->name);
	return 0;
}

/* rsync of the tree of NAME into incomplete/NAME.  0 or -1. */
static int
fetch_tree(struct run *r, const char *build, bool again, struct err *e)
{
	struct rsync_argv a = RSYNC_ARGV_INIT;
	const char *link_from[1];
	char what[PATH_MAX + 64], *prev = NULL;
	size_t n_link = 0;
	int rc = -1;

	snprintf(what, sizeof(what), "copy snapshot '%s' from '%s'", r->name,
	    r->from);
	args_rsync(r, &a, "-aHAX");
	rsync_argv_add(&a, "%s", "--sparse");
	rsync_argv_add(&a, "%s", "--stats");
	rsync_argv_add(&a, "%s", "--no-h");
	if (r->cfg->checksum)
		rsync_argv_add(&a, "%s", "--checksum");
	if (again) {
		/* Only the listed files, whatever their size and mtime. */
		rsync_argv_add(&a, "%s", "--ignore-times");
		rsync_argv_add(&a, "%s", "--from0");
		rsync_argv_add(&a, "--files-from=%s/" REFETCH_LIST, r->staging);
	} else {
		/* What an interrupted copy left that the primary lacks. */
		rsync_argv_add(&a, "%s", "--delete");
		if (r->s.prev[0] != '\0') {
			if (asprintf(&prev, "%s/%s", r->cfg->snapshot_root,
			    r->s.prev) == -1) {
				prev = NULL;
				err_set(e, ENOMEM, "cannot %s", what);
				goto out;
			}
			rsync_argv_add(&a, "--link-dest=%s", prev);
			link_from[n_link++] = prev;
		}
	}
	rsync_argv_add(&a, "%s", "--");
	rsync_argv_add(&a, "%s/", r->from);
	/* args_add formats one string: the name goes with the root. */
	if (a.n > 0 && !a.failed) {
		char *last = a.v[a.n - 1];

		if (asprintf(&a.v[a.n - 1], "%s%s/", last, r->name) == -1) {
			a.v[a.n - 1] = last;
			a.failed = true;
		} else
			free(last);
	}
	rsync_argv_add(&a, "%s/", build);
	rc = run_rsync_counted(r, &a, build, link_from, n_link, what, e);
out:
	rsync_argv_free(&a);
	free(prev);
	return rc;
}

/* fsyncs dirfd/name.  Returns 0 or -1 with errno set. */
static int
fsync_at(int dirfd, const char *name)
{
	int fd, r, saved;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/*
 * Puts the checked snapshot in place: the manifest, the summary, then
 * the tree (store_commit).  Returns 0, 1 with e set to a warning (in
 * place, but a later step failed), or -1 with e set.
 */
static int
publish(struct run *r, bool *refused, struct err *e)
{
	struct create_stats sum;
	char file[NAME_SNAPSHOT_LEN + 16];
	struct stat st;
	bool have_summary;
	int rc;

	*refused = false;
	snprintf(file, sizeof(file), "%s.summary", r->name);
	have_summary = fstatat(r->staging_fd, file, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
	if (have_summary && (!S_ISREG(st.st_mode) ||
	    summary_read(r->staging_fd, r->name, &sum, e) == -1 ||
	    strcmp(sum.name, r->name) != 0)) {
		manifest_writer_abort(r->mw);
		r->mw = NULL;
		*refused = true;
		return err_set(e, 0, "snapshot '%s' from '%s' is refused: its "
		    "summary is not one of it", r->name, r->from);
	}
	rc = manifest_writer_commit(r->mw, e);
	r->mw = NULL;
	if (rc == -1)
		return -1;
	if (have_summary && (fsync_at(r->staging_fd, file) == -1 ||
	    r->sys->renameat(r->staging_fd, file, r->s.manifests_fd,
	    file) == -1 || r->sys->fsync(r->s.manifests_fd) == -1))
		return err_set(e, errno, "cannot put the summary of '%s' in "
		    "place", r->name);
	if (!have_summary)
		info(r, false, "snapshot '%s' has no summary on the primary",
		    r->name);
	return store_commit(&r->s, e);
}

/* Counts a published snapshot and tells the caller. */
static void
told_copied(struct run *r)
{
	struct replicate_copied c = { r->name, r->files, r->bytes,
	    r->received };

	r->stats->copied++;
	r->stats->files += r->files;
	r->stats->bytes += r->bytes;
	if (r->o->copied != NULL)
		r->o->copied(r->o->arg, &c);
}

/*
 * Copies, checks and publishes one snapshot.  Returns 0 when published
 * (or published with a warning, which went out), 1 when refused (said),
 * or -1 with e set when the run must stop.
 */
static int
copy_one(struct run *r, const char *name, struct err *e)
{
	char *build = NULL;
	struct err why;
	bool refused;
	int got, rc = -1;

	r->name = name;
	r->received = 0;
	if ((got = store_begin_named(&r->s, name, e)) == -1)
		return -1;
	if (got == 1)
		info(r, false, "going on with the interrupted copy of '%s'",
		    name);
	if (asprintf(&build, "%s/%s", r->incomplete, name) == -1) {
		build = NULL;
		err_set(e, ENOMEM, "cannot copy snapshot '%s'", name);
		goto keep;
	}
	if (fetch_records(r, e) == -1 || fetch_tree(r, build, false, e) == -1)
		goto keep;
	if (check_pass(r, true, e) == -1)
		goto keep;
	if (r->n_hard == 0 && r->n_refetch > 0) {
		info(r, true, "%zu %s of '%s' changed with size and mtime "
		    "kept: fetched again", r->n_refetch, r->n_refetch == 1 ?
		    "file" : "files", name);
		r->stats->refetched += r->n_refetch;
		if (fetch_tree(r, build, true, e) == -1 ||
		    check_pass(r, false, e) == -1)
			goto keep;
	}
	if (r->n_hard > 0) {
		if (r->n_shown > MAX_SHOWN)
			info(r, false, "... and %zu more differences",
			    r->n_shown - MAX_SHOWN);
		err_set(&why, 0, "snapshot '%s' from '%s' is refused: %zu of "
		    "its entries do not match its manifest (above); nothing "
		    "of it was published", name, r->from, r->n_hard);
		goto refuse;
	}
	got = publish(r, &refused, &why);
	if (refused)
		goto refuse;
	if (got == -1) {
		*e = why;
		goto drop;
	}
	if (got == 1)
		warn(r, why.msg);
	told_copied(r);
	rc = 0;
	goto out;
refuse:
	/* What the primary sent is not kept, not even to link from. */
	store_abort(&r->s);
	warn(r, why.msg);
	r->stats->refused++;
	rc = 1;
	goto out;
drop:
	store_abort(&r->s);
	goto out;
keep:
	/* The next run goes on from what is there. */
	store_abort_keep(&r->s);
out:
	r->stats->received_bytes += r->received;
	free(build);
	return rc;
}

/* --- the run ------------------------------------------------------- */

/* Would the replica's retain keep snapshot name beside those it has? */
static bool
retain_would_keep(const struct config *cfg, const struct store_list *have,
    const char *name)
{
	struct retain_snapshot *snaps;
	unsigned *keep;
	size_t i, at;
	bool kept = true;

	if (retain_policy_empty(&cfg->retain))
		return true;
	snaps = calloc(have->n + 1, sizeof(*snaps));
	keep = calloc(have->n + 1, sizeof(*keep));
	if (snaps == NULL || keep == NULL)
		goto out;
	/* name among the others, in time order. */
	for (i = 0; i < have->n && strcmp(have->names[i], name) < 0; i++)
		continue;
	at = i;
	for (i = 0; i <= have->n; i++)
		if (retain_name_time(i == at ? name : have->names[i -
		    (i > at)], &snaps[i].time) == -1)
			goto out;
	retain_decide(snaps, have->n + 1, &cfg->retain, keep);
	kept = keep[at] != 0;
out:
	free(snaps);
	free(keep);
	return kept;
}

static int
open_staging(struct run *r, struct err *e)
{
	struct stat st;

	if (fstatat(r->s.meta_fd, STAGING, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    rmtree_remove(r->sys, r->s.meta_fd, STAGING, NULL, e) == -1)
		return -1;
	if (r->sys->mkdirat(r->s.meta_fd, STAGING, 0700) == -1 ||
	    (r->staging_fd = openat(r->s.meta_fd, STAGING, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_set(e, errno, "cannot make '%s/.snap/" STAGING "'",
		    r->cfg->snapshot_root);
	if (asprintf(&r->staging, "%s/.snap/" STAGING, r->cfg->snapshot_root)
	    == -1 || asprintf(&r->incomplete, "%s/.snap/incomplete",
	    r->cfg->snapshot_root) == -1)
		return err_set(e, ENOMEM, "cannot replicate");
	return 0;
}

char *
replicate_primary(const struct config *cfg)
{
	char *from;

	if (asprintf(&from, "%s%s%s", cfg->replicate_host != NULL ?
	    cfg->replicate_host : "", cfg->replicate_host != NULL ? ":" : "",
	    cfg->replicate_from) == -1)
		return NULL;
	return from;
}

int
replicate_run(const struct config *cfg, const struct replicate_opts *o,
    const struct sys_ops *sys, struct replicate_stats *stats, struct err *e)
{
	struct run r = { .cfg = cfg, .o = o, .sys = sys, .stats = stats,
	    .staging_fd = -1 };
	char (*names)[NAME_SNAPSHOT_LEN] = NULL;
	char newest[NAME_SNAPSHOT_LEN] = "", msg[512];
	struct store_list have = { NULL, 0 };
	size_t i, j = 0;
	int n, got, rc = -1;
	struct err first;

	memset(stats, 0, sizeof(*stats));
	err_clear(&first);
	if (cfg->replicate_from == NULL)
		return err_set(e, EINVAL, "config '%s' names no replicate_from",
		    cfg->file);
	if ((r.from = replicate_primary(cfg)) == NULL)
		return err_set(e, ENOMEM, "cannot replicate");
	r.store_open = true;	/* store_close is safe after a failure */
	if ((rc = store_open(&r.s, cfg, STORE_WRITE, sys, e)) != 0)
		goto out;
	rc = -1;
	if (open_staging(&r, e) == -1)
		goto out;
	r.confine = stats->confined = confine_supported();
	if (!r.confine)
		info(&r, true, "Landlock is not available: rsync is not "
		    "confined to the replica's incomplete folder");
	if ((n = list_primary(&r, &names, e)) == -1)
		goto out;
	stats->primary = (size_t)n;
	if (store_list_snapshots(&r.s, &have, e) == -1)
		goto out;
	if (have.n > 0)
		memcpy(newest, have.names[have.n - 1], NAME_SNAPSHOT_LEN);
	for (i = 0; i < (size_t)n; i++) {
		while (j < have.n && strcmp(have.names[j], names[i]) < 0)
			j++;
		if (j < have.n && strcmp(have.names[j], names[i]) == 0) {
			stats->present++;
			continue;
		}
		if (strcmp(names[i], newest) < 0) {
			/* History grows at its end only: see replicate.h. */
			stats->skipped++;
			if (retain_would_keep(cfg, &have, names[i])) {
				stats->skipped_kept++;
				snprintf(msg, sizeof(msg), "snapshot '%s' of "
				    "the primary is older than the newest here "
				    "('%s') and is not copied: the replica "
				    "lacks it (refused or deleted here)",
				    names[i], newest);
				warn(&r, msg);
			} else
				info(&r, true, "snapshot '%s' of the primary "
				    "is older than the newest here, and "
				    "retain would prune it: not copied",
				    names[i]);
			continue;
		}
		if ((got = copy_one(&r, names[i], e)) == -1)
			goto out;
		if (got == 1 && first.msg[0] == '\0')
			snprintf(first.msg, sizeof(first.msg), "snapshot '%s' "
			    "from '%s' was refused", names[i], r.from);
	}
	rc = stats->refused > 0 ? 1 : 0;
	if (rc == 1)
		*e = first;
out:
	if (r.staging_fd != -1) {
		/* The staging folder holds nothing worth keeping. */
		struct err ignored;

		close(r.staging_fd);
		rmtree_remove(sys, r.s.meta_fd, STAGING, NULL, &ignored);
	}
	if (r.store_open)
		store_close(&r.s);
	store_list_free(&have);
	free(names);
	free(r.from);
	free(r.staging);
	free(r.incomplete);
	return rc;
}
