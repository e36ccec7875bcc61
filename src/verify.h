/*
 * verify: a stored snapshot tree checked against its manifest.
 *
 *   struct verify *v;
 *   verify_open(&v, &opts, &e);
 *   for each snapshot: verify_snapshot(v, root, manifests_fd, name, &e);
 *   for each other snapshot: verify_shared(v, ...);   (optional)
 *   verify_close(v);
 *
 * verify_snapshot streams the manifest and walks ROOT/NAME (fd-relative,
 * never following a symlink, siblings in byte order: the manifest's
 * order) and merge-joins the two, in the words of mtree: "missing" (in
 * the manifest, not on disk), "extra" (on disk, not in the manifest) and
 * "changed" (type, mode, owner, mtime, size, inode, symlink target,
 * device, xattrs, content).  Each finding goes to opts.report as it is
 * met.
 *
 * Content is re-hashed per stored inode, not per path: an inode that a
 * hundred snapshots link is read once per verify (a map from inode number
 * to its hash), and each path is compared with that one result, so a
 * damaged inode is reported under every path of every snapshot verified
 * that shares it.  verify_shared then names the paths of snapshots that
 * were not verified but link a damaged inode too.  opts.sample below 100
 * reads only about that share of the inodes, chosen by a hash of the
 * inode number, so that repeated runs pick the same ones.
 *
 * The owner is compared only when opts.check_owner (the caller's choice:
 * snap compares it when run as root, since a snapshot made without root
 * cannot give its files the source's owner).
 */
#ifndef SNAP_VERIFY_H
#define SNAP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include "config.h"
#include "entry.h"
#include "err.h"

struct progress;

enum verify_kind {
	VERIFY_MISSING = 1,	/* in the manifest, not in the tree */
	VERIFY_EXTRA,		/* in the tree, not in the manifest */
	VERIFY_CHANGED,		/* both, but different: see what */
	VERIFY_UNREADABLE,	/* could not be read: detail says why */
};

/* "missing", "extra", "changed", "unreadable": the kind in a report. */
const char	*verify_kind_word(enum verify_kind kind);

#define VERIFY_MAX_WHAT 12

/* One finding; the strings are valid during the report call only. */
struct verify_finding {
	enum verify_kind kind;
	const char	*snapshot;
	const char	*path;		/* snapshot-relative, path_len bytes */
	size_t		 path_len;
	size_t		 n_what;
	const char	*what[VERIFY_MAX_WHAT];	/* "mode", "content", ... */
	const char	*detail;	/* "mode 0644 -> 0600, content" */
	/* The content compared was a hash given by verify_know, not read. */
	bool		 unread;
};

struct verify_opts {
	double		 sample;	/* percent of inodes to hash, 0..100 */
	bool		 check_owner;
	/* Folders a create makes up on the way to a dest ("home" for
	 * "home/ann"): their mtime is the time of the run, not recorded. */
	const struct config_source *sources;
	size_t		 n_sources;
	void		(*report)(const struct verify_finding *f, void *arg);
	void		*arg;
	/* Told the entries compared and the bytes of the regular files
	 * among them, over all snapshots verified; NULL: nothing. */
	struct progress	*progress;
	/* Told each manifest entry that has a stored entry at its path,
	 * with what is stored there (after the comparison); NULL: nothing.
	 * replicate writes the replica's manifest from it. */
	void		(*matched)(const struct entry *m, const struct stat *st,
			    void *arg);
};

struct verify_stats {
	uint64_t	entries;	/* manifest entries compared */
	uint64_t	inodes_hashed;
	uint64_t	bytes_hashed;
	uint64_t	links_reused;	/* paths whose inode was hashed before */
	uint64_t	not_sampled;	/* regular files left out by --sample */
	uint64_t	moved_inodes;	/* entries whose stored inode number
					 * differs while all else agrees */
	uint64_t	findings;
};

struct verify;

/* Returns 0 and sets *out, or -1 with e set (out of memory). */
int	verify_open(struct verify **out, const struct verify_opts *opts,
	    struct err *e);

/*
 * Verifies the snapshot root/name (manifests_fd open on
 * ROOT/.snap/manifests).  Returns 0 when the whole
 * snapshot was compared (findings went to opts.report); VERIFY_EGONE
 * with e set when the snapshot was deleted (renamed away) while it was
 * read, whose findings are then not reported: they are the deletion,
 * not damage; or -1 with e set when it could not be compared (its
 * manifest is unreadable or corrupt, the tree cannot be opened);
 * findings up to that point were reported.
 */
#define VERIFY_EGONE (-2)
int	verify_snapshot(struct verify *v, const char *root, int manifests_fd,
	    const char *name, struct err *e);

/*
 * Reports as "changed (content)" every regular file of snapshot name
 * (not verified in this run) that is still one of the damaged inodes
 * that verify_snapshot found.  Reads only the manifest and stats those
 * paths.  Returns the number of such paths, or -1 with e set.
 */
int	verify_shared(struct verify *v, int root_fd, int manifests_fd,
	    const char *name, struct err *e);

/*
 * Tells v that the stored inode ino holds content hash and xattrs
 * xattr_hash (checked before), so a path that links it is compared with
 * that and the inode is not read.  A finding about its content then has
 * unread set.  Returns 0, or -1 with e set (out of memory).
 */
int	verify_know(struct verify *v, uint64_t ino,
	    const unsigned char hash[ENTRY_HASH_LEN], uint64_t xattr_hash,
	    struct err *e);

/* True when ino was given to verify_know. */
bool	verify_is_known(const struct verify *v, uint64_t ino);

/* True if an earlier verify_snapshot found a damaged inode. */
bool	verify_has_damage(const struct verify *v);

void	verify_get_stats(const struct verify *v, struct verify_stats *out);

void	verify_close(struct verify *v);

#endif
