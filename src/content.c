#include "content.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

static uint64_t
hash_prefix(const unsigned char *hash)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | hash[i];
	return v;
}

int
content_index_add(struct content_index *ci, const struct entry *ent,
    uint64_t offset)
{
	struct content_slot *s;

	if (ci->n == ci->cap) {
		size_t cap = ci->cap ? ci->cap * 2 : 4096;

		if ((s = realloc(ci->slots, cap * sizeof(*s))) == NULL)
			return -1;
		ci->slots = s;
		ci->cap = cap;
	}
	s = &ci->slots[ci->n++];
	s->size = ent->size;
	s->meta_key = diff_meta_key(ent);
	s->hash_prefix = hash_prefix(ent->hash);
	s->offset = offset;
	return 0;
}

static int
cmp_slot(const void *a, const void *b)
{
	const struct content_slot *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	if (x->meta_key != y->meta_key)
		return x->meta_key < y->meta_key ? -1 : 1;
	if (x->hash_prefix != y->hash_prefix)
		return x->hash_prefix < y->hash_prefix ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void
content_index_seal(struct content_index *ci)
{
	struct content_slot *s;

	if (ci->n > 0)
		qsort(ci->slots, ci->n, sizeof(*ci->slots), cmp_slot);
	/* Give back the unused tail of the doubling. */
	if (ci->n > 0 && ci->n < ci->cap &&
	    (s = realloc(ci->slots, ci->n * sizeof(*s))) != NULL) {
		ci->slots = s;
		ci->cap = ci->n;
	}
}

/* Index of the first slot not below key, in [0, n]. */
static size_t
lower_bound(const struct content_index *ci, const struct content_slot *key)
{
	size_t lo = 0, hi = ci->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_slot(&ci->slots[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
content_index_has(const struct content_index *ci, uint64_t size,
    uint64_t meta_key)
{
	struct content_slot key = { size, meta_key, 0, 0 };
	size_t i = lower_bound(ci, &key);

	return i < ci->n && ci->slots[i].size == size &&
	    ci->slots[i].meta_key == meta_key;
}

int
content_index_next(const struct content_index *ci, const struct entry *ent,
    uint64_t meta_key, size_t *pos, uint64_t *offset)
{
	struct content_slot key = { ent->size, meta_key,
	    hash_prefix(ent->hash), 0 };
	size_t i;

	i = *pos == 0 ? lower_bound(ci, &key) : *pos;
	if (i >= ci->n || ci->slots[i].size != key.size ||
	    ci->slots[i].meta_key != key.meta_key ||
	    ci->slots[i].hash_prefix != key.hash_prefix)
		return 0;
	*offset = ci->slots[i].offset;
	*pos = i + 1;
	return 1;
}

void
content_index_free(struct content_index *ci)
{
	free(ci->slots);
	memset(ci, 0, sizeof(*ci));
}
