/*
 * diff: the pure heart of snap.  Given one source entry, the previous
 * snapshot's entry for the same path and perhaps a stored file with the
 * same content, it decides what the linker does.  No I/O happens here, so
 * every rule is unit-tested without a disk.
 *
 * Calling sequence for a regular file:
 *   1. diff_quick_same(cur, prev): unchanged since the previous snapshot
 *      without reading it?  Then LINK_PREV.
 *   2. Otherwise the caller looks for stored files that could stand for
 *      cur (diff_meta_key narrows the search before any hashing), hashes
 *      cur when one exists and passes the best candidate as `match`.
 *   3. diff_decide(cur, prev, match, checksum) returns the action and,
 *      for a copy, the reason the space is spent.
 */
#ifndef SNAP_DIFF_H
#define SNAP_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"

enum diff_action {
	ACT_LINK_PREV = 1,	/* unchanged: link the previous snapshot's file */
	ACT_LINK_SAME_CONTENT,	/* link a stored file with equal content+meta */
	ACT_HARDLINK,		/* another name of a file this run stored */
	ACT_COPY,		/* store a new copy */
	ACT_MKDIR,
	ACT_SYMLINK,
	ACT_MKNOD,		/* FIFO, character or block device */
	ACT_SKIP,		/* socket */
};

/* Why a regular file is copied rather than linked; counted in the summary. */
enum diff_reason {
	REASON_NONE = 0,
	REASON_NEW,		/* no regular file at this path before */
	REASON_CONTENT,		/* size or content differs */
	REASON_MODE,
	REASON_OWNER,
	REASON_TIMES,		/* mtime differs, content equal */
	REASON_XATTRS,
	REASON_EXDEV,		/* a link was meant, the filesystems differ */
	REASON_EMLINK,		/* a link was meant, the inode has too many */
	REASON_COUNT
};

struct diff_decision {
	enum diff_action action;
	enum diff_reason reason;	/* for ACT_COPY */
};

/*
 * True when cur, a regular file, can be linked to prev without being read:
 * prev is a regular file and size, mtime and ctime (ns), inode, mode, uid
 * and gid are all equal.  The ctime covers what the others do not
 * (xattrs, a rewrite that restored the mtime).
 */
bool	diff_quick_same(const struct entry *cur, const struct entry *prev);

/*
 * True when a stored regular file can be linked in for cur: both hashes
 * known and equal, and size, mode, uid, gid, mtime and xattrs equal, so
 * the shared inode shows exactly what the source has.
 */
bool	diff_can_share(const struct entry *cur, const struct entry *stored);

/*
 * The metadata a shared inode must agree on (mode, uid, gid, mtime,
 * xattrs), folded into 64 bits so a content index can skip hashing a file
 * no stored file could stand for.
 */
uint64_t diff_meta_key(const struct entry *ent);

/*
 * The action for cur.  prev is the previous snapshot's entry at the same
 * path or NULL; match is a stored file that passed diff_can_share or NULL.
 * With checksum set, LINK_PREV needs equal hashes (cur->has_hash) as well
 * as equal metadata, and the quick check alone never suffices.
 */
struct diff_decision diff_decide(const struct entry *cur,
	    const struct entry *prev, const struct entry *match, bool checksum);

/*
 * Why cur is copied rather than linked to prev (the entry at the same
 * path, or NULL): the first difference that makes the stored inode unfit,
 * content before metadata.  Call it again once the copy has hashed cur
 * to tell "content changed" from "times".
 */
enum diff_reason diff_copy_reason(const struct entry *cur,
	    const struct entry *prev);

/* "new path", "content changed", ...: the reason for summaries. */
const char *diff_reason_name(enum diff_reason reason);

/* "link", "copy", ...: the action as a word for --dry-run output. */
const char *diff_action_name(enum diff_action action);

#endif
