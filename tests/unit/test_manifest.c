/*
 * test_manifest: the manifest writer and reader in a scratch directory.
 *
 * Round trips of every kind of entry, offsets and read_at, every kind of
 * damage a file can suffer on disk, and the writer's behaviour when a
 * write, fsync or rename fails (sys_fault.h, around a disk that fills).
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
#include "sys_fault.h"

#define NAME		"2026-11-24T030012Z"
#define TMPNAME		NAME ".tmp"
#define N_GEN		20000	/* many reader and writer buffers */

static int
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Reads the whole file dirfd/name into a malloc'd buffer. */
static unsigned char *
load(int dirfd, const char *name, size_t *len)
{
	unsigned char *p;
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static void
store(int dirfd, const char *name, const unsigned char *p, size_t len)
{
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	assert_int_not_equal(fd, -1);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

/* The i-th of N_GEN ordinary entries; buf holds its path. */
static void
gen_entry(size_t i, struct entry *ent, char *buf, size_t bufsz)
{
	size_t k;
	int n;

	memset(ent, 0, sizeof(*ent));
	n = snprintf(buf, bufsz, "dir%04zu/file-%05zu.dat", i / 100, i);
	ent->path = buf;
	ent->path_len = (size_t)n;
	ent->type = i % 50 == 0 ? ENTRY_DIR : ENTRY_REG;
	ent->mode = ent->type == ENTRY_DIR ? S_IFDIR | 0755 : S_IFREG | 0644;
	ent->uid = 1000 + (uint32_t)(i % 7);
	ent->gid = 100 + (uint32_t)(i % 3);
	ent->nlink = 1 + (uint32_t)(i % 3);
	ent->size = (uint64_t)i * 4099;
	ent->mtime.sec = 1700000000 + (int64_t)i;
	ent->mtime.nsec = (uint32_t)(i * 7919 % 1000000000);
	ent->ctime.sec = 1700000100 + (int64_t)i;
	ent->ctime.nsec = (uint32_t)(i * 104729 % 1000000000);
	ent->ino = 1000000 + i;
	ent->stored_ino = 2000000 + i;
	ent->xattr_hash = i % 11 == 0 ? i * 0x9E3779B97F4A7C15ull : 0;
	if (ent->type == ENTRY_REG) {
		ent->has_hash = true;
		for (k = 0; k < ENTRY_HASH_LEN; k++)
			ent->hash[k] = (unsigned char)(i * 31 + k);
	}
}

/* Entries of every kind and every awkward path. */
#define N_SPECIAL 12
static char long_path[5001];

static void
special_entry(size_t i, struct entry *ent)
{
	/* In walk order, as the reader insists, and before the gen_entry
	 * paths ("dir..."). */
	static const char *paths[N_SPECIAL] = {
		"",				/* the snapshot root */
		"a",
		"a/a-file",
		"a/b-new\nline",
		"a/c-\xff\xfe not utf-8",
		NULL,				/* long_path */
		"a/e-link",
		"a/f-fifo",
		"a/g-chr",
		"a/h-blk",
		"a/i-sock",
		"a/j-\xc3\xa9t\xc3\xa9 (1970)",
	};
	size_t k;

	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[0] = 'a';
	long_path[1] = '/';
	long_path[2] = 'd';
	long_path[sizeof(long_path) - 1] = '\0';

	memset(ent, 0, sizeof(*ent));
	ent->path = paths[i] != NULL ? paths[i] : long_path;
	ent->path_len = strlen(ent->path);
	ent->uid = 0;
	ent->gid = 0;
	ent->nlink = 1;
	ent->mtime.sec = 1795489212;
	ent->mtime.nsec = 999999999;
	ent->ctime.sec = 1795489213;
	ent->ino = 42 + i;
	switch (i) {
	case 0:
	case 1:
		ent->type = ENTRY_DIR;
		ent->mode = S_IFDIR | 0700;
		ent->nlink = 3;
		break;
	case 6:
		ent->type = ENTRY_SYMLINK;
		ent->mode = S_IFLNK | 0777;
		ent->target = "../target with\nnewline";
		ent->target_len = strlen(ent->target);
		ent->size = ent->target_len;
		break;
	case 7:
		ent->type = ENTRY_FIFO;
		ent->mode = S_IFIFO | 0600;
		break;
	case 8:
		ent->type = ENTRY_CHR;
		ent->mode = S_IFCHR | 0666;
		ent->rdev = 0x0103;		/* /dev/null */
		break;
	case 9:
		ent->type = ENTRY_BLK;
		ent->mode = S_IFBLK | 0660;
		ent->rdev = 0xFFFFFFFFFFFFFFFFull;
		break;
	case 10:
		ent->type = ENTRY_SOCK;
		ent->mode = S_IFSOCK | 0755;
		break;
	case 11:
		/* Before the epoch, and the largest values of each field. */
		ent->type = ENTRY_REG;
		ent->mode = S_IFREG | 04755;
		ent->uid = 0xFFFFFFFE;
		ent->gid = 0xFFFFFFFF;
		ent->nlink = 0xFFFFFFFF;
		ent->size = 0xFFFFFFFFFFFFFFFFull;
		ent->mtime.sec = -1234567890123ll;
		ent->ctime.sec = INT64_MIN;
		ent->ctime.nsec = 1;
		ent->ino = 0xFFFFFFFFFFFFFFFFull;
		ent->stored_ino = 0xFFFFFFFFFFFFFFFFull;
		ent->xattr_hash = 0x8000000000000001ull;
		ent->has_hash = true;
		memset(ent->hash, 0xAB, ENTRY_HASH_LEN);
		break;
	default:
		ent->type = ENTRY_REG;
		ent->mode = S_IFREG | 0644;
		ent->size = 12345;
		ent->stored_ino = 777;
		ent->has_hash = true;
		for (k = 0; k < ENTRY_HASH_LEN; k++)
			ent->hash[k] = (unsigned char)(0xF0 ^ k ^ i);
		break;
	}
}

/* The i-th entry of the standard manifest: the specials, then N_GEN. */
static void
nth_entry(size_t i, struct entry *ent, char *buf, size_t bufsz)
{
	if (i < N_SPECIAL)
		special_entry(i, ent);
	else
		gen_entry(i - N_SPECIAL, ent, buf, bufsz);
}

static void
assert_entry_equal(const struct entry *got, const struct entry *want)
{
	assert_int_equal(got->path_len, want->path_len);
	if (want->path_len > 0)
		assert_memory_equal(got->path, want->path, want->path_len);
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->mode, want->mode);
	assert_int_equal(got->uid, want->uid);
	assert_int_equal(got->gid, want->gid);
	assert_int_equal(got->nlink, want->nlink);
	assert_true(got->size == want->size);
	assert_true(got->mtime.sec == want->mtime.sec);
	assert_int_equal(got->mtime.nsec, want->mtime.nsec);
	assert_true(got->ctime.sec == want->ctime.sec);
	assert_int_equal(got->ctime.nsec, want->ctime.nsec);
	assert_true(got->ino == want->ino);
	assert_true(got->rdev == want->rdev);
	assert_true(got->stored_ino == want->stored_ino);
	assert_true(got->xattr_hash == want->xattr_hash);
	assert_int_equal(got->has_hash, want->has_hash);
	if (want->has_hash)
		assert_memory_equal(got->hash, want->hash, ENTRY_HASH_LEN);
	if (want->target == NULL) {
		assert_null(got->target);
		assert_int_equal(got->target_len, 0);
	} else {
		assert_non_null(got->target);
		assert_int_equal(got->target_len, want->target_len);
		assert_memory_equal(got->target, want->target,
		    want->target_len);
	}
}

/* Writes entries 0..n-1 of the standard manifest to dirfd/NAME. */
static void
write_standard(int dirfd, size_t n, const struct sys_ops *sys)
{
	struct manifest_writer *w;
	struct entry ent;
	struct err e;
	char buf[64];
	size_t i;

	if (manifest_writer_open(&w, dirfd, NAME, sys, &e) == -1)
		fail_msg("%s", e.msg);
	for (i = 0; i < n; i++) {
		nth_entry(i, &ent, buf, sizeof(buf));
		if (manifest_writer_add(w, &ent, &e) == -1)
			fail_msg("%s", e.msg);
	}
	if (manifest_writer_commit(w, &e) == -1)
		fail_msg("%s", e.msg);
}

/* Reads dirfd/NAME back and checks it holds the first n entries. */
static void
check_standard(int dirfd, size_t n)
{
	struct manifest_reader *r;
	struct entry got, want;
	struct err e;
	char buf[64];
	size_t i;
	int rc;

	if (manifest_reader_open(&r, dirfd, NAME, &e) == -1)
		fail_msg("%s", e.msg);
	for (i = 0; (rc = manifest_reader_next(r, &got, NULL, &e)) == 1; i++) {
		assert_true(i < n);
		nth_entry(i, &want, buf, sizeof(buf));
		assert_entry_equal(&got, &want);
		/* The reader's strings come NUL-terminated. */
		assert_int_equal(got.path[got.path_len], '\0');
	}
	if (rc == -1)
		fail_msg("%s", e.msg);
	assert_int_equal(i, n);
	/* The end stays the end. */
	assert_int_equal(manifest_reader_next(r, &got, NULL, &e), 0);
	manifest_reader_close(r);
}

/*
 * Reads dirfd/name to the end and expects a failure whose message holds
 * want.  Returns nothing; fails the test otherwise.
 */
static void
expect_read_failure(int dirfd, const char *name, const char *want)
{
	struct manifest_reader *r;
	struct entry ent;
	struct err e;
	int rc;

	err_clear(&e);
	if (manifest_reader_open(&r, dirfd, name, &e) == 0) {
		while ((rc = manifest_reader_next(r, &ent, NULL, &e)) == 1)
			continue;
		if (rc == 0)
			fail_msg("damage not detected (want '%s')", want);
		/* The failure is reported again, not skipped over. */
		assert_int_equal(manifest_reader_next(r, &ent, NULL, &e), -1);
		manifest_reader_close(r);
	}
	if (strstr(e.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, want);
}

/*
 * Skims dirfd/name (only the framing and the trailer checked): expects
 * it to pass when want is NULL, else to fail with a message holding want.
 */
static void
expect_skim(int dirfd, const char *name, const char *want)
{
	struct manifest_reader *r;
	struct err e;

	err_clear(&e);
	if (manifest_reader_open(&r, dirfd, name, &e) == 0) {
		if (manifest_reader_skim(r, &e) == 0) {
			manifest_reader_close(r);
			if (want != NULL)
				fail_msg("skim missed the damage (want '%s')",
				    want);
			return;
		}
		/* The failure is reported again. */
		assert_int_equal(manifest_reader_skim(r, &e), -1);
		manifest_reader_close(r);
	}
	if (want == NULL)
		fail_msg("skim failed: %s", e.msg);
	if (strstr(e.msg, want) == NULL)
		fail_msg("skim's message '%s' lacks '%s'", e.msg, want);
}

/* Expects both ways of reading dirfd/name to fail with want. */
static void
expect_damage(int dirfd, const char *name, const char *want)
{
	expect_read_failure(dirfd, name, want);
	expect_skim(dirfd, name, want);
}

static void
test_manifest_round_trip(void **state)
{
	struct scratch_dir *f = *state;
	struct stat st;

	write_standard(f->dirfd, N_SPECIAL + N_GEN, &sys_real);
	check_standard(f->dirfd, N_SPECIAL + N_GEN);
	expect_skim(f->dirfd, NAME, NULL);
	assert_int_equal(fstatat(f->dirfd, NAME, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_manifest_empty(void **state)
{
	struct scratch_dir *f = *state;
	size_t len;
	unsigned char *p;

	write_standard(f->dirfd, 0, &sys_real);
	check_standard(f->dirfd, 0);
	expect_skim(f->dirfd, NAME, NULL);
	p = load(f->dirfd, NAME, &len);
	assert_int_equal(len, 16 + 20);		/* header and trailer */
	assert_memory_equal(p, "SNAPMAN\n\1\0\0\0\0\0\0\0", 16);
	free(p);
}

static void
test_manifest_deterministic(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *a, *b;
	size_t alen, blen;

	write_standard(f->dirfd, N_SPECIAL + 100, &sys_real);
	a = load(f->dirfd, NAME, &alen);
	write_standard(f->dirfd, N_SPECIAL + 100, &sys_real);
	b = load(f->dirfd, NAME, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void
test_manifest_longest_path(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	struct manifest_reader *r;
	struct entry ent, got;
	struct err e;
	uint64_t off;
	char *big;
	size_t max = 1u << 20;

	big = malloc(max + 2);
	assert_non_null(big);
	memset(big, 'x', max + 1);
	big[max + 1] = '\0';
	special_entry(2, &ent);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, &sys_real,
	    &e), 0);
	/* One byte over the limit is refused, and the writer goes on. */
	ent.path = big;
	ent.path_len = max + 1;
	assert_int_equal(manifest_writer_add(w, &ent, &e), -1);
	assert_int_equal(e.errnum, ENAMETOOLONG);
	ent.path_len = max;
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	ent.path = "y-after";
	ent.path_len = 7;
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), 0);

	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), 0);
	assert_int_equal(manifest_reader_next(r, &got, &off, &e), 1);
	assert_int_equal(got.path_len, max);
	assert_memory_equal(got.path, big, max);
	assert_int_equal(manifest_reader_next(r, &got, NULL, &e), 1);
	assert_int_equal(got.path_len, 7);
	assert_int_equal(manifest_reader_read_at(r, off, &got, &e), 0);
	assert_int_equal(got.path_len, max);
	assert_memory_equal(got.path, big, max);
	assert_int_equal(manifest_reader_next(r, &got, NULL, &e), 0);
	manifest_reader_close(r);
	free(big);
}

static void
test_manifest_writer_refuses_bad_entry(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	struct entry ent;
	struct err e;

	special_entry(2, &ent);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, &sys_real,
	    &e), 0);
	ent.type = (enum entry_type)0;
	assert_int_equal(manifest_writer_add(w, &ent, &e), -1);
	assert_int_equal(e.errnum, EINVAL);
	manifest_writer_abort(w);
	assert_false(exists(f->dirfd, TMPNAME));

	assert_int_equal(manifest_writer_open(&w, f->dirfd, "a/b", &sys_real,
	    &e), -1);
	assert_int_equal(e.errnum, EINVAL);
}

