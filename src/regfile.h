/*
 * regfile: one regular file of a create, from source to snapshot.
 *
 * For each regular file the walk yields, regfile_store runs the plan
 * loop: it asks diff_plan what to do, carries that out with the linker
 * (a link to the previous snapshot, to another name of the same source
 * inode, to a stored file with the same content, or a copy), and plans
 * again while the plan asks for it (a hash first, a link that failed).
 * It fills the entry with what was stored, for the manifest.
 *
 * It also keeps the two maps that keep a snapshot true to its source:
 * the first stored name of each source inode with several names (the
 * others link to it), and which source inode each stored inode stands
 * for (a stored inode never stands for two: two paths share an inode in
 * a snapshot if and only if they share one at the source).
 *
 *   struct regfile r = { .linker = ..., ... };   the caller fills the
 *   regfile_init(&r);                             fields above the maps
 *   regfile_store(&r, &item, prev, &e) ...        for each regular file
 *   regfile_free(&r);
 */
#ifndef SNAP_REGFILE_H
#define SNAP_REGFILE_H

#include <stdbool.h>

#include "content.h"
#include "create.h"
#include "diff.h"
#include "err.h"
#include "inomap.h"
#include "link.h"
#include "manifest.h"
#include "walk.h"

struct regfile {
	struct linker		*linker;	/* builds the snapshot */
	/* The folder files are stored in when it is not the linker's
	 * deepest (a link queued before the walk left it, linkq.h); NULL:
	 * the deepest.  Only dst_fd and from[] are read. */
	struct link_level	*at;
	struct content_index	*index;		/* of the previous snapshot */
	/* Fills *index, the first time a file asks it: an unchanged run
	 * never does, and the index costs memory per stored file.
	 * Returns 0, or -1 with e set. */
	int			(*index_needed)(void *arg, struct err *e);
	struct manifest_reader	*prev_rd;	/* its manifest, or NULL */
	int			 build_fd;	/* the snapshot being built */
	int			 prev_fd;	/* the previous one, or -1 */
	const char		*prev_name;	/* for messages */
	bool			 checksum;	/* config checksum: true */
	bool			 dry_run;	/* plan only: no link, no copy */
	struct create_stats	*stats;		/* counts what was done */
	/* A warning: a sentence naming the file (the caller counts it). */
	void			(*warn)(void *arg, const char *msg);
	/* What was done (planned, in a dry run) for a file, or NULL. */
	void			(*planned)(void *arg, const struct entry *ent,
				    const struct diff_plan *plan);
	void			*arg;

	struct inomap		 groups;	/* source inode -> first name */
	struct inomap		 owners;	/* stored inode -> source */
	char			 quoted[1024];
};

void	regfile_init(struct regfile *r);
void	regfile_free(struct regfile *r);

/*
 * Stores the regular file it (whose previous record is prev, or NULL)
 * in the linker's deepest folder (or r->at) and fills it->ent with what
 * was stored.
 * Returns 0; 1 when the file was skipped with a warning (it vanished,
 * could not be read); -1 with e set when the run cannot go on.
 */
int	regfile_store(struct regfile *r, const struct walk_item *it,
	    const struct entry *prev, struct err *e);

/*
 * True when the file it is one regfile_store would link unchanged to
 * prev (LINK_PREV) as its first step, from the linker's deepest folder,
 * and can be linked by another thread (linkq.h): one name only, not a
 * dry run.  Changes nothing.
 */
bool	regfile_can_queue(struct regfile *r, const struct walk_item *it,
	    const struct entry *prev);

/*
 * Finishes the file it once another thread tried the link
 * regfile_can_queue allowed: link_errno from the linkat (0: made),
 * stat_errno and got from the fstatat of the new name.  Called in walk
 * order, so the maps hold every file before it, with r->at set to the
 * folder the link was queued in when the walk may have left it (its
 * it->dirfd still open: linkq_keep_dirfd).  A good link is
 * recorded as regfile_store records one; anything else is removed
 * again and the file goes through regfile_store from the start.
 * Returns as regfile_store does.
 */
int	regfile_link_done(struct regfile *r, const struct walk_item *it,
	    const struct entry *prev, int link_errno, int stat_errno,
	    const struct stat *got, struct err *e);

#endif
