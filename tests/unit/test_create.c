/*
 * Unit tests of create.c: whole runs of the engine on a small tree in a
 * scratch directory, with faults injected through sys_fault.h (the Nth
 * linkat fails with EXDEV or EMLINK, writes fail with ENOSPC), and
 * the on-disk result checked: the new snapshot, and the old one as it was.
 *
 * The source tree (6 regular file names, 5 inodes):
 *
 *   src/a/hl1        hard link pair with src/hl2
 *   src/a/one.txt
 *   src/a/two.txt
 *   src/b/four.txt
 *   src/b/three.txt
 *   src/hl2
 *   src/sym -> a/one.txt
 *
 * Snapshots are named after $SNAP_NOW, one hour later for every run, so
 * no run waits for the clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "create.h"
#include "diff.h"
#include "err.h"
#include "out.h"
#include "sys.h"
#include "sys_fault.h"
#include "testhook.h"

#define SNAP_NOW_BASE	1764000000LL	/* 2025-11-24T16:00:00Z */
#define NFILES		6		/* regular file names */
#define NINODES		5		/* regular file inodes */
#define MAX_NAMES	16
#define TWO_LONGER	"two two, and more of it\n"	/* new a/two.txt */

static const char *const files[NFILES] = {
	"a/hl1", "a/one.txt", "a/two.txt", "b/four.txt", "b/three.txt", "hl2",
};

static const char *const contents[NFILES] = {
	"hard linked\n", "one\n", "two two\n", "four four four four\n",
	"three three three\n", "hard linked\n",
};

struct scratch {
	char		 dir[PATH_MAX];
	char		 src[PATH_MAX + 8];
	char		 root[PATH_MAX + 8];
	char		 yaml[PATH_MAX + 16];
	struct config	*cfg;
	int		 runs;
};

/* --- the faults (sys_fault.h) ------------------------------------ */

static const struct sys_ops *test_sys;

static void
add_fault(const char *kind, unsigned long nth, int error,
    enum sys_fault_when when)
{
	struct err e;

	if (sys_fault_add(kind, nth, error, when, &e) == -1)
		fail_msg("%s", e.msg);
}

/* No faults but the one of every run: no reflinks, so that every copy
 * writes on any filesystem. */
static void
faults_off(void)
{
	sys_fault_reset();
	add_fault("ficlone", 1, EOPNOTSUPP, SYS_FAULT_FROM);
}

/* The nth linkat of each run fails with error; nth 0: every one. */
static void
fail_linkat(int error, unsigned long nth)
{
	add_fault("linkat", nth == 0 ? 1 : nth, error, nth == 0 ?
	    SYS_FAULT_FROM : SYS_FAULT_ONCE);
}

/*
 * In each run, the writes (write, pwrite, copy_file_range) after the
 * first n of the snapshot fail with ENOSPC: the disk is full.  The pid
 * written into .snap/lock comes before them and is not counted.
 */
#define LOCK_WRITES	1

static void
fail_writes_after(unsigned long n)
{
	faults_off();
	add_fault("data", LOCK_WRITES + n + 1, ENOSPC, SYS_FAULT_FROM);
}

/* --- files -------------------------------------------------------- */

