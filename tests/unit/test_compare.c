/*
 * test_compare: the change markers of compare_entries, without a disk,
 * and the merge-join of two small manifests written in a scratch
 * directory, checked as the exact sequence of changes it reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "compare.h"
#include "manifest.h"

/* A regular file with a known hash. */
static struct entry
reg_entry(const char *path)
{
	struct entry ent;
	int i;

	memset(&ent, 0, sizeof(ent));
	ent.path = path;
	ent.path_len = strlen(path);
	ent.type = ENTRY_REG;
	ent.mode = S_IFREG | 0644;
	ent.uid = 1000;
	ent.gid = 100;
	ent.nlink = 1;
	ent.size = 4096;
	ent.mtime.sec = 1764000000;
	ent.mtime.nsec = 123456789;
	ent.ctime.sec = 1764000100;
	ent.ctime.nsec = 987654321;
	ent.ino = 424242;
	ent.stored_ino = 777;
	ent.has_hash = true;
	for (i = 0; i < ENTRY_HASH_LEN; i++)
		ent.hash[i] = (unsigned char)(i * 7 + 1);
	return ent;
}

static struct entry
dir_entry(const char *path)
{
	struct entry ent = reg_entry(path);

	ent.type = ENTRY_DIR;
	ent.mode = S_IFDIR | 0755;
	ent.has_hash = false;
	memset(ent.hash, 0, sizeof(ent.hash));
	return ent;
}

static struct entry
link_entry(const char *path, const char *target)
{
	struct entry ent = reg_entry(path);

	ent.type = ENTRY_SYMLINK;
	ent.mode = S_IFLNK | 0777;
	ent.has_hash = false;
	memset(ent.hash, 0, sizeof(ent.hash));
	ent.target = target;
	ent.target_len = strlen(target);
	ent.size = ent.target_len;
	return ent;
}

static void
test_compare_equal_is_same(void **state)
{
	struct entry a = reg_entry("f"), b = reg_entry("f");

	(void)state;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
	a = dir_entry("d"), b = dir_entry("d");
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
	a = link_entry("l", "t"), b = link_entry("l", "t");
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
}

static void
test_compare_added_removed(void **state)
{
	struct entry a = reg_entry("f");

	(void)state;
	assert_int_equal(compare_entries(NULL, &a), COMPARE_ADDED);
	assert_int_equal(compare_entries(&a, NULL), COMPARE_REMOVED);
	assert_int_equal(compare_entries(NULL, NULL), COMPARE_SAME);
}

static void
test_compare_type_change(void **state)
{
	struct entry a = reg_entry("x"), b = dir_entry("x");
	struct entry l = link_entry("x", "y");

	(void)state;
	assert_int_equal(compare_entries(&a, &b), 'T');
	assert_int_equal(compare_entries(&b, &a), 'T');
	assert_int_equal(compare_entries(&a, &l), 'T');
	b = a;
	b.type = ENTRY_FIFO;
	b.mode = S_IFIFO | 0644;
	assert_int_equal(compare_entries(&a, &b), 'T');
}

static void
test_compare_content(void **state)
{
	struct entry a = reg_entry("f"), b;

	(void)state;
	b = a, b.size++;
	assert_int_equal(compare_entries(&a, &b), 'M');
	b = a, b.hash[3] ^= 1;
	assert_int_equal(compare_entries(&a, &b), 'M');
	/* A content change wins over a metadata change. */
	b = a, b.hash[0] ^= 1, b.mode = S_IFREG | 0600;
	assert_int_equal(compare_entries(&a, &b), 'M');
	/* Equal hashes, new mtime: the content is the same. */
	b = a, b.mtime.nsec++;
	assert_int_equal(compare_entries(&a, &b), 'm');
	/* A hash unknown: a new mtime means new content. */
	b = a, b.mtime.nsec++, b.has_hash = false;
	assert_int_equal(compare_entries(&a, &b), 'M');
	b = a, b.mtime.sec--, a.has_hash = false;
	assert_int_equal(compare_entries(&a, &b), 'M');
	/* A hash unknown, size and mtime equal: unchanged. */
	b = a, b.hash[0] ^= 1;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
}

