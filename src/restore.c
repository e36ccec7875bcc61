#include "restore.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "beneath.h"
#include "copy.h"
#include "inomap.h"
#include "link.h"
#include "manifest.h"
#include "meta.h"
#include "name.h"
#include "progress.h"
#include "rmtree.h"
#include "summary.h"
#include "sys.h"
#include "testhook.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/*
 * Whole copies waiting for their names: one syncfs makes a batch of them
 * durable before they are linked in, far cheaper than an fsync each.
 */
#define PENDING_MAX	64

struct pending_file {
	int	 fd;		/* the unnamed copy (O_TMPFILE) */
	char	*name;		/* its name in the batch's folder */
	char	*quoted;	/* its snapshot path, for messages */
};

/* A source inode with several names, and where this run restored it. */
struct first_name {
	char		*rel;		/* DEST-relative, NUL-ended */
	uint64_t	 restored_ino;	/* what it became below DEST */
	enum entry_type	 type;
	bool		 has_hash;
	unsigned char	 hash[ENTRY_HASH_LEN];
};

/*
 * The linker's folders: dst_fd the restored folder (-1: it could not be
 * made, its children are skipped), from[0] the stored one, meta_fd the
 * stored one again for its xattrs.  levels[0] is DEST when a folder.
 */
struct restore_ctx {
	const struct restore_opts *opts;
	struct restore_stats	*stats;
	const struct sys_ops	*sys;
	bool			 as_root;
	struct linker		 linker;
	int			 dest_top;	/* DEST, once made, or -1 */
	int			 sync_fd;	/* DEST's filesystem, or -1 */

	/* The batch: files of one folder (pending_dir) waiting. */
	int			 pending_dir;
	dev_t			 pending_dev;
	ino_t			 pending_ino;
	struct pending_file	 pending[PENDING_MAX];
	size_t			 npending;

	const char	*prefix;	/* PATH, cleaned */
	size_t		 prefix_len;

	struct inomap	 links;		/* stored inode -> first name */

	uint64_t	 entries;	/* for the progress line */
	uint64_t	 bytes;

	/* The snapshot folder, to tell a failure from a prune or delete
	 * that took the snapshot away while it was read. */
	int		 root_fd;
	const char	*name;
	dev_t		 snap_dev;
	ino_t		 snap_ino;
	bool		 gone;

	char		 quoted[4096];
};

/* The printable form of a snapshot path, for messages. */
static const char *
quote(struct restore_ctx *c, const char *p, size_t len)
{
	return name_quote(c->quoted, sizeof(c->quoted), p, len);
}

static void
tell(struct restore_ctx *c, enum restore_problem kind, const char *msg)
{
	if (c->opts->report != NULL)
		c->opts->report(c->opts->report_arg, kind, msg);
}

/*
 * Whether the snapshot is no longer at ROOT/NAME: a prune or delete
 * renamed it away and is removing it under us.
 */
static bool
snapshot_gone(struct restore_ctx *c)
{
	struct stat st;

	if (!c->gone && c->name != NULL &&
	    (fstatat(c->root_fd, c->name, &st, AT_SYMLINK_NOFOLLOW) == -1 ?
	    errno == ENOENT : st.st_dev != c->snap_dev ||
	    st.st_ino != c->snap_ino))
		c->gone = true;
	return c->gone;
}

static void
entry_failed(struct restore_ctx *c, const struct err *e)
{
	c->stats->failures++;
	/* Checked on a failure only; the run then stops with the reason
	 * instead of one failure per entry that was deleted. */
	if (snapshot_gone(c))
		return;
	tell(c, RESTORE_FAILURE, e->msg);
}

/* The target would not store an xattr: restored without it, a warning
 * (a FAT stick or ramfs holds none, and the content is what counts). */
static void
linker_refused(void *arg, const struct err *e)
{
	struct restore_ctx *c = arg;

	tell(c, RESTORE_WARNING, e->msg);
	c->stats->warnings++;
}

/* The linker's per-entry problems: an entry not (fully) restored. */
static void
linker_failed(void *arg, const struct err *e)
{
	entry_failed(arg, e);
}

int
restore_clean_path(const char *in, char *out, struct err *e)
{
	const char *p = in, *end;
	size_t n = 0, len;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return err_set(e, 0, "cannot restore '%s': a path in a "
			    "snapshot may not contain '.' or '..' components",
			    in);
		if (n > 0)
			out[n++] = '/';
		memcpy(out + n, p, len);
		n += len;
		p += len;
	}
	out[n] = '\0';
	return 0;
}

