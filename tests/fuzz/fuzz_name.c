/*
 * fuzz_name: what a person types as SNAPSHOT (store_resolve: a name, a
 * unique prefix, "latest", "latest~N") and the snapshot-name check
 * (name_is_snapshot), without a snapshot root.
 *
 * Input: a first byte (the number of snapshots, 0..7), four bytes of
 * seconds since the epoch for each, then the query.  Properties: a
 * resolved index is in range and means what the query says; a name that
 * name_is_snapshot accepts is exactly what name_snapshot makes of the
 * time it spells.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "name.h"
#include "store.h"

#define MAX_NAMES 8

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Makes l hold the snapshots the input describes, sorted and unique. */
static size_t
make_list(struct store_list *l, char (*names)[NAME_SNAPSHOT_LEN],
    const uint8_t *data, size_t size)
{
	size_t want = data[0] % MAX_NAMES, used = 1, i, n = 0;
	uint32_t t;

	for (i = 0; i < want && used + 4 <= size; i++, used += 4) {
		t = (uint32_t)data[used] | (uint32_t)data[used + 1] << 8 |
		    (uint32_t)data[used + 2] << 16 |
		    (uint32_t)data[used + 3] << 24;
		name_snapshot(names[n++], (time_t)t);
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 1, l->n = n > 0; i < n; i++)
		if (strcmp(names[i], names[l->n - 1]) != 0)
			memmove(names[l->n++], names[i], sizeof(*names));
	l->names = names;
	return used;
}

static void
check_resolved(const struct store_list *l, const char *q, size_t index)
{
	unsigned long back;
	size_t i;

	fuzz_assert(index < l->n);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->names[i], q) == 0)
			fuzz_assert(i == index);
	if (strcmp(q, "latest") == 0)
		fuzz_assert(index == l->n - 1);
	else if (strncmp(q, "latest~", 7) == 0) {
		back = strtoul(q + 7, NULL, 10);
		fuzz_assert(back < l->n && index == l->n - 1 - back);
	} else
		fuzz_assert(q[0] != '\0' &&
		    strncmp(l->names[index], q, strlen(q)) == 0);
}

/* A name name_is_snapshot accepts is the name of the time it spells. */
static void
check_round_trip(const char *q)
{
	char again[NAME_SNAPSHOT_LEN];
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	fuzz_assert(sscanf(q, "%4d-%2d-%2dT%2d%2d%2dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) == 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	fuzz_assert(strcmp(name_snapshot(again, timegm(&tm)), q) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char names[MAX_NAMES][NAME_SNAPSHOT_LEN], *query;
	struct store_list l;
	struct err e;
	size_t used, index;

	if (size == 0)
		return 0;
	used = make_list(&l, names, data, size);
	query = fuzz_strndup(data + used, size - used);
	if (store_resolve(&l, query, &index, &e) == 0)
		check_resolved(&l, query, index);
	else
		fuzz_assert(e.msg[0] != '\0');
	if (name_is_snapshot(query))
		check_round_trip(query);
	free(query);
	return 0;
}
