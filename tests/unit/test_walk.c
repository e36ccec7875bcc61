/*
 * Unit tests of walk.c in a scratch directory, for trees deeper than the
 * walker keeps open (BENEATH_OPEN_LEVELS): every entry comes, in order,
 * under a descriptor limit that one descriptor per level would break;
 * a far ancestor replaced by another folder while it was closed is not
 * walked as if it were the old one, but named in a warning.  A remote
 * source's tree is walked lazily: its regular files come unstat'ed, with
 * getdents64's d_type and d_ino, and walk_item_stat fills them in; a
 * local source's never do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "rmtree.h"
#include "scratch.h"
#include "sys.h"
#include "walk.h"

#define LEVELS 200

/*
 * d/src/a/a/.../a, LEVELS folders deep, with a file "b" beside every
 * "a": "b" sorts after "a", so the walk must come back up to each
 * folder for it.
 */
static void
make_deep(int dirfd)
{
	int fd, next, i;

	assert_int_equal(mkdirat(dirfd, "src", 0700), 0);
	fd = openat(dirfd, "src", O_RDONLY | O_DIRECTORY);
	for (i = 0; i < LEVELS; i++) {
		assert_true(fd >= 0);
		close(openat(fd, "b", O_WRONLY | O_CREAT, 0600));
		assert_int_equal(mkdirat(fd, "a", 0700), 0);
		next = openat(fd, "a", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	close(fd);
}

struct counts {
	int	dirs, files, leaves, warnings, replaced;
	int	max_depth;
};

/* Walks d/src (stored as "src") to the end, or until stop_depth is
 * reached, calling at_depth there once. */
static void
walk_tree(struct scratch_dir *d, struct counts *n, int stop_depth,
    void (*at_depth)(struct scratch_dir *))
{
	struct config_source src = { .dest = "src" };
	struct walk_item it;
	struct walk *w = NULL;
	struct err e;
	char path[128];
	int depth = 0, r;

	snprintf(path, sizeof(path), "%s/src", d->dir);
	src.path = path;
	memset(n, 0, sizeof(*n));
	assert_int_equal(walk_open(&w, &src, 1, NULL, &e), 0);
	while ((r = walk_next(w, &it, &e)) == 1) {
		if (it.event == WALK_WARNING) {
			n->warnings++;
			if (strstr(it.warning, "moved or replaced") != NULL)
				n->replaced++;
		} else if (it.event == WALK_LEAVE) {
			n->leaves++;
			depth--;
		} else if (it.ent->type == ENTRY_DIR) {
			n->dirs++;
			if (++depth > n->max_depth)
				n->max_depth = depth;
			if (depth == stop_depth && at_depth != NULL)
				at_depth(d);
		} else {
			/* A local source: every entry stat'ed. */
			assert_false(it.lazy);
			n->files++;
		}
	}
	assert_int_equal(r, 0);
	walk_close(w);
}

static void
test_walk_deep_tree_bounded_descriptors(void **state)
{
	struct scratch_dir *d = *state;
	struct rlimit old, low;
	struct counts n;
	struct err e;

	make_deep(d->dirfd);
	/* One descriptor per level would need LEVELS. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = BENEATH_OPEN_LEVELS + 32;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	walk_tree(d, &n, 0, NULL);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

	assert_int_equal(n.warnings, 0);
	assert_int_equal(n.dirs, LEVELS + 1);
	assert_int_equal(n.leaves, LEVELS + 1);
	assert_int_equal(n.files, LEVELS);
	assert_int_equal(n.max_depth, LEVELS + 1);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "src", NULL, &e),
	    0);
}

/* Puts another folder in the place of src/a/a/a/a/a (five deep), far
 * above the deepest folder: the walker closed it a while ago. */
static void
replace_ancestor(struct scratch_dir *d)
{
	assert_int_equal(renameat(d->dirfd, "src/a/a/a/a/a", d->dirfd,
	    "moved"), 0);
	assert_int_equal(mkdirat(d->dirfd, "src/a/a/a/a/a", 0700), 0);
	assert_int_equal(mkdirat(d->dirfd, "src/a/a/a/a/a/a", 0700), 0);
	close(openat(d->dirfd, "src/a/a/a/a/a/b", O_WRONLY | O_CREAT, 0600));
}

static void
test_walk_replaced_ancestor_warns(void **state)
{
	struct scratch_dir *d = *state;
	struct counts n;
	struct err e;

	make_deep(d->dirfd);
	walk_tree(d, &n, BENEATH_OPEN_LEVELS * 3, replace_ancestor);
	/* The folders below it were walked while they were open; the
	 * replacement is named, and the "b" files of the old folder and
	 * of the folders above the cut that were closed are not all
	 * there: the walker did not take the new folder for the old. */
	assert_true(n.replaced >= 1);
	assert_true(n.files < LEVELS);
	assert_int_equal(n.dirs, LEVELS + 1);
	assert_int_equal(n.leaves, LEVELS + 1);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "src", NULL, &e),
	    0);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "moved", NULL,
	    &e), 0);
}

static void
test_walk_remote_source_lazy(void **state)
{
	struct scratch_dir *d = *state;
	struct config_source src = { .dest = "src", .host = "host" };
	struct walk_item it;
	struct walk *w = NULL;
	struct stat st;
	struct err e;
	char path[128];
	int files = 0, dirs = 0, links = 0, r;

	make_deep(d->dirfd);
	assert_int_equal(symlinkat("b", d->dirfd, "src/l"), 0);
	snprintf(path, sizeof(path), "%s/src", d->dir);
	src.path = path;
	assert_int_equal(walk_open(&w, &src, 1, NULL, &e), 0);
	while ((r = walk_next(w, &it, &e)) == 1) {
		assert_int_not_equal(it.event, WALK_WARNING);
		if (it.event != WALK_ENTRY)
			continue;
		if (it.ent->type == ENTRY_DIR) {
			assert_false(it.lazy);
			dirs++;
			continue;
		}
		if (it.ent->type == ENTRY_SYMLINK) {
			/* Not a regular file: stat'ed, its target read. */
			assert_false(it.lazy);
			assert_int_equal(it.ent->target_len, 1);
			links++;
			continue;
		}
		assert_int_equal(it.ent->type, ENTRY_REG);
		assert_true(it.lazy);
		assert_int_equal(it.d_type, DT_REG);
		assert_int_equal(fstatat(it.dirfd, it.name, &st,
		    AT_SYMLINK_NOFOLLOW), 0);
		assert_true(it.d_ino == (uint64_t)st.st_ino);
		assert_int_equal(walk_item_stat(&it), 0);
		assert_true(it.st->st_ino == st.st_ino);
		assert_int_equal(it.st->st_mode, st.st_mode);
		assert_int_equal(it.ent->mode, st.st_mode);
		assert_int_equal(it.ent->nlink, st.st_nlink);
		assert_true(it.ent->ino == (uint64_t)st.st_ino);
		files++;
	}
	assert_int_equal(r, 0);
	walk_close(w);
	assert_int_equal(files, LEVELS);
	assert_int_equal(dirs, LEVELS + 1);
	assert_int_equal(links, 1);
	assert_int_equal(rmtree_remove(&sys_real, d->dirfd, "src", NULL, &e),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_walk_deep_tree_bounded_descriptors, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_walk_replaced_ancestor_warns, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_walk_remote_source_lazy, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