/* --- names after content -------------------------------------------- */

/*
 * Gives the waiting copies their names, once one syncfs has made their
 * content durable: a name in DEST never points at bytes that a power
 * cut would lose (ext4 brings a file written but not flushed back
 * empty, under its name).  Called before anything that needs those
 * names (a hard link to one of them) or must come after them (a
 * folder's times, set when it is left), and at the end.  A failure is
 * reported for each file it leaves without a name.
 */
static void
pending_flush(struct restore_ctx *c)
{
	struct pending_file *p;
	struct err fe;
	char fdpath[SYS_FD_PATH_LEN];
	size_t i;
	int synced;

	if (c->npending == 0)
		return;
	synced = c->sys->syncfs(c->pending_dir) == 0 ? 0 : errno;
	for (i = 0; i < c->npending; i++) {
		p = &c->pending[i];
		if (synced != 0) {
			err_set(&fe, synced, "cannot restore '%s': cannot "
			    "flush it to disk", p->quoted);
			entry_failed(c, &fe);
		} else if (c->sys->linkat(AT_FDCWD, sys_fd_path(p->fd,
		    fdpath), c->pending_dir, p->name, AT_SYMLINK_FOLLOW) ==
		    -1) {
			err_set(&fe, errno, "cannot restore '%s'", p->quoted);
			entry_failed(c, &fe);
		}
		close(p->fd);
		free(p->name);
		free(p->quoted);
	}
	c->npending = 0;
	close(c->pending_dir);
	c->pending_dir = -1;
}

/*
 * Adds the whole copy fd, to be named dstdir/name, to the batch (which
 * is flushed first when full or of another folder); the batch owns fd
 * from then on.  Returns 0, or -1 when it cannot be added (the caller
 * then makes it durable and names it itself).
 */
static int
pending_add(struct restore_ctx *c, int dstdir, const char *name,
    const char *q, int fd)
{
	struct pending_file *p;
	struct stat st;

	if (fstat(dstdir, &st) == -1)
		return -1;
	if (c->npending == PENDING_MAX || (c->npending > 0 &&
	    (st.st_dev != c->pending_dev || st.st_ino != c->pending_ino)))
		pending_flush(c);
	if (c->npending == 0) {
		if ((c->pending_dir = fcntl(dstdir, F_DUPFD_CLOEXEC, 0)) ==
		    -1)
			return -1;
		c->pending_dev = st.st_dev;
		c->pending_ino = st.st_ino;
	}
	p = &c->pending[c->npending];
	p->name = strdup(name);
	p->quoted = strdup(q);
	if (p->name == NULL || p->quoted == NULL) {
		free(p->name);
		free(p->quoted);
		if (c->npending == 0) {
			close(c->pending_dir);
			c->pending_dir = -1;
		}
		return -1;
	}
	p->fd = fd;
	c->npending++;
	return 0;
}

/* --- hard links ------------------------------------------------------ */

/* Remembers rel as the first restored name of ent.  Returns 0 or -1. */
static int
link_add(struct restore_ctx *c, const struct entry *ent, const char *rel,
    size_t rel_len, uint64_t restored_ino, struct err *e)
{
	struct first_name *h;
	bool added;

	if ((h = inomap_insert(&c->links, 0, ent->ino, &added)) == NULL)
		return err_set(e, ENOMEM, "cannot restore");
	if (!added)
		return 0;
	if ((h->rel = strndup(rel, rel_len)) == NULL)
		return err_set(e, ENOMEM, "cannot restore");
	h->restored_ino = restored_ino;
	h->type = ent->type;
	h->has_hash = ent->has_hash;
	memcpy(h->hash, ent->hash, ENTRY_HASH_LEN);
	return 0;
}

static void
links_free(struct restore_ctx *c)
{
	struct first_name *h;
	size_t it = 0;

	while ((h = inomap_next(&c->links, &it, NULL, NULL)) != NULL)
		free(h->rel);
	inomap_free(&c->links);
}

/*
 * Makes dstdir/name (q, quoted) another name of the file restored at
 * h->rel below DEST (levels[0]).  The folder of that name is opened
 * beneath DEST, so a symlink that appeared there is not followed.
 * Returns 0, or -1 when the caller must copy instead.  A link the
 * target cannot make (EXDEV: another filesystem mounted in DEST;
 * EMLINK: the inode is full) or whose first name was replaced is
 * copied without a word, as create does; any other failure is a
 * warning, because the copy leaves two inodes where the snapshot has
 * one.
 */