static void
test_manifest_offsets_and_read_at(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_reader *r;
	struct entry got, want;
	struct err e;
	uint64_t *offs, prev = 0;
	size_t i, j, n = N_SPECIAL + N_GEN;
	char buf[64];

	write_standard(f->dirfd, n, &sys_real);
	offs = calloc(n, sizeof(*offs));
	assert_non_null(offs);

	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(manifest_reader_next(r, &got, &offs[i], &e),
		    1);
		assert_true(offs[i] >= 16);
		assert_true(i == 0 || offs[i] > prev);
		prev = offs[i];
		/* read_at in the middle of streaming, of an earlier record. */
		if (i % 97 == 5) {
			j = i / 2;
			assert_int_equal(manifest_reader_read_at(r, offs[j],
			    &want, &e), 0);
			nth_entry(j, &got, buf, sizeof(buf));
			assert_entry_equal(&want, &got);
		}
	}
	/* Streaming went on undisturbed to a checked end. */
	if (manifest_reader_next(r, &got, NULL, &e) != 0)
		fail_msg("%s", e.msg);

	/* Every record, in reverse, after the stream has ended. */
	for (i = n; i-- > 0;) {
		if (manifest_reader_read_at(r, offs[i], &got, &e) == -1)
			fail_msg("%s", e.msg);
		nth_entry(i, &want, buf, sizeof(buf));
		assert_entry_equal(&got, &want);
	}

	/* Offsets that are not a record's are refused, not misread. */
	assert_int_equal(manifest_reader_read_at(r, 0, &got, &e), -1);
	assert_int_equal(manifest_reader_read_at(r, offs[3] + 1, &got, &e),
	    -1);
	assert_int_equal(manifest_reader_read_at(r, (uint64_t)1 << 40, &got,
	    &e), -1);
	manifest_reader_close(r);
	free(offs);
}

