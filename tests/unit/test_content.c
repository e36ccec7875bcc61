/*
 * Unit tests of content.c, without a disk: which stored files the index
 * offers as candidates for a file (same size, metadata key and hash
 * prefix), and nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "content.h"
#include "diff.h"

/* A hashed regular file; seed fills the hash, byte 0 first. */
static struct entry
file_entry(uint64_t size, uint32_t mode, uint64_t seed)
{
	struct entry ent;
	int i;

	memset(&ent, 0, sizeof(ent));
	ent.path = "f";
	ent.path_len = 1;
	ent.type = ENTRY_REG;
	ent.mode = S_IFREG | mode;
	ent.uid = 1000;
	ent.gid = 1000;
	ent.size = size;
	ent.mtime.sec = 1764000000;
	ent.mtime.nsec = 5;
	ent.has_hash = true;
	for (i = 0; i < ENTRY_HASH_LEN; i++)
		ent.hash[i] = (unsigned char)(seed >> (8 * (7 - i % 8)));
	return ent;
}

/* Collects every offset content_index_next yields for ent, in order. */
static size_t
candidates(const struct content_index *ci, const struct entry *ent,
    uint64_t *out, size_t max)
{
	uint64_t off = 0xdeadbeef;
	size_t pos = 0, n = 0;

	while (content_index_next(ci, ent, diff_meta_key(ent), &pos,
	    &off) == 1) {
		assert_true(n < max);
		out[n++] = off;
	}
	return n;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
add(struct content_index *ci, const struct entry *ent, uint64_t offset)
{
	assert_int_equal(content_index_add(ci, ent, offset), 0);
}

static void
test_content_empty_index(void **state)
{
	struct content_index ci;
	struct entry ent = file_entry(10, 0644, 1);
	uint64_t off = 77;
	size_t pos = 0;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	assert_false(content_index_has(&ci, 10, diff_meta_key(&ent)));
	assert_int_equal(content_index_next(&ci, &ent, diff_meta_key(&ent),
	    &pos, &off), 0);
	assert_int_equal(off, 77);
	content_index_seal(&ci);
	assert_int_equal(ci.n, 0);
	assert_false(content_index_has(&ci, 10, diff_meta_key(&ent)));
	assert_false(content_index_has(&ci, 0, 0));
	assert_int_equal(content_index_next(&ci, &ent, diff_meta_key(&ent),
	    &pos, &off), 0);
	content_index_free(&ci);
	assert_null(ci.slots);
	assert_int_equal(ci.n, 0);
	assert_int_equal(ci.cap, 0);
}

static void
test_content_has(void **state)
{
	struct content_index ci;
	struct entry a = file_entry(100, 0644, 0x1111), b, c;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	b = file_entry(200, 0600, 0x2222);
	c = file_entry(0, 0644, 0x3333);
	add(&ci, &b, 40);
	add(&ci, &a, 20);
	add(&ci, &c, 60);
	content_index_seal(&ci);
	assert_int_equal(ci.n, 3);

	assert_true(content_index_has(&ci, 100, diff_meta_key(&a)));
	assert_true(content_index_has(&ci, 200, diff_meta_key(&b)));
	assert_true(content_index_has(&ci, 0, diff_meta_key(&c)));
	/* The right key with the wrong size and the other way round. */
	assert_false(content_index_has(&ci, 101, diff_meta_key(&a)));
	assert_false(content_index_has(&ci, 99, diff_meta_key(&a)));
	assert_false(content_index_has(&ci, 100, diff_meta_key(&b)));
	assert_false(content_index_has(&ci, 200, diff_meta_key(&a)));
	assert_false(content_index_has(&ci, UINT64_MAX, diff_meta_key(&a)));
	/* The hash is no part of it. */
	a.hash[0] ^= 0xff;
	assert_true(content_index_has(&ci, 100, diff_meta_key(&a)));
	/* Another mtime is another key. */
	a.mtime.nsec++;
	assert_false(content_index_has(&ci, 100, diff_meta_key(&a)));
	content_index_free(&ci);
}

static void
test_content_next_several_candidates(void **state)
{
	struct content_index ci;
	struct entry want = file_entry(4096, 0644, 0x0102030405060708ULL);
	struct entry other;
	uint64_t got[16];
	size_t n;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	/* Three files that may be want, added out of order. */
	add(&ci, &want, 900);
	add(&ci, &want, 300);
	/* Equal prefix, other tail: the caller checks the whole hash. */
	other = want;
	other.hash[ENTRY_HASH_LEN - 1] ^= 0x55;
	add(&ci, &other, 600);

	/* Near misses, each off in one thing. */
	other = want;
	other.size = 4095;
	add(&ci, &other, 1);
	other.size = 4097;
	add(&ci, &other, 2);
	other = want;
	other.mode = S_IFREG | 0755;
	add(&ci, &other, 3);
	other = want;
	other.uid = 0;
	add(&ci, &other, 4);
	other = want;
	other.mtime.sec--;
	add(&ci, &other, 5);
	other = want;
	other.xattr_hash = 42;
	add(&ci, &other, 6);
	other = want;
	other.hash[7] ^= 1;		/* last byte of the prefix */
	add(&ci, &other, 7);
	other = want;
	other.hash[0] ^= 0x80;
	add(&ci, &other, 8);
	content_index_seal(&ci);
	assert_int_equal(ci.n, 11);

	n = candidates(&ci, &want, got, 16);
	assert_int_equal(n, 3);
	qsort(got, n, sizeof(got[0]), cmp_u64);
	assert_int_equal(got[0], 300);
	assert_int_equal(got[1], 600);
	assert_int_equal(got[2], 900);

	/* Fields the key leaves out do not change the answer. */
	want.ino = 99;
	want.ctime.sec = 1;
	want.path = "elsewhere";
	want.path_len = strlen(want.path);
	assert_int_equal(candidates(&ci, &want, got, 16), 3);

	/* Each near miss finds exactly itself. */
	other = want;
	other.xattr_hash = 42;
	assert_int_equal(candidates(&ci, &other, got, 16), 1);
	assert_int_equal(got[0], 6);
	other = want;
	other.hash[7] ^= 1;
	assert_int_equal(candidates(&ci, &other, got, 16), 1);
	assert_int_equal(got[0], 7);
	other = want;
	other.size = 4097;
	assert_int_equal(candidates(&ci, &other, got, 16), 1);
	assert_int_equal(got[0], 2);
	content_index_free(&ci);
}

static void
test_content_next_none(void **state)
{
	struct content_index ci;
	struct entry a = file_entry(10, 0644, 0xaa), probe;
	uint64_t got[4], off = 12345;
	size_t pos = 0;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	add(&ci, &a, 8);
	content_index_seal(&ci);

	probe = a;
	probe.hash[3] ^= 1;
	assert_int_equal(candidates(&ci, &probe, got, 4), 0);
	probe = a;
	probe.size = 11;		/* beyond every slot */
	assert_int_equal(candidates(&ci, &probe, got, 4), 0);
	probe.size = 9;			/* before every slot */
	assert_int_equal(candidates(&ci, &probe, got, 4), 0);
	probe = a;
	probe.gid = 0;
	assert_int_equal(candidates(&ci, &probe, got, 4), 0);
	/* A miss leaves *offset alone. */
	assert_int_equal(content_index_next(&ci, &probe,
	    diff_meta_key(&probe), &pos, &off), 0);
	assert_int_equal(off, 12345);
	/* The stored one, with the key passed in rather than a's own. */
	assert_int_equal(content_index_next(&ci, &a, diff_meta_key(&probe),
	    &pos, &off), 0);
	assert_int_equal(candidates(&ci, &a, got, 4), 1);
	assert_int_equal(got[0], 8);
	content_index_free(&ci);
}

static void
test_content_next_first_slot(void **state)
{
	struct content_index ci;
	struct entry small = file_entry(0, 0644, 0), big;
	uint64_t got[4], off;
	size_t pos = 0;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	/* The smallest size, key and prefix of all: it sorts to slot 0. */
	big = file_entry(1000, 0644, 0x77);
	add(&ci, &big, 50);
	add(&ci, &small, 0);
	add(&ci, &big, 51);
	content_index_seal(&ci);
	assert_int_equal(ci.slots[0].offset, 0);

	assert_int_equal(content_index_next(&ci, &small, diff_meta_key(&small),
	    &pos, &off), 1);
	assert_int_equal(off, 0);
	assert_int_equal(content_index_next(&ci, &small, diff_meta_key(&small),
	    &pos, &off), 0);
	assert_int_equal(candidates(&ci, &small, got, 4), 1);
	assert_int_equal(got[0], 0);

	/* The last slots are found too. */
	assert_int_equal(candidates(&ci, &big, got, 4), 2);
	qsort(got, 2, sizeof(got[0]), cmp_u64);
	assert_int_equal(got[0], 50);
	assert_int_equal(got[1], 51);
	content_index_free(&ci);
}

static void
test_content_two_slots_first_is_match(void **state)
{
	struct content_index ci;
	struct entry a = file_entry(5, 0644, 0x10);
	uint64_t got[4];

	(void)state;
	memset(&ci, 0, sizeof(ci));
	/* Both at the start of the table, the first at offset 0. */
	add(&ci, &a, 0);
	add(&ci, &a, 1);
	content_index_seal(&ci);
	assert_int_equal(candidates(&ci, &a, got, 4), 2);
	qsort(got, 2, sizeof(got[0]), cmp_u64);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 1);
	content_index_free(&ci);
}

