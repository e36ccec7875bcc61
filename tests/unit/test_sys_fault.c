/*
 * Unit tests of sys_fault.c: calls counted per kind, "data" and "any";
 * the Nth call failed once or from then on; the first rule wins; specs
 * parsed and refused; a "kill" stops the process at that very call; the
 * journal has a line per call, written before the next call is made;
 * the calls create seldom makes (copy_file_range, fremovexattr) too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "scratch.h"
#include "sys_fault.h"

static bool
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
add(const char *kind, unsigned long nth, int error, enum sys_fault_when when)
{
	struct err e;

	if (sys_fault_add(kind, nth, error, when, &e) == -1)
		fail_msg("%s", e.msg);
}

/* Without rules every call is made, and counted by kind. */
static void
test_sys_fault_counts_and_passes_on(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	int fd;

	assert_int_equal(ops->mkdirat(d->dirfd, "dir", 0700), 0);
	fd = ops->openat(d->dirfd, "file", O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600);
	assert_true(fd >= 0);
	assert_int_equal(ops->write(fd, "abc", 3), 3);
	assert_int_equal(ops->pwrite(fd, "d", 1, 3), 1);
	assert_int_equal(ops->fsync(fd), 0);
	close(fd);
	assert_int_equal(ops->linkat(d->dirfd, "file", d->dirfd, "link", 0),
	    0);
	assert_int_equal(ops->unlinkat(d->dirfd, "link", 0), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "dir", AT_REMOVEDIR), 0);
	assert_true(exists(d->dirfd, "file"));
	assert_false(exists(d->dirfd, "dir"));

	assert_int_equal(sys_fault_count("mkdirat"), 1);
	assert_int_equal(sys_fault_count("openat"), 1);
	assert_int_equal(sys_fault_count("write"), 1);
	assert_int_equal(sys_fault_count("pwrite"), 1);
	assert_int_equal(sys_fault_count("fsync"), 1);
	assert_int_equal(sys_fault_count("linkat"), 1);
	assert_int_equal(sys_fault_count("unlinkat"), 2);
	assert_int_equal(sys_fault_count("renameat"), 0);
	assert_int_equal(sys_fault_count("data"), 2);
	assert_int_equal(sys_fault_count("any"), 8);
	assert_int_equal(sys_fault_count("nonsense"), 0);
	assert_int_equal(sys_fault_hits(), 0);

	sys_fault_recount();
	assert_int_equal(sys_fault_count("any"), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "file", 0), 0);
}

/* ONCE hits the Nth call only; the call is not made. */
static void
test_sys_fault_nth_once(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);

	add("mkdirat", 2, ENOSPC, SYS_FAULT_ONCE);
	assert_int_equal(ops->mkdirat(d->dirfd, "a", 0700), 0);
	errno = 0;
	assert_int_equal(ops->mkdirat(d->dirfd, "b", 0700), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(ops->mkdirat(d->dirfd, "c", 0700), 0);
	assert_true(exists(d->dirfd, "a"));
	assert_false(exists(d->dirfd, "b"));
	assert_true(exists(d->dirfd, "c"));
	assert_int_equal(sys_fault_count("mkdirat"), 3);
	assert_int_equal(sys_fault_hits(), 1);

	/* The rules stay across a recount, and count from 0 again. */
	sys_fault_recount();
	assert_int_equal(ops->unlinkat(d->dirfd, "a", AT_REMOVEDIR), 0);
	assert_int_equal(ops->mkdirat(d->dirfd, "a", 0700), 0);
	assert_int_equal(ops->mkdirat(d->dirfd, "b", 0700), -1);
	assert_int_equal(errno, ENOSPC);

	sys_fault_reset();
	assert_int_equal(ops->mkdirat(d->dirfd, "b", 0700), 0);
	assert_int_equal(ops->mkdirat(d->dirfd, "d", 0700), 0);
	assert_int_equal(sys_fault_hits(), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "a", AT_REMOVEDIR), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "b", AT_REMOVEDIR), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "c", AT_REMOVEDIR), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "d", AT_REMOVEDIR), 0);
}