static void
test_manifest_read_at_detects_corruption(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_reader *r;
	struct entry got;
	struct err e;
	uint64_t off[4];
	unsigned char *p;
	size_t len, i;

	write_standard(f->dirfd, 4, &sys_real);
	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(manifest_reader_next(r, &got, &off[i], &e), 1);
	manifest_reader_close(r);

	p = load(f->dirfd, NAME, &len);
	p[off[2] + 4 + 30] ^= 0x10;
	store(f->dirfd, NAME, p, len);
	free(p);
	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), 0);
	assert_int_equal(manifest_reader_read_at(r, off[1], &got, &e), 0);
	assert_int_equal(manifest_reader_read_at(r, off[2], &got, &e), -1);
	assert_non_null(strstr(e.msg, "checksum mismatch"));
	manifest_reader_close(r);
}

/* Offset of record n (1-based) in a manifest written by write_standard. */
static uint64_t
record_offset(int dirfd, size_t n)
{
	struct manifest_reader *r;
	struct entry ent;
	struct err e;
	uint64_t off = 0;
	size_t i;

	assert_int_equal(manifest_reader_open(&r, dirfd, NAME, &e), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(manifest_reader_next(r, &ent, &off, &e), 1);
	manifest_reader_close(r);
	return off;
}

static void
test_manifest_corrupt_record(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p;
	uint64_t off;
	size_t len;

	write_standard(f->dirfd, N_SPECIAL + 50, &sys_real);
	off = record_offset(f->dirfd, 3);
	p = load(f->dirfd, NAME, &len);
	p[off + 4 + 10] ^= 0x01;		/* gid of record 3 */
	store(f->dirfd, NAME, p, len);
	expect_read_failure(f->dirfd, NAME,
	    "manifest '" NAME "' is corrupt: record 3 checksum mismatch");
	/* Skimmed, the same byte fails the whole file's checksum. */
	expect_skim(f->dirfd, NAME, "is corrupt: file checksum mismatch");

	/* A record length set to something absurd. */
	p[off + 4 + 10] ^= 0x01;
	p[off + 3] = 0x7f;
	store(f->dirfd, NAME, p, len);
	expect_damage(f->dirfd, NAME, "record 3 has an impossible "
	    "length");
	free(p);
}

static void
test_manifest_corrupt_trailer(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p;
	size_t len;

	write_standard(f->dirfd, N_SPECIAL, &sys_real);
	p = load(f->dirfd, NAME, &len);

	p[len - 16] ^= 0x01;		/* the record count */
	store(f->dirfd, NAME, p, len);
	expect_damage(f->dirfd, NAME, "is corrupt: the trailer counts "
	    "13 records, the file holds 12");
	p[len - 16] ^= 0x01;

	p[len - 1] ^= 0x80;		/* the whole-file checksum */
	store(f->dirfd, NAME, p, len);
	expect_damage(f->dirfd, NAME, "is corrupt: file checksum "
	    "mismatch");
	free(p);
}

/*
 * Swapping two whole records keeps every record checksum right; the
 * reader's walk order check sees it before the whole-file checksum.
 */
static void
test_manifest_swapped_records(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p, *q;
	uint64_t o1, o2, o3;
	size_t len, l1, l2;

	write_standard(f->dirfd, 4, &sys_real);
	o1 = record_offset(f->dirfd, 2);
	o2 = record_offset(f->dirfd, 3);
	o3 = record_offset(f->dirfd, 4);
	l1 = o2 - o1;
	l2 = o3 - o2;
	p = load(f->dirfd, NAME, &len);
	q = malloc(len);
	assert_non_null(q);
	memcpy(q, p, len);
	memcpy(q + o1, p + o2, l2);
	memcpy(q + o1 + l2, p + o1, l1);
	store(f->dirfd, NAME, q, len);
	/* The walk order check sees it first. */
	expect_read_failure(f->dirfd, NAME, "record 3: path 'a' is not in "
	    "walk order (it follows 'a/a-file')");
	free(p);
	free(q);
}

/*
 * Writes a manifest of "a", then path (len bytes), then "z", whose
 * checksums are all right: what a forger with write access makes.
 */
static void
write_with_path(int dirfd, const char *path, size_t len)
{
	struct manifest_writer *w;
	struct entry ent;
	struct err e;

	special_entry(2, &ent);
	assert_int_equal(manifest_writer_open(&w, dirfd, NAME, &sys_real, &e),
	    0);
	ent.path = "a";
	ent.path_len = 1;
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	ent.path = path;
	ent.path_len = len;
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	ent.path = "z";
	ent.path_len = 1;
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), 0);
}

