/*
 * test_usage: space accounting from manifests (usage.c).
 *
 * Small manifests written with manifest_writer in a scratch directory,
 * with hand-worked expectations: an inode in every snapshot, in one only,
 * in the first and third, hard links inside one snapshot, a file without
 * a stored inode, and enough inodes to make the table grow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "manifest.h"
#include "sys.h"
#include "usage.h"

/* One manifest entry of a hand-made snapshot. */
struct file {
	const char	*path;
	enum entry_type	 type;
	uint64_t	 size;
	uint64_t	 stored_ino;
};

static void
write_manifest(int dirfd, const char *name, const struct file *files,
    size_t n)
{
	struct manifest_writer *w;
	struct entry ent;
	struct err e;
	size_t i;

	assert_int_equal(manifest_writer_open(&w, dirfd, name, &sys_real, &e),
	    0);
	for (i = 0; i < n; i++) {
		memset(&ent, 0, sizeof(ent));
		ent.path = files[i].path;
		ent.path_len = strlen(files[i].path);
		ent.type = files[i].type;
		ent.mode = (files[i].type == ENTRY_DIR ? S_IFDIR : S_IFREG) |
		    0644;
		ent.nlink = 1;
		ent.size = files[i].size;
		ent.stored_ino = files[i].stored_ino;
		ent.ino = files[i].stored_ino + 1000;
		assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	}
	assert_int_equal(manifest_writer_commit(w, &e), 0);
}

static const char names3[3][NAME_SNAPSHOT_LEN] = {
	"2026-11-24T030012Z", "2026-11-25T030012Z", "2026-11-26T030012Z",
};

/*
 * Inode 100 (1000 B) is in every snapshot, 200 (20 B) only in the
 * second, 300 (300 B) in the first and third, 400 (4 B) twice (two hard
 * links) in the third; the first also has a 7-byte file without a stored
 * inode and a folder.
 */
static void
write_three(int dirfd)
{
	static const struct file s0[] = {
		{ "", ENTRY_DIR, 4096, 1 },
		{ "a", ENTRY_REG, 1000, 100 },
		{ "c", ENTRY_REG, 300, 300 },
		{ "z", ENTRY_REG, 7, 0 },
	};
	static const struct file s1[] = {
		{ "", ENTRY_DIR, 4096, 2 },
		{ "a", ENTRY_REG, 1000, 100 },
		{ "b", ENTRY_REG, 20, 200 },
	};
	static const struct file s2[] = {
		{ "", ENTRY_DIR, 4096, 3 },
		{ "a", ENTRY_REG, 1000, 100 },
		{ "c-moved", ENTRY_REG, 300, 300 },
		{ "d1", ENTRY_REG, 4, 400 },
		{ "d2", ENTRY_REG, 4, 400 },
	};

	write_manifest(dirfd, names3[0], s0, sizeof(s0) / sizeof(s0[0]));
	write_manifest(dirfd, names3[1], s1, sizeof(s1) / sizeof(s1[0]));
	write_manifest(dirfd, names3[2], s2, sizeof(s2) / sizeof(s2[0]));
}

static void
test_usage_three_snapshots(void **state)
{
	struct scratch_dir *f = *state;
	const struct usage_snapshot *s;
	struct usage u;
	struct err e;

	write_three(f->dirfd);
	assert_int_equal(usage_compute(&u, f->dirfd, names3, 3, &e), 0);
	assert_int_equal(u.n, 3);

	s = &u.snaps[0];
	assert_int_equal(s->files, 3);
	assert_int_equal(s->size, 1307);
	assert_int_equal(s->inodes, 3);
	assert_int_equal(s->held_bytes, 1307);
	assert_int_equal(s->new_bytes, 1307);
	assert_int_equal(s->alone_bytes, 7);
	assert_int_equal(s->shared_bytes, 1300);

	s = &u.snaps[1];
	assert_int_equal(s->files, 2);
	assert_int_equal(s->size, 1020);
	assert_int_equal(s->new_bytes, 20);
	assert_int_equal(s->alone_bytes, 20);
	assert_int_equal(s->shared_bytes, 1000);

	/* The hard-linked pair counts once in held, new and alone, twice
	 * in files and size (what a person sees in the tree). */
	s = &u.snaps[2];
	assert_int_equal(s->files, 4);
	assert_int_equal(s->size, 1308);
	assert_int_equal(s->inodes, 3);
	assert_int_equal(s->held_bytes, 1304);
	assert_int_equal(s->new_bytes, 4);
	assert_int_equal(s->alone_bytes, 4);
	assert_int_equal(s->shared_bytes, 1300);

	assert_int_equal(u.total_inodes, 5);
	assert_int_equal(u.total_bytes, 1000 + 20 + 300 + 4 + 7);
	usage_free(&u);
}

