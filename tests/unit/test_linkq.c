/*
 * Unit tests of linkq.c in a scratch folder: the linking thread makes
 * each queued link, and every operation comes back to the retire
 * callback once, in the order it was queued, across more than one turn
 * of the ring; a failed link comes back with its errno and no name; a
 * retire that fails stops the drain; stop drops what was not retired.
 * A folder's record and its leaving come back in their place among the
 * links; linkq_keep_dirfd gives the links of one folder (by tag) a
 * descriptor of their own; a folder left that is not retired has its
 * descriptors closed by stop.  When the linking thread is far behind,
 * the walking thread makes the links itself, and they still come back
 * in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkq.h"
#include "sys.h"

#define FILES (LINKQ_CAP * 3 + 17)

struct fixture {
	char	 dir[64];
	int	 from;		/* files f0 ... */
	int	 to;		/* where they are linked */
	/* What the retire callback saw. */
	size_t	 retired;
	size_t	 fail_at;	/* retire returns -1 here; FILES: never */
	bool	 in_order;
	size_t	 failed_links;
	/* test_linkq_folders_in_order: the kinds retired, in order. */
	char	 kinds[16];
	size_t	 n_kinds;
	int	 kept;		/* the links of f0..f4 have this dirfd */
	int	 kept_seen;	/* the LEAVE's kept_fd */
	bool	 dirfds_ok;
	bool	 leave_open;	/* its folder's descriptor was still open */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char name[32];
	int fd, i;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_linkq.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->from = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(f->from, "to", 0700), 0);
	f->to = openat(f->from, "to", O_RDONLY | O_DIRECTORY);
	assert_true(f->to >= 0);
	for (i = 0; i < FILES; i++) {
		/* Every tenth file is missing: its link fails. */
		if (i % 10 == 9)
			continue;
		snprintf(name, sizeof(name), "f%d", i);
		fd = openat(f->from, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	f->fail_at = FILES;
	f->in_order = true;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char name[32];
	int i;

	for (i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		unlinkat(f->from, name, 0);
		unlinkat(f->to, name, 0);
	}
	close(f->to);
	unlinkat(f->from, "to", AT_REMOVEDIR);
	close(f->from);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int
retire(void *arg, struct linkq_op *op, struct err *e)
{
	struct fixture *f = arg;
	char want[32];
	struct stat st;

	snprintf(want, sizeof(want), "f%zu", f->retired);
	if (strcmp(op->it.name, want) != 0 ||
	    strcmp(op->it.ent->path, want) != 0)
		f->in_order = false;
	if (op->link_errno != 0) {
		f->failed_links++;
		assert_int_equal(op->link_errno, ENOENT);
		assert_int_equal(fstatat(f->to, op->it.name, &st, 0), -1);
	} else {
		assert_int_equal(op->stat_errno, 0);
		assert_true(S_ISREG(op->got.st_mode));
		assert_int_equal(op->got.st_nlink, 2);
	}
	if (f->retired++ == f->fail_at)
		return err_set(e, EIO, "retire %zu fails", f->fail_at);
	return 0;
}

/* Queues every file; returns what the last push or the drain gave. */
static int
queue_all(struct fixture *f, struct linkq *q, struct err *e)
{
	struct walk_item it;
	struct entry ent, prev;
	struct link_level dir;
	struct stat st;
	char name[32];
	int i;

	memset(&dir, 0, sizeof(dir));
	dir.dst_fd = f->to;
	dir.from[0] = f->from;
	dir.from[1] = -1;
	dir.meta_fd = -1;
	memset(&st, 0, sizeof(st));
	memset(&prev, 0, sizeof(prev));
	prev.path = "prev";
	prev.path_len = 4;
	for (i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		memset(&ent, 0, sizeof(ent));
		ent.path = name;
		ent.path_len = strlen(name);
		memset(&it, 0, sizeof(it));
		it.event = WALK_ENTRY;
		it.ent = &ent;
		it.st = &st;
		it.name = name;
		it.dirfd = f->from;
		it.fd = -1;
		if (linkq_push(q, &it, &prev, &dir, 0, e) == -1)
			return -1;
	}
	return linkq_drain(q, e);
}

static void
test_linkq_links_all_in_order(void **state)
{
	struct fixture *f = *state;
	struct linkq *q = NULL;
	struct err e;

	assert_int_equal(linkq_start(&q, &sys_real, retire, f, &e), 0);
	assert_int_equal(queue_all(f, q, &e), 0);
	assert_false(linkq_pending(q));
	linkq_stop(q);
	assert_int_equal(f->retired, FILES);
	assert_true(f->in_order);
	assert_int_equal(f->failed_links, FILES / 10);
}

static void
test_linkq_retire_failure_stops(void **state)
{
	struct fixture *f = *state;
	struct linkq *q = NULL;
	struct err e;

	f->fail_at = LINKQ_CAP + 3;
	assert_int_equal(linkq_start(&q, &sys_real, retire, f, &e), 0);
	assert_int_equal(queue_all(f, q, &e), -1);
	assert_int_equal(e.errnum, EIO);
	assert_int_equal(f->retired, LINKQ_CAP + 4);
	assert_true(f->in_order);
	/* What is still queued is dropped, and nothing is retired. */
	linkq_stop(q);
	assert_int_equal(f->retired, LINKQ_CAP + 4);
}

static void
test_linkq_stop_null(void **state)
{
	(void)state;
	linkq_stop(NULL);
	assert_false(linkq_pending(NULL));
}

/* Records the kind of each operation; a LEAVE is finished here as its
 * owner would (its descriptors closed). */
static int
retire_kinds(void *arg, struct linkq_op *op, struct err *e)
{
	struct fixture *f = arg;
	const char *k = "?LRV";

	(void)e;
	if (f->n_kinds + 1 < sizeof(f->kinds))
		f->kinds[f->n_kinds++] = k[op->kind];
	if (op->kind == LINKQ_LINK) {
		/* f0..f4 were in the folder left; f5 in the one still open. */
		if (op->it.dirfd != (strcmp(op->it.name, "f5") == 0 ? f->from :
		    f->kept))
			f->dirfds_ok = false;
		assert_int_equal(op->link_errno, 0);
	} else if (op->kind == LINKQ_LEAVE) {
		f->kept_seen = op->kept_fd;
		f->leave_open = fcntl(op->dir.dst_fd, F_GETFD) != -1;
		linker_discard(&op->dir);
		close(op->kept_fd);
		op->kept_fd = -1;
	}
	return 0;
}

/* Fills it/ent/st for the file name queued from dirfd. */
static void
make_item(struct walk_item *it, struct entry *ent, struct stat *st,
    const char *name, int dirfd)
{
	memset(st, 0, sizeof(*st));
	memset(ent, 0, sizeof(*ent));
	ent->path = name;
	ent->path_len = strlen(name);
	memset(it, 0, sizeof(*it));
	it->event = WALK_ENTRY;
	it->ent = ent;
	it->st = st;
	it->name = name;
	it->dirfd = dirfd;
	it->fd = -1;
}

static void
test_linkq_folders_in_order(void **state)
{
	struct fixture *f = *state;
	struct linkq *q = NULL;
	struct link_level dir, left;
	struct walk_item it;
	struct entry ent;
	struct stat st;
	char name[8];
	struct err e;
	int walkfd, kept, again, i;

	memset(&dir, 0, sizeof(dir));
	dir.dst_fd = f->to;
	dir.from[0] = f->from;
	dir.from[1] = dir.meta_fd = -1;
	f->dirfds_ok = true;
	/* The walk's descriptor of the folder that is left. */
	walkfd = dup(f->from);
	assert_true(walkfd >= 0);
	assert_int_equal(linkq_start(&q, &sys_real, retire_kinds, f, &e), 0);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		make_item(&it, &ent, &st, name, walkfd);
		assert_int_equal(linkq_push(q, &it, NULL, &dir, 7, &e), 0);
	}
	make_item(&it, &ent, &st, "sub", walkfd);
	assert_int_equal(linkq_push_record(q, &it, NULL, &e), 0);
	make_item(&it, &ent, &st, "f5", f->from);
	assert_int_equal(linkq_push(q, &it, NULL, &dir, 8, &e), 0);

	/* Leaving the folder of tag 7: its links get their own
	 * descriptor, once; the walk closes its own. */
	assert_int_equal(linkq_keep_dirfd(q, 7, &kept, &e), 0);
	assert_true(kept >= 0);
	assert_int_not_equal(kept, walkfd);
	assert_int_equal(linkq_keep_dirfd(q, 7, &again, &e), 0);
	assert_int_equal(again, -1);
	close(walkfd);
	f->kept = kept;
	memset(&left, 0, sizeof(left));
	left.dst_fd = dup(f->to);
	left.from[0] = left.from[1] = left.meta_fd = -1;
	assert_true(left.dst_fd >= 0);
	assert_int_equal(linkq_push_leave(q, &left, "d", 1, kept, &e), 0);

	assert_int_equal(linkq_drain(q, &e), 0);
	linkq_stop(q);
	f->kinds[f->n_kinds] = '\0';
	assert_string_equal(f->kinds, "LLLLLRLV");
	assert_true(f->dirfds_ok);
	assert_int_equal(f->kept_seen, kept);
	assert_true(f->leave_open);
}

/* Checks that the one record queued is a folder without a name. */
static int
retire_unnamed(void *arg, struct linkq_op *op, struct err *e)
{
	int *records = arg;

	(void)e;
	if (op->kind != LINKQ_RECORD)
		return 0;
	assert_null(op->it.name);
	assert_string_equal(op->it.ent->path, "src2");
	(*records)++;
	return 0;
}

/*
 * A source's own folder has no name in a parent (walk.h): entered while
 * the links of the source before it are queued, its record is queued
 * with no name, not read from NULL.
 */
static void
test_linkq_record_without_name(void **state)
{
	struct fixture *f = *state;
	struct linkq *q = NULL;
	struct link_level dir;
	struct walk_item it;
	struct entry ent;
	struct stat st;
	struct err e;
	int records = 0;

	memset(&dir, 0, sizeof(dir));
	dir.dst_fd = f->to;
	dir.from[0] = f->from;
	dir.from[1] = dir.meta_fd = -1;
	assert_int_equal(linkq_start(&q, &sys_real, retire_unnamed, &records,
	    &e), 0);
	make_item(&it, &ent, &st, "f0", f->from);
	assert_int_equal(linkq_push(q, &it, NULL, &dir, 0, &e), 0);
	make_item(&it, &ent, &st, "src2", -1);
	it.name = NULL;
	assert_int_equal(linkq_push_record(q, &it, NULL, &e), 0);
	assert_int_equal(linkq_drain(q, &e), 0);
	linkq_stop(q);
	assert_int_equal(records, 1);
}

/* A linkat that holds the linking thread until released and counts the
 * links the walking (main) thread makes. */
static pthread_t main_thread;
static pthread_mutex_t stall_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stall_cond = PTHREAD_COND_INITIALIZER;
static bool stalled;
static atomic_int walk_links, linker_links;

static int
linkat_stalled(int olddirfd, const char *oldname, int newdirfd,
    const char *newname, int flags)
{
	if (pthread_equal(pthread_self(), main_thread)) {
		atomic_fetch_add(&walk_links, 1);
	} else {
		pthread_mutex_lock(&stall_lock);
		while (stalled)
			pthread_cond_wait(&stall_cond, &stall_lock);
		pthread_mutex_unlock(&stall_lock);
		atomic_fetch_add(&linker_links, 1);
	}
	return linkat(olddirfd, oldname, newdirfd, newname, flags);
}

/*
 * The linking thread stuck on its first link: the walk goes on, makes
 * the links of what it queues once the linking thread is far behind,
 * and every operation still comes back in order, with what its link
 * gave, whoever made it.
 */
static void
test_linkq_walk_links_when_linker_behind(void **state)
{
	struct fixture *f = *state;
	struct sys_ops sys = sys_real;
	struct linkq *q = NULL;
	struct link_level dir;
	struct walk_item it;
	struct entry ent;
	struct stat st;
	char name[32];
	struct err e;
	int i;

	main_thread = pthread_self();
	stalled = true;
	atomic_store(&walk_links, 0);
	atomic_store(&linker_links, 0);
	sys.linkat = linkat_stalled;
	memset(&dir, 0, sizeof(dir));
	dir.dst_fd = f->to;
	dir.from[0] = f->from;
	dir.from[1] = dir.meta_fd = -1;
	assert_int_equal(linkq_start(&q, &sys, retire, f, &e), 0);
	/* One short of a full ring: a full one would wait for the linker. */
	for (i = 0; i < LINKQ_CAP - 1; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		make_item(&it, &ent, &st, name, f->from);
		assert_int_equal(linkq_push(q, &it, NULL, &dir, 0, &e), 0);
	}
	assert_true(atomic_load(&walk_links) > 0);
	assert_int_equal(atomic_load(&linker_links), 0);
	pthread_mutex_lock(&stall_lock);
	stalled = false;
	pthread_cond_broadcast(&stall_cond);
	pthread_mutex_unlock(&stall_lock);
	assert_int_equal(linkq_drain(q, &e), 0);
	linkq_stop(q);
	assert_int_equal(f->retired, LINKQ_CAP - 1);
	assert_true(f->in_order);
	assert_true(atomic_load(&linker_links) > 0);
	assert_int_equal(atomic_load(&walk_links) + atomic_load(&linker_links),
	    LINKQ_CAP - 1);
}

static void
test_linkq_stop_closes_folders_left(void **state)
{
	struct fixture *f = *state;
	struct linkq *q = NULL;
	struct link_level left;
	struct err e;
	int kept;

	assert_int_equal(linkq_start(&q, &sys_real, retire_kinds, f, &e), 0);
	memset(&left, 0, sizeof(left));
	left.dst_fd = dup(f->to);
	left.from[0] = dup(f->from);
	left.from[1] = left.meta_fd = -1;
	kept = dup(f->from);
	assert_true(left.dst_fd >= 0 && left.from[0] >= 0 && kept >= 0);
	assert_int_equal(linkq_push_leave(q, &left, "d", 1, kept, &e), 0);
	/* Never retired: a run that failed. */
	linkq_stop(q);
	assert_int_equal(f->n_kinds, 0);
	assert_int_equal(fcntl(left.dst_fd, F_GETFD), -1);
	assert_int_equal(fcntl(left.from[0], F_GETFD), -1);
	assert_int_equal(fcntl(kept, F_GETFD), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linkq_links_all_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_linkq_retire_failure_stops,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_linkq_folders_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_linkq_stop_closes_folders_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linkq_record_without_name,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_linkq_walk_links_when_linker_behind, setup, teardown),
		cmocka_unit_test(test_linkq_stop_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