static void
write_text(const char *path, const char *text, mode_t mode)
{
	int fd;
	size_t len = strlen(text);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_int_not_equal(fd, -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Reads the small text file path into buf, NUL-terminated. */
static void
read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		fail_msg("cannot open '%s': %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

/* Asserts that path holds exactly text. */
static void
assert_content(const char *path, const char *text)
{
	char buf[256];

	read_text(path, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void
lstat_ok(const char *path, struct stat *st)
{
	if (lstat(path, st) == -1)
		fail_msg("cannot stat '%s': %s", path, strerror(errno));
}

/* ROOT/NAME/src/REL */
static void
snap_path(const struct scratch *s, char *buf, size_t size, const char *name,
    const char *rel)
{
	assert_true((size_t)snprintf(buf, size, "%s/%s/src/%s", s->root, name,
	    rel) < size);
}

static void
src_path(const struct scratch *s, char *buf, size_t size, const char *rel)
{
	assert_true((size_t)snprintf(buf, size, "%s/%s", s->src, rel) < size);
}

/* Asserts that ROOT/NAME/src/REL holds exactly text. */
static void
assert_snap_content(const struct scratch *s, const char *name,
    const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snap_path(s, path, sizeof(path), name, rel);
	assert_content(path, text);
}

/* Rewrites the source file REL with text (mode 0644). */
static void
write_source(const struct scratch *s, const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	src_path(s, path, sizeof(path), rel);
	write_text(path, text, 0644);
}

/* Renames the source entry FROM to TO. */
static void
rename_source(const struct scratch *s, const char *from, const char *to)
{
	char path[PATH_MAX * 2], other[PATH_MAX * 2];

	src_path(s, path, sizeof(path), from);
	src_path(s, other, sizeof(other), to);
	assert_int_equal(rename(path, other), 0);
}

/* chmod of the source entry REL. */
static void
chmod_source(const struct scratch *s, const char *rel, mode_t mode)
{
	char path[PATH_MAX * 2];

	src_path(s, path, sizeof(path), rel);
	assert_int_equal(chmod(path, mode), 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in folder path but "." and "..", sorted, joined with ' '
 * into buf ("" when empty).
 */
static const char *
list_dir(const char *path, char *buf, size_t size)
{
	char *names[MAX_NAMES];
	struct dirent *de;
	size_t n = 0, i, off = 0;
	DIR *dir;

	dir = opendir(path);
	if (dir == NULL)
		fail_msg("cannot read '%s': %s", path, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		assert_true(n < MAX_NAMES);
		names[n] = strdup(de->d_name);
		assert_non_null(names[n]);
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		off += snprintf(buf + off, size - off, "%s%s", i ? " " : "",
		    names[i]);
		assert_true(off < size);
		free(names[i]);
	}
	return buf;
}

/* --- setup -------------------------------------------------------- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* A read-only folder stops removal as non-root. */
	if (flag == FTW_DP)
		chmod(path, 0700);
	return remove(path);
}

static void
make_tree(struct scratch *s)
{
	char path[PATH_MAX + 64], other[PATH_MAX + 64];
	int i;

	assert_int_equal(mkdir(s->src, 0755), 0);
	src_path(s, path, sizeof(path), "a");
	assert_int_equal(mkdir(path, 0755), 0);
	src_path(s, path, sizeof(path), "b");
	assert_int_equal(mkdir(path, 0755), 0);
	for (i = 0; i < NFILES; i++) {
		if (strcmp(files[i], "hl2") == 0)
			continue;
		src_path(s, path, sizeof(path), files[i]);
		write_text(path, contents[i], 0644);
	}
	src_path(s, path, sizeof(path), "a/hl1");
	src_path(s, other, sizeof(other), "hl2");
	assert_int_equal(link(path, other), 0);
	src_path(s, path, sizeof(path), "sym");
	assert_int_equal(symlink("a/one.txt", path), 0);
}

static int
setup(void **state)
{
	struct scratch *s;
	const char *tmp;
	struct err e;
	FILE *f;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/test_create.XXXXXX",
	    tmp != NULL && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(s->dir) == NULL) {
		free(s);
		return -1;
	}
	snprintf(s->src, sizeof(s->src), "%s/src", s->dir);
	snprintf(s->root, sizeof(s->root), "%s/root", s->dir);
	snprintf(s->yaml, sizeof(s->yaml), "%s/snap.yaml", s->dir);
	*state = s;
	make_tree(s);

	if ((f = fopen(s->yaml, "w")) == NULL)
		return -1;
	fprintf(f, "snapshot_root: %s\n"
	    "sources:\n"
	    "  - path: %s\n"
	    "    dest: src\n", s->root, s->src);
	if (fclose(f) != 0)
		return -1;
	if (config_load(&s->cfg, s->yaml, &e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}

	test_sys = sys_fault_wrap(&sys_real);
	faults_off();
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;
	struct err e;

	config_free(s->cfg);
	nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	unsetenv("SNAP_NOW");
	return testhook_init(&e);
}

/* --- runs --------------------------------------------------------- */

/*
 * One run, named one hour after the previous one.  The faults set stay
 * set; the call counters start again from 0.
 */
static int
run(struct scratch *s, struct create_stats *stats, struct err *e)
{
	struct create_opts opts = { .dry_run = false };
	char now[32];

	sys_fault_recount();
	s->runs++;
	snprintf(now, sizeof(now), "%lld", SNAP_NOW_BASE + s->runs * 3600LL);
	assert_int_equal(setenv("SNAP_NOW", now, 1), 0);
	assert_int_equal(testhook_init(e), 0);
	err_clear(e);
	return create_run(s->cfg, &opts, test_sys, stats, e);
}

/* A run that must succeed without warnings; returns the name in name. */
static void
run_ok(struct scratch *s, struct create_stats *stats, char *name)
{
	struct err e;
	int r = run(s, stats, &e);

	if (r != 0)
		fail_msg("run %d failed (%d): %s", s->runs, r, e.msg);
	assert_int_equal(stats->warnings, 0);
	assert_true(stats->name[0] != '\0');
	strcpy(name, stats->name);
}

/* What a regular file of a snapshot looks like on disk. */
struct file_state {
	ino_t		 ino;
	mode_t		 mode;
	nlink_t		 nlink;
	off_t		 size;
	struct timespec	 mtime;
};

static void
snapshot_state(const struct scratch *s, const char *name,
    struct file_state *out)
{
	char path[PATH_MAX * 2];
	struct stat st;
	int i;

	for (i = 0; i < NFILES; i++) {
		snap_path(s, path, sizeof(path), name, files[i]);
		lstat_ok(path, &st);
		assert_true(S_ISREG(st.st_mode));
		out[i].ino = st.st_ino;
		out[i].mode = st.st_mode;
		out[i].nlink = st.st_nlink;
		out[i].size = st.st_size;
		out[i].mtime = st.st_mtim;
	}
}

/* The first run, which must succeed: its name in name, its files in first. */
static void
first_snapshot(struct scratch *s, struct create_stats *stats, char *name,
    struct file_state *first)
{
	run_ok(s, stats, name);
	snapshot_state(s, name, first);
}

/* The first snapshot as it was: nothing of it was rewritten. */
static void
assert_unchanged(const struct scratch *s, const char *name,
    const struct file_state *before, int check_nlink)
{
	struct file_state now[NFILES];
	char path[PATH_MAX * 2];
	int i;

	snapshot_state(s, name, now);
	for (i = 0; i < NFILES; i++) {
		assert_int_equal(now[i].ino, before[i].ino);
		assert_int_equal(now[i].mode, before[i].mode);
		assert_int_equal(now[i].size, before[i].size);
		assert_int_equal(now[i].mtime.tv_sec, before[i].mtime.tv_sec);
		assert_int_equal(now[i].mtime.tv_nsec,
		    before[i].mtime.tv_nsec);
		if (check_nlink)
			assert_int_equal(now[i].nlink, before[i].nlink);
		snap_path(s, path, sizeof(path), name, files[i]);
		assert_content(path, contents[i]);
	}
}

/* Every file of snapshot name has the source's content. */
static void
assert_source_content(const struct scratch *s, const char *name)
{
	char spath[PATH_MAX * 2], buf[256];
	int i;

	for (i = 0; i < NFILES; i++) {
		src_path(s, spath, sizeof(spath), files[i]);
		read_text(spath, buf, sizeof(buf));
		assert_snap_content(s, name, files[i], buf);
	}
}

/* The root holds the one snapshot name and nothing of a failed run. */
static void
assert_only_snapshot(const struct scratch *s, const char *name)
{
	char path[PATH_MAX * 2], want[256], list[1024], target[256];
	char *p, *save;
	ssize_t n;

	snprintf(want, sizeof(want), ".snap %s latest", name);
	assert_string_equal(list_dir(s->root, list, sizeof(list)), want);
	snprintf(path, sizeof(path), "%s/.snap/incomplete", s->root);
	assert_string_equal(list_dir(path, list, sizeof(list)), "");
	/* The manifest and what belongs with it (NAME.summary), but no
	 * file of another run and no temporary one. */
	snprintf(path, sizeof(path), "%s/.snap/manifests", s->root);
	list_dir(path, list, sizeof(list));
	assert_true(strncmp(list, name, strlen(name)) == 0);
	assert_true(list[strlen(name)] == '\0' || list[strlen(name)] == ' ');
	for (p = strtok_r(list, " ", &save); p != NULL;
	    p = strtok_r(NULL, " ", &save)) {
		if (strncmp(p, name, strlen(name)) != 0 ||
		    (p[strlen(name)] != '\0' && p[strlen(name)] != '.') ||
		    strstr(p, ".tmp") != NULL)
			fail_msg("stray file '%s' in .snap/manifests", p);
	}
	snprintf(path, sizeof(path), "%s/latest", s->root);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, name);
}

static uint64_t
copied_for_other_reasons(const struct create_stats *st, enum diff_reason r)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < REASON_COUNT; i++)
		if (i != (int)r)
			sum += st->copied_by[i];
	return sum;
}

/* n files were copied for reason r, and none for any other reason. */
static void
assert_copied_only_for(const struct create_stats *st, enum diff_reason r,
    uint64_t n)
{
	assert_int_equal(st->copied_by[r], n);
	assert_int_equal(copied_for_other_reasons(st, r), 0);
}

/* --- cases -------------------------------------------------------- */

static void
test_create_first_snapshot(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	char name[NAME_SNAPSHOT_LEN], path[PATH_MAX * 2], other[PATH_MAX * 2];
	char target[64], list[1024];
	struct stat a, b, src;
	uint64_t total = 0, copied = 0;
	ssize_t n;
	int i;

	run_ok(s, &st, name);
	assert_string_equal(st.prev, "");
	assert_int_equal(st.dirs, 3);
	assert_int_equal(st.files, NFILES);
	assert_int_equal(st.symlinks, 1);
	assert_int_equal(st.nodes, 0);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.entries, 3 + NFILES + 1);
	assert_int_equal(st.linked, 0);
	assert_int_equal(st.linked_content, 0);
	assert_int_equal(st.reused, 0);
	assert_int_equal(st.hardlinked, 1);
	assert_int_equal(st.copied, NINODES);
	assert_copied_only_for(&st, REASON_NEW, NINODES);
	for (i = 0; i < NFILES; i++) {
		total += strlen(contents[i]);
		if (strcmp(files[i], "hl2") != 0)
			copied += strlen(contents[i]);
	}
	assert_int_equal(st.total_bytes, total);
	assert_int_equal(st.copied_bytes, copied);
	assert_int_equal(st.bytes_by[REASON_NEW], copied);

	/* The tree, its latest link and its manifest. */
	assert_only_snapshot(s, name);
	snprintf(path, sizeof(path), "%s/%s", s->root, name);
	assert_string_equal(list_dir(path, list, sizeof(list)), "src");
	snprintf(path, sizeof(path), "%s/%s/src", s->root, name);
	assert_string_equal(list_dir(path, list, sizeof(list)),
	    "a b hl2 sym");
	assert_source_content(s, name);

	/* New inodes with the source's mode; the pair stays a pair. */
	for (i = 0; i < NFILES; i++) {
		snap_path(s, path, sizeof(path), name, files[i]);
		src_path(s, other, sizeof(other), files[i]);
		lstat_ok(path, &a);
		lstat_ok(other, &src);
		assert_int_not_equal(a.st_ino, src.st_ino);
		assert_int_equal(a.st_mode, src.st_mode);
		assert_int_equal(a.st_mtim.tv_sec, src.st_mtim.tv_sec);
		assert_int_equal(a.st_mtim.tv_nsec, src.st_mtim.tv_nsec);
	}
	snap_path(s, path, sizeof(path), name, "a/hl1");
	snap_path(s, other, sizeof(other), name, "hl2");
	lstat_ok(path, &a);
	lstat_ok(other, &b);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	snap_path(s, path, sizeof(path), name, "sym");
	lstat_ok(path, &a);
	assert_true(S_ISLNK(a.st_mode));
	n = readlink(path, target, sizeof(target) - 1);
	assert_int_equal(n, strlen("a/one.txt"));
	target[n] = '\0';
	assert_string_equal(target, "a/one.txt");
}

static void
test_create_unchanged_links_everything(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES], second[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	int i;

	first_snapshot(s, &st, n1, first);
	run_ok(s, &st, n2);
	assert_true(strcmp(n1, n2) < 0);
	assert_string_equal(st.prev, n1);
	assert_int_equal(st.files, NFILES);
	assert_int_equal(st.linked, NINODES);
	assert_int_equal(st.hardlinked, 1);
	assert_int_equal(st.linked_content, 0);
	assert_int_equal(st.copied, 0);
	assert_int_equal(st.copied_bytes, 0);
	snapshot_state(s, n2, second);
	for (i = 0; i < NFILES; i++)
		assert_int_equal(second[i].ino, first[i].ino);
	assert_unchanged(s, n1, first, 0);
	assert_source_content(s, n2);
}

static void
test_create_exdev_copies_every_link(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES], second[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	int i;

	first_snapshot(s, &st, n1, first);

	fail_linkat(EXDEV, 0);
	run_ok(s, &st, n2);
	assert_true(sys_fault_count("linkat") >= NFILES);
	/* Every name that would have been a link is a copy, and says why. */
	assert_copied_only_for(&st, REASON_EXDEV, NFILES);
	assert_int_equal(st.copied, NFILES);
	assert_int_equal(st.linked, 0);
	assert_int_equal(st.linked_content, 0);
	assert_int_equal(st.hardlinked, 0);

	snapshot_state(s, n2, second);
	for (i = 0; i < NFILES; i++) {
		assert_int_not_equal(second[i].ino, first[i].ino);
		assert_int_equal(second[i].mode, first[i].mode);
	}
	assert_source_content(s, n2);
	assert_unchanged(s, n1, first, 1);
}

static void
test_create_emlink_on_second_link_copies_one(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES], second[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	int i, moved = 0;

	first_snapshot(s, &st, n1, first);

	fail_linkat(EMLINK, 2);
	run_ok(s, &st, n2);
	assert_true(sys_fault_count("linkat") >= NFILES);
	assert_copied_only_for(&st, REASON_EMLINK, 1);
	assert_int_equal(st.copied, 1);
	assert_int_equal(st.linked + st.hardlinked, NFILES - 1);
	assert_int_equal(st.linked_content, 0);

	snapshot_state(s, n2, second);
	for (i = 0; i < NFILES; i++)
		if (second[i].ino != first[i].ino)
			moved++;
	assert_int_equal(moved, 1);
	assert_source_content(s, n2);
	assert_unchanged(s, n1, first, 0);
}

/* A run that failed with ENOSPC; nothing of it may remain. */
static void
assert_enospc_left_no_trace(struct scratch *s, const char *n1,
    const struct file_state *first, const char *subject)
{
	struct create_stats st;
	struct err e;
	int r;

	r = run(s, &st, &e);
	assert_int_equal(r, -1);
	assert_true(sys_fault_count("data") > 0);
	assert_int_equal(e.errnum, ENOSPC);
	if (strstr(e.msg, "No space left") == NULL)
		fail_msg("message without the cause: %s", e.msg);
	if (subject != NULL && strstr(e.msg, subject) == NULL)
		fail_msg("message without '%s': %s", subject, e.msg);
	assert_only_snapshot(s, n1);
	assert_unchanged(s, n1, first, 1);
}

static void
test_create_enospc_on_copy_fails_cleanly(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n3[NAME_SNAPSHOT_LEN];

	first_snapshot(s, &st, n1, first);

	write_source(s, "a/two.txt", TWO_LONGER);
	fail_writes_after(0);
	assert_enospc_left_no_trace(s, n1, first, "src/a/two.txt");

	/* The next run, on a disk with room again, works. */
	faults_off();
	run_ok(s, &st, n3);
	assert_string_equal(st.prev, n1);
	assert_int_equal(st.copied, 1);
	assert_int_equal(st.copied_by[REASON_CONTENT], 1);
	assert_int_equal(st.linked, NINODES - 1);
	assert_snap_content(s, n3, "a/two.txt", TWO_LONGER);
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_enospc_on_manifest_fails_cleanly(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n3[NAME_SNAPSHOT_LEN];

	first_snapshot(s, &st, n1, first);

	/* Nothing to copy: the manifest is the only thing written. */
	fail_writes_after(0);
	assert_enospc_left_no_trace(s, n1, first, "manifest");

	faults_off();
	run_ok(s, &st, n3);
	assert_int_equal(st.copied, 0);
	assert_int_equal(st.linked, NINODES);
}

static void
test_create_enospc_midway_fails_cleanly(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	char path[PATH_MAX * 2];
	int i;

	first_snapshot(s, &st, n1, first);

	/* Every file changes: the disk fills after the first copy. */
	for (i = 0; i < NFILES; i++) {
		src_path(s, path, sizeof(path), files[i]);
		if (strcmp(files[i], "hl2") != 0)
			write_text(path, "changed, and longer than before\n",
			    0644);
	}
	fail_writes_after(1);
	assert_enospc_left_no_trace(s, n1, first, "src/a/one.txt");
	faults_off();
	run_ok(s, &st, n2);
	/* Only the previous snapshot is searched for equal content. */
	assert_int_equal(st.copied, NINODES);
	assert_int_equal(st.copied_by[REASON_CONTENT], NINODES);
	assert_int_equal(st.hardlinked, 1);
}

static void
test_create_mode_change_copies(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	char path[PATH_MAX * 2];
	struct stat a, b;

	first_snapshot(s, &st, n1, first);

	chmod_source(s, "a/one.txt", 0600);
	run_ok(s, &st, n2);
	assert_int_equal(st.copied, 1);
	assert_copied_only_for(&st, REASON_MODE, 1);
	assert_int_equal(st.linked, NINODES - 1);
	assert_int_equal(st.hardlinked, 1);

	snap_path(s, path, sizeof(path), n1, "a/one.txt");
	lstat_ok(path, &a);
	snap_path(s, path, sizeof(path), n2, "a/one.txt");
	lstat_ok(path, &b);
	/* History keeps its mode: the change went to a new inode. */
	assert_int_equal(a.st_mode & 07777, 0644);
	assert_int_equal(b.st_mode & 07777, 0600);
	assert_int_not_equal(a.st_ino, b.st_ino);
	assert_content(path, "one\n");
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_mtime_change_copies_for_times(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	char path[PATH_MAX * 2];
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1700000000, 5 } };
	struct stat b;

	first_snapshot(s, &st, n1, first);

	src_path(s, path, sizeof(path), "b/four.txt");
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	run_ok(s, &st, n2);
	assert_int_equal(st.copied, 1);
	/* Hashed while copied: the content is the same, the times not. */
	assert_copied_only_for(&st, REASON_TIMES, 1);
	snap_path(s, path, sizeof(path), n2, "b/four.txt");
	lstat_ok(path, &b);
	assert_int_equal(b.st_mtim.tv_sec, 1700000000);
	assert_int_equal(b.st_mtim.tv_nsec, 5);
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_xattr_change_copies(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	char path[PATH_MAX * 2], buf[16];

	first_snapshot(s, &st, n1, first);

	src_path(s, path, sizeof(path), "b/three.txt");
	if (setxattr(path, "user.snap.test", "v1", 2, 0) == -1)
		skip();		/* no user xattrs on this filesystem */
	run_ok(s, &st, n2);
	assert_int_equal(st.copied, 1);
	assert_copied_only_for(&st, REASON_XATTRS, 1);
	snap_path(s, path, sizeof(path), n2, "b/three.txt");
	assert_int_equal(getxattr(path, "user.snap.test", buf, sizeof(buf)),
	    2);
	snap_path(s, path, sizeof(path), n1, "b/three.txt");
	assert_int_equal(getxattr(path, "user.snap.test", buf, sizeof(buf)),
	    -1);
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_renamed_folder_links_by_content(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	char path[PATH_MAX * 2], other[PATH_MAX * 2];
	struct stat a, b;
	const char *moved[] = { "four.txt", "three.txt" };
	size_t i;

	first_snapshot(s, &st, n1, first);

	rename_source(s, "b", "d");
	run_ok(s, &st, n2);
	assert_int_equal(st.linked_content, 2);
	assert_int_equal(st.copied, 0);
	assert_int_equal(st.linked, NINODES - 2);
	assert_int_equal(st.hardlinked, 1);

	for (i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/src/b/%s", s->root, n1,
		    moved[i]);
		snprintf(other, sizeof(other), "%s/%s/src/d/%s", s->root, n2,
		    moved[i]);
		lstat_ok(path, &a);
		lstat_ok(other, &b);
		assert_int_equal(a.st_ino, b.st_ino);
	}
	snprintf(path, sizeof(path), "%s/%s/src/b", s->root, n2);
	assert_int_equal(lstat(path, &a), -1);
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_checksum_unchanged_links(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];

	run_ok(s, &st, n1);
	s->cfg->checksum = true;
	run_ok(s, &st, n2);
	assert_int_equal(st.linked, NINODES);
	assert_int_equal(st.hardlinked, 1);
	assert_int_equal(st.copied, 0);
}

static void
test_create_checksum_sees_hidden_change(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	char path[PATH_MAX * 2];
	struct stat before;
	struct timespec ts[2];

	first_snapshot(s, &st, n1, first);
	s->cfg->checksum = true;

	/* Same size, the old mtime put back: only the bytes differ. */
	src_path(s, path, sizeof(path), "a/one.txt");
	lstat_ok(path, &before);
	write_text(path, "ONE\n", 0644);
	ts[0] = before.st_atim;
	ts[1] = before.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	run_ok(s, &st, n2);
	assert_int_equal(st.copied, 1);
	assert_int_equal(st.copied_by[REASON_CONTENT], 1);
	assert_snap_content(s, n2, "a/one.txt", "ONE\n");
	assert_unchanged(s, n1, first, 0);
}

/*
 * The disk fills at every write of a run in turn (the copy, the
 * manifest, whatever else the commit writes): each run fails cleanly
 * until the one that has room for all of it.
 */
static void
test_create_enospc_at_every_write(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN];
	struct err e;
	int n, r = -1;

	first_snapshot(s, &st, n1, first);
	write_source(s, "a/two.txt", TWO_LONGER);

	for (n = 0; n < 64; n++) {
		/* The lock's write too: every write of the run. */
		faults_off();
		add_fault("data", n + 1, ENOSPC, SYS_FAULT_FROM);
		r = run(s, &st, &e);
		if (r == 0)
			break;
		assert_int_equal(r, -1);
		if (e.errnum != ENOSPC)
			fail_msg("ENOSPC after %d writes: %s", n, e.msg);
		assert_only_snapshot(s, n1);
		assert_unchanged(s, n1, first, 1);
	}
	assert_int_equal(r, 0);
	/* At least the copy and the manifest were tried and failed. */
	assert_true(n >= 2);
	assert_int_equal(st.copied_by[REASON_CONTENT], 1);
	assert_snap_content(s, st.name, "a/two.txt", TWO_LONGER);
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_emlink_on_hardlink_copies_second_name(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES], second[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];
	int i;

	first_snapshot(s, &st, n1, first);

	/* Five links to the previous snapshot, then hl2 to a/hl1. */
	fail_linkat(EMLINK, NFILES);
	run_ok(s, &st, n2);
	assert_int_equal(sys_fault_count("linkat"), NFILES);
	assert_int_equal(st.linked, NINODES);
	assert_int_equal(st.hardlinked, 0);
	assert_int_equal(st.copied, 1);
	assert_int_equal(st.copied_by[REASON_EMLINK], 1);
	snapshot_state(s, n2, second);
	for (i = 0; i < NFILES; i++) {
		if (strcmp(files[i], "hl2") == 0)
			assert_int_not_equal(second[i].ino, first[i].ino);
		else
			assert_int_equal(second[i].ino, first[i].ino);
	}
	assert_source_content(s, n2);
	assert_unchanged(s, n1, first, 0);
}

static void
test_create_renamed_folder_exdev_copies(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];

	first_snapshot(s, &st, n1, first);

	rename_source(s, "b", "d");
	fail_linkat(EXDEV, 0);
	run_ok(s, &st, n2);
	/* The links by content were meant too, and are counted so. */
	assert_copied_only_for(&st, REASON_EXDEV, NFILES);
	assert_int_equal(st.linked_content, 0);
	assert_snap_content(s, n2, "d/three.txt", "three three three\n");
	assert_unchanged(s, n1, first, 1);
}

static void
test_create_checksum_exdev_copies(void **state)
{
	struct scratch *s = *state;
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN], n2[NAME_SNAPSHOT_LEN];

	first_snapshot(s, &st, n1, first);
	s->cfg->checksum = true;
	fail_linkat(EXDEV, 0);
	run_ok(s, &st, n2);
	assert_copied_only_for(&st, REASON_EXDEV, NFILES);
	assert_int_equal(st.linked, 0);
	assert_source_content(s, n2);
	assert_unchanged(s, n1, first, 1);
}

