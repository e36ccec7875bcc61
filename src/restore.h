/*
 * restore: copy one path out of a snapshot, never outside the target.
 *
 * The caller opens the store and resolves the snapshot name, then calls
 *   restore_run(&store, name, path, dest, &opts, &stats, &e)
 * which reads the snapshot's manifest to learn what PATH holds (its
 * subtree is contiguous in walk order, so the stream stops right after
 * it), opens the stored files under ROOT/NAME one component at a time
 * with O_NOFOLLOW, and recreates them at DEST: folders, regular files
 * (their content hashed while copied and checked against the manifest),
 * symlinks, FIFOs, device nodes (root only), hard links between restored
 * files, owner (root only), mode, times in ns and xattrs; folder times
 * are set after their children.
 *
 * Every name below DEST is made with (dirfd, one component) calls on
 * folders this run opened with O_NOFOLLOW, or resolved with openat2
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a symlink found in an existing
 * DEST (--overwrite) is replaced, never followed.  Nothing in the
 * snapshot is opened for writing.
 *
 * A problem with one entry (a hash mismatch, a file that cannot be read
 * or written) goes to opts.report and is counted in struct
 * restore_stats; the run goes on with the rest.  Nothing here prints.
 * Folders are built by the linker (link.h), which also makes symlinks,
 * FIFOs, sockets and devices inside a private folder before renaming
 * them into place, so that no metadata call resolves a name the owner
 * of DEST could swap.
 */
#ifndef SNAP_RESTORE_H
#define SNAP_RESTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define RESTORE_ENOTFOUND (-2)	/* PATH is not in the snapshot */
#define RESTORE_EUSAGE (-3)	/* bad PATH or DEST; nothing was written */

struct progress;
struct sys_ops;

/* What restore tells its caller of one entry; the run goes on. */
enum restore_problem {
	RESTORE_FAILURE = 1,	/* not (fully) restored */
	RESTORE_MISMATCH,	/* restored, but fails its manifest hash */
	RESTORE_WARNING,	/* skipped on purpose (a device as non-root) */
};

struct restore_opts {
	bool		 overwrite;	/* DEST may exist; its entries are
					 * replaced */
	/* Told the entries restored and the bytes of the regular files
	 * among them; expecting the snapshot's totals when PATH is all of
	 * it.  NULL: nothing. */
	struct progress	*progress;
	/* Each problem, as a sentence naming the entry; NULL: none. */
	void		(*report)(void *arg, enum restore_problem kind,
			    const char *msg);
	void		*report_arg;
	/* The mutating calls; NULL: the real ones. */
	const struct sys_ops *sys;
};

struct restore_stats {
	uint64_t	files;		/* regular files, copies and links */
	uint64_t	bytes;		/* bytes copied */
	uint64_t	links;		/* of the files: hard links made */
	uint64_t	dirs;
	uint64_t	symlinks;
	uint64_t	nodes;		/* FIFOs, sockets and device nodes */
	uint64_t	mismatches;	/* content that fails its hash */
	uint64_t	failures;	/* entries not (fully) restored */
	uint64_t	warnings;	/* skipped: devices as non-root */
};

/*
 * Restores path (snapshot-relative; leading '/' ignored; "." and ".."
 * components refused) of the complete snapshot name in s into dest.
 * Returns 0 when the run got through the subtree (per-entry problems are
 * in *stats); RESTORE_ENOTFOUND or RESTORE_EUSAGE with e set and nothing
 * written; -1 with e set on a failure that stopped the run (an unreadable
 * manifest, DEST not creatable), leaving what was restored so far.
 */
int	restore_run(struct store *s, const char *name, const char *path,
	    const char *dest, const struct restore_opts *opts,
	    struct restore_stats *stats, struct err *e);

/*
 * Normalises a snapshot-relative path given by a person into out (at
 * least strlen(in) + 1 bytes): leading, repeated and trailing '/' are
 * dropped.  Returns 0, or -1 with e set when a component is "." or "..".
 */
int	restore_clean_path(const char *in, char *out, struct err *e);

/*
 * Returns 1 if the snapshot path p (len bytes) is prefix (a path from
 * restore_clean_path, "" for the whole snapshot) or below it, else 0.
 * Pure.
 */
int	restore_in_subtree(const char *prefix, size_t prefix_len,
	    const char *p, size_t len);

/*
 * Splits DEST as given by a person into the folder to open and the name
 * to create in it: copies the last component (trailing '/' dropped) into
 * base (basesz bytes) and sets *parent_len to the length of the leading
 * part of dest that names the folder (0: the current folder).  Pure.
 * Returns 0, or -1 with e set when there is no last component, it is
 * "." or "..", or it does not fit in base.
 */
int	restore_split_dest(const char *dest, char *base, size_t basesz,
	    size_t *parent_len, struct err *e);

#endif