/*
 * A record path that could lead a reader out of its folder, or that
 * breaks walk order, is corruption however good the checksums are; the
 * message names the manifest, the record and the path.
 */
static void
test_manifest_rejects_bad_paths(void **state)
{
	static const struct {
		const char *path, *want;
	} rows[] = {
		{ "a/../../../outside/pwned", "record 2: path "
		    "'a/../../../outside/pwned' has a '..' component" },
		{ "a/..", "has a '..' component" },
		{ "a/.", "has a '.' component" },
		{ "a/./b", "has a '.' component" },
		{ "/etc/passwd", "record 2: path '/etc/passwd' is absolute" },
		{ "a//b", "has an empty component" },
		{ "a/b/", "has an empty component" },
		{ "", "record 2: path '' is not in walk order (it follows "
		    "'a')" },
		{ "a", "record 2: path 'a' is not in walk order" },
		{ "0", "record 2: path '0' is not in walk order" },
		{ "zz", "record 3: path 'z' is not in walk order (it follows "
		    "'zz')" },
	};
	struct scratch_dir *f = *state;
	struct manifest_reader *r;
	struct entry ent;
	struct err e;
	uint64_t off;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		write_with_path(f->dirfd, rows[i].path, strlen(rows[i].path));
		expect_read_failure(f->dirfd, NAME, rows[i].want);
		/* Skimming leaves record contents to the reader. */
		expect_skim(f->dirfd, NAME, NULL);
	}
	/* Names that only look like the bad ones are fine. */
	write_with_path(f->dirfd, "a/...b/.c/..d/c..", 17);
	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), 0);
	for (i = 0; manifest_reader_next(r, &ent, NULL, &e) == 1; i++)
		continue;
	assert_int_equal(i, 3);
	assert_int_equal(manifest_reader_next(r, &ent, NULL, &e), 0);
	manifest_reader_close(r);

	/* read_at checks the path of the record it reads too. */
	write_with_path(f->dirfd, "a/../x", 6);
	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), 0);
	assert_int_equal(manifest_reader_next(r, &ent, &off, &e), 1);
	off += 4 + 106 + 1 + 8;	/* the second record: after "a"'s */
	assert_int_equal(manifest_reader_read_at(r, off, &ent, &e), -1);
	assert_non_null(strstr(e.msg, "path 'a/../x' has a '..' component"));
	manifest_reader_close(r);
}

