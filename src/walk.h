/*
 * walk: the sources of a config, read with fd-relative calls.
 *
 *   struct walk *w;
 *   walk_open(&w, cfg->sources, cfg->n_sources, &skip, &e);
 *   while ((r = walk_next(w, &item, &e)) == 1) ...;
 *   walk_close(w);
 *
 * Entries come depth first, a directory before its children (WALK_ENTRY)
 * and a WALK_LEAVE after them, siblings in byte order of their names, the
 * sources in the order of their dest: the order name_pathcmp defines, so
 * a walk can be merge-joined with a manifest.  Each entry's path is
 * snapshot-relative (the source's dest, then the path below the source).
 * Folders named by a dest like "home/ann" that no source provides are
 * yielded as synthetic directories (item.synthetic, fd -1).
 *
 * Symlinks are never followed (fstatat with AT_SYMLINK_NOFOLLOW, opens
 * with O_NOFOLLOW), so a symlink swapped in for a directory is recorded
 * as the symlink it is.  Entries the source's filter (filter.h) leaves
 * out, folders it marks (marker.h), the snapshot root itself and,
 * with one_file_system, the contents of other filesystems are left out.
 * A problem with one entry (it vanished, a folder cannot be read) is a
 * WALK_WARNING item and the walk goes on.
 *
 * A remote source (host set), whose path received.h has pointed at the
 * tree rsync received, is walked lazily: a child that getdents64 says is
 * a regular file (d_type DT_REG) is yielded before any stat, with
 * item.lazy set, its name, d_type and inode number (d_ino), ent->type
 * ENTRY_REG and nothing else of ent and st but the inode.  The caller
 * that needs the rest asks walk_item_stat.  Every other child (a folder,
 * a symlink, a node, DT_UNKNOWN) is stat'ed as for a local source; a
 * local source is walked as it always is.
 */
#ifndef SNAP_WALK_H
#define SNAP_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"
#include "entry.h"
#include "err.h"

struct walk;

enum walk_event {
	WALK_ENTRY = 1,
	WALK_LEAVE,		/* the directory entered last is done */
	WALK_WARNING,		/* item.warning says what; the walk goes on */
};

struct walk_item {
	enum walk_event	 event;
	struct entry	*ent;		/* ENTRY: path and stat fields filled */
	const struct stat *st;		/* ENTRY: the full stat */
	int		 dirfd;		/* ENTRY: source folder holding it;
					 * open until the walk_next after
					 * that folder's WALK_LEAVE */
	const char	*name;		/* ENTRY: its name there (NUL-ended);
					 * NULL for a source's own folder and
					 * a folder made up above a dest */
	int		 fd;		/* ENTRY of a directory: open on it
					 * until its WALK_LEAVE; else -1 */
	bool		 synthetic;	/* a folder made up for a dest */
	bool		 flagged;	/* ENTRY: has inode flags (chattr +i,
					 * +a, +d) that a copy does not keep */
	bool		 descend;	/* ENTRY of a directory: its children
					 * follow (false: other filesystem) */
	const char	*warning;	/* WARNING: the sentence */
	int		 errnum;	/* WARNING: the errno */
	/* A child of a remote source's folder: what getdents64 said. */
	unsigned char	 d_type;	/* DT_*; DT_UNKNOWN elsewhere */
	uint64_t	 d_ino;		/* 0 elsewhere */
	bool		 lazy;		/* ENTRY: not stat'ed yet (above);
					 * flagged is false */
	struct walk	*walk;		/* ENTRY: the walk, for walk_item_stat */
};

/* A directory to leave out wherever it appears (the snapshot root). */
struct walk_skip {
	dev_t	dev;
	ino_t	ino;
	bool	set;
};

int	walk_open(struct walk **out, const struct config_source *sources,
	    size_t n_sources, const struct walk_skip *skip, struct err *e);

/*
 * Fills *item with the next event.  Returns 1, 0 when the walk is over,
 * or -1 with e set when it cannot go on (a source root vanished, out of
 * memory, too many open files).  Pointers in *item stay valid until the
 * next call; item->dirfd until the call after its folder's WALK_LEAVE.
 */
int	walk_next(struct walk *w, struct walk_item *item, struct err *e);

void	walk_close(struct walk *w);

/*
 * Stats the lazy entry item (fstatat without following a symlink) and
 * fills its st and ent as a stat'ed entry's; nothing for one that is not
 * lazy.  Valid until the next walk_next.  Returns 0, or -1 with errno
 * set (ENOENT: gone; ESTALE: no longer a regular file, which the walk
 * can no longer descend into).  item->flagged stays false.
 */
int	walk_item_stat(const struct walk_item *item);

/*
 * Fills the stat fields of ent from st (not path) and clears what a stat
 * cannot say: hash, xattr fingerprint, stored inode, symlink target.
 */
void	walk_entry_from_stat(struct entry *ent, const struct stat *st);

#endif