/* FROM hits the Nth call and every later one; other kinds go on. */
static void
test_sys_fault_from_nth_on(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	int fd, i;

	fd = ops->openat(d->dirfd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	add("data", 3, EDQUOT, SYS_FAULT_FROM);
	assert_int_equal(ops->write(fd, "a", 1), 1);
	assert_int_equal(ops->pwrite(fd, "b", 1, 1), 1);
	for (i = 0; i < 3; i++) {
		errno = 0;
		assert_int_equal(ops->write(fd, "c", 1), -1);
		assert_int_equal(errno, EDQUOT);
	}
	assert_int_equal(ops->fsync(fd), 0);
	close(fd);
	assert_int_equal(sys_fault_hits(), 3);
	assert_int_equal(sys_fault_count("data"), 5);
	assert_int_equal(sys_fault_count("write"), 4);
	assert_int_equal(ops->unlinkat(d->dirfd, "f", 0), 0);
}

/* "any" counts every kind; where two rules hit, the first added wins. */
static void
test_sys_fault_any_and_first_rule_wins(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);

	add("any", 3, EROFS, SYS_FAULT_ONCE);
	add("mkdirat", 2, EIO, SYS_FAULT_FROM);
	assert_int_equal(ops->mkdirat(d->dirfd, "a", 0700), 0);
	assert_int_equal(ops->symlinkat("a", d->dirfd, "s"), 0);
	/* The third call of all, and the second mkdirat. */
	assert_int_equal(ops->mkdirat(d->dirfd, "b", 0700), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(ops->mkdirat(d->dirfd, "c", 0700), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(ops->renameat(d->dirfd, "s", d->dirfd, "t"), 0);
	assert_int_equal(sys_fault_count("any"), 5);
	assert_int_equal(sys_fault_hits(), 2);
	assert_int_equal(ops->unlinkat(d->dirfd, "t", 0), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "a", AT_REMOVEDIR), 0);
}

/* The base table is the one the calls go on to. */
static int	base_calls;

static int
counting_fsync(int fd)
{
	(void)fd;
	base_calls++;
	return 0;
}

static void
test_sys_fault_wraps_any_base(void **state)
{
	struct sys_ops base = sys_real;
	const struct sys_ops *ops;

	(void)state;
	base.fsync = counting_fsync;
	ops = sys_fault_wrap(&base);
	base_calls = 0;
	add("fsync", 2, EIO, SYS_FAULT_ONCE);
	assert_int_equal(ops->fsync(-1), 0);
	assert_int_equal(ops->fsync(-1), -1);
	assert_int_equal(ops->fsync(-1), 0);
	assert_int_equal(base_calls, 2);
}

static void
test_sys_fault_parse(void **state)
{
	static const char *const bad[] = {
		"", "linkat", "linkat:1", "linkat:1:", "linkat::EXDEV",
		"linkat:0:EXDEV", "linkat:x:EXDEV", "linkat:1x:EXDEV",
		"link:1:EXDEV", "linkat:1:EWHATEVER", "linkat:1:Kill",
		"linkat:-1:EXDEV",
	};
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	struct scratch_dir *d = *state;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		if (sys_fault_parse(bad[i], &e) == 0)
			fail_msg("'%s' was taken", bad[i]);
		assert_non_null(strstr(e.msg, "bad fault"));
	}
	assert_int_equal(sys_fault_parse("mkdirat:2:EMLINK", &e), 0);
	assert_int_equal(sys_fault_parse("symlinkat:1:28", &e), 0);
	assert_true(sys_fault_known("copy_file_range"));
	assert_true(sys_fault_known("any"));
	assert_false(sys_fault_known("read"));

	assert_int_equal(ops->symlinkat("x", d->dirfd, "s"), -1);
	assert_int_equal(errno, ENOSPC);	/* 28 */
	assert_int_equal(ops->mkdirat(d->dirfd, "a", 0700), 0);
	assert_int_equal(ops->mkdirat(d->dirfd, "b", 0700), -1);
	assert_int_equal(errno, EMLINK);
	assert_int_equal(ops->unlinkat(d->dirfd, "a", AT_REMOVEDIR), 0);
}

