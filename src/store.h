/*
 * store: the snapshot root and everything under it.
 *
 *   ROOT/NAME/...                  complete snapshots
 *   ROOT/latest -> NAME
 *   ROOT/.snap/lock                flock'ed by the one running writer
 *   ROOT/.snap/manifests/NAME      one manifest per complete snapshot
 *   ROOT/.snap/incomplete/NAME     the snapshot being built
 *   ROOT/.snap/deleting/NAME       a snapshot being deleted
 *
 * A create runs:
 *   store_open(&s, cfg, STORE_WRITE, &e)   root, lock, leftovers found
 *   store_begin(&s, name, &e)              incomplete/NAME made
 *   ... build into s.build_fd, manifest into s.manifests_fd ...
 *   store_commit(&s, &e)                   syncfs, rename, latest
 *   store_close(&s)                        (store_abort first on failure)
 *
 * A snapshot name appears under ROOT only once its tree and manifest are
 * durable; a run that dies leaves its tree under incomplete/, where the
 * next run finds it (store.reuse_fd), links from it and then removes it.
 *
 * Deleting runs the other way: store_delete first renames ROOT/NAME to
 * deleting/NAME, so that the name vanishes at once, and then removes the
 * tree (rmtree.h); the next writer finishes a delete that was
 * interrupted, and points latest at the newest snapshot.  A mount point inside is never entered nor removed: the
 * delete finishes without it and store_kept_mounts reports it.
 */
#ifndef SNAP_STORE_H
#define SNAP_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"
#include "name.h"
#include "sys.h"

#define STORE_ELOCKED (-2)	/* another run holds the lock */
#define STORE_ESHARED (-3)	/* others may enter the root or .snap */

enum store_mode {
	STORE_READ = 1,		/* commands that only look */
	STORE_WRITE,		/* create, prune, delete: takes the lock */
};

struct store {
	const struct sys_ops *sys;
	const char	*root;		/* cfg->snapshot_root */
	int		 root_fd;
	int		 meta_fd;	/* ROOT/.snap */
	int		 manifests_fd;	/* ROOT/.snap/manifests */
	int		 incomplete_fd;	/* ROOT/.snap/incomplete */
	int		 deleting_fd;	/* ROOT/.snap/deleting (writers) */
	int		 lock_fd;
	dev_t		 root_dev;
	ino_t		 root_ino;

	char		 prev[NAME_SNAPSHOT_LEN];	/* "" if none */
	int		 prev_fd;	/* ROOT/prev, or -1 */

	char		 reuse[256];	/* leftover of a killed run, or "" */
	int		 reuse_fd;	/* incomplete/reuse, or -1 */

	char		 name[NAME_SNAPSHOT_LEN];	/* being built */
	int		 build_fd;	/* incomplete/name, or -1 */
	bool		 committed;	/* renamed into place */

	/* Mount points met inside trees removed (store_kept_mounts). */
	size_t		 mounts_kept;
	char		 mount_kept[PATH_MAX + 64];	/* the first */
};

/*
 * Opens the snapshot root.  With STORE_WRITE it creates the root (mode
 * 0700) when missing and its parent exists, creates .snap/, takes the lock
 * (waiting up to cfg->lock_wait seconds), finds the newest complete
 * snapshot (prev) and a leftover of a killed run (reuse), and finishes
 * deletes that were interrupted (.snap/deleting).  Returns 0,
 * STORE_ELOCKED with e naming the holder's pid, STORE_ESHARED with e
 * saying the chmod to run when group or others may read or enter the
 * root or .snap (unless cfg->allow_shared_root: see store_check_private),
 * or -1 with e set.
 */
int	store_open(struct store *s, const struct config *cfg,
	    enum store_mode mode, const struct sys_ops *sys, struct err *e);

/*
 * Makes the newest complete snapshot older than s->prev the previous one
 * (s->prev "" and s->prev_fd -1 when there is none), for a caller that
 * cannot use prev's manifest.  Returns 0, or -1 with e set.
 */
int	store_prev_older(struct store *s, struct err *e);

