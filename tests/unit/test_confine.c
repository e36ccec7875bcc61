/*
 * Unit tests of confine.c (Landlock), in a scratch folder: a child
 * process confines itself and tries what rsync might, and its exit
 * status says which try did not go as confine.h promises.  In snap the
 * confined child execs rsync, so no coverage report sees confine.c; a
 * child here that is left unconfined (a folder that cannot be opened)
 * ends with exit() and writes its counts, a confined one cannot write
 * them anywhere.  Skipped where the kernel has no Landlock ABI 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "rmtree.h"
#include "scratch.h"
#include "sys.h"

/* What went wrong in the child; 0: everything as promised. */
enum {
	BAD_CONFINE = 10,	/* confine_writes did not return 0 */
	BAD_MAKE_INSIDE,	/* a new file in into was refused */
	BAD_MAKE_OUTSIDE,	/* a new file elsewhere was allowed */
	BAD_LINK_FROM,		/* a link from link_from was refused */
	BAD_LINK_OUTSIDE,	/* a link from elsewhere was allowed */
	BAD_REMOVE_FROM,	/* a name in link_from was removed */
	BAD_WRITE_OUTSIDE,	/* an existing file elsewhere was written */
	BAD_DEV_NULL,		/* /dev/null was refused */
	BAD_CHMOD,		/* a metadata call was refused */
	BAD_RENAME_OUT,		/* a name was moved out of into */
	BAD_NOT_REFUSED,	/* a missing folder was confined to */
	BAD_NOT_AS_BEFORE,	/* a failed confine_writes confined */
	BAD_PARTIAL,		/* a name could not move between the
				 * two folders of into (rsync keeping a
				 * file it had half received, and taking
				 * it up again) */
};

static void
make_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
}

/* Runs fn(d) in a child and returns its exit status. */
static int
in_child(int (*fn)(const struct scratch_dir *), const struct scratch_dir *d)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		exit(fn(d));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* 0 when path can be made as a new file; else errno. */
static int
try_make(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd == -1)
		return errno;
	close(fd);
	return 0;
}

static int
confined_child(const struct scratch_dir *d)
{
	char into[128], partial[128], from[128], p[192], q[192];
	const char *intos[2] = { into, partial };
	const char *link_from[1] = { from };
	int fd;

	snprintf(into, sizeof(into), "%s/into", d->dir);
	snprintf(partial, sizeof(partial), "%s/partial", d->dir);
	snprintf(from, sizeof(from), "%s/from", d->dir);
	if (confine_writes(intos, 2, link_from, 1) != 0)
		return BAD_CONFINE;

	snprintf(p, sizeof(p), "%s/new", into);
	if (try_make(p) != 0)
		return BAD_MAKE_INSIDE;
	snprintf(p, sizeof(p), "%s/outside/new", d->dir);
	if (try_make(p) != EACCES)
		return BAD_MAKE_OUTSIDE;

	/* rsync's --link-dest: a link from the previous copy. */
	snprintf(p, sizeof(p), "%s/f", from);
	snprintf(q, sizeof(q), "%s/f", into);
	if (link(p, q) != 0)
		return BAD_LINK_FROM;
	snprintf(p, sizeof(p), "%s/outside/o", d->dir);
	snprintf(q, sizeof(q), "%s/o", into);
	if (link(p, q) == 0 || (errno != EXDEV && errno != EACCES))
		return BAD_LINK_OUTSIDE;
	snprintf(p, sizeof(p), "%s/f", from);
	if (unlink(p) == 0 || errno != EACCES)
		return BAD_REMOVE_FROM;
	snprintf(p, sizeof(p), "%s/new", into);
	snprintf(q, sizeof(q), "%s/outside/moved", d->dir);
	if (rename(p, q) == 0 || (errno != EXDEV && errno != EACCES))
		return BAD_RENAME_OUT;
	snprintf(p, sizeof(p), "%s/half", into);
	snprintf(q, sizeof(q), "%s/half", partial);
	if (try_make(p) != 0 || rename(p, q) != 0 || unlink(q) != 0)
		return BAD_PARTIAL;

	snprintf(p, sizeof(p), "%s/outside/o", d->dir);
	if ((fd = open(p, O_WRONLY | O_CLOEXEC)) != -1 || errno != EACCES) {
		if (fd != -1)
			close(fd);
		return BAD_WRITE_OUTSIDE;
	}
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return BAD_DEV_NULL;
	close(fd);
	/* Metadata is not a right Landlock knows (confine.h). */
	if (chmod(p, 0600) != 0)
		return BAD_CHMOD;
	return 0;
}

static void
test_confine_writes_only_into(void **state)
{
	struct scratch_dir *d = *state;
	struct stat st;
	struct err e;
	int fd, i;
	static const char *const dirs[] = { "into", "from", "outside",
	    "partial" };

	if (!confine_supported())
		skip();
	for (i = 0; i < 4; i++)
		assert_int_equal(mkdirat(d->dirfd, dirs[i], 0755), 0);
	fd = openat(d->dirfd, "from", O_RDONLY | O_DIRECTORY);
	make_file(fd, "f");
	close(fd);
	fd = openat(d->dirfd, "outside", O_RDONLY | O_DIRECTORY);
	make_file(fd, "o");
	close(fd);

	assert_int_equal(in_child(confined_child, d), 0);
	/* What the child did, seen from outside: the link is one inode,
	 * nothing was made or changed outside into but the mode. */
	assert_int_equal(fstatat(d->dirfd, "into/f", &st, 0), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(faccessat(d->dirfd, "outside/new", F_OK, 0), -1);
	assert_int_equal(faccessat(d->dirfd, "outside/moved", F_OK, 0), -1);
	assert_int_equal(faccessat(d->dirfd, "into/new", F_OK, 0), 0);
	assert_int_equal(fstatat(d->dirfd, "outside/o", &st, 0), 0);
	assert_int_equal(st.st_size, 2);
	assert_int_equal(st.st_mode & 07777, 0600);
	for (i = 0; i < 4; i++)
		assert_int_equal(rmtree_remove(&sys_real, d->dirfd, dirs[i],
		    NULL, &e), 0);
}

/*
 * A folder that cannot be opened, one of into or the link_from after a
 * good into, fails the whole call.
 */
static int
failed_child(const struct scratch_dir *d)
{
	char into[128], p[192];
	const char *intos[2] = { d->dir, into };
	const char *link_from[1] = { p };

	snprintf(into, sizeof(into), "%s/no-such-folder", d->dir);
	if (confine_writes(&intos[1], 1, NULL, 0) != -1 || errno != ENOENT)
		return BAD_NOT_REFUSED;
	/* The second folder of into, after a good first one. */
	if (confine_writes(intos, 2, NULL, 0) != -1 || errno != ENOENT)
		return BAD_NOT_REFUSED;
	snprintf(p, sizeof(p), "%s/no-such-folder", d->dir);
	if (confine_writes(intos, 1, link_from, 1) != -1 || errno != ENOENT)
		return BAD_NOT_REFUSED;
	/* The process is as it was: it still writes anywhere. */
	snprintf(p, sizeof(p), "%s/after", d->dir);
	if (try_make(p) != 0)
		return BAD_NOT_AS_BEFORE;
	return 0;
}

static void
test_confine_missing_folder_changes_nothing(void **state)
{
	struct scratch_dir *d = *state;

	if (!confine_supported())
		skip();
	assert_int_equal(in_child(failed_child, d), 0);
	assert_int_equal(faccessat(d->dirfd, "after", F_OK, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confine_writes_only_into,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_confine_missing_folder_changes_nothing, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
