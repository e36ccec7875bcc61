#include "metrics.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "sys.h"

void
metrics_read_root(const struct config *cfg, const struct sys_ops *sys,
    struct metrics_root *root)
{
	struct store s;
	struct store_list list = { NULL, 0 };
	struct statvfs vfs;
	struct stat st;
	char summary[NAME_SNAPSHOT_LEN + 16];
	struct err e;

	memset(root, 0, sizeof(*root));
	if (store_open(&s, cfg, STORE_READ, sys, &e) != 0) {
		store_close(&s);
		return;
	}
	if (store_list_snapshots(&s, &list, &e) == 0 &&
	    fstatvfs(s.root_fd, &vfs) == 0) {
		root->known = true;
		root->snapshots = list.n;
		root->free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		root->size_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		/* The summary is written as the run commits: its mtime is
		 * when the newest snapshot was complete. */
		if (list.n > 0) {
			snprintf(summary, sizeof(summary), "%s.summary",
			    list.names[list.n - 1]);
			if (fstatat(s.manifests_fd, summary, &st, 0) == 0)
				root->last_success = st.st_mtime;
		}
	}
	store_list_free(&list);
	store_close(&s);
}

/* A label value: backslash, double quote and newline escaped. */
static void
print_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
header(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample: name{config="...",extra} value. */
static void
sample(FILE *f, const char *config, const char *name, const char *extra,
    double value)
{
	fprintf(f, "%s{config=\"", name);
	print_label(f, config);
	/* 15 digits: byte counts up to a petabyte stay exact, and a
	 * duration reads 0.062189777, not 0.062189777000000002. */
	fprintf(f, "\"%s} %.15g\n", extra, value);
}

static void
gauge(FILE *f, const char *config, const char *name, const char *help,
    double value)
{
	header(f, name, help);
	sample(f, config, name, "", value);
}

/* A family with one sample per way of storing: how="linked" and so on. */
struct by_how {
	const char	*how;
	uint64_t	 value;
};

static void
family_by_how(FILE *f, const char *config, const char *name,
    const char *help, const struct by_how *v, size_t n)
{
	char label[64];
	size_t i;

	header(f, name, help);
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), ",how=\"%s\"", v[i].how);
		sample(f, config, name, label, (double)v[i].value);
	}
}

/* What only a run that made a snapshot has to say. */
static void
format_counts(FILE *f, const char *config, const struct create_stats *s)
{
	const struct by_how files[] = {
		{ "linked", s->linked },
		{ "linked_content", s->linked_content },
		{ "hardlinked", s->hardlinked },
		{ "reused", s->reused },
		{ "copied", s->copied },
	};
	const struct by_how bytes[] = {
		{ "linked", s->total_bytes - s->copied_bytes },
		{ "copied", s->copied_bytes },
		{ "received", s->received_bytes },
	};

	gauge(f, config, "snap_last_run_warnings",
	    "Warnings of the last run (vanished files and the like).",
	    (double)s->warnings);
	gauge(f, config, "snap_last_run_entries",
	    "Entries (files, folders, links) in the last snapshot.",
	    (double)s->entries);
	family_by_how(f, config, "snap_last_run_files",
	    "Regular files of the last snapshot, by how they were stored.",
	    files, sizeof(files) / sizeof(files[0]));
	family_by_how(f, config, "snap_last_run_bytes",
	    "Bytes of regular files of the last snapshot, linked (no new "
	    "space) or copied; received: bytes that came from remote hosts "
	    "over the network (not a part of the others' sum).", bytes, sizeof(bytes) / sizeof(bytes[0]));
}

/* What a replicate run has to say, failed or not. */
static void
format_replicated(FILE *f, const char *config,
    const struct replicate_stats *s)
{
	const struct by_how snapshots[] = {
		{ "copied", s->copied },
		{ "refused", s->refused },
		{ "present", s->present },
		{ "skipped", s->skipped },
	};
	const struct by_how bytes[] = {
		{ "total", s->bytes },
		{ "received", s->received_bytes },
	};

	family_by_how(f, config, "snap_last_replicate_snapshots",
	    "Snapshots of the primary in the last replicate run: copied, "
	    "refused (not as their manifest says), present here already, "
	    "skipped (older than the newest here).", snapshots,
	    sizeof(snapshots) / sizeof(snapshots[0]));
	gauge(f, config, "snap_last_replicate_files",
	    "Regular files of the snapshots the last replicate run copied.",
	    (double)s->files);
	family_by_how(f, config, "snap_last_replicate_bytes",
	    "Bytes of the regular files of the snapshots the last replicate "
	    "run copied (total, linked or fetched), and received: bytes that "
	    "came from the primary over the network.", bytes,
	    sizeof(bytes) / sizeof(bytes[0]));
}

