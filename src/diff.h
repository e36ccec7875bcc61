/*
 * diff: the pure heart of snap.  Given one source entry, the previous
 * snapshot's record for the same path and what the run knows so far (a
 * stored file with the same content, whether this run stored another name
 * of the same source inode, which links already failed), diff_plan
 * decides the one thing the linker does next.  No I/O happens here, so
 * every rung of the ladder is a row of the unit tests.
 *
 * The driver plans in a loop: it fills a struct diff_input, calls
 * diff_plan and carries the plan out.  Two plans ask for another round:
 * ACT_HASH (read the source's content, set cur->has_hash and `hashed`,
 * look for a stored file that can stand for it, plan again) and a link
 * that failed (set the matching *_failed field, plan again).  Every other
 * plan ends the entry.  The loop ends: each round sets a field that no
 * later round clears, and the copy is the last rung.
 */
#ifndef SNAP_DIFF_H
#define SNAP_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/stat.h>

#include "entry.h"

enum diff_action {
	ACT_LINK_PREV = 1,	/* unchanged: link the previous snapshot's file */
	ACT_LINK_SAME_CONTENT,	/* link a stored file with equal content+meta */
	ACT_HARDLINK,		/* another name of a file this run stored */
	ACT_HASH,		/* hash the source first, then plan again */
	ACT_COPY,		/* store a new copy */
	ACT_MKDIR,
	ACT_SYMLINK,
	ACT_MKNOD,		/* FIFO, socket, character or block device */
	ACT_SKIP,		/* nothing to store */
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
	REASON_SEPARATE,	/* the stored inode stands for another source
				 * file in this snapshot: linking would tie
				 * two separate files into one */
	REASON_COUNT
};

/* What the run knows about one entry when it plans it. */
struct diff_input {
	const struct entry *cur;	/* the source entry */
	const struct entry *prev;	/* previous snapshot's record at this
					 * path, or NULL */
	const struct entry *match;	/* a stored file that passed
					 * diff_can_share and stands for no
					 * other source file in this snapshot,
					 * or NULL */
	bool		 checksum;	/* config checksum: true */
	bool		 hashed;	/* cur was hashed (has_hash says if
					 * the whole file was read) */
	bool		 index_has;	/* the content index holds files of
					 * cur's size and metadata key */
	bool		 group_stored;	/* cur has several names and this run
					 * stored one of them */
	bool		 prev_taken;	/* prev's stored inode stands for
					 * another source file in this
					 * snapshot */
	bool		 prev_unusable;	/* prev's stored file is not what its
					 * record says, or linking it failed
					 * (missing, replaced) */
	bool		 group_failed;	/* linking the group's first name
					 * failed for a reason other than
					 * link_fallback */
	enum diff_reason link_fallback;	/* REASON_EXDEV or REASON_EMLINK
					 * when a planned link failed so, else
					 * REASON_NONE */
};

struct diff_plan {
	enum diff_action action;
	enum diff_reason reason;	/* ACT_COPY: why the space is spent */
	const struct entry *from;	/* ACT_LINK_PREV, ACT_LINK_SAME_CONTENT:
					 * the stored record to link */
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
 * True when the stored inode st (as linked, or as found by verify) can
 * stand for rec, its record in a manifest: a regular file with rec's
 * size, mtime (ns) and mode.  rec->stored_ino is a hint, not part of
 * this: a store copied with cp -a or moved to another disk has new inode
 * numbers for the very same files.
 */
bool	diff_stored_fits(const struct entry *rec, const struct stat *st);

/*
 * The metadata a shared inode must agree on (mode, uid, gid, mtime,
 * xattrs), folded into 64 bits so a content index can skip hashing a file
 * no stored file could stand for.
 */
uint64_t diff_meta_key(const struct entry *ent);

/*
 * The next thing to do for in->cur (see the calling sequence above).
 * A failed link of the group (EXDEV or EMLINK) makes a copy; the driver
 * then points the group at that copy, so the rest of the group links to
 * it.
 */
struct diff_plan diff_plan(const struct diff_input *in);

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
