/*
 * Unit tests of metrics_format: the Prometheus text a run and a root
 * turn into, compared line by line, and the escaping of the config label.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "scratch.h"

/* metrics_format's output, as one string (free it). */
static char *
format(const char *config, const struct metrics_run *run,
    const struct metrics_root *root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	metrics_format(f, config, run, root);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* text has the line `line` (whole). */
static void
assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void
test_metrics_successful_run(void **state)
{
	struct create_stats stats = {
		.entries = 120, .linked = 90, .linked_content = 3,
		.hardlinked = 2, .reused = 1, .copied = 4,
		.copied_bytes = 4096, .total_bytes = 1000000, .warnings = 2,
	};
	struct metrics_run run = {
		.ended = 1795693090, .seconds = 1.5, .exit_status = 3,
		.stats = &stats,
	};
	struct metrics_root root = {
		.known = true, .snapshots = 7, .last_success = 1795693089,
		.free_bytes = 5368709120ULL, .size_bytes = 10737418240ULL,
	};
	char *text = format("/etc/snap/snap.yaml", &run, &root);

	(void)state;
	assert_line(text, "# HELP snap_last_run_exit_status Exit status of "
	    "the last run: 0 ok, 1 failed, 3 warnings.");
	assert_line(text, "# TYPE snap_last_run_exit_status gauge");
	assert_line(text, "snap_last_run_timestamp_seconds"
	    "{config=\"/etc/snap/snap.yaml\"} 1795693090");
	assert_line(text, "snap_last_run_duration_seconds"
	    "{config=\"/etc/snap/snap.yaml\"} 1.5");
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"/etc/snap/snap.yaml\"} 3");
	/* Warnings still made a snapshot. */
	assert_line(text, "snap_last_run_success"
	    "{config=\"/etc/snap/snap.yaml\"} 1");
	assert_line(text, "snap_last_run_warnings"
	    "{config=\"/etc/snap/snap.yaml\"} 2");
	assert_line(text, "snap_last_run_entries"
	    "{config=\"/etc/snap/snap.yaml\"} 120");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"linked\"} 90");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"linked_content\"} 3");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"hardlinked\"} 2");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"reused\"} 1");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"copied\"} 4");
	assert_line(text, "snap_last_run_bytes"
	    "{config=\"/etc/snap/snap.yaml\",how=\"linked\"} 995904");
	assert_line(text, "snap_last_run_bytes"
	    "{config=\"/etc/snap/snap.yaml\",how=\"copied\"} 4096");
	assert_line(text, "snap_last_success_timestamp_seconds"
	    "{config=\"/etc/snap/snap.yaml\"} 1795693089");
	assert_line(text, "snap_snapshots{config=\"/etc/snap/snap.yaml\"} 7");
	assert_line(text, "snap_root_free_bytes"
	    "{config=\"/etc/snap/snap.yaml\"} 5368709120");
	assert_line(text, "snap_root_size_bytes"
	    "{config=\"/etc/snap/snap.yaml\"} 10737418240");
	free(text);
}

/* No snapshot, no root: only what is known is said. */
static void
test_metrics_failed_run_unknown_root(void **state)
{
	struct metrics_run run = {
		.ended = 100, .seconds = 0.25, .exit_status = 1, .stats = NULL,
	};
	struct metrics_root root = { .known = false };
	char *text = format("/etc/snap/a.yaml", &run, &root);

	(void)state;
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"/etc/snap/a.yaml\"} 1");
	assert_line(text, "snap_last_run_success{config=\"/etc/snap/a.yaml\"} 0");
	assert_null(strstr(text, "snap_last_run_files"));
	assert_null(strstr(text, "snap_last_run_warnings"));
	assert_null(strstr(text, "snap_snapshots"));
	assert_null(strstr(text, "snap_last_success_timestamp_seconds"));
	free(text);
}

/*
 * A replicate run has its own family, failed or not: what it copied
 * before it stopped is said; nothing of create's is.
 */