static void
test_manifest_every_byte_flip_detected(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p;
	size_t len, i;
	int bit;

	write_standard(f->dirfd, 8, &sys_real);
	p = load(f->dirfd, NAME, &len);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 7) {
			p[i] ^= (unsigned char)(1u << bit);
			store(f->dirfd, NAME, p, len);
			/* Whichever message: that it fails is the point. */
			expect_damage(f->dirfd, NAME, "manifest '");
			p[i] ^= (unsigned char)(1u << bit);
		}
	}
	free(p);
}

static void
test_manifest_truncated(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p;
	size_t len, cut;

	write_standard(f->dirfd, N_SPECIAL, &sys_real);
	p = load(f->dirfd, NAME, &len);
	/* Every length short of the whole file is a truncation. */
	for (cut = 0; cut < len; cut++) {
		store(f->dirfd, NAME, p, cut);
		expect_damage(f->dirfd, NAME,
		    "manifest '" NAME "' is truncated");
	}
	free(p);
}

static void
test_manifest_trailing_garbage(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p;
	size_t len;

	write_standard(f->dirfd, N_SPECIAL, &sys_real);
	p = load(f->dirfd, NAME, &len);
	p = realloc(p, len + 1);
	assert_non_null(p);
	p[len] = '\n';
	store(f->dirfd, NAME, p, len + 1);
	expect_damage(f->dirfd, NAME, "is corrupt: data after the "
	    "trailer");
	free(p);
}

