/*
 * test_store: snapshot name resolution (store_resolve), on lists made by
 * hand: full names, unique and ambiguous prefixes, latest and latest~N,
 * and the messages that name the candidates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "store.h"

static char names[][NAME_SNAPSHOT_LEN] = {
	"2026-11-20T030000Z",
	"2026-11-24T030012Z",
	"2026-11-24T150000Z",
	"2026-11-25T030009Z",
	"2026-11-26T030001Z",
	"2026-11-27T030001Z",
	"2026-12-01T030001Z",
};

static const struct store_list list = {
	names, sizeof(names) / sizeof(names[0]),
};

/* Resolves query, which must succeed, and returns the index. */
static size_t
resolve_ok(const struct store_list *l, const char *query)
{
	struct err e;
	size_t i = (size_t)-1;

	if (store_resolve(l, query, &i, &e) != 0)
		fail_msg("'%s' did not resolve: %s", query, e.msg);
	return i;
}

static void
test_store_resolve_full_name(void **state)
{
	(void)state;
	assert_int_equal(resolve_ok(&list, "2026-11-20T030000Z"), 0);
	assert_int_equal(resolve_ok(&list, "2026-11-25T030009Z"), 3);
	assert_int_equal(resolve_ok(&list, "2026-12-01T030001Z"), 6);
}

static void
test_store_resolve_unique_prefix(void **state)
{
	(void)state;
	assert_int_equal(resolve_ok(&list, "2026-11-25"), 3);
	assert_int_equal(resolve_ok(&list, "2026-12"), 6);
	assert_int_equal(resolve_ok(&list, "2026-11-24T15"), 2);
}

static void
test_store_resolve_ambiguous_lists_candidates(void **state)
{
	struct err e;
	size_t i;

	(void)state;
	assert_int_equal(store_resolve(&list, "2026-11-24", &i, &e), -1);
	assert_non_null(strstr(e.msg, "ambiguous"));
	assert_non_null(strstr(e.msg, "2026-11-24T030012Z"));
	assert_non_null(strstr(e.msg, "2026-11-24T150000Z"));
	assert_null(strstr(e.msg, "2026-11-25T030009Z"));

	assert_int_equal(store_resolve(&list, "2026", &i, &e), -1);
	assert_non_null(strstr(e.msg, "ambiguous"));
}

static void
test_store_resolve_unknown_lists_newest(void **state)
{
	struct err e;
	size_t i;

	(void)state;
	assert_int_equal(store_resolve(&list, "2025-01-01", &i, &e), -1);
	assert_non_null(strstr(e.msg, "'2025-01-01'"));
	assert_non_null(strstr(e.msg, "2026-12-01T030001Z"));
	assert_non_null(strstr(e.msg, "latest"));
	/* Only the newest few: not the oldest of seven. */
	assert_null(strstr(e.msg, "2026-11-20T030000Z"));

	/* A longer query than any name is no prefix of one. */
	assert_int_equal(store_resolve(&list, "2026-12-01T030001Zx", &i, &e),
	    -1);
	/* The empty string matches everything: not a name. */
	assert_int_equal(store_resolve(&list, "", &i, &e), -1);
}

static void
test_store_resolve_latest(void **state)
{
	(void)state;
	assert_int_equal(resolve_ok(&list, "latest"), 6);
	assert_int_equal(resolve_ok(&list, "latest~0"), 6);
	assert_int_equal(resolve_ok(&list, "latest~1"), 5);
	assert_int_equal(resolve_ok(&list, "latest~6"), 0);
}

static void
test_store_resolve_latest_too_far(void **state)
{
	struct err e;
	size_t i;

	(void)state;
	assert_int_equal(store_resolve(&list, "latest~7", &i, &e), -1);
	assert_non_null(strstr(e.msg, "7 snapshots"));
	assert_int_equal(store_resolve(&list, "latest~99999999999999999999",
	    &i, &e), -1);
}

static void
test_store_resolve_latest_invalid(void **state)
{
	static const char *const bad[] = {
		"latest~x", "latest~", "latest~-1", "latest~+1", "latest~1x",
		"latest~ 1",
	};
	struct err e;
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		if (store_resolve(&list, bad[k], &i, &e) != -1)
			fail_msg("'%s' resolved to %zu", bad[k], i);
		assert_non_null(strstr(e.msg, bad[k]));
	}
	/* "latestx" is neither latest nor a prefix of a name. */
	assert_int_equal(store_resolve(&list, "latestx", &i, &e), -1);
}

static void
test_store_resolve_empty_list(void **state)
{
	static const struct store_list empty = { NULL, 0 };
	struct err e;
	size_t i;

	(void)state;
	assert_int_equal(store_resolve(&empty, "latest", &i, &e), -1);
	assert_non_null(strstr(e.msg, "no snapshot"));
	assert_int_equal(store_resolve(&empty, "2026-11-24", &i, &e), -1);
	assert_non_null(strstr(e.msg, "'2026-11-24'"));
}

static void
test_store_resolve_one_snapshot(void **state)
{
	static char one[1][NAME_SNAPSHOT_LEN] = { "2026-11-24T030012Z" };
	static const struct store_list l = { one, 1 };
	struct err e;
	size_t i;

	(void)state;
	assert_int_equal(resolve_ok(&l, "latest"), 0);
	assert_int_equal(resolve_ok(&l, "2026"), 0);
	assert_int_equal(store_resolve(&l, "latest~1", &i, &e), -1);
	assert_non_null(strstr(e.msg, "only 1 snapshot"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_resolve_full_name),
		cmocka_unit_test(test_store_resolve_unique_prefix),
		cmocka_unit_test(test_store_resolve_ambiguous_lists_candidates),
		cmocka_unit_test(test_store_resolve_unknown_lists_newest),
		cmocka_unit_test(test_store_resolve_latest),
		cmocka_unit_test(test_store_resolve_latest_too_far),
		cmocka_unit_test(test_store_resolve_latest_invalid),
		cmocka_unit_test(test_store_resolve_empty_list),
		cmocka_unit_test(test_store_resolve_one_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
