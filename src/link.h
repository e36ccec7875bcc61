/*
 * link: builds a tree of new inodes, for create and for restore alike.
 *
 * A linker holds the stack of folders being built, from the top of the
 * tree down to the folder that receives entries now:
 *
 *   linker_init(&l, sys, as_root, report, arg)
 *   linker_push(&l, dst_fd, from, meta_fd, &st, path, len, &e)   a folder
 *     linker_mkdir / linker_link / linker_copy / linker_node    its entries
 *   linker_pop(&l, &e)            the folder gets its metadata and closes
 *   linker_free(&l)               pops what is left, deepest first
 *
 * A folder gets its owner, mode, xattrs and times when it is popped, after
 * its children (their creation would change its times, and its real mode
 * may forbid writing).  Until then it is 0700.
 *
 * Only the deepest BENEATH_OPEN_LEVELS folders hold their descriptors; a
 * shallower one is parked (its fds closed, their inodes noted) and opened
 * again by path beneath the nearest open folder above it, never through
 * a symlink, when a pop makes it the deepest again.  So the descriptors
 * of linker_top() are always open, and a tree of any depth takes a
 * bounded number of them.
 *
 * Everything here makes new inodes and sets metadata only on inodes it
 * made: never on a file of an existing snapshot (history), never through
 * a name someone else could swap (restore targets belong to users).  All
 * mutating calls go through sys.  Nothing here prints: a problem with one
 * entry goes to the report callback, which the command prints and counts.
 */
#ifndef SNAP_LINK_H
#define SNAP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "beneath.h"
#include "entry.h"
#include "err.h"
#include "sys.h"

/* Folders at the same path in trees that files are linked from. */
#define LINK_FROM_MAX 2

/* The descriptors of a level: dst_fd, meta_fd, from[]. */
#define LINK_SLOTS (2 + LINK_FROM_MAX)

struct link_level {
	int		 dst_fd;	/* the new folder; -1: could not be made,
					 * its children are skipped */
	int		 from[LINK_FROM_MAX];	/* or -1 */
	int		 meta_fd;	/* folder whose xattrs it gets, or -1 */
	struct stat	 st;		/* owner, mode, times it gets */
	bool		 keep_meta;	/* leave its metadata alone */
	bool		 owner_set;	/* it was made with st's owner: no
					 * fchown that would change nothing */
	size_t		 path_len;	/* its path: a prefix of l.path */
	unsigned	 parked;	/* bit i: slot i closed, re-open it */
	struct beneath_id ids[LINK_SLOTS];	/* what parked slots were */
};

struct linker {
	const struct sys_ops	*sys;
	bool			 as_root;	/* owners can be set */
	uid_t			 euid;		/* who new inodes belong to */
	gid_t			 egid;
	/* New inodes get (euid, egid): the tree being built has no
	 * set-group-ID folder that would hand down its group.  The caller
	 * that knows says so; then a copy whose source has that owner
	 * needs no fchown. */
	bool			 owner_is_ours;
	/* No default ACL is above the tree being built, so no new inode
	 * inherits an ACL that would have to be looked for and removed:
	 * folders below get theirs only after their last child is made.
	 * The caller that knows says so. */
	bool			 no_default_acl;
	/* The filesystem new files go to (0: unknown), so that copy
	 * stops asking it for reflinks once it refused one. */
	dev_t			 dst_dev;
	/* A problem with one entry; the run goes on. */
	void			(*report)(void *arg, const struct err *e);
	/* An xattr the target would not store, when that is less than a
	 * problem to the caller (restore); NULL: report it. */
	void			(*refused)(void *arg, const struct err *e);
	void			*arg;

	struct link_level	*levels;
	size_t			 depth;
	size_t			 cap;
	char			*path;		/* of the deepest folder */
	size_t			 path_cap;

	/* The last folder linker_open_parent opened, kept for the next
	 * file: the files of a moved folder come one after the other. */
	int			 parent_fd;
	int			 parent_root;
	char			*parent_path;
	size_t			 parent_len;
	size_t			 parent_cap;
	char			*scratch;
	size_t			 scratch_cap;
};

void	linker_init(struct linker *l, const struct sys_ops *sys, bool as_root,
	    void (*report)(void *, const struct err *), void *arg);

/*
 * Pops every folder (giving each its metadata, reporting problems) and
 * frees the linker.  Folders pushed with keep_meta keep theirs.
 */
void	linker_free(struct linker *l);

/*
 * Pushes a folder: dst_fd (owned from now on, or -1), the folders to link
 * from (owned, each -1 when there is none), meta_fd (owned, or -1), the
 * metadata st it gets when popped (keep_meta: none) and its path (len
 * bytes; the part after its parent's path names it in each of the
 * parent's folders, for re-opening it when parked).  Returns 0, or -1
 * with e set (ENOMEM); the descriptors are closed then.
 */
int	linker_push(struct linker *l, int dst_fd, const int from[LINK_FROM_MAX],
	    int meta_fd, const struct stat *st, bool keep_meta,
	    const char *path, size_t len, struct err *e);

/*
 * Gives the deepest folder its metadata and closes its descriptors, then
 * re-opens the new deepest folder's if they were parked.  A refused
 * metadata call, or a parked folder that is gone or was replaced (its
 * descriptor stays -1; a folder being built keeps its metadata then), is
 * reported; returns -1 with e set only when the run cannot go on
 * (link_errno_is_fatal).
 */
int	linker_pop(struct linker *l, struct err *e);

