/*
 * Unit tests of received.c's record of one entry, on a tree walked as a
 * remote source's (walk.h: its regular files come unstat'ed).  A file
 * that is gone, or is no longer a regular file, when its record is made
 * stops the run with a sentence naming it: nothing may be recorded for
 * a file that was never seen.  The transfers themselves are tested
 * against a real sshd by tests/func/t50*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "received.h"
#include "rmtree.h"
#include "scratch.h"
#include "sys.h"

/* How the file "src/f" is taken away between the walk and its record. */
enum change { GONE, NOW_A_FOLDER };

/*
 * Walks d/src (one file, f) as the remote source "host", changes f as
 * told once the walk has yielded it, and has received_entry record it
 * inside the received tree.  Returns what received_entry returned, with
 * e as it left it.
 */
static int
record_changed(struct scratch_dir *d, enum change how, struct err *e)
{
	struct config_source src = { .dest = "src", .host = "host" };
	struct received r;
	struct walk_item it;
	struct walk *w = NULL;
	struct err we;
	char path[128];
	int fd, ret = 0, seen = 0;

	assert_int_equal(mkdirat(d->dirfd, "src", 0700), 0);
	fd = openat(d->dirfd, "src/f", O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data\n", 5), 5);
	close(fd);
	snprintf(path, sizeof(path), "%s/src", d->dir);
	src.path = path;

	received_init(&r);
	r.sys = &sys_real;
	r.stat_all = false;
	/* Inside the received tree already: its top folder was entered
	 * (renamed to its dest), which this test leaves out. */
	r.depth = 1;
	assert_int_equal(walk_open(&w, &src, 1, NULL, &we), 0);
	while (walk_next(w, &it, &we) == 1) {
		if (it.event != WALK_ENTRY || it.ent->type != ENTRY_REG)
			continue;
		assert_true(it.lazy);
		assert_int_equal(unlinkat(it.dirfd, it.name, 0), 0);
		if (how == NOW_A_FOLDER)
			assert_int_equal(mkdirat(it.dirfd, it.name, 0700), 0);
		ret = received_entry(&r, &it, NULL, e);
		seen++;
		break;
	}
	walk_close(w);
	received_free(&r);
	assert_int_equal(seen, 1);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "src", NULL, &we),
	    0);
	return ret;
}

static void
test_received_lazy_file_vanished(void **state)
{
	struct err e;

	assert_int_equal(record_changed(*state, GONE, &e), -1);
	assert_int_equal(e.errnum, ENOENT);
	assert_string_equal(e.msg,
	    "cannot stat received 'src/f': No such file or directory");
}

/* A folder where the walk saw a regular file is not taken for it. */
static void
test_received_lazy_file_now_a_folder(void **state)
{
	struct err e;

	assert_int_equal(record_changed(*state, NOW_A_FOLDER, &e), -1);
	assert_int_equal(e.errnum, ESTALE);
	assert_string_equal(e.msg, "cannot stat received 'src/f': Stale "
	    "file handle");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_received_lazy_file_vanished, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_received_lazy_file_now_a_folder, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