/* "kill" stops the process at that call, before it is made. */
static void
test_sys_fault_kill(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops;
	struct err e;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ops = sys_fault_wrap(&sys_real);
		if (sys_fault_parse("mkdirat:2:kill", &e) == -1)
			_exit(2);
		ops->mkdirat(d->dirfd, "one", 0700);
		ops->mkdirat(d->dirfd, "two", 0700);
		ops->mkdirat(d->dirfd, "three", 0700);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_true(exists(d->dirfd, "one"));
	assert_false(exists(d->dirfd, "two"));
	assert_false(exists(d->dirfd, "three"));
	assert_int_equal(unlinkat(d->dirfd, "one", AT_REMOVEDIR), 0);
}

static void
test_sys_fault_add_refuses(void **state)
{
	struct err e;
	int i;

	(void)state;
	sys_fault_wrap(&sys_real);
	assert_int_equal(sys_fault_add("nope", 1, EIO, SYS_FAULT_ONCE, &e),
	    -1);
	assert_non_null(strstr(e.msg, "'nope'"));
	assert_int_equal(sys_fault_add("fsync", 0, EIO, SYS_FAULT_ONCE, &e),
	    -1);
	assert_int_equal(sys_fault_add("fsync", 1, 0, SYS_FAULT_ONCE, &e),
	    -1);
	for (i = 0; i < SYS_FAULT_RULES; i++)
		assert_int_equal(sys_fault_add("fsync", 1, EIO,
		    SYS_FAULT_ONCE, &e), 0);
	assert_int_equal(sys_fault_add("fsync", 1, EIO, SYS_FAULT_ONCE, &e),
	    -1);
	sys_fault_reset();
}

/* The journal's lines, up to max, as fields; returns how many. */
struct jline {
	unsigned long		 n;
	char			 kind[32];
	long long		 ret, before, after;
	unsigned long long	 dev, ino;
};

