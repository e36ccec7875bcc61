#include "diff.h"

#include <string.h>
#include <xxhash.h>

static bool
same_time(struct timens a, struct timens b)
{
	return a.sec == b.sec && a.nsec == b.nsec;
}

bool
diff_quick_same(const struct entry *cur, const struct entry *prev)
{
	if (prev == NULL || cur->type != ENTRY_REG || prev->type != ENTRY_REG)
		return false;
	return cur->size == prev->size &&
	    same_time(cur->mtime, prev->mtime) &&
	    same_time(cur->ctime, prev->ctime) &&
	    cur->ino == prev->ino &&
	    cur->mode == prev->mode &&
	    cur->uid == prev->uid &&
	    cur->gid == prev->gid;
}

bool
diff_can_share(const struct entry *cur, const struct entry *stored)
{
	if (stored == NULL || cur->type != ENTRY_REG ||
	    stored->type != ENTRY_REG)
		return false;
	if (!cur->has_hash || !stored->has_hash)
		return false;
	return cur->size == stored->size &&
	    memcmp(cur->hash, stored->hash, ENTRY_HASH_LEN) == 0 &&
	    cur->mode == stored->mode &&
	    cur->uid == stored->uid &&
	    cur->gid == stored->gid &&
	    same_time(cur->mtime, stored->mtime) &&
	    cur->xattr_hash == stored->xattr_hash;
}

bool
diff_stored_fits(const struct entry *rec, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_mode == rec->mode &&
	    (uint64_t)st->st_size == rec->size &&
	    st->st_mtim.tv_sec == rec->mtime.sec &&
	    (uint64_t)st->st_mtim.tv_nsec == rec->mtime.nsec;
}

uint64_t
diff_meta_key(const struct entry *ent)
{
	/* Field by field into a packed buffer: struct padding must not
	 * leak into the key. */
	unsigned char buf[4 + 4 + 4 + 8 + 4 + 8];
	size_t off = 0;

	memcpy(buf + off, &ent->mode, 4), off += 4;
	memcpy(buf + off, &ent->uid, 4), off += 4;
	memcpy(buf + off, &ent->gid, 4), off += 4;
	memcpy(buf + off, &ent->mtime.sec, 8), off += 8;
	memcpy(buf + off, &ent->mtime.nsec, 4), off += 4;
	memcpy(buf + off, &ent->xattr_hash, 8), off += 8;
	return XXH3_64bits(buf, off);
}

enum diff_reason
diff_copy_reason(const struct entry *cur, const struct entry *prev)
{
	if (prev == NULL || prev->type != ENTRY_REG)
		return REASON_NEW;
	if (cur->size != prev->size)
		return REASON_CONTENT;
	if (cur->has_hash && prev->has_hash &&
	    memcmp(cur->hash, prev->hash, ENTRY_HASH_LEN) != 0)
		return REASON_CONTENT;
	if (cur->mode != prev->mode)
		return REASON_MODE;
	if (cur->uid != prev->uid || cur->gid != prev->gid)
		return REASON_OWNER;
	if (cur->has_hash && prev->has_hash) {
		if (!same_time(cur->mtime, prev->mtime))
			return REASON_TIMES;
		if (cur->xattr_hash != prev->xattr_hash)
			return REASON_XATTRS;
	}
	/* Not hashed and nothing else differs: the content may have been
	 * rewritten in place, so it counts as changed content. */
	return REASON_CONTENT;
}

/* The plan for a regular file; see diff.h for the ladder. */
static struct diff_plan
plan_regular(const struct diff_input *in)
{
	const struct entry *cur = in->cur, *prev = in->prev;
	struct diff_plan p = { ACT_COPY, REASON_NONE, NULL };
	bool prev_ok = prev != NULL && !in->prev_taken && !in->prev_unusable;

	if (in->link_fallback != REASON_NONE) {
		/* The link we meant is impossible here: one copy. */
		p.reason = in->link_fallback;
		return p;
	}
	if (in->group_stored && !in->group_failed) {
		p.action = ACT_HARDLINK;
		return p;
	}
	if (prev_ok && !in->checksum && diff_quick_same(cur, prev)) {
		p.action = ACT_LINK_PREV;
		p.from = prev;
		return p;
	}
	/*
	 * Read the file only when a hash can save its copy: checksum mode
	 * compares it with prev, and the content index knows a stored
	 * file it could be.
	 */
	if (!in->hashed && (in->checksum || in->index_has)) {
		p.action = ACT_HASH;
		return p;
	}
	if (prev_ok && in->checksum && diff_can_share(cur, prev)) {
		p.action = ACT_LINK_PREV;
		p.from = prev;
		return p;
	}
	if (diff_can_share(cur, in->match)) {
		p.action = ACT_LINK_SAME_CONTENT;
		p.from = in->match;
		return p;
	}
	p.reason = diff_copy_reason(cur, prev);
	/* Equal in every way but one: that inode is another file's now. */
	if (prev != NULL && in->prev_taken && diff_quick_same(cur, prev))
		p.reason = REASON_SEPARATE;
	return p;
}

struct diff_plan
diff_plan(const struct diff_input *in)
{
	struct diff_plan p = { ACT_SKIP, REASON_NONE, NULL };

	switch (in->cur->type) {
	case ENTRY_REG:
		return plan_regular(in);
	case ENTRY_DIR:
		p.action = ACT_MKDIR;
		break;
	case ENTRY_SYMLINK:
		p.action = ACT_SYMLINK;
		break;
	case ENTRY_FIFO:
	case ENTRY_CHR:
	case ENTRY_BLK:
	case ENTRY_SOCK:
		/* A socket is kept as a node, as rsync --specials does:
		 * nothing can talk through it, but it is part of the tree. */
		p.action = ACT_MKNOD;
		break;
	}
	return p;
}

const char *
diff_reason_name(enum diff_reason reason)
{
	static const char *const names[REASON_COUNT] = {
		[REASON_NONE] = "none",
		[REASON_NEW] = "new path",
		[REASON_CONTENT] = "content changed",
		[REASON_MODE] = "mode",
		[REASON_OWNER] = "owner",
		[REASON_TIMES] = "times",
		[REASON_XATTRS] = "xattrs",
		[REASON_EXDEV] = "EXDEV",
		[REASON_EMLINK] = "EMLINK",
		[REASON_SEPARATE] = "kept separate",
	};

	if ((unsigned)reason >= REASON_COUNT)
		return "unknown";
	return names[reason];
}

const char *
diff_action_name(enum diff_action action)
{
	switch (action) {
	case ACT_LINK_PREV:
		return "link";
	case ACT_LINK_SAME_CONTENT:
		return "link-content";
	case ACT_HARDLINK:
		return "hardlink";
	case ACT_HASH:
		return "hash";
	case ACT_COPY:
		return "copy";
	case ACT_MKDIR:
		return "mkdir";
	case ACT_SYMLINK:
		return "symlink";
	case ACT_MKNOD:
		return "mknod";
	case ACT_SKIP:
		return "skip";
	}
	return "unknown";
}