static void
test_manifest_wrong_version(void **state)
{
	struct scratch_dir *f = *state;
	unsigned char *p;
	size_t len;

	write_standard(f->dirfd, 3, &sys_real);
	p = load(f->dirfd, NAME, &len);
	p[8] = 2;
	store(f->dirfd, NAME, p, len);
	expect_damage(f->dirfd, NAME, "manifest '" NAME "' has version "
	    "2; this snap reads version 1");
	p[8] = 1;

	memcpy(p, "SNAPMAN\r", 8);
	store(f->dirfd, NAME, p, len);
	expect_damage(f->dirfd, NAME, "is corrupt: not a snap manifest");
	free(p);
}

static void
test_manifest_reader_missing(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_reader *r;
	struct err e;

	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), -1);
	assert_int_equal(e.errnum, ENOENT);
	assert_non_null(strstr(e.msg, "cannot open manifest '" NAME "'"));

	/* Not a regular file. */
	assert_int_equal(mkfifoat(f->dirfd, NAME, 0600), 0);
	assert_int_equal(manifest_reader_open(&r, f->dirfd, NAME, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

static void
test_manifest_commit_renames(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	struct entry ent;
	struct err e;

	special_entry(2, &ent);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, &sys_real,
	    &e), 0);
	assert_true(exists(f->dirfd, TMPNAME));
	assert_false(exists(f->dirfd, NAME));
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), 0);
	assert_true(exists(f->dirfd, NAME));
	assert_false(exists(f->dirfd, TMPNAME));
}

static void
test_manifest_abort_removes_tmp(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	struct entry ent;
	struct err e;
	size_t i;

	special_entry(2, &ent);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, &sys_real,
	    &e), 0);
	/* Enough to have flushed some of it. */
	for (i = 0; i < 5000; i++)
		assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	manifest_writer_abort(w);
	assert_false(exists(f->dirfd, TMPNAME));
	assert_false(exists(f->dirfd, NAME));
	manifest_writer_abort(NULL);
}

static void
test_manifest_stale_tmp_replaced(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	struct err e;

	store(f->dirfd, TMPNAME, (const unsigned char *)"stale junk", 10);
	write_standard(f->dirfd, 2, &sys_real);
	check_standard(f->dirfd, 2);
	assert_false(exists(f->dirfd, TMPNAME));

	/* A symlink planted as NAME.tmp is not followed. */
	store(f->dirfd, "victim", (const unsigned char *)"keep", 4);
	assert_int_equal(symlinkat("victim", f->dirfd, TMPNAME), 0);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, &sys_real,
	    &e), -1);
	assert_int_equal(e.errnum, ELOOP);
	assert_non_null(strstr(e.msg, "cannot create manifest '" TMPNAME
	    "'"));
}

/*
 * A disk that fills up: base_sys's write stops at a budget of bytes,
 * writes short and is interrupted now and then.  Failures by call come
 * from sys_fault.h, wrapped around it.
 */
static struct {
	size_t	budget;		/* bytes written before ENOSPC */
	size_t	max_chunk;	/* 0: no limit; else short writes */
	int	eintr_every;	/* 0: never; else every Nth write */
	int	calls;
} fault;

static ssize_t
fault_write(int fd, const void *buf, size_t count)
{
	fault.calls++;
	if (fault.eintr_every > 0 && fault.calls % fault.eintr_every == 0) {
		errno = EINTR;
		return -1;
	}
	if (fault.budget == 0) {
		errno = ENOSPC;
		return -1;
	}
	if (count > fault.budget)
		count = fault.budget;
	if (fault.max_chunk > 0 && count > fault.max_chunk)
		count = fault.max_chunk;
	fault.budget -= count;
	return write(fd, buf, count);
}

static struct sys_ops base_sys;

static const struct sys_ops *
fault_ops(void)
{
	memset(&fault, 0, sizeof(fault));
	fault.budget = SIZE_MAX;
	base_sys = sys_real;
	base_sys.write = fault_write;
	return sys_fault_wrap(&base_sys);
}

static void
add_fault(const char *kind, unsigned long nth, int error,
    enum sys_fault_when when)
{
	struct err e;

