#include "compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"

static bool
same_time(struct timens a, struct timens b)
{
	return a.sec == b.sec && a.nsec == b.nsec;
}

/* Whether the content of two entries of one type differs. */
static bool
content_differs(const struct entry *old, const struct entry *new)
{
	switch (old->type) {
	case ENTRY_REG:
		if (old->size != new->size)
			return true;
		if (old->has_hash && new->has_hash)
			return memcmp(old->hash, new->hash,
			    ENTRY_HASH_LEN) != 0;
		/* Without both hashes, a new mtime is taken to mean new
		 * content, as the quick check of create does. */
		return !same_time(old->mtime, new->mtime);
	case ENTRY_SYMLINK:
		return old->target_len != new->target_len ||
		    (old->target_len > 0 &&
		    memcmp(old->target, new->target, old->target_len) != 0);
	case ENTRY_CHR:
	case ENTRY_BLK:
		return old->rdev != new->rdev;
	default:
		return false;
	}
}

enum compare_change
compare_entries(const struct entry *old, const struct entry *new)
{
	if (old == NULL && new == NULL)
		return COMPARE_SAME;
	if (old == NULL)
		return COMPARE_ADDED;
	if (new == NULL)
		return COMPARE_REMOVED;
	if (old->type != new->type)
		return COMPARE_TYPE;
	if (content_differs(old, new))
		return COMPARE_CONTENT;
	if (old->mode != new->mode || old->uid != new->uid ||
	    old->gid != new->gid || old->xattr_hash != new->xattr_hash)
		return COMPARE_META;
	if (old->type != ENTRY_DIR && !same_time(old->mtime, new->mtime))
		return COMPARE_META;
	return COMPARE_SAME;
}

static int
manifest_next(void *arg, struct entry *ent, struct err *e)
{
	return manifest_reader_next(arg, ent, NULL, e);
}

struct compare_stream
compare_manifest_stream(struct manifest_reader *r)
{
	struct compare_stream s = { manifest_next, r, "manifest" };

	return s;
}

static void
side_init(struct compare_side *side, struct compare_stream s)
{
	memset(side, 0, sizeof(*side));
	side->s = s;
	side->state = -1;
}

void
compare_join_init(struct compare_join *j, struct compare_stream old,
    struct compare_stream new)
{
	side_init(&j->old, old);
	side_init(&j->new, new);
}

void
compare_join_free(struct compare_join *j)
{
	buf_free(&j->old.last);
	buf_free(&j->new.last);
}

/*
 * Reads the next entry of side when the last one was used, and checks
 * that it comes after the one before: the join is only right for
 * streams in strict walk order, and a stream that is not (a damaged or
 * foreign manifest) must fail rather than report made-up changes.
 */
static int
side_fill(struct compare_side *side, struct err *e)
{
	char qa[256], qb[256];
	int r;

	if (side->state != -1)
		return 0;
	if ((r = side->s.next(side->s.arg, &side->ent, e)) == -1)
		return -1;
	side->state = r;
	if (r == 0)
		return 0;
	if (side->have_last && name_pathcmp(side->last.p, side->last.len,
	    side->ent.path, side->ent.path_len) >= 0)
		return err_set(e, EINVAL, "%s is not in walk order: '%s' "
		    "after '%s'", side->s.what,
		    name_quote(qa, sizeof(qa), side->ent.path,
		    side->ent.path_len),
		    name_quote(qb, sizeof(qb), side->last.p, side->last.len));
	if (buf_set(&side->last, side->ent.path, side->ent.path_len) == -1)
		return err_set(e, ENOMEM, "cannot compare %s", side->s.what);
	side->have_last = true;
	return 0;
}

int
compare_join_next(struct compare_join *j, const struct entry **old,
    const struct entry **new, struct err *e)
{
	int c;

	*old = *new = NULL;
	if (side_fill(&j->old, e) == -1 || side_fill(&j->new, e) == -1)
		return -1;
	if (j->old.state == 0 && j->new.state == 0)
		return 0;
	if (j->old.state == 0)
		c = 1;
	else if (j->new.state == 0)
		c = -1;
	else
		c = name_pathcmp(j->old.ent.path, j->old.ent.path_len,
		    j->new.ent.path, j->new.ent.path_len);
	/* The side(s) handed out are read again next time; the other
	 * keeps its entry, whose strings its stream has not touched. */
	if (c <= 0) {
		*old = &j->old.ent;
		j->old.state = -1;
	}
	if (c >= 0) {
		*new = &j->new.ent;
		j->new.state = -1;
	}
	return 1;
}

int
compare_manifests(struct manifest_reader *old, struct manifest_reader *new,
    compare_fn *fn, void *arg, struct err *e)
{
	struct compare_join j;
	const struct entry *a, *b;
	enum compare_change change;
	int r;

	compare_join_init(&j, compare_manifest_stream(old),
	    compare_manifest_stream(new));
	while ((r = compare_join_next(&j, &a, &b, e)) == 1) {
		change = compare_entries(a, b);
		if (change != COMPARE_SAME && fn(arg, change, a, b, e) == -1) {
			r = -1;
			break;
		}
	}
	compare_join_free(&j);
	return r;
}