/*
 * The four facts of any run, under prefix (snap_last_run,
 * snap_last_replicate), what naming the command.
 */
static void
format_run(FILE *f, const char *config, const char *prefix,
    const char *what, const struct metrics_run *run)
{
	char name[64], help[128];

	snprintf(name, sizeof(name), "%s_timestamp_seconds", prefix);
	snprintf(help, sizeof(help), "When the last snap %s run ended.",
	    what);
	gauge(f, config, name, help, (double)run->ended);
	snprintf(name, sizeof(name), "%s_duration_seconds", prefix);
	snprintf(help, sizeof(help), "How long the last snap %s run took.",
	    what);
	gauge(f, config, name, help, run->seconds);
	snprintf(name, sizeof(name), "%s_exit_status", prefix);
	gauge(f, config, name, "Exit status of the last run: 0 ok, 1 failed, "
	    "3 warnings.", run->exit_status);
	snprintf(name, sizeof(name), "%s_success", prefix);
	gauge(f, config, name, run->replicated != NULL ?
	    "1 if the last run copied every snapshot it tried (exit status 0 "
	    "or 3)." : "1 if the last run made a snapshot (exit status 0 or "
	    "3).", run->exit_status == 0 || run->exit_status == 3);
}

void
metrics_format(FILE *f, const char *config, const struct metrics_run *run,
    const struct metrics_root *root)
{
	if (run->replicated != NULL) {
		format_run(f, config, "snap_last_replicate", "replicate", run);
		format_replicated(f, config, run->replicated);
	} else {
		format_run(f, config, "snap_last_run", "create", run);
		if (run->stats != NULL)
			format_counts(f, config, run->stats);
	}
	if (!root->known)
		return;
	gauge(f, config, "snap_last_success_timestamp_seconds",
	    "When the newest snapshot was completed (0: none yet).",
	    (double)root->last_success);
	gauge(f, config, "snap_snapshots", "Complete snapshots in the root.",
	    (double)root->snapshots);
	gauge(f, config, "snap_root_free_bytes",
	    "Space left for snapshots on the snapshot root's filesystem.",
	    (double)root->free_bytes);
	gauge(f, config, "snap_root_size_bytes",
	    "Size of the snapshot root's filesystem.",
	    (double)root->size_bytes);
}

/* dir and base of path, into dir (PATH_MAX). */
static const char *
split_path(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		strcpy(dir, ".");
		return path;
	}
	if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
	return slash + 1;
}

/* Writes all of buf to fd through sys.  Returns 0, or -1 with errno. */
static int
write_all(const struct sys_ops *sys, int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = sys->write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The config="..." label: the config's real path, so that a manual run
 * ("snap -c snap.yaml" in /etc/snap, or through a symlink) and the unit
 * ("-c /etc/snap/snap.yaml") update one series, not two.  Falls back to
 * the path as given when it cannot be resolved.
 */
static void
format_with_label(FILE *f, const struct config *cfg,
    const struct metrics_run *run, const struct metrics_root *root)
{
	char *real = realpath(cfg->file, NULL);

	metrics_format(f, real != NULL ? real : cfg->file, run, root);
	free(real);
}

int
metrics_write(const struct config *cfg, const struct metrics_run *run,
    const struct sys_ops *sys, struct err *e)
{
	const char *path = cfg->metrics_file, *base;
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	struct metrics_root root;
	int dfd = -1, fd = -1, saved;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	metrics_read_root(cfg, sys, &root);
	/* Formatted in memory, so that the write goes through sys. */
	if ((f = open_memstream(&text, &len)) == NULL)
		return err_set(e, errno, "cannot write metrics_file '%s'",
		    path);
	format_with_label(f, cfg, run, &root);
	if (fclose(f) == EOF) {
		saved = errno;
		free(text);
		return err_set(e, saved, "cannot write metrics_file '%s'",
		    path);
	}
	base = split_path(path, dir);
	/* The collector reads *.prom only: a dot name is never read. */
	snprintf(tmp, sizeof(tmp), ".%.200s.%ld.tmp", base, (long)getpid());
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	fd = sys->openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1)
		goto fail;
	/* fchmod: the umask must not hide the file from the collector. */
	if (sys->fchmod(fd, 0644) == -1 || write_all(sys, fd, text,
	    len) == -1 || sys->fsync(fd) == -1)
		goto fail_unlink;
	if (close(fd) == -1) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (sys->renameat(dfd, tmp, dfd, base) == -1)
		goto fail_unlink;
	close(dfd);
	free(text);
	return 0;
fail_unlink:
	saved = errno;
	if (fd != -1)
		close(fd);
	sys->unlinkat(dfd, tmp, 0);
	errno = saved;
fail:
	saved = errno;
	if (dfd != -1)
		close(dfd);
	free(text);
	return err_set(e, saved, "cannot write metrics_file '%s'", path);
}
