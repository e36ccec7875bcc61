/*
 * replicate: a second copy elsewhere.  A replica is a snapshot root of
 * its own whose config names replicate_from (another snapshot root,
 * "[USER@]HOST:/ROOT" or a local path) instead of sources; replicate_run
 * copies into it every snapshot of the primary that it lacks, oldest
 * first, under the primary's names.
 *
 * The replica pulls: it runs rsync over ssh (as remote.h does for a
 * remote source), so the primary holds no key to the replica and a
 * compromised primary can neither delete nor rewrite what the replica
 * keeps.  It can send bad snapshots, so nothing it sends is published
 * unchecked.  For each snapshot NAME:
 *
 *   1. store_begin_named: .snap/incomplete/NAME (an interrupted copy of
 *      NAME is taken over and goes on where it stopped);
 *   2. rsync fetches the primary's manifest and summary of NAME into
 *      .snap/replicate/, then the tree into incomplete/NAME, with
 *      --link-dest at the replica's newest snapshot: what did not change
 *      is a hard link, so a snapshot costs what changed, and rsync's
 *      memory is that of one snapshot, never of the whole root.  Where
 *      the kernel has Landlock, rsync (and ssh) can change nothing
 *      outside incomplete/NAME (confine.h);
 *   3. verify.h compares the tree with the manifest: every entry's type,
 *      mode, owner (as root), size, mtime, symlink target, device, xattrs
 *      and content hash.  A file rsync linked to the replica's previous
 *      snapshot has that snapshot's checked hash and is not read; one it
 *      wrote is hashed.  A linked file whose content the manifest says
 *      changed (an edit that kept size and mtime, which rsync cannot
 *      see) is fetched again with --ignore-times and compared again;
 *   4. any remaining difference refuses the snapshot: nothing of it is
 *      published, the run goes on with the next one and fails (exit 1);
 *   5. otherwise the manifest, with the replica's own inode numbers, and
 *      the summary (label included) are put in place and store_commit
 *      publishes the tree atomically and points latest at it.
 *
 * A primary snapshot older than the replica's newest that the replica
 * lacks (the replica's retain pruned it, or it was refused or deleted
 * here) is not copied: the replica's history only grows at its end.  It
 * is a warning when the replica's retain would keep it, and said only
 * with -v when retain would prune it again anyway.
 */
#ifndef SNAP_REPLICATE_H
#define SNAP_REPLICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "sys.h"
#include "verify.h"

struct replicate_stats {
	size_t		 primary;	/* complete snapshots there */
	size_t		 present;	/* of those, here already */
	size_t		 copied;	/* published by this run */
	size_t		 refused;	/* not as their manifests say */
	size_t		 skipped;	/* older than the newest here */
	size_t		 skipped_kept;	/* of those, retain keeps */
	uint64_t	 files_hashed;	/* read to check them */
	uint64_t	 bytes_hashed;
	uint64_t	 refetched;	/* fetched with --ignore-times */
	bool		 confined;	/* Landlock confined rsync */
	/* Of the snapshots copied (published) by this run: */
	uint64_t	 files;		/* regular files (paths) */
	uint64_t	 bytes;		/* their sizes, linked or not */
	uint64_t	 received_bytes;	/* over the network (rsync
						 * --stats), refused ones too */
};

/* One snapshot published, as the run tells it (replicate --json). */
struct replicate_copied {
	const char	*name;
	uint64_t	 files;		/* regular files (paths) */
	uint64_t	 bytes;		/* their sizes */
	uint64_t	 received_bytes;	/* its fetches cost */
};

struct replicate_opts {
	bool		 check_owner;	/* compare owners (as root) */
	/* Told: a warning; a line of progress ("copied NAME ...");
	 * a difference that refuses a snapshot.  Any may be NULL. */
	void		(*warn)(void *arg, const char *msg);
	void		(*info)(void *arg, bool verbose, const char *msg);
	void		(*finding)(void *arg,
			    const struct verify_finding *f);
	/* Told each snapshot once it is published.  May be NULL. */
	void		(*copied)(void *arg,
			    const struct replicate_copied *c);
	void		*arg;
};

/*
 * Copies into cfg's root (locked for the run, as create locks it) every
 * snapshot of cfg->replicate_from it lacks, as above.  Does not prune:
 * the caller does, after.  Returns 0 when every snapshot it tried was
 * published; 1 when at least one was refused (e says which; the others
 * were published); STORE_ELOCKED, STORE_ESHARED, or -1 with e set when
 * the run stopped (the primary could not be listed or reached, the
 * replica's disk failed): the snapshot it was copying stays under
 * .snap/incomplete for the next run to go on with.
 */
int	replicate_run(const struct config *cfg,
	    const struct replicate_opts *o, const struct sys_ops *sys,
	    struct replicate_stats *stats, struct err *e);

/*
 * The primary as messages and JSON name it: "HOST:ROOT", or the local
 * path.  Returns it (free it), or NULL (ENOMEM).
 */
char	*replicate_primary(const struct config *cfg);

/*
 * Parses the output of "rsync -r --list-only" of a snapshot root (see
 * replicate.c) into the names of its complete snapshots: a folder
 * with a snapshot's name at the top and a regular file of that name in
 * .snap/manifests.  Anything else (latest, stray names, names that are
 * not snapshot names) is left out.  Returns the count, with *names
 * (NAME_SNAPSHOT_LEN each, sorted, free it), or -1 (ENOMEM).
 */
int	replicate_parse_listing(const char *text, size_t len,
	    char (**names)[20]);

#endif