static void
test_compare_metadata(void **state)
{
	struct entry a = reg_entry("f"), b;

	(void)state;
	b = a, b.mode = S_IFREG | 0600;
	assert_int_equal(compare_entries(&a, &b), 'm');
	b = a, b.uid = 0;
	assert_int_equal(compare_entries(&a, &b), 'm');
	b = a, b.gid = 0;
	assert_int_equal(compare_entries(&a, &b), 'm');
	b = a, b.xattr_hash = 99;
	assert_int_equal(compare_entries(&a, &b), 'm');
}

static void
test_compare_ignored_fields(void **state)
{
	struct entry a = reg_entry("f"), b;

	(void)state;
	b = a, b.ctime.sec++, b.ctime.nsec = 0;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
	b = a, b.ino = 1;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
	b = a, b.stored_ino = 2;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
	b = a, b.nlink = 3;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
}

static void
test_compare_dir_mtime_and_size_ignored(void **state)
{
	struct entry a = dir_entry("d"), b;

	(void)state;
	b = a, b.mtime.sec += 60, b.size = 8192;
	assert_int_equal(compare_entries(&a, &b), COMPARE_SAME);
	b = a, b.mode = S_IFDIR | 0700;
	assert_int_equal(compare_entries(&a, &b), 'm');
	b = a, b.uid = 0;
	assert_int_equal(compare_entries(&a, &b), 'm');
}

static void
test_compare_symlink(void **state)
{
	struct entry a = link_entry("l", "target"), b;

	(void)state;
	b = link_entry("l", "tarGet");
	assert_int_equal(compare_entries(&a, &b), 'M');
	b = link_entry("l", "target2");
	assert_int_equal(compare_entries(&a, &b), 'M');
	b = link_entry("l", "target");
	b.mtime.sec++;
	assert_int_equal(compare_entries(&a, &b), 'm');
	b = link_entry("l", "target");
	b.uid = 0;
	assert_int_equal(compare_entries(&a, &b), 'm');
}

static void
test_compare_device(void **state)
{
	struct entry a = reg_entry("dev"), b;

	(void)state;
	a.type = ENTRY_CHR;
	a.mode = S_IFCHR | 0600;
	a.has_hash = false;
	a.size = 0;
	a.rdev = 0x0103;
	b = a, b.rdev = 0x0105;
	assert_int_equal(compare_entries(&a, &b), 'M');
	b = a, b.mtime.sec++;
	assert_int_equal(compare_entries(&a, &b), 'm');
}

/* --- the merge-join ------------------------------------------------ */

static void
write_manifest(int dirfd, const char *name, const struct entry *ents,
    size_t n)
{
	struct manifest_writer *w;
	struct err e;
	size_t i;

	assert_int_equal(manifest_writer_open(&w, dirfd, name, &sys_real,
	    &e), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(manifest_writer_add(w, &ents[i], &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), 0);
}

/* Collects "M path" lines, one per change, into a buffer. */
struct collected {
	char	text[4096];
	size_t	len;
	int	stop_after;	/* fail the callback after this many */
	int	n;
};

static int
collect(void *arg, enum compare_change change, const struct entry *old,
    const struct entry *new, struct err *e)
{
	struct collected *c = arg;
	const struct entry *ent = new != NULL ? new : old;
	int r;

	/* The entries are the two sides of one path. */
	if (old != NULL && new != NULL) {
		assert_int_equal(old->path_len, new->path_len);
		assert_memory_equal(old->path, new->path, old->path_len);
	}
	assert_int_equal(old == NULL, change == COMPARE_ADDED);
	assert_int_equal(new == NULL, change == COMPARE_REMOVED);
	if (c->stop_after > 0 && c->n == c->stop_after)
		return err_set(e, 0, "stopped");
	c->n++;
	r = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%c %.*s\n",
	    (int)change, (int)ent->path_len, ent->path);
	assert_true(r > 0 && (size_t)r < sizeof(c->text) - c->len);
	c->len += (size_t)r;
	return 0;
}