static int
link_to_first(struct restore_ctx *c, const struct first_name *h, int dstdir,
    const char *name, const char *q)
{
	const char *base;
	struct stat got;
	struct err fe;
	int fd, r = -1;

	pending_flush(c);	/* the first name may be waiting */
	fd = linker_open_parent(&c->linker, c->dest_top, h->rel,
	    strlen(h->rel), &base);
	if (fd != -1)
		r = linker_link(&c->linker, fd, base, dstdir, name,
		    h->restored_ino, &got);
	if (r == 0)
		return 0;
	if (r == -1 && errno != EXDEV && errno != EMLINK) {
		err_set(&fe, errno, "cannot restore '%s' as a hard link; "
		    "copied on its own", q);
		tell(c, RESTORE_WARNING, fe.msg);
		c->stats->warnings++;
	}
	return -1;
}

/* --- one entry ------------------------------------------------------- */

/* The metadata an entry gives its restored inode. */
static void
entry_stat(const struct entry *ent, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = ent->mode;
	st->st_uid = ent->uid;
	st->st_gid = ent->gid;
	st->st_rdev = (dev_t)ent->rdev;
	st->st_mtim.tv_sec = ent->mtime.sec;
	st->st_mtim.tv_nsec = ent->mtime.nsec;
	/* The manifest keeps no atime; the source's was read anyway. */
	st->st_atim = st->st_mtim;
}

/*
 * Makes room for a new entry at dstdir/name.  With --overwrite an
 * existing name is removed (a folder with everything in it), never
 * written through; an existing folder is kept when a folder is wanted.
 * Returns 1 if a folder to reuse is there, 0 if the name is free, or -1
 * with e set.
 */
static int
make_room(struct restore_ctx *c, int dstdir, const char *name, bool want_dir,
    const char *path, struct err *e)
{
	struct stat st;

	if (fstatat(dstdir, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, errno, "cannot restore '%s'", path);
	}
	if (!c->opts->overwrite)
		return err_set(e, EEXIST, "cannot restore '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		if (want_dir)
			return 1;
		return rmtree_remove(c->sys, dstdir, name, NULL, e);
	}
	if (c->sys->unlinkat(dstdir, name, 0) == -1)
		return err_set(e, errno, "cannot replace '%s'", path);
	return 0;
}

/*
 * Pushes a restored folder (dst_fd -1: it could not be made) made from
 * the stored folder src_fd (or -1); both are the linker's from now on.
 */
