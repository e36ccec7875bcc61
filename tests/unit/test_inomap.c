/*
 * test_inomap: the inode map finds what was put in, by (dev, ino), with
 * values of the caller's size, across many doublings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inomap.h"

struct value {
	uint64_t	size;
	unsigned char	hash[16];
	char		tag;		/* an odd size, rounded up */
};

static void
test_inomap_empty_finds_nothing(void **state)
{
	struct inomap m;
	size_t it = 0;

	(void)state;
	inomap_init(&m, sizeof(struct value));
	assert_null(inomap_find(&m, 0, 1));
	assert_null(inomap_next(&m, &it, NULL, NULL));
	assert_int_equal(inomap_count(&m), 0);
	inomap_free(&m);
}

static void
test_inomap_insert_then_find(void **state)
{
	struct inomap m;
	struct value *v, *w;
	bool added = false;

	(void)state;
	inomap_init(&m, sizeof(struct value));
	v = inomap_insert(&m, 0, 42, &added);
	assert_non_null(v);
	assert_true(added);
	assert_int_equal(v->size, 0);		/* new values start zeroed */
	assert_int_equal(v->tag, 0);
	v->size = 1234;
	v->tag = 'x';
	w = inomap_insert(&m, 0, 42, &added);
	assert_false(added);
	assert_ptr_equal(v, w);
	assert_int_equal(w->size, 1234);
	w = inomap_find(&m, 0, 42);
	assert_non_null(w);
	assert_int_equal(w->tag, 'x');
	assert_null(inomap_find(&m, 0, 43));
	assert_int_equal(inomap_count(&m), 1);
	inomap_free(&m);
}

static void
test_inomap_dev_is_part_of_the_key(void **state)
{
	struct inomap m;
	uint64_t *a, *b;

	(void)state;
	inomap_init(&m, sizeof(uint64_t));
	a = inomap_insert(&m, 1, 7, NULL);
	assert_non_null(a);
	*a = 100;
	b = inomap_insert(&m, 2, 7, NULL);
	assert_non_null(b);
	*b = 200;
	assert_int_equal(*(uint64_t *)inomap_find(&m, 1, 7), 100);
	assert_int_equal(*(uint64_t *)inomap_find(&m, 2, 7), 200);
	assert_null(inomap_find(&m, 0, 7));
	assert_null(inomap_find(&m, 3, 7));
	assert_int_equal(inomap_count(&m), 2);
	inomap_free(&m);
}

/* Dense inode numbers, the usual case, through many doublings. */
static void
test_inomap_many_keys_survive_growth(void **state)
{
	const uint64_t n = 100000;
	struct inomap m;
	struct value *v;
	uint64_t i;

	(void)state;
	inomap_init(&m, sizeof(struct value));
	for (i = 1; i <= n; i++) {
		v = inomap_insert(&m, i & 1, i, NULL);
		assert_non_null(v);
		v->size = i * 3;
		memset(v->hash, (int)(i & 0xff), sizeof(v->hash));
	}
	assert_int_equal(inomap_count(&m), n);
	/* Never more than half full. */
	assert_true(m.cap >= 2 * n);
	for (i = 1; i <= n; i++) {
		v = inomap_find(&m, i & 1, i);
		assert_non_null(v);
		assert_int_equal(v->size, i * 3);
		assert_int_equal(v->hash[15], i & 0xff);
		assert_null(inomap_find(&m, !(i & 1), i));
	}
	assert_null(inomap_find(&m, 0, n + 2));
	inomap_free(&m);
}

static void
test_inomap_next_visits_each_once(void **state)
{
	struct inomap m;
	uint64_t *v, dev, ino, sum = 0, count = 0, i;
	size_t it = 0;
	char seen[1001] = { 0 };

	(void)state;
	inomap_init(&m, sizeof(uint64_t));
	for (i = 1; i <= 1000; i++) {
		v = inomap_insert(&m, 9, i, NULL);
		assert_non_null(v);
		*v = i;
	}
	while ((v = inomap_next(&m, &it, &dev, &ino)) != NULL) {
		assert_int_equal(dev, 9);
		assert_int_equal(*v, ino);
		assert_false(seen[ino]);
		seen[ino] = 1;
		sum += *v;
		count++;
	}
	assert_int_equal(count, 1000);
	assert_int_equal(sum, 1000 * 1001 / 2);
	inomap_free(&m);
	assert_int_equal(inomap_count(&m), 0);
	assert_null(inomap_find(&m, 9, 1));
}

/* elem_size 0: a set of inodes. */
static void
test_inomap_as_a_set(void **state)
{
	struct inomap m;
	bool added;

	(void)state;
	inomap_init(&m, 0);
	assert_non_null(inomap_insert(&m, 0, 5, &added));
	assert_true(added);
	assert_non_null(inomap_insert(&m, 0, 5, &added));
	assert_false(added);
	assert_non_null(inomap_find(&m, 0, 5));
	assert_null(inomap_find(&m, 0, 6));
	inomap_free(&m);
}

/* Inode 0 and the largest numbers are keys like any other. */
static void
test_inomap_extreme_keys(void **state)
{
	struct inomap m;
	uint64_t *v;

	(void)state;
	inomap_init(&m, sizeof(uint64_t));
	v = inomap_insert(&m, 0, 0, NULL);
	*v = 1;
	v = inomap_insert(&m, UINT64_MAX, UINT64_MAX, NULL);
	*v = 2;
	assert_int_equal(*(uint64_t *)inomap_find(&m, 0, 0), 1);
	assert_int_equal(*(uint64_t *)inomap_find(&m, UINT64_MAX,
	    UINT64_MAX), 2);
	inomap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inomap_empty_finds_nothing),
		cmocka_unit_test(test_inomap_insert_then_find),
		cmocka_unit_test(test_inomap_dev_is_part_of_the_key),
		cmocka_unit_test(test_inomap_many_keys_survive_growth),
		cmocka_unit_test(test_inomap_next_visits_each_once),
		cmocka_unit_test(test_inomap_as_a_set),
		cmocka_unit_test(test_inomap_extreme_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