/*
 * Takes the deepest folder off the stack as linker_pop does, but leaves
 * its metadata and descriptors to the caller: *out holds them, its
 * descriptors open, until linker_finish or linker_discard.  So the
 * folder's metadata can wait for work that still goes on in it
 * (linkq.h) while the walk has moved on.  Its path is no longer the
 * linker's (copy it first, linker_path).  Returns 0, or -1 with e set
 * as linker_pop for the folder it goes back to.
 */
int	linker_detach(struct linker *l, struct link_level *out, struct err *e);

/*
 * Gives the detached folder v (linker_detach), whose path is path, its
 * metadata and closes its descriptors.  Problems as for linker_pop.
 */
int	linker_finish(struct linker *l, struct link_level *v, const char *path,
	    struct err *e);

/* Closes the detached folder v's descriptors; its metadata stays unset
 * (a run that failed). */
void	linker_discard(struct link_level *v);

/* The deepest folder. */
struct link_level *linker_top(struct linker *l);

/* The deepest folder's path (NUL-ended) and length. */
const char *linker_path(const struct linker *l, size_t *len);

/*
 * True for errors on the building side that no later entry can avoid
 * either (a full disk, a read-only filesystem, no descriptors left).
 */
bool	link_errno_is_fatal(int errnum);

/*
 * Makes the folder dirfd/name with mode 0700 and opens it (O_NOFOLLOW).
 * The opened folder must be the one made: owned by us, with no entry.
 * Returns its descriptor and fills *st, or -1 with e set.
 */
int	linker_mkdir(struct linker *l, int dirfd, const char *name,
	    const char *path, struct stat *st, struct err *e);

/*
 * Opens the folder that holds the path (len bytes, components below
 * rootfd) beneath rootfd, never following a symlink.  Returns its
 * descriptor, which the linker keeps (do not close it), and points *base
 * at the last component (NUL-ended, valid until the next call); or -1
 * with errno set.  A path of one component gives rootfd itself.
 */
int	linker_open_parent(struct linker *l, int rootfd, const char *path,
	    size_t len, const char **base);

/*
 * Links fromdir/fromname as dirfd/name, then checks that the new name is
 * the inode want_ino or, when want_ino is 0, a regular file.  Fills *got
 * with the new name's stat.  Returns 0; -1 with errno set when linkat
 * failed; 1 when the name was another inode (removed again: the stored
 * file was replaced behind our back).
 */
int	linker_link(struct linker *l, int fromdir, const char *fromname,
	    int dirfd, const char *name, uint64_t want_ino, struct stat *got);

/* What a copy stored. */
struct link_copy {
	struct stat	 stored;	/* the new inode as it is on disk */
	struct stat	 source;	/* the source as the copy read it */
	unsigned char	 hash[ENTRY_HASH_LEN];	/* of the stored bytes */
	uint64_t	 bytes;
	bool		 meta_partial;	/* some metadata could not be set
					 * (reported) */
	uint64_t	 xattr_hash;	/* of the stored xattrs, when
					 * meta_partial */
	bool		 changed;	/* the source changed during both
					 * tries; kept as read, reported */
};

/*
 * Copies the open regular file srcfd (whose stat is *st) to a new file
 * dirfd/name with its content, owner, mode, times and xattrs.  A source
 * that changes while it is copied is copied again, once; if it changes
 * again the copy is kept, its hash taken from the stored bytes, and
 * out->changed says so.  Metadata the target refuses is reported;
 * out->stored and out->xattr_hash say what the new inode really has.
 * src_xattrs false says the caller found no xattrs on srcfd: they are
 * not listed again.  Returns 0; 1 when the file could not be copied
 * (reported, nothing left behind); -1 with e set when the run cannot go
 * on.
 */
int	linker_copy(struct linker *l, int srcfd, bool src_xattrs,
	    const struct stat *st, int dirfd, const char *name,
	    const char *path, struct link_copy *out, struct err *e);

/*
 * Links dirfd/name to the file reuse_dir/name of a killed run's leftover
 * tree when it holds exactly what the open source srcfd (stat *st) holds
 * now: the same size, mode, owner, mtime and xattrs, and the same
 * content, both read and hashed (a leftover's metadata alone proves
 * nothing: a rewrite may keep size and mtime).  Fills *out as
 * linker_copy does.  Returns 0 when linked, 1 when not reusable.
 */
int	linker_reuse(struct linker *l, int reuse_dir, const char *name,
	    int srcfd, const struct stat *st, int dirfd,
	    struct link_copy *out);

/* A symlink, FIFO, socket or device node to make. */
struct link_node {
	const struct stat *st;		/* type, rdev, owner, mode, times */
	const char	*target;	/* a symlink's, target_len bytes */
	size_t		 target_len;
	int		 srcfd;		/* O_PATH on the node whose xattrs
					 * it gets, or -1 */
	/* Filled in when made: */
	uint64_t	 stored_ino;
	uint64_t	 xattr_hash;	/* of the xattrs it has */
};

/*
 * Makes the node n at dirfd/name, with n's owner, mode, times and
 * xattrs.  The node is made and given its metadata inside a private
 * folder only we can enter, then renamed into place, so that no
 * metadata call ever resolves a name someone else could swap.  Returns
 * 0; 1 when it could not be made (reported); -1 with e set when the run
 * cannot go on.
 */
int	linker_node(struct linker *l, int dirfd, const char *name,
	    struct link_node *n, const char *path, struct err *e);

#endif
