/*
 * linkq: create's link queue, a second thread that makes the links of
 * unchanged files while the walking thread goes on planning.
 *
 *   linkq_start(&q, sys, retire, arg, &e)   starts the linking thread
 *   linkq_push(q, &item, prev, fromdir, dstdir, &e)   one unchanged file
 *   linkq_drain(q, &e)       waits for every queued link and retires each
 *   linkq_stop(q)            joins the thread; what was not retired is lost
 *
 * The walking thread queues "link fromdir/name as dstdir/name" for a file
 * the differ links unchanged (LINK_PREV).  The linking thread makes the
 * link (sys->linkat) and stats the new name (fstatat), and decides
 * nothing: every operation comes back, in the order it was queued, to
 * the retire callback, which runs in the walking thread (inside
 * linkq_push when the queue is full, and inside linkq_drain) and does
 * there what the one-thread path does after a link: check the stored
 * inode against its record, bookkeeping, the manifest record, or the
 * fallback when the link failed.  So the outcome, and the order of the
 * records and warnings, are those of one thread.
 *
 * The queue holds at most LINKQ_CAP operations, each with copies of the
 * walk item, its entry and its previous record, so the walk may go on.
 * The caller drains the queue before anything that must see the queued
 * links done, or that closes or changes fromdir or dstdir: another kind
 * of entry, leaving a folder (its metadata comes after its children),
 * entering one (the linker may park a far folder's descriptors).
 */
#ifndef SNAP_LINKQ_H
#define SNAP_LINKQ_H

#include <stdbool.h>
#include <sys/stat.h>

#include "entry.h"
#include "err.h"
#include "sys.h"
#include "walk.h"

#define LINKQ_CAP 256

/* One queued link, as the retire callback sees it. */
struct linkq_op {
	/* The file as walked: it.ent, it.st and it.name point into this
	 * operation; it.dirfd stays the walk's (valid until the folder is
	 * left, which waits for the drain). */
	struct walk_item	 it;
	const struct entry	*prev;		/* &prev_copy, or NULL */
	int			 fromdir;
	int			 dstdir;
	/* What the linking thread found: */
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
 * Queues the link of fromdir/it->name as dstdir/it->name, retiring the
 * oldest operation first when the queue is full.  Returns 0, or -1 with
 * e set (out of memory, or what a retire returned).
 */
int	linkq_push(struct linkq *q, const struct walk_item *it,
	    const struct entry *prev, int fromdir, int dstdir, struct err *e);

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
 * stay in the tree being built, which the failure path deals with).
 * NULL is a no-op.
 */
void	linkq_stop(struct linkq *q);

#endif
