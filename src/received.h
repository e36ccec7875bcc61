/*
 * received: the remote sources of a create, from rsync's tree to
 * manifest records.
 *
 * Before the walk, received_fetch has rsync (remote.h) copy each remote
 * source into a folder of its own at the top of the snapshot being built
 * (".snap-receiving-N"), linking unchanged files to the previous
 * snapshot's copy; the config's `parallel` of them at once, their
 * outcomes then taken in the order of the sources.  A host that fails is the run's failure when the
 * source is required or the only one; otherwise a warning, and the
 * folder gets the previous copy, linked unchanged (remote_relink).  Each
 * transfer keeps what a stopped rsync had of a file in
 * ROOT/.snap/partial/ID (remote.h), for the next run to take up; a source
 * whose transfer succeeded needs it no more.
 * received_fetch also gives the walk its sources: a remote one walks its
 * received folder, read like any local source (walk.h: fd-relative,
 * never following a symlink).
 *
 * During the walk, the entries of a received tree are the received
 * module's (received_owns): at its top entry the folder is renamed to
 * its dest, and each entry is checked and recorded without being copied
 * again.  A file rsync linked to the previous snapshot's inode keeps the
 * previous record (hash, ctime) and is not read; when the walk's inode
 * number from getdents64 says so, it is not even stat'ed (walk.h); a file rsync wrote is hashed and, when
 * a stored inode has the same content and metadata (a rename, a revert),
 * replaced by a link to it (linked to a temporary name in the same
 * folder, then renamed over; the folder's times are put back).  The
 * host is not trusted: an entry on another filesystem, or a file whose
 * other names are not in the received tree (a hard link to something
 * outside it), stops the run.
 *
 *   struct received r = { ... the fields above the state ... };
 *   received_init(&r);
 *   received_fetch(&r, cfg, &store, &e);      -> r.sources for walk_open
 *   per walk item: received_owns(&r, &it) ? received_entry(...) : ...
 *   on WALK_LEAVE while r.depth > 0: received_leave(&r, &e)
 *   received_free(&r);
 */
#ifndef SNAP_RECEIVED_H
#define SNAP_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "content.h"
#include "err.h"
#include "inomap.h"
#include "link.h"
#include "manifest.h"
#include "progress.h"
#include "store.h"
#include "summary.h"
#include "sys.h"
#include "walk.h"

struct received {
	const struct sys_ops	*sys;
	struct linker		*linker;	/* builds the snapshot */
	struct content_index	*index;		/* of the previous snapshot */
	/* Fills *index the first time a written file asks (regfile.h). */
	int			(*index_needed)(void *arg, struct err *e);
	struct manifest_reader	*prev_rd;	/* its manifest, or NULL */
	struct create_stats	*stats;
	struct progress		*progress;	/* NULL: none */
	bool			 dry_run;	/* no host is contacted */
	/* Stat every received file, even one rsync linked (a test's
	 * SNAP_TEST_STAT_RECEIVED: the records must not differ). */
	bool			 stat_all;
	/* A warning: a sentence naming it (the caller counts it). */
	void			(*warn)(void *arg, const char *msg);
	void			*arg;

	/* What received_fetch sets up. */
	struct config_source	*sources;	/* for walk_open */
	size_t			 n_sources;
	char			**into;		/* per source: its received
						 * folder (owned), or NULL */
	char			**partial;	/* per source: rsync's
						 * --partial-dir (owned), or
						 * NULL */
	int			 build_fd;
	int			 prev_fd;	/* -1: no previous snapshot */
	dev_t			 dev;		/* of the snapshot being built */

	/* The received tree being walked. */
	size_t			 depth;		/* 0: not in one */
	const struct config_source *src;	/* its source */
	struct timespec		(*times)[2];	/* each open folder's */
	size_t			 times_cap;
	struct inomap		 names;		/* inode -> names seen */
	struct inomap		 taken;		/* stored inodes linked in */
};

void	received_init(struct received *r);
void	received_free(struct received *r);

/*
 * Fetches every remote source of cfg into s's snapshot being built and
 * sets r->sources.  In a dry run nothing is fetched and the remote
 * sources are left out of the walk, with a warning.  Returns 0, or -1
 * with e set (a required or only source failed, or the store did).
 */
int	received_fetch(struct received *r, const struct config *cfg,
	    const struct store *s, struct err *e);

/* True when the walk item it belongs to a received tree. */
bool	received_owns(const struct received *r, const struct walk_item *it);

/*
 * Records the entry it of a received tree (prev: the previous record at
 * its path, or NULL), filling it->ent for the manifest.  Returns 0, or
 * -1 with e set.
 */
int	received_entry(struct received *r, const struct walk_item *it,
	    const struct entry *prev, struct err *e);

/* A folder of a received tree is done.  Returns 0, or -1 with e set. */
int	received_leave(struct received *r, struct err *e);

#endif