static void
test_content_unsigned_order(void **state)
{
	struct content_index ci;
	struct entry hi = file_entry(UINT64_MAX, 0644, UINT64_MAX);
	struct entry lo = file_entry(1, 0644, 1);
	struct entry top = file_entry(1, 0644, 0x8000000000000000ULL);
	uint64_t got[4];

	(void)state;
	memset(&ci, 0, sizeof(ci));
	add(&ci, &top, 30);
	add(&ci, &hi, 10);
	add(&ci, &lo, 20);
	content_index_seal(&ci);
	assert_true(content_index_has(&ci, UINT64_MAX, diff_meta_key(&hi)));
	assert_int_equal(candidates(&ci, &hi, got, 4), 1);
	assert_int_equal(got[0], 10);
	assert_int_equal(candidates(&ci, &lo, got, 4), 1);
	assert_int_equal(got[0], 20);
	assert_int_equal(candidates(&ci, &top, got, 4), 1);
	assert_int_equal(got[0], 30);
	content_index_free(&ci);
}

/* More slots than the first allocation, each found by its own lookup. */
static void
test_content_many_entries(void **state)
{
	enum { N = 10000 };
	struct content_index ci;
	struct entry ent;
	uint64_t got[4];
	size_t i;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	for (i = 0; i < N; i++) {
		ent = file_entry(i % 97, 0600 | (i % 2), i * 2654435761ULL);
		add(&ci, &ent, 1000 + i);
	}
	content_index_seal(&ci);
	assert_int_equal(ci.n, N);
	assert_true(ci.cap >= ci.n);
	for (i = 0; i < N; i += 7) {
		ent = file_entry(i % 97, 0600 | (i % 2), i * 2654435761ULL);
		assert_true(content_index_has(&ci, ent.size,
		    diff_meta_key(&ent)));
		assert_int_equal(candidates(&ci, &ent, got, 4), 1);
		assert_int_equal(got[0], 1000 + i);
	}
	ent = file_entry(97, 0600, 0);
	assert_false(content_index_has(&ci, 97, diff_meta_key(&ent)));
	content_index_free(&ci);
	assert_null(ci.slots);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_empty_index),
		cmocka_unit_test(test_content_has),
		cmocka_unit_test(test_content_next_several_candidates),
		cmocka_unit_test(test_content_next_none),
		cmocka_unit_test(test_content_next_first_slot),
		cmocka_unit_test(test_content_two_slots_first_is_match),
		cmocka_unit_test(test_content_unsigned_order),
		cmocka_unit_test(test_content_many_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