static void
test_create_dry_run_changes_nothing(void **state)
{
	struct scratch *s = *state;
	struct create_opts opts = { .dry_run = true };
	struct create_stats st;
	struct file_state first[NFILES];
	char n1[NAME_SNAPSHOT_LEN];
	enum out_level saved = out_level;
	struct err e;
	int r;

	first_snapshot(s, &st, n1, first);
	chmod_source(s, "a/one.txt", 0600);
	write_source(s, "a/two.txt", TWO_LONGER);

	sys_fault_recount();
	assert_int_equal(setenv("SNAP_NOW", "1800000000", 1), 0);
	assert_int_equal(testhook_init(&e), 0);
	out_level = OUT_QUIET;
	r = create_run(s->cfg, &opts, test_sys, &st, &e);
	out_level = saved;
	if (r != 0)
		fail_msg("dry run failed: %s", e.msg);
	assert_int_equal(sys_fault_count("linkat"), 0);
	assert_int_equal(sys_fault_count("data"), 0);
	assert_string_equal(st.prev, n1);
	assert_int_equal(st.files, NFILES);
	assert_int_equal(st.linked, NINODES - 2);
	assert_int_equal(st.hardlinked, 1);
	assert_int_equal(st.copied, 2);
	assert_int_equal(st.copied_by[REASON_MODE], 1);
	assert_int_equal(st.copied_by[REASON_CONTENT], 1);
	assert_only_snapshot(s, n1);
	assert_unchanged(s, n1, first, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_first_snapshot,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_unchanged_links_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_exdev_copies_every_link, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_emlink_on_second_link_copies_one, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_enospc_on_copy_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_enospc_on_manifest_fails_cleanly, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_enospc_midway_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_enospc_at_every_write, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_emlink_on_hardlink_copies_second_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_renamed_folder_exdev_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_checksum_exdev_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_dry_run_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_mode_change_copies,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_mtime_change_copies_for_times, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_xattr_change_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_renamed_folder_links_by_content, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_checksum_unchanged_links, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_checksum_sees_hidden_change, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