/* "new" is relative to the snapshots given: the third alone holds all. */
static void
test_usage_subset(void **state)
{
	struct scratch_dir *f = *state;
	struct usage u;
	struct err e;

	write_three(f->dirfd);
	assert_int_equal(usage_compute(&u, f->dirfd, names3 + 2, 1, &e), 0);
	assert_int_equal(u.snaps[0].new_bytes, 1304);
	assert_int_equal(u.snaps[0].alone_bytes, 1304);
	assert_int_equal(u.snaps[0].shared_bytes, 0);
	assert_int_equal(u.total_bytes, 1304);
	usage_free(&u);

	/* First and third: inode 300 is shared now, 100 too. */
	{
		char two[2][NAME_SNAPSHOT_LEN];

		memcpy(two[0], names3[0], NAME_SNAPSHOT_LEN);
		memcpy(two[1], names3[2], NAME_SNAPSHOT_LEN);
		assert_int_equal(usage_compute(&u, f->dirfd,
		    (const char (*)[NAME_SNAPSHOT_LEN])two, 2, &e), 0);
	}
	assert_int_equal(u.snaps[0].alone_bytes, 7);
	assert_int_equal(u.snaps[1].alone_bytes, 4);
	assert_int_equal(u.snaps[1].new_bytes, 4);
	assert_int_equal(u.snaps[1].shared_bytes, 1300);
	usage_free(&u);
}

static void
test_usage_empty_list(void **state)
{
	struct scratch_dir *f = *state;
	struct usage u;
	struct err e;

	assert_int_equal(usage_compute(&u, f->dirfd, names3, 0, &e), 0);
	assert_int_equal(u.n, 0);
	assert_int_equal(u.total_bytes, 0);
	assert_int_equal(u.total_inodes, 0);
	usage_free(&u);
}

static void
test_usage_missing_manifest_fails(void **state)
{
	struct scratch_dir *f = *state;
	struct usage u;
	struct err e;

	write_three(f->dirfd);
	assert_int_equal(unlinkat(f->dirfd, names3[1], 0), 0);
	assert_int_equal(usage_compute(&u, f->dirfd, names3, 3, &e), -1);
	assert_int_equal(e.errnum, ENOENT);
	assert_null(u.snaps);
	assert_int_equal(u.n, 0);
}

/*
 * Many inodes, to make the table grow several times: the first snapshot
 * has N files, the second keeps the even ones and adds N/2 new ones.
 */
#define N_MANY 20000

static void
write_many(int dirfd, const char *name, int second)
{
	struct manifest_writer *w;
	struct entry ent;
	struct err e;
	char path[64];
	size_t i;

	assert_int_equal(manifest_writer_open(&w, dirfd, name, &sys_real, &e),
	    0);
	for (i = 0; i < N_MANY; i++) {
		memset(&ent, 0, sizeof(ent));
		ent.path_len = (size_t)snprintf(path, sizeof(path),
		    "d/f%06zu", i);
		ent.path = path;
		ent.type = ENTRY_REG;
		ent.mode = S_IFREG | 0644;
		ent.nlink = 1;
		ent.size = 10;
		/* Dense inode numbers, as a fresh filesystem hands out. */
		ent.stored_ino = second && i % 2 ? 5000000 + i : 1000 + i;
		assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	}
	assert_int_equal(manifest_writer_commit(w, &e), 0);
}

static void
test_usage_many_inodes(void **state)
{
	struct scratch_dir *f = *state;
	struct usage u;
	struct err e;

	write_many(f->dirfd, names3[0], 0);
	write_many(f->dirfd, names3[1], 1);
	assert_int_equal(usage_compute(&u, f->dirfd, names3, 2, &e), 0);
	assert_int_equal(u.snaps[0].files, N_MANY);
	assert_int_equal(u.snaps[0].new_bytes, 10 * N_MANY);
	assert_int_equal(u.snaps[0].alone_bytes, 10 * (N_MANY / 2));
	assert_int_equal(u.snaps[1].new_bytes, 10 * (N_MANY / 2));
	assert_int_equal(u.snaps[1].alone_bytes, 10 * (N_MANY / 2));
	assert_int_equal(u.snaps[1].shared_bytes, 10 * (N_MANY / 2));
	assert_int_equal(u.total_inodes, N_MANY + N_MANY / 2);
	assert_int_equal(u.total_bytes, 10 * (N_MANY + N_MANY / 2));
	usage_free(&u);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_usage_three_snapshots),
		T(test_usage_subset),
		T(test_usage_empty_list),
		T(test_usage_missing_manifest_fails),
		T(test_usage_many_inodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