static int
read_journal(int dirfd, struct jline *l, int max)
{
	FILE *f;
	int fd, n = 0;

	fd = openat(dirfd, "journal", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	f = fdopen(fd, "r");
	assert_non_null(f);
	while (n < max && fscanf(f, "%lu %31s %lld %llu %llu %lld %lld",
	    &l[n].n, l[n].kind, &l[n].ret, &l[n].dev, &l[n].ino,
	    &l[n].before, &l[n].after) == 7)
		n++;
	fclose(f);
	return n;
}

/* Each call a line: the file written with its sizes, the file fsynced,
 * the filesystem syncfs flushed, name-based calls without a file. */
static void
test_sys_fault_journal_lines(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	struct jline l[8];
	struct stat st, dst;
	char path[128];
	struct err e;
	int fd;

	snprintf(path, sizeof(path), "%s/journal", d->dir);
	assert_int_equal(sys_fault_journal(path, &e), 0);
	fd = ops->openat(d->dirfd, "f.tmp", O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600);
	assert_true(fd >= 0);
	assert_int_equal(ops->write(fd, "abc", 3), 3);
	assert_int_equal(ops->fsync(fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(ops->renameat(d->dirfd, "f.tmp", d->dirfd, "f"), 0);
	assert_int_equal(ops->syncfs(d->dirfd), 0);
	assert_int_equal(sys_fault_journal(NULL, &e), 0);
	assert_int_equal(ops->unlinkat(d->dirfd, "f", 0), 0);	/* not kept */
	assert_int_equal(fstat(d->dirfd, &dst), 0);

	assert_int_equal(read_journal(d->dirfd, l, 8), 5);
	assert_string_equal(l[0].kind, "openat");
	assert_true(l[0].ret >= 0);
	assert_int_equal(l[0].ino, st.st_ino);
	assert_int_equal(l[0].after, 0);
	assert_string_equal(l[1].kind, "write");
	assert_int_equal(l[1].n, 2);
	assert_int_equal(l[1].ret, 3);
	assert_int_equal(l[1].dev, st.st_dev);
	assert_int_equal(l[1].ino, st.st_ino);
	assert_int_equal(l[1].before, 0);
	assert_int_equal(l[1].after, 3);
	assert_string_equal(l[2].kind, "fsync");
	assert_int_equal(l[2].ino, st.st_ino);
	assert_int_equal(l[2].after, 3);
	assert_string_equal(l[3].kind, "renameat");
	assert_int_equal(l[3].dev, 0);
	assert_int_equal(l[3].ino, 0);
	assert_string_equal(l[4].kind, "syncfs");
	assert_int_equal(l[4].n, 5);
	assert_int_equal(l[4].dev, dst.st_dev);
	assert_int_equal(l[4].ino, dst.st_ino);
	sys_fault_reset();
}

/* A kill at call 3 leaves calls 1 and 2 in the journal, whole. */
static void
test_sys_fault_journal_survives_kill(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops;
	struct jline l[8];
	char path[128];
	struct err e;
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/journal", d->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ops = sys_fault_wrap(&sys_real);
		if (sys_fault_journal(path, &e) == -1 ||
		    sys_fault_parse("any:3:kill", &e) == -1)
			_exit(2);
		ops->mkdirat(d->dirfd, "one", 0700);
		ops->unlinkat(d->dirfd, "one", AT_REMOVEDIR);
		ops->mkdirat(d->dirfd, "two", 0700);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(read_journal(d->dirfd, l, 8), 2);
	assert_string_equal(l[0].kind, "mkdirat");
	assert_string_equal(l[1].kind, "unlinkat");
	assert_int_equal(l[1].n, 2);
	assert_false(exists(d->dirfd, "two"));
}

/*
 * copy_file_range and fremovexattr, which create calls seldom or never
 * (copies are read and written; an xattr is removed only from an inode
 * that inherited an ACL), are counted, failed and passed on like the
 * rest: "data" counts the copy, whose bytes arrive.
 */
static void
test_sys_fault_copy_range_and_removexattr(void **state)
{
	struct scratch_dir *d = *state;
	const struct sys_ops *ops = sys_fault_wrap(&sys_real);
	char buf[8] = "";
	int in, out;

	in = openat(d->dirfd, "in", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	out = openat(d->dirfd, "out", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(write(in, "hello", 5), 5);
	add("copy_file_range", 1, EXDEV, SYS_FAULT_ONCE);
	errno = 0;
	assert_int_equal(ops->copy_file_range(in, NULL, out, NULL, 5, 0), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	assert_int_equal(ops->copy_file_range(in, NULL, out, NULL, 5, 0), 5);
	assert_int_equal(pread(out, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(sys_fault_count("copy_file_range"), 2);
	assert_int_equal(sys_fault_count("data"), 2);

	if (fsetxattr(out, "user.snap-test", "1", 1, 0) == 0) {
		add("fremovexattr", 1, EROFS, SYS_FAULT_ONCE);
		errno = 0;
		assert_int_equal(ops->fremovexattr(out, "user.snap-test"), -1);
		assert_int_equal(errno, EROFS);
		assert_int_equal(fgetxattr(out, "user.snap-test", buf,
		    sizeof(buf)), 1);
		assert_int_equal(ops->fremovexattr(out, "user.snap-test"), 0);
		assert_int_equal(fgetxattr(out, "user.snap-test", buf,
		    sizeof(buf)), -1);
		assert_int_equal(errno, ENODATA);
		assert_int_equal(sys_fault_count("fremovexattr"), 2);
	}
	assert_int_equal(sys_fault_hits(), 2 - (sys_fault_count(
	    "fremovexattr") == 0));
	close(in);
	close(out);
	assert_int_equal(unlinkat(d->dirfd, "in", 0), 0);
	assert_int_equal(unlinkat(d->dirfd, "out", 0), 0);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sys_fault_counts_and_passes_on),
		T(test_sys_fault_nth_once),
		T(test_sys_fault_from_nth_on),
		T(test_sys_fault_any_and_first_rule_wins),
		T(test_sys_fault_wraps_any_base),
		T(test_sys_fault_parse),
		T(test_sys_fault_kill),
		T(test_sys_fault_add_refuses),
		T(test_sys_fault_journal_lines),
		T(test_sys_fault_journal_survives_kill),
		T(test_sys_fault_copy_range_and_removexattr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
