/*
 * linkq: create's link queue, a second thread that makes the links of
 * unchanged files while the walking thread goes on planning.
 *
 *   linkq_start(&q, sys, retire, arg, &e)   starts the linking thread
 *   linkq_push(q, &item, prev, &dir, tag, &e)   one unchanged file
 *   linkq_push_record(q, &item, prev, &e)   an entry recorded in order
 *   linkq_keep_dirfd(q, tag, &fd, &e)       before the walk leaves a folder
 *   linkq_push_leave(q, &dir, path, len, fd, &e)   a folder left
 *   linkq_drain(q, &e)       waits for every queued link and retires each
 *   linkq_stop(q)            joins the thread; what was not retired is lost
 *
 * The walking thread queues "link dir.from[0]/name as dir.dst_fd/name"
 * for a file the differ links unchanged (LINK_PREV).  The linking
 * thread makes the link (sys->linkat) and stats the new name (fstatat),
 * and decides nothing (when it is far behind, the walking thread makes
 * the link of the file it queues itself, the same way): every operation comes back, in the order it was
 * queued, to the retire callback, which runs in the walking thread
 * (inside a push when the queue is full, and inside linkq_drain) and
 * does there what the one-thread path does after a link: check the
 * stored inode against its record, bookkeeping, the manifest record,
 * or the fallback when the link failed.  So the outcome, and the order
 * of the records and warnings, are those of one thread.
 *
 * The walk need not wait for the links of a folder before it enters
 * another one or leaves it: what has to come after them in walk order
 * is queued behind them and done by the retire callback.  A folder
 * entered: its record (LINKQ_RECORD).  A folder left: its metadata and
 * the closing of its descriptors (LINKQ_LEAVE, the folder detached from
 * the linker, linker_detach), which the links queued in it use until
 * they are retired; the walk closes its source folder when it leaves
 * it, so linkq_keep_dirfd gives the links queued in it (by tag) a
 * descriptor of their own first, for a fallback that reads the source.
 * The caller still drains before anything that must see the queued
 * links done or that closes a folder they use: another kind of entry
 * (a copy, a node, a warning), and a tree so deep that the linker or
 * the walk would park the folders of queued links (link.h).
 *
 * The queue holds at most LINKQ_CAP operations, each with copies of the
 * walk item, its entry and its previous record, so the walk may go on.
 */
#ifndef SNAP_LINKQ_H
#define SNAP_LINKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "entry.h"
#include "err.h"
#include "link.h"
#include "sys.h"
#include "walk.h"

#define LINKQ_CAP 256

enum linkq_kind {
	LINKQ_LINK = 1,		/* a file to link and stat */
	LINKQ_RECORD,		/* an entry to record in order; no link */
	LINKQ_LEAVE,		/* a folder left, once its links are done */
};

/* One queued operation, as the retire callback sees it. */
struct linkq_op {
	enum linkq_kind		 kind;
	/* LINK, RECORD: the entry as walked; it.ent, it.st and it.name
	 * point into this operation; it.dirfd is the walk's, or the one
	 * linkq_keep_dirfd made. */
	struct walk_item	 it;
	const struct entry	*prev;		/* &prev_copy, or NULL */
	/* LINK: the folder the file goes to (dst_fd, from[]; borrowed).
	 * LEAVE: the folder left, with its descriptors (owned), and its
	 * path in path. */
	struct link_level	 dir;
	int			 kept_fd;	/* LEAVE: closed with it, or -1 */
	size_t			 tag;		/* LINK: the push's tag */
	/* What the linking thread found (LINK), or the walking thread
	 * when the linking thread was far behind (by_walk): */
	bool			 by_walk;
	int			 link_errno;	/* 0: the link was made */
	int			 stat_errno;	/* 0: got is the new name's */
	struct stat		 got;

	/* Storage behind the pointers above. */
	struct entry		 ent;
	struct stat		 st;
	struct entry		 prev_copy;
	char			*name;
	char			*path;
	char			*prev_path;
	size_t			 name_cap, path_cap, prev_path_cap;
};

struct linkq;

/*
 * Called in the walking thread for each operation, in queue order,
 * once its link was tried.  Returns 0, or -1 with e set to stop the run
 * (the operations behind it are not retired).
 */
typedef int (*linkq_retire_fn)(void *arg, struct linkq_op *op, struct err *e);

/* Returns 0, or -1 with e set (no thread was started). */
int	linkq_start(struct linkq **out, const struct sys_ops *sys,
	    linkq_retire_fn retire, void *arg, struct err *e);

/*
 * Queues the link of dir->from[0]/it->name as dir->dst_fd/it->name,
 * retiring the oldest operations first when the queue is full.  dir's
 * descriptors must stay open until the operation is retired; tag names
 * the folder for linkq_keep_dirfd.  Returns 0, or -1 with e set (out of
 * memory, or what a retire returned).
 */
int	linkq_push(struct linkq *q, const struct walk_item *it,
	    const struct entry *prev, const struct link_level *dir, size_t tag,
	    struct err *e);

/* Queues the entry it (and prev) to come back to the retire callback
 * in its place, with nothing done to it.  Returns as linkq_push. */
int	linkq_push_record(struct linkq *q, const struct walk_item *it,
	    const struct entry *prev, struct err *e);

/*
 * Gives the queued links pushed with tag that are not retired yet a
 * duplicate of their it.dirfd, so that the walk may close its own, and
 * clears their tag.  *kept is that duplicate (for linkq_push_leave), or
 * -1 when no such link waits.  Returns 0, or -1 with e set (no
 * descriptor left; nothing changed).
 */
int	linkq_keep_dirfd(struct linkq *q, size_t tag, int *kept,
	    struct err *e);

/*
 * Queues the folder dir, detached from the linker (linker_detach),
 * whose path is path (len bytes), and kept_fd (or -1): both are the
 * queue's from now on, even when this fails, and go back to the retire
 * callback after every operation queued before.  Returns as linkq_push.
 */
int	linkq_push_leave(struct linkq *q, const struct link_level *dir,
	    const char *path, size_t len, int kept_fd, struct err *e);

/* True when operations wait to be retired. */
bool	linkq_pending(const struct linkq *q);

/*
 * Waits for each queued operation and retires it, in order.  Returns 0,
 * or -1 with e set by a retire.
 */
int	linkq_drain(struct linkq *q, struct err *e);

/*
 * Stops the linking thread after the link it is making, joins it and
 * frees the queue.  Operations not retired are dropped (their links
 * stay in the tree being built, which the failure path deals with; a
 * folder left gets no metadata, its descriptors are closed).
 * NULL is a no-op.
 */
void	linkq_stop(struct linkq *q);

#endif