	if (sys_fault_add(kind, nth, error, when, &e) == -1)
		fail_msg("%s", e.msg);
}

static void
test_manifest_short_writes_and_eintr(void **state)
{
	struct scratch_dir *f = *state;
	const struct sys_ops *ops = fault_ops();

	fault.max_chunk = 4093;
	fault.eintr_every = 3;
	write_standard(f->dirfd, N_SPECIAL + 2000, ops);
	check_standard(f->dirfd, N_SPECIAL + 2000);
}

static void
test_manifest_enospc(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	const struct sys_ops *ops;
	struct entry ent;
	struct stat st;
	struct err e;
	size_t budgets[16], nb = 0, i, k, total, n = N_SPECIAL + 5000;
	char buf[64];
	int add_failed, rc;

	/* The size of the whole file, to fail at each interesting place. */
	write_standard(f->dirfd, n, &sys_real);
	assert_int_equal(fstatat(f->dirfd, NAME, &st, 0), 0);
	total = (size_t)st.st_size;
	assert_int_equal(unlinkat(f->dirfd, NAME, 0), 0);
	assert_true(total > 2 * 256 * 1024);

	budgets[nb++] = 0;
	budgets[nb++] = 1;
	budgets[nb++] = 16;
	budgets[nb++] = 4096;
	budgets[nb++] = 256 * 1024 - 1;
	budgets[nb++] = 256 * 1024;
	budgets[nb++] = 256 * 1024 + 1;
	budgets[nb++] = total - 21;		/* the last record */
	budgets[nb++] = total - 20;		/* no room for the trailer */
	budgets[nb++] = total - 1;

	for (k = 0; k < nb; k++) {
		ops = fault_ops();
		fault.budget = budgets[k];
		fault.max_chunk = 100000;	/* short writes, too */
		assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, ops,
		    &e), 0);
		add_failed = 0;
		for (i = 0; i < n; i++) {
			nth_entry(i, &ent, buf, sizeof(buf));
			if (manifest_writer_add(w, &ent, &e) == -1) {
				add_failed = 1;
				break;
			}
		}
		if (add_failed) {
			assert_int_equal(e.errnum, ENOSPC);
			/* Once failed, the writer keeps failing. */
			err_clear(&e);
			assert_int_equal(manifest_writer_add(w, &ent, &e), -1);
			assert_int_equal(e.errnum, ENOSPC);
		}
		/* Half the cases give up with abort, half try to commit. */
		if (add_failed && k % 2 == 0) {
			manifest_writer_abort(w);
		} else {
			err_clear(&e);
			rc = manifest_writer_commit(w, &e);
			assert_int_equal(rc, -1);
			assert_int_equal(e.errnum, ENOSPC);
		}
		if (e.errnum == ENOSPC) {
			assert_non_null(strstr(e.msg, "cannot write manifest '"
			    NAME "': No space left on device"));
		}
		assert_false(exists(f->dirfd, NAME));
		assert_false(exists(f->dirfd, TMPNAME));
	}

	/* With exactly enough room it succeeds. */
	ops = fault_ops();
	fault.budget = total;
	write_standard(f->dirfd, n, ops);
	check_standard(f->dirfd, n);
}

/*
 * Space that comes back after a failed write (another process deleted
 * something) must not let the writer carry on: the file has a hole.
 */
static void
test_manifest_enospc_is_sticky(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	const struct sys_ops *ops;
	struct entry ent;
	struct err e;
	char buf[64];
	size_t i;
	int failed = 0;

	ops = fault_ops();
	add_fault("write", 1, ENOSPC, SYS_FAULT_ONCE);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, ops, &e),
	    0);
	for (i = 0; i < 10000; i++) {
		gen_entry(i, &ent, buf, sizeof(buf));
		if (manifest_writer_add(w, &ent, &e) == -1) {
			assert_int_equal(e.errnum, ENOSPC);
			failed++;
		}
	}
	assert_true(failed > 0);
	assert_true(sys_fault_count("write") == 1);
	assert_int_equal(manifest_writer_commit(w, &e), -1);
	assert_int_equal(e.errnum, ENOSPC);
	assert_false(exists(f->dirfd, NAME));
	assert_false(exists(f->dirfd, TMPNAME));
}