static void
test_metrics_replicate_run(void **state)
{
	struct replicate_stats st = {
		.primary = 9, .present = 5, .copied = 2, .refused = 1,
		.skipped = 1, .files = 40, .bytes = 123456789,
		.received_bytes = 4567,
	};
	struct metrics_run run = {
		.ended = 1795693090, .seconds = 12.5, .exit_status = 1,
		.replicated = &st,
	};
	struct metrics_root root = {
		.known = true, .snapshots = 7, .last_success = 1795693089,
	};
	char *text = format("/etc/snap/offsite.yaml", &run, &root);

	(void)state;
	assert_line(text, "snap_last_replicate_timestamp_seconds"
	    "{config=\"/etc/snap/offsite.yaml\"} 1795693090");
	assert_line(text, "snap_last_replicate_duration_seconds"
	    "{config=\"/etc/snap/offsite.yaml\"} 12.5");
	assert_line(text, "snap_last_replicate_exit_status"
	    "{config=\"/etc/snap/offsite.yaml\"} 1");
	assert_line(text, "snap_last_replicate_success"
	    "{config=\"/etc/snap/offsite.yaml\"} 0");
	assert_line(text, "snap_last_replicate_snapshots"
	    "{config=\"/etc/snap/offsite.yaml\",how=\"copied\"} 2");
	assert_line(text, "snap_last_replicate_snapshots"
	    "{config=\"/etc/snap/offsite.yaml\",how=\"refused\"} 1");
	assert_line(text, "snap_last_replicate_snapshots"
	    "{config=\"/etc/snap/offsite.yaml\",how=\"present\"} 5");
	assert_line(text, "snap_last_replicate_snapshots"
	    "{config=\"/etc/snap/offsite.yaml\",how=\"skipped\"} 1");
	assert_line(text, "snap_last_replicate_files"
	    "{config=\"/etc/snap/offsite.yaml\"} 40");
	assert_line(text, "snap_last_replicate_bytes"
	    "{config=\"/etc/snap/offsite.yaml\",how=\"total\"} 123456789");
	assert_line(text, "snap_last_replicate_bytes"
	    "{config=\"/etc/snap/offsite.yaml\",how=\"received\"} 4567");
	assert_line(text,
	    "snap_snapshots{config=\"/etc/snap/offsite.yaml\"} 7");
	assert_null(strstr(text, "snap_last_run_"));
	free(text);
}

/* A label value escapes backslash, quote and newline (the format's rule). */
static void
test_metrics_label_escaped(void **state)
{
	struct metrics_run run = { .ended = 1, .exit_status = 0 };
	struct metrics_root root = { .known = false };
	char *text = format("/a\\b\"c\nd.yaml", &run, &root);

	(void)state;
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"/a\\\\b\\\"c\\nd.yaml\"} 0");
	free(text);
}

/*
 * metrics_write through a table of the real calls whose one kind of call
 * fails with fail_errno: fail_call names it ("openat", "write", "fsync",
 * "renameat"; NULL: none fails).
 */
static const char *fail_call;
static int fail_errno;
static struct sys_ops faulty;

static int
faulty_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	if (fail_call != NULL && strcmp(fail_call, "openat") == 0) {
		errno = fail_errno;
		return -1;
	}
	return sys_real.openat(dirfd, name, flags, mode);
}

static ssize_t
faulty_write(int fd, const void *buf, size_t count)
{
	if (fail_call != NULL && strcmp(fail_call, "write") == 0) {
		errno = fail_errno;
		return -1;
	}
	return sys_real.write(fd, buf, count);
}

static int
faulty_fsync(int fd)
{
	if (fail_call != NULL && strcmp(fail_call, "fsync") == 0) {
		errno = fail_errno;
		return -1;
	}
	return sys_real.fsync(fd);
}

static int
faulty_renameat(int olddirfd, const char *oldname, int newdirfd,
    const char *newname)
{
	if (fail_call != NULL && strcmp(fail_call, "renameat") == 0) {
		errno = fail_errno;
		return -1;
	}
	return sys_real.renameat(olddirfd, oldname, newdirfd, newname);
}

static const struct sys_ops *
faulty_ops(const char *call, int errnum)
{
	faulty = sys_real;
	faulty.openat = faulty_openat;
	faulty.write = faulty_write;
	faulty.fsync = faulty_fsync;
	faulty.renameat = faulty_renameat;
	fail_call = call;
	fail_errno = errnum;
	return &faulty;
}

/* The names in the folder at dirfd, sorted, one per line (free it). */
static char *
listing(int dirfd)
{
	char *names[16], *text = NULL;
	size_t n = 0, i, len = 0;
	struct dirent *de;
	FILE *f = open_memstream(&text, &len);
	DIR *dir = fdopendir(dup(dirfd));

	assert_non_null(f);
	assert_non_null(dir);
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL && n < 16)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names[n++] = strdup(de->d_name);
	/* The offset is shared with dirfd: leave it at the start. */
	rewinddir(dir);
	closedir(dir);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *,
	    const void *))strcmp);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n", names[i]);
		free(names[i]);
	}
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The contents of name in dirfd, as a string (free it). */
static char *
slurp(int dirfd, const char *name)
{
	char *text = calloc(1, 65536);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_non_null(text);
	assert_true(fd >= 0);
	n = read(fd, text, 65535);
	assert_true(n > 0);
	close(fd);
	return text;
}

