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

struct diff_decision
diff_decide(const struct entry *cur, const struct entry *prev,
    const struct entry *match, bool checksum)
{
	struct diff_decision d = { ACT_SKIP, REASON_NONE };

	switch (cur->type) {
	case ENTRY_DIR:
		d.action = ACT_MKDIR;
		return d;
	case ENTRY_SYMLINK:
		d.action = ACT_SYMLINK;
		return d;
	case ENTRY_FIFO:
	case ENTRY_CHR:
	case ENTRY_BLK:
		d.action = ACT_MKNOD;
		return d;
	case ENTRY_SOCK:
		/* A socket is only meaningful to the process bound to it. */
		return d;
	case ENTRY_REG:
		break;
	}

	if (!checksum && diff_quick_same(cur, prev)) {
		d.action = ACT_LINK_PREV;
		return d;
	}
	if (checksum && diff_can_share(cur, prev)) {
		d.action = ACT_LINK_PREV;
		return d;
	}
	if (diff_can_share(cur, match)) {
		d.action = ACT_LINK_SAME_CONTENT;
		return d;
	}
	d.action = ACT_COPY;
	d.reason = diff_copy_reason(cur, prev);
	return d;
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