static int
push_level(struct restore_ctx *c, int dst_fd, int src_fd,
    const struct stat *st, const char *path, size_t path_len, struct err *e)
{
	int from[LINK_FROM_MAX] = { src_fd, -1 }, meta_fd = -1;

	if (src_fd != -1 &&
	    (meta_fd = fcntl(src_fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		err_set(e, errno, "cannot restore");
		from[0] = -1;
		close(src_fd);
		if (dst_fd != -1)
			close(dst_fd);
		return -1;
	}
	return linker_push(&c->linker, dst_fd, from, meta_fd, st,
	    dst_fd == -1, path, path_len, e);
}

/*
 * Restores a folder: dstdir/dname from srcdir/sname, and pushes it so
 * its children land in it.  A folder that cannot be made is reported
 * and pushed with dst_fd -1, so that its children are skipped.  Returns
 * 0, or -1 with e set when the run cannot go on (out of memory).
 */
static int
restore_dir(struct restore_ctx *c, const struct stat *st, int dstdir,
    const char *dname, int srcdir, const char *sname, const char *path,
    size_t path_len, struct err *e)
{
	const char *q = quote(c, path, path_len);
	struct stat dst_st, meta = *st, stored;
	struct err fe;
	int dst = -1, src = -1, r;

	if ((src = openat(srcdir, sname, DIR_FLAGS)) == -1) {
		err_set(&fe, errno, "cannot read folder '%s' in the snapshot",
		    q);
		goto failed;
	}
	/* The manifest has no atime; the stored folder has the source's. */
	if (fstat(src, &stored) == 0)
		meta.st_atim = stored.st_atim;
	if ((r = make_room(c, dstdir, dname, true, q, &fe)) == -1)
		goto failed;
	if (r == 0)
		dst = linker_mkdir(&c->linker, dstdir, dname, q, &dst_st, &fe);
	else
		dst = openat(dstdir, dname, DIR_FLAGS);
	if (dst == -1) {
		if (r == 1)
			err_set(&fe, errno, "cannot open folder '%s'", q);
		goto failed;
	}
	c->stats->dirs++;
	if (c->linker.depth == 0) {
		c->dest_top = dst;
		/* DEST itself, for the syncfs at the end: when DEST is a
		 * mount point, its parent is on another filesystem. */
		if (c->sync_fd == -1)
			c->sync_fd = fcntl(dst, F_DUPFD_CLOEXEC, 0);
	}
	return push_level(c, dst, src, &meta, path, path_len, e);

failed:
	entry_failed(c, &fe);
	if (src != -1)
		close(src);
	return push_level(c, -1, -1, st, path, path_len, e);
}

/*
 * Restores a regular file: a hard link to an earlier restored name of
 * the same source inode, or a copy of srcdir/sname whose hash is checked
 * against the manifest.  rel (rel_len bytes, not NUL-ended) is its
 * DEST-relative path, empty for DEST itself.
 * Problems are reported and counted; returns -1 only when the run cannot
 * go on.
 */
static int
restore_file(struct restore_ctx *c, const struct entry *ent, int dstdir,
    const char *dname, int srcdir, const char *sname, const char *rel,
    size_t rel_len, struct err *e)
{
	const char *q = quote(c, ent->path, ent->path_len);
	struct meta_refusal refused = { 0, 0, "" };
	struct copy_result res;
	struct first_name *h = NULL;
	struct stat st, sst;
	struct err fe;
	char fdpath[SYS_FD_PATH_LEN];
	bool named = false;
	int src = -1, dst = -1, r = 0;

	if (make_room(c, dstdir, dname, false, q, &fe) == -1)
		goto failed;

	/*
	 * The first name of a multiply-linked source inode is copied, the
	 * others are linked to it.  Inode numbers of different sources
	 * may collide, so the content must agree too.
	 */
	if (ent->nlink > 1 && rel_len > 0)
		h = inomap_find(&c->links, 0, ent->ino);
	if (h != NULL && h->type == ENTRY_REG &&
	    h->has_hash == ent->has_hash &&
	    memcmp(h->hash, ent->hash, ENTRY_HASH_LEN) == 0 &&
	    link_to_first(c, h, dstdir, dname, q) == 0) {
		c->stats->files++;
		c->stats->links++;
		return 0;
	}

	/* Reading must not move the stored inode's atime: O_NOATIME,
	 * where we own it or are root. */
	src = openat(srcdir, sname,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
	if (src == -1 && errno == EPERM)
		src = openat(srcdir, sname,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (src == -1 || fstat(src, &sst) == -1) {
		err_set(&fe, errno, "cannot read '%s' in the snapshot", q);
		goto failed;
	}
	if (!S_ISREG(sst.st_mode)) {
		err_set(&fe, 0, "cannot restore '%s': the snapshot holds "
		    "something else than a regular file there", q);
		goto failed;
	}
	/*
	 * The copy gets its name only when it is whole and has its
	 * metadata: a restore stopped midway (a crash, kill -9) leaves no
	 * half-written file in DEST.  Without O_TMPFILE, at its name.
	 */
	r = copy_file(c->sys, src, NULL, dstdir, NULL, q, &dst, &res, &fe);
	if (r == -1 && (fe.errnum == EOPNOTSUPP || fe.errnum == EISDIR)) {
		named = true;
		r = copy_file(c->sys, src, NULL, dstdir, dname, q, &dst, &res, &fe);
	}
	if (r == -1)
		goto failed;
	r = 0;
	c->stats->files++;
	c->stats->bytes += res.bytes;
	if (ent->has_hash && memcmp(res.hash, ent->hash, ENTRY_HASH_LEN) != 0) {
		/* Restored all the same: damaged content beats none. */
		err_set(&fe, 0, "hash mismatch: '%s' in the snapshot does not "
		    "match its manifest (the stored copy is damaged); restored "
		    "anyway", q);
		tell(c, RESTORE_MISMATCH, fe.msg);
		c->stats->mismatches++;
	}
	entry_stat(ent, &st);
	/* The manifest has no atime; the stored inode has the source's. */
	st.st_atim = sst.st_atim;
	if (meta_apply_fd(c->sys, dst, src, &st, c->as_root, true, q,
	    &refused, &fe) == -1)
		entry_failed(c, &fe);
	if (refused.count > 0) {
		meta_refusal_describe(&refused, q, &fe);
		linker_refused(c, &fe);
	}
	if (ent->nlink > 1 && rel_len > 0 && fstat(dst, &st) == 0 &&
	    link_add(c, ent, rel, rel_len, st.st_ino, e) == -1)
		r = -1;
	close(src);
	src = -1;
	/*
	 * The name comes once the content is durable (pending_flush); an
	 * empty file has none to wait for.  Names and metadata are made
	 * durable by the syncfs at the end.
	 */
	if (named) {
		close(dst);
		return r;
	}
	if (sst.st_size > 0 && pending_add(c, dstdir, dname, q, dst) == 0)
		return r;
	if (sst.st_size > 0 && c->sys->fsync(dst) == -1) {
		err_set(&fe, errno, "cannot restore '%s': cannot flush it to "
		    "disk", q);
		close(dst);
		goto failed;
	}
	if (c->sys->linkat(AT_FDCWD, sys_fd_path(dst, fdpath), dstdir,
	    dname, AT_SYMLINK_FOLLOW) == -1) {
		err_set(&fe, errno, "cannot restore '%s'", q);
		close(dst);
		goto failed;
	}
	close(dst);
	return r;

failed:
	entry_failed(c, &fe);
	if (src != -1)
		close(src);
	return 0;
}

/*
 * Restores a symlink, FIFO, socket or device node at dstdir/dname.
 * Returns 0, or -1 with e set when the run cannot go on.
 */
static int
restore_other(struct restore_ctx *c, const struct entry *ent, int dstdir,
    const char *dname, int srcdir, const char *sname, const char *rel,
    size_t rel_len, struct err *e)
{
	const char *q = quote(c, ent->path, ent->path_len);
	struct first_name *h = NULL;
	struct link_node n;
	struct stat st, sst;
	struct err fe;
	int r;

	if ((ent->type == ENTRY_CHR || ent->type == ENTRY_BLK) &&
	    !c->as_root) {
		err_set(&fe, 0, "'%s' is a device node: only root can restore "
		    "it; skipped", q);
		tell(c, RESTORE_WARNING, fe.msg);
		c->stats->warnings++;
		return 0;
	}
	if (ent->type == ENTRY_SYMLINK && ent->target == NULL) {
		err_set(&fe, 0, "cannot restore symlink '%s': no target", q);
		entry_failed(c, &fe);
		return 0;
	}
	if (make_room(c, dstdir, dname, false, q, &fe) == -1) {
		entry_failed(c, &fe);
		return 0;
	}
	/* Several names of one node (rsync -H keeps them): the rest link
	 * to the first one restored. */
	if (ent->nlink > 1 && rel_len > 0)
		h = inomap_find(&c->links, 0, ent->ino);
	if (h != NULL && h->type == ent->type &&
	    link_to_first(c, h, dstdir, dname, q) == 0) {
		c->stats->links++;
		return 0;
	}

	/* The stored node gives its xattrs and its atime (the manifest
	 * has none). */
	entry_stat(ent, &st);
	memset(&n, 0, sizeof(n));
	n.st = &st;
	n.target = ent->target;
	n.target_len = ent->target_len;
	n.srcfd = srcdir == -1 ? -1 : openat(srcdir, sname,
	    O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (n.srcfd != -1 && fstat(n.srcfd, &sst) == 0 &&
	    (sst.st_mode & S_IFMT) == (st.st_mode & S_IFMT))
		st.st_atim = sst.st_atim;
	else if (n.srcfd != -1) {
		close(n.srcfd);
		n.srcfd = -1;
	}
	r = linker_node(&c->linker, dstdir, dname, &n, q, e);
	if (n.srcfd != -1)
		close(n.srcfd);
	if (r == 0 && ent->type == ENTRY_SYMLINK)
		c->stats->symlinks++;
	else if (r == 0)
		c->stats->nodes++;
	if (r == 0 && h == NULL && ent->nlink > 1 && rel_len > 0)
		r = link_add(c, ent, rel, rel_len, n.stored_ino, e);
	return r == -1 ? -1 : 0;
}

/*
 * Restores one entry to dstdir/dname from srcdir/sname.  Returns 0, or -1
 * with e set when the run cannot go on.
 */
static int
restore_entry(struct restore_ctx *c, const struct entry *ent, int dstdir,
    const char *dname, int srcdir, const char *sname, const char *rel,
    size_t rel_len, struct err *e)
{
	struct stat st;

	switch (ent->type) {
	case ENTRY_DIR:
		entry_stat(ent, &st);
		return restore_dir(c, &st, dstdir, dname, srcdir, sname,
		    ent->path, ent->path_len, e);
	case ENTRY_REG:
		return restore_file(c, ent, dstdir, dname, srcdir, sname, rel,
		    rel_len, e);
	default:
		return restore_other(c, ent, dstdir, dname, srcdir, sname, rel,
		    rel_len, e);
	}
}

/* --- the walk -------------------------------------------------------- */

int
restore_in_subtree(const char *prefix, size_t prefix_len, const char *p,
    size_t len)
{
	if (prefix_len == 0)
		return 1;
	if (len < prefix_len || memcmp(p, prefix, prefix_len) != 0)
		return 0;
	return len == prefix_len || p[prefix_len] == '/';
}

/*
 * Makes the deepest level the folder of parent (a snapshot path of
 * plen bytes): pops the levels that are not its ancestors, then pushes
 * the folders between, which the manifest does not list (folders made
 * up for a dest like "home/ann"), with the stored folder's metadata.
 * Returns 0, or -1 with e set.
 */
static int
descend_to(struct restore_ctx *c, const char *parent, size_t plen,
    struct err *e)
{
	struct link_level *l;
	struct stat st;
	const char *slash;
	char name[NAME_MAX + 1];
	size_t len, n;
	int src;

	for (;;) {
		l = linker_top(&c->linker);
		n = l->path_len;
		if (n <= plen && memcmp(c->linker.path, parent, n) == 0 &&
		    (n == plen || n == 0 || parent[n] == '/'))
			break;
		if (c->linker.depth == 1)
			return err_set(e, 0, "cannot restore '%s': the "
			    "manifest lists it before its folder",
			    quote(c, parent, plen));
		/* A folder's times come after its names. */
		pending_flush(c);
		if (linker_pop(&c->linker, e) == -1)
			return -1;
	}
	while ((n = linker_top(&c->linker)->path_len) < plen) {
		l = linker_top(&c->linker);
		if (n > 0)
			n++;
		slash = memchr(parent + n, '/', plen - n);
		len = (slash != NULL ? (size_t)(slash - parent) : plen) - n;
		if (len > NAME_MAX)
			len = NAME_MAX;
		memcpy(name, parent + n, len);
		name[len] = '\0';
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFDIR | 0755;
		if (l->from[0] != -1 && (src = openat(l->from[0], name,
		    DIR_FLAGS)) != -1) {
			if (fstat(src, &st) == -1)
				st.st_mode = S_IFDIR | 0755;
			close(src);
		}
		if (l->dst_fd == -1) {
			if (push_level(c, -1, -1, &st, parent, n + len, e) ==
			    -1)
				return -1;
		} else if (restore_dir(c, &st, l->dst_fd, name, l->from[0],
		    name, parent, n + len, e) == -1)
			return -1;
	}
	return 0;
}

/*
 * Opens DEST's parent folder into *dirfd and copies DEST's last
 * component into base.  Returns 0, or RESTORE_EUSAGE with e set.
 */
int
restore_split_dest(const char *dest, char *base, size_t basesz,
    size_t *parent_len, struct err *e)
{
	size_t len = strlen(dest), b;

	while (len > 1 && dest[len - 1] == '/')
		len--;
	for (b = len; b > 0 && dest[b - 1] != '/'; b--)
		;
	if (len - b == 0 || len - b >= basesz ||
	    (len - b == 1 && dest[b] == '.') ||
	    (len - b == 2 && dest[b] == '.' && dest[b + 1] == '.'))
		return err_set(e, 0, "cannot restore into '%s': name a new "
		    "folder or file to create", dest);
	memcpy(base, dest + b, len - b);
	base[len - b] = '\0';
	*parent_len = b;
	return 0;
}

static int
open_dest_parent(const char *dest, int *dirfd, char *base, size_t basesz,
    struct err *e)
{
	size_t b;
	char *parent = NULL;
	int r = RESTORE_EUSAGE;

	if (restore_split_dest(dest, base, basesz, &b, e) == -1)
		return RESTORE_EUSAGE;
	if (b == 0)
		parent = strdup(".");
	else
		parent = strndup(dest, b);
	if (parent == NULL)
		return err_set(e, ENOMEM, "cannot restore into '%s'", dest);
	if ((*dirfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err_set(e, errno, "cannot restore into '%s': its parent folder "
		    "'%s' is not usable", dest, parent);
	else
		r = 0;
	free(parent);
	return r;
}

/*
 * True when the folder dirfd is the snapshot root or below it, found by
 * going up with ".." from what was opened (so symlinks in DEST's name,
 * already resolved, cannot hide it).  Unknown counts as inside.  Each
 * ".." is opened O_PATH: a user restoring below a folder they may search
 * but not list (mode 0711) is not inside the store for that.
 */
static bool
inside_store(const struct store *s, int dirfd)
{
	struct stat st, up;
	int fd, next;
	bool inside = true;

	if ((fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) == -1)
		return true;
	for (;;) {
		if (fstat(fd, &st) == -1)
			break;
		if (st.st_dev == s->root_dev && st.st_ino == s->root_ino)
			break;
		if ((next = openat(fd, "..", O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			break;
		close(fd);
		fd = next;
		if (fstat(fd, &up) == -1)
			break;
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
			inside = false;		/* reached "/" */
			break;
		}
	}
	close(fd);
	return inside;
}

/*
 * Restoring a whole snapshot does what its summary record says it holds;
 * a part of it, nobody knows without reading the manifest twice.
 */
static void
expect_totals(struct restore_ctx *c, const struct store *s, const char *name)
{
	struct create_stats st;
	struct err ignored;

	if (c->opts->progress != NULL && c->opts->progress->on &&
	    c->prefix_len == 0 &&
	    summary_read(s->manifests_fd, name, &st, &ignored) == 0)
		progress_expect(c->opts->progress, st.entries, st.total_bytes);
}

int
restore_run(struct store *s, const char *name, const char *path,
    const char *dest, const struct restore_opts *opts,
    struct restore_stats *stats, struct err *e)
{
	struct restore_ctx c;
	struct manifest_reader *mr = NULL;
	struct entry ent;
	struct stat st;
	char base[NAME_MAX + 1], *prefix = NULL, *sdir = NULL;
	const char *sname, *rel, *slash, *dname;
	struct link_level *top;
	int snap_fd = -1, src_parent = -1, dest_parent = -1, src_errno = 0;
	int r, ret = -1;
	bool started = false;
	size_t plen;

	memset(&c, 0, sizeof(c));
	memset(stats, 0, sizeof(*stats));
	c.opts = opts;
	c.stats = stats;
	c.sys = opts->sys != NULL ? opts->sys : testhook_sys();
	c.as_root = geteuid() == 0;
	c.dest_top = -1;
	c.sync_fd = -1;
	c.pending_dir = -1;
	linker_init(&c.linker, c.sys, c.as_root, linker_failed, &c);
	c.linker.refused = linker_refused;
	inomap_init(&c.links, sizeof(struct first_name));

	if ((prefix = malloc(strlen(path) + 1)) == NULL) {
		err_set(e, ENOMEM, "cannot restore '%s'", path);
		goto out;
	}
	if (restore_clean_path(path, prefix, e) == -1) {
		ret = RESTORE_EUSAGE;
		goto out;
	}
	c.prefix = prefix;
	c.prefix_len = strlen(prefix);

	if ((ret = open_dest_parent(dest, &dest_parent, base, sizeof(base),
	    e)) != 0)
		goto out;
	ret = -1;
	/* Restoring into the store would rewrite history. */
	if (inside_store(s, dest_parent)) {
		err_set(e, 0, "cannot restore into '%s': it is inside the "
		    "snapshot root '%s'", dest, s->root);
		ret = RESTORE_EUSAGE;
		goto out;
	}
	if (fstatat(dest_parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !opts->overwrite) {
		err_set(e, 0, "cannot restore into '%s': it exists (give "
		    "--overwrite to replace what is in it)", dest);
		ret = RESTORE_EUSAGE;
		goto out;
	}

	if ((snap_fd = openat(s->root_fd, name, DIR_FLAGS)) == -1 ||
	    fstat(snap_fd, &st) == -1) {
		err_set(e, errno, "cannot open snapshot '%s'", name);
		goto out;
	}
	c.root_fd = s->root_fd;
	c.name = name;
	c.snap_dev = st.st_dev;
	c.snap_ino = st.st_ino;
	/* The stored folder that holds PATH, and PATH's name in it. */
	slash = strrchr(prefix, '/');
	if (c.prefix_len == 0) {
		src_parent = openat(s->root_fd, ".", DIR_FLAGS);
		sname = name;
	} else if (slash == NULL) {
		src_parent = openat(snap_fd, ".", DIR_FLAGS);
		sname = prefix;
	} else {
		if ((sdir = strndup(prefix, (size_t)(slash - prefix))) == NULL) {
			err_set(e, ENOMEM, "cannot restore '%s'", path);
			goto out;
		}
		src_parent = beneath_open(snap_fd, sdir, DIR_FLAGS);
		sname = slash + 1;
	}
	src_errno = src_parent == -1 ? errno : 0;
	if (src_parent == -1 && errno != ENOENT && errno != ENOTDIR &&
	    errno != ELOOP) {
		err_set(e, errno, "cannot read '%s' in snapshot '%s'", prefix,
		    name);
		goto out;
	}

	if (manifest_reader_open(&mr, s->manifests_fd, name, e) == -1)
		goto out;
	expect_totals(&c, s, name);
	while ((r = manifest_reader_next(mr, &ent, NULL, e)) == 1) {
		if (!restore_in_subtree(c.prefix, c.prefix_len, ent.path,
		    ent.path_len)) {
			if (name_pathcmp(ent.path, ent.path_len, prefix,
			    c.prefix_len) < 0)
				continue;
			break;	/* past PATH's subtree */
		}
		/* Told before the entry: what the previous ones did. */
		progress_update(opts->progress, c.entries, c.bytes);
		c.entries++;
		if (ent.type == ENTRY_REG)
			c.bytes += ent.size;
		if (!started) {
			started = true;
			if (src_parent == -1) {
				err_set(e, src_errno, "cannot read '%s' in "
				    "snapshot '%s'", prefix, name);
				goto out;
			}
			if (ent.path_len == c.prefix_len) {
				if (restore_entry(&c, &ent, dest_parent, base,
				    src_parent, sname, "", 0, e) == -1)
					goto out;
				if (ent.type != ENTRY_DIR)
					break;
				continue;
			}
			/* PATH is a folder the manifest does not list. */
			if (fstatat(src_parent, sname, &st,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(st.st_mode)) {
				memset(&st, 0, sizeof(st));
				st.st_mode = S_IFDIR | 0755;
			}
			if (restore_dir(&c, &st, dest_parent, base, src_parent,
			    sname, prefix, c.prefix_len, e) == -1)
				goto out;
		}
		slash = memrchr(ent.path, '/', ent.path_len);
		plen = slash != NULL ? (size_t)(slash - ent.path) : 0;
		if (descend_to(&c, ent.path, plen, e) == -1)
			goto out;
		top = linker_top(&c.linker);
		if (top->dst_fd == -1)
			continue;	/* its folder failed; reported */
		dname = slash != NULL ? slash + 1 : ent.path;
		if (ent.path_len - (size_t)(dname - ent.path) > NAME_MAX) {
			err_set(e, ENAMETOOLONG, "cannot restore '%s'",
			    quote(&c, ent.path, ent.path_len));
			entry_failed(&c, e);
			continue;
		}
		memcpy(base, dname, ent.path_len - (size_t)(dname - ent.path));
		base[ent.path_len - (size_t)(dname - ent.path)] = '\0';
		rel = c.prefix_len == 0 ? ent.path :
		    ent.path + c.prefix_len + 1;
		if (restore_entry(&c, &ent, top->dst_fd, base, top->from[0],
		    base, rel,
		    ent.path_len - (size_t)(rel - ent.path), e) == -1)
			goto out;
		if (c.gone)
			goto out;
	}
	if (r == -1)
		goto out;
	if (!started) {
		err_set(e, 0, "'%s' is not in snapshot '%s'", prefix, name);
		ret = RESTORE_ENOTFOUND;
		goto out;
	}
	/* The folders' metadata, deepest first.  Popped here and not by
	 * linker_free, which drops an error that ends the run (EIO, ENOSPC
	 * on DEST's own folder): the restore would say it was whole. */
	pending_flush(&c);
	while (c.linker.depth > 0)
		if (linker_pop(&c.linker, e) == -1)
			goto out;
	/* Done means on disk: DEST's names, folders and metadata (every
	 * file's content already is).  DEST is a file: its parent's. */
	if (c.sys->syncfs(c.sync_fd != -1 ? c.sync_fd : dest_parent) == -1) {
		err_set(e, errno, "cannot flush '%s' to disk", dest);
		goto out;
	}
	ret = 0;

out:
	if (ret != RESTORE_EUSAGE && ret != RESTORE_ENOTFOUND &&
	    (c.gone || ((ret == -1 || stats->failures > 0) &&
	    snapshot_gone(&c)))) {
		err_set(e, 0, "snapshot '%s' was deleted while it was restored "
		    "(a prune or delete ran meanwhile); '%s' holds only part "
		    "of it", name, dest);
		ret = -1;
	}
	/* Whole files get their names, then folder times last, deepest
	 * first, also after a failure. */
	pending_flush(&c);
	linker_free(&c.linker);
	links_free(&c);
	manifest_reader_close(mr);
	if (snap_fd != -1)
		close(snap_fd);
	if (src_parent != -1)
		close(src_parent);
	if (dest_parent != -1)
		close(dest_parent);
	if (c.sync_fd != -1)
		close(c.sync_fd);
	free(sdir);
	free(prefix);
	return ret;
}