static int
join_names(int dirfd, const char *a, const char *b, struct collected *c,
    struct err *e)
{
	struct manifest_reader *ra, *rb;
	int r;

	assert_int_equal(manifest_reader_open(&ra, dirfd, a, e), 0);
	assert_int_equal(manifest_reader_open(&rb, dirfd, b, e), 0);
	r = compare_manifests(ra, rb, collect, c, e);
	manifest_reader_close(ra);
	manifest_reader_close(rb);
	return r;
}

#define OLD_NAME "2026-11-24T030012Z"
#define NEW_NAME "2026-11-25T030012Z"

static void
test_compare_join_sequence(void **state)
{
	struct scratch_dir *f = *state;
	struct entry old[12], new[12];
	struct collected c;
	struct err e;
	size_t no = 0, nn = 0;

	/* Both in walk order: '/' sorts below every byte, so "a/b" comes
	 * before "a-c" although '-' < '/' in ASCII. */
	old[no++] = dir_entry("a");
	old[no++] = reg_entry("a/b");		/* same */
	old[no++] = reg_entry("a/gone");	/* removed */
	old[no++] = reg_entry("a-c");		/* content */
	old[no++] = dir_entry("d");		/* becomes a file */
	old[no++] = reg_entry("d/x");		/* goes with it */
	old[no++] = dir_entry("d/y");
	old[no++] = reg_entry("d/y/z");
	old[no++] = reg_entry("m");		/* chmod */
	old[no++] = reg_entry("z1");		/* removed at the end */
	old[no++] = reg_entry("z2");

	new[nn++] = dir_entry("a");
	new[nn++] = reg_entry("a/b");
	new[nn++] = reg_entry("a/new");		/* added */
	new[nn++] = reg_entry("a-c");
	new[nn - 1].size = 1;
	new[nn++] = reg_entry("a.d");		/* added between */
	new[nn++] = reg_entry("d");
	new[nn++] = reg_entry("m");
	new[nn - 1].mode = S_IFREG | 0600;
	new[nn++] = reg_entry("n\nl");		/* a newline in a name */

	write_manifest(f->dirfd, OLD_NAME, old, no);
	write_manifest(f->dirfd, NEW_NAME, new, nn);

	memset(&c, 0, sizeof(c));
	assert_int_equal(join_names(f->dirfd, OLD_NAME, NEW_NAME, &c, &e), 0);
	assert_string_equal(c.text,
	    "- a/gone\n"
	    "+ a/new\n"
	    "M a-c\n"
	    "+ a.d\n"
	    "T d\n"
	    "- d/x\n"
	    "- d/y\n"
	    "- d/y/z\n"
	    "m m\n"
	    "+ n\nl\n"
	    "- z1\n"
	    "- z2\n");

	/* The other way round, every marker turns around. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(join_names(f->dirfd, NEW_NAME, OLD_NAME, &c, &e), 0);
	assert_string_equal(c.text,
	    "+ a/gone\n"
	    "- a/new\n"
	    "M a-c\n"
	    "- a.d\n"
	    "T d\n"
	    "+ d/x\n"
	    "+ d/y\n"
	    "+ d/y/z\n"
	    "m m\n"
	    "- n\nl\n"
	    "+ z1\n"
	    "+ z2\n");

	/* A manifest with itself: nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(join_names(f->dirfd, OLD_NAME, OLD_NAME, &c, &e), 0);
	assert_int_equal(c.len, 0);
}

static void
test_compare_join_empty_sides(void **state)
{
	struct scratch_dir *f = *state;
	struct entry ents[2];
	struct collected c;
	struct err e;

	ents[0] = dir_entry("etc");
	ents[1] = reg_entry("etc/fstab");
	write_manifest(f->dirfd, OLD_NAME, ents, 0);
	write_manifest(f->dirfd, NEW_NAME, ents, 2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(join_names(f->dirfd, OLD_NAME, NEW_NAME, &c, &e), 0);
	assert_string_equal(c.text, "+ etc\n+ etc/fstab\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(join_names(f->dirfd, NEW_NAME, OLD_NAME, &c, &e), 0);
	assert_string_equal(c.text, "- etc\n- etc/fstab\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(join_names(f->dirfd, OLD_NAME, OLD_NAME, &c, &e), 0);
	assert_int_equal(c.len, 0);
}

static void
test_compare_join_callback_stops(void **state)
{
	struct scratch_dir *f = *state;
	struct entry ents[3];
	struct collected c;
	struct err e;

	ents[0] = reg_entry("a");
	ents[1] = reg_entry("b");
	ents[2] = reg_entry("c");
	write_manifest(f->dirfd, OLD_NAME, ents, 0);
	write_manifest(f->dirfd, NEW_NAME, ents, 3);

	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(join_names(f->dirfd, OLD_NAME, NEW_NAME, &c, &e), -1);
	assert_string_equal(e.msg, "stopped");
	assert_string_equal(c.text, "+ a\n+ b\n");
}

/* A stream over an array, to feed the join what no manifest holds. */
struct array_stream {
	const struct entry *ents;
	size_t n, i;
};

static int
array_next(void *arg, struct entry *ent, struct err *e)
{
	struct array_stream *s = arg;

	(void)e;
	if (s->i == s->n)
		return 0;
	*ent = s->ents[s->i++];
	return 1;
}

static void
test_compare_join_refuses_disorder(void **state)
{
	struct entry bad[3], good[1];
	struct array_stream sa = { bad, 3, 0 }, sb = { good, 1, 0 };
	struct compare_join j;
	const struct entry *a, *b;
	struct err e;
	int r;

	(void)state;
	/* "a-c" before "a/b" is byte order, not walk order. */
	bad[0] = reg_entry("a");
	bad[1] = reg_entry("a-c");
	bad[2] = reg_entry("a/b");
	good[0] = reg_entry("a");
	compare_join_init(&j,
	    (struct compare_stream){ array_next, &sa, "list 'bad'" },
	    (struct compare_stream){ array_next, &sb, "list 'good'" });
	while ((r = compare_join_next(&j, &a, &b, &e)) == 1)
		;
	compare_join_free(&j);
	assert_int_equal(r, -1);
	assert_string_equal(e.msg, "list 'bad' is not in walk order: 'a/b' "
	    "after 'a-c': Invalid argument");

	/* A path twice is no order either. */
	bad[1] = reg_entry("a");
	sa.i = 0, sb.i = 0;
	compare_join_init(&j,
	    (struct compare_stream){ array_next, &sb, "list 'good'" },
	    (struct compare_stream){ array_next, &sa, "list 'bad'" });
	while ((r = compare_join_next(&j, &a, &b, &e)) == 1)
		;
	compare_join_free(&j);
	assert_int_equal(r, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_equal_is_same),
		cmocka_unit_test(test_compare_added_removed),
		cmocka_unit_test(test_compare_type_change),
		cmocka_unit_test(test_compare_content),
		cmocka_unit_test(test_compare_metadata),
		cmocka_unit_test(test_compare_ignored_fields),
		cmocka_unit_test(test_compare_dir_mtime_and_size_ignored),
		cmocka_unit_test(test_compare_symlink),
		cmocka_unit_test(test_compare_device),
		cmocka_unit_test_setup_teardown(test_compare_join_sequence,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_compare_join_empty_sides,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    test_compare_join_callback_stops, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_compare_join_refuses_disorder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