static void
test_manifest_fsync_and_rename_failures(void **state)
{
	struct scratch_dir *f = *state;
	struct manifest_writer *w;
	const struct sys_ops *ops;
	struct entry ent;
	struct err e;

	special_entry(3, &ent);

	/* fsync of the file: EIO, nothing left behind. */
	ops = fault_ops();
	add_fault("fsync", 1, EIO, SYS_FAULT_FROM);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, ops, &e),
	    0);
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), -1);
	assert_int_equal(e.errnum, EIO);
	assert_false(exists(f->dirfd, NAME));
	assert_false(exists(f->dirfd, TMPNAME));

	/* rename fails. */
	ops = fault_ops();
	add_fault("renameat", 1, EACCES, SYS_FAULT_FROM);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, ops, &e),
	    0);
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), -1);
	assert_int_equal(e.errnum, EACCES);
	assert_non_null(strstr(e.msg, "cannot rename manifest '" TMPNAME
	    "' to '" NAME "'"));
	assert_false(exists(f->dirfd, NAME));
	assert_false(exists(f->dirfd, TMPNAME));

	/* fsync of the directory after the rename: still all or nothing. */
	ops = fault_ops();
	/* The second fsync: the file's comes before the rename. */
	add_fault("fsync", 2, EIO, SYS_FAULT_ONCE);
	assert_int_equal(manifest_writer_open(&w, f->dirfd, NAME, ops, &e),
	    0);
	assert_int_equal(manifest_writer_add(w, &ent, &e), 0);
	assert_int_equal(manifest_writer_commit(w, &e), -1);
	assert_int_equal(e.errnum, EIO);
	assert_int_equal(sys_fault_count("renameat"), 1);
	assert_int_equal(sys_fault_count("fsync"), 2);
	assert_false(exists(f->dirfd, NAME));
	assert_false(exists(f->dirfd, TMPNAME));
}

/* The number of records in dirfd/NAME, which must read to its end. */
static int
count_records(int dirfd)
{
	struct manifest_reader *r;
	struct entry ent;
	struct err e;
	int n = 0, rc;

	if (manifest_reader_open(&r, dirfd, NAME, &e) == -1)
		fail_msg("%s", e.msg);
	while ((rc = manifest_reader_next(r, &ent, NULL, &e)) == 1)
		n++;
	if (rc == -1)
		fail_msg("%s", e.msg);
	manifest_reader_close(r);
	return n;
}

/* Writes NAME with n records through ops, marked as a rewrite or not. */
static int
write_records(int dirfd, const struct sys_ops *ops, int n, bool replaces,
    struct err *e)
{
	struct manifest_writer *w;
	struct entry ent;
	int i;

	if (manifest_writer_open(&w, dirfd, NAME, ops, e) == -1)
		return -1;
	if (replaces)
		manifest_writer_replaces(w);
	for (i = 0; i < n; i++) {
		special_entry(i + 1, &ent);
		assert_int_equal(manifest_writer_add(w, &ent, e), 0);
	}
	return manifest_writer_commit(w, e);
}

/*
 * A rewrite (repair) of a manifest that exists: when a step before the
 * rename fails, the old manifest stays; when only the folder's fsync
 * after it fails, the new one stays, since the old one is gone and a
 * snapshot without a manifest drops out of every listing.
 */
static void
test_manifest_rewrite_keeps_a_manifest(void **state)
{
	struct scratch_dir *f = *state;
	const struct sys_ops *ops;
	struct err e;

	assert_int_equal(write_records(f->dirfd, &sys_real, 1, false, &e), 0);

	ops = fault_ops();
	add_fault("fsync", 1, EIO, SYS_FAULT_ONCE);
	assert_int_equal(write_records(f->dirfd, ops, 2, true, &e), -1);
	assert_int_equal(e.errnum, EIO);
	assert_false(exists(f->dirfd, TMPNAME));
	assert_int_equal(count_records(f->dirfd), 1);

	ops = fault_ops();
	add_fault("fsync", 2, EIO, SYS_FAULT_ONCE);
	assert_int_equal(write_records(f->dirfd, ops, 3, true, &e), -1);
	assert_int_equal(e.errnum, EIO);
	assert_int_equal(sys_fault_count("renameat"), 1);
	assert_false(exists(f->dirfd, TMPNAME));
	assert_int_equal(count_records(f->dirfd), 3);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_manifest_round_trip),
		T(test_manifest_empty),
		T(test_manifest_deterministic),
		T(test_manifest_longest_path),
		T(test_manifest_writer_refuses_bad_entry),
		T(test_manifest_offsets_and_read_at),
		T(test_manifest_read_at_detects_corruption),
		T(test_manifest_corrupt_record),
		T(test_manifest_corrupt_trailer),
		T(test_manifest_swapped_records),
		T(test_manifest_rejects_bad_paths),
		T(test_manifest_every_byte_flip_detected),
		T(test_manifest_truncated),
		T(test_manifest_trailing_garbage),
		T(test_manifest_wrong_version),
		T(test_manifest_reader_missing),
		T(test_manifest_commit_renames),
		T(test_manifest_abort_removes_tmp),
		T(test_manifest_stale_tmp_replaced),
		T(test_manifest_short_writes_and_eintr),
		T(test_manifest_enospc),
		T(test_manifest_enospc_is_sticky),
		T(test_manifest_fsync_and_rename_failures),
		T(test_manifest_rewrite_keeps_a_manifest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