/*
 * A metrics_file that is a bare name is written in the current folder;
 * a config path that cannot be resolved is the label as given; a root
 * that cannot be read leaves out what the root would say.
 */
static void
test_metrics_write_bare_name_in_current_folder(void **state)
{
	struct scratch_dir *d = *state;
	struct metrics_run run = { .ended = 42, .seconds = 1, .exit_status = 1 };
	char root[128];
	struct config cfg = { .file = "no-such-snap.yaml",
		.metrics_file = "node.prom", .snapshot_root = root };
	struct stat st;
	struct err e;
	char *text;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	snprintf(root, sizeof(root), "%s/no-root", d->dir);
	assert_true(cwd >= 0);
	assert_int_equal(fchdir(d->dirfd), 0);
	umask(077);
	assert_int_equal(metrics_write(&cfg, &run, &sys_real, &e), 0);
	umask(022);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);

	text = listing(d->dirfd);
	assert_string_equal(text, "node.prom\n");
	free(text);
	assert_int_equal(fstatat(d->dirfd, "node.prom", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	text = slurp(d->dirfd, "node.prom");
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"no-such-snap.yaml\"} 1");
	assert_line(text, "snap_last_run_timestamp_seconds"
	    "{config=\"no-such-snap.yaml\"} 42");
	assert_null(strstr(text, "snap_snapshots"));
	free(text);
}

/*
 * A metrics_file in / (its folder is "/", not ""): the temporary file
 * cannot be made (EACCES, as for a non-root run) and the error names the
 * file and why; nothing is written there.
 */
static void
test_metrics_write_in_slash_cannot_create(void **state)
{
	struct metrics_run run = { .ended = 1, .exit_status = 0 };
	struct config cfg = { .file = "/nonexistent/snap.yaml",
		.metrics_file = "/snap-unit-test-metrics.prom",
		.snapshot_root = "/nonexistent/root" };
	struct err e;

	(void)state;
	assert_int_equal(metrics_write(&cfg, &run, faulty_ops("openat",
	    EACCES), &e), -1);
	assert_int_equal(e.errnum, EACCES);
	assert_non_null(strstr(e.msg, "cannot write metrics_file "
	    "'/snap-unit-test-metrics.prom': Permission denied"));
	assert_int_equal(access("/snap-unit-test-metrics.prom", F_OK), -1);
}

/*
 * A write, fsync or rename that fails: -1 with the errno, the old file
 * left as it was, and no temporary file left beside it.
 */
static void
test_metrics_write_fails_leaves_old_file(void **state)
{
	static const struct {
		const char	*call;
		int		 errnum;
	} cases[] = {
		{ "write", ENOSPC },
		{ "fsync", EIO },
		{ "renameat", EDQUOT },
	};
	struct scratch_dir *d = *state;
	struct metrics_run run = { .ended = 7, .exit_status = 0 };
	char path[128], root[128];
	struct config cfg = { .file = "/nonexistent/snap.yaml",
		.metrics_file = path, .snapshot_root = root };
	struct err e;
	size_t i;
	char *text;
	int fd;

	snprintf(path, sizeof(path), "%s/node.prom", d->dir);
	snprintf(root, sizeof(root), "%s/no-root", d->dir);
	fd = openat(d->dirfd, "node.prom", O_WRONLY | O_CREAT | O_CLOEXEC,
	    0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old\n", 4), 4);
	close(fd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(metrics_write(&cfg, &run,
		    faulty_ops(cases[i].call, cases[i].errnum), &e), -1);
		assert_int_equal(e.errnum, cases[i].errnum);
		assert_non_null(strstr(e.msg, "cannot write metrics_file"));
		assert_non_null(strstr(e.msg, path));
		text = listing(d->dirfd);
		assert_string_equal(text, "node.prom\n");
		free(text);
		text = slurp(d->dirfd, "node.prom");
		assert_string_equal(text, "old\n");
		free(text);
	}
	/* And with nothing failing, the file is replaced. */
	assert_int_equal(metrics_write(&cfg, &run, faulty_ops(NULL, 0), &e),
	    0);
	text = slurp(d->dirfd, "node.prom");
	assert_line(text, "snap_last_run_timestamp_seconds"
	    "{config=\"/nonexistent/snap.yaml\"} 7");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_successful_run),
		cmocka_unit_test(test_metrics_failed_run_unknown_root),
		cmocka_unit_test(test_metrics_replicate_run),
		cmocka_unit_test(test_metrics_label_escaped),
		cmocka_unit_test_setup_teardown(
		    test_metrics_write_bare_name_in_current_folder,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test(test_metrics_write_in_slash_cannot_create),
		cmocka_unit_test_setup_teardown(
		    test_metrics_write_fails_leaves_old_file,
		    scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