/*
 * Makes incomplete/NAME for a snapshot named after now (UTC), waiting for
 * the next second if the newest snapshot is of this second.  When the
 * clock is behind the newest snapshot, the name is one second after it:
 * snapshot names keep their order and nothing waits on a wrong clock.
 * Returns 0, or 1 with e set to a warning saying so (the clock was
 * behind), with s->name and s->build_fd set; or -1 with e set.
 */
int	store_begin(struct store *s, struct err *e);

/*
 * Makes incomplete/NAME for a snapshot that keeps a name it already has
 * (a replica copies the primary's snapshots under their names): name
 * must be a snapshot name later than the newest here and taken by
 * nothing in the root.  A snapshot committed before in this session
 * becomes the previous one first.  When the leftover of a killed run is
 * incomplete/NAME, it is taken over as it is, so an interrupted copy
 * goes on where it stopped.  Returns 0 (1 when a leftover was taken
 * over) with s->name and s->build_fd set, or -1 with e set.
 */
int	store_begin_named(struct store *s, const char *name, struct err *e);

/*
 * Makes the snapshot durable and visible: syncfs, rename
 * incomplete/NAME to ROOT/NAME, fsync ROOT, point ROOT/latest at it, and
 * remove the reused leftover.  The manifest must be committed before.
 * Returns 0; 1 with e set when the snapshot is in place but a later step
 * failed (latest, an fsync of the root, removing the leftover); or -1
 * with e set when it is not (it stays invisible).
 */
int	store_commit(struct store *s, struct err *e);

/*
 * Undoes a run that failed before store_commit renamed it into place:
 * removes incomplete/NAME and its manifest and summary.
 */
void	store_abort(struct store *s);

/*
 * The same for a run that was interrupted, but incomplete/NAME stays:
 * the next run finds it as its leftover and links from it what is still
 * the same, so what this run copied is not copied again.
 */
void	store_abort_keep(struct store *s);

/*
 * Is the folder path, of mode mode, closed to group and others?  Through
 * a snapshot root they could enter, any user reads what a 0700 folder
 * keeps from her at the source, and a file's owner rewrites her files in
 * old snapshots (they are hard links).  Returns 0, or -1 with e saying
 * so and the chmod to run.
 */
int	store_check_private(const char *path, mode_t mode, struct err *e);

/* Closes every descriptor and releases the lock. */
void	store_close(struct store *s);

/* The complete snapshots of a root, oldest first. */
struct store_list {
	char	(*names)[NAME_SNAPSHOT_LEN];
	size_t	 n;
};

/*
 * Lists the complete snapshots (a folder with a snapshot's name and a
 * manifest) in name order, which is time order.  Returns 0 (free with
 * store_list_free), or -1 with e set.
 */
int	store_list_snapshots(struct store *s, struct store_list *out,
	    struct err *e);
void	store_list_free(struct store_list *l);

/*
 * Finds the snapshot a person means by query: a full name, a unique
 * prefix ("2026-11-24"), "latest" or "latest~N" (N snapshots before the
 * newest).  Returns 0 and sets *index into l->names, or -1 with e saying
 * why, naming the candidates (exit status 2 for the caller).
 */
int	store_resolve(const struct store_list *l, const char *query,
	    size_t *index, struct err *e);

/*
 * Deletes the complete snapshot name: points latest at the newest
 * snapshot but name (or removes latest when none is left) and fsyncs the
 * root, so that latest never names a snapshot being deleted, even after
 * a crash; then renames ROOT/NAME to .snap/deleting/NAME (from then on
 * it is not listed), removes the manifest and summary, then the tree.
 * Needs a store opened
 * with STORE_WRITE.  It does not ask whether name is the newest: callers
 * decide that.  Returns 0; -1 with e set, with nothing changed when the
 * rename failed, else with the rest left for the next writer to finish.
 */
int	store_delete(struct store *s, const char *name, struct err *e);

/*
 * Trees a writer removes (deleted snapshots, leftovers) may hold a mount
 * point; rmtree leaves it in place, with the folders above it.  Returns
 * how many were met since store_open (0: none), and when any, fills msg
 * with a warning naming the first for the caller to print.
 */
size_t	store_kept_mounts(const struct store *s, char *msg, size_t size);

#endif
