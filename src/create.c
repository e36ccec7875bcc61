#include "create.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "content.h"
#include "copy.h"
#include "manifest.h"
#include "meta.h"
#include "mono.h"
#include "out.h"
#include "progress.h"
#include "store.h"
#include "summary.h"
#include "walk.h"

/*
 * One folder being built: the new folder, the same folder in the
 * previous snapshot and in a killed run's leftover tree (each -1 when
 * there is none), and the source folder whose metadata it gets once its
 * children are done.
 */
struct level {
	int		 dst_fd;
	int		 prev_fd;
	int		 reuse_fd;
	int		 src_fd;
	struct stat	 st;
	bool		 synthetic;
	char		*path;		/* for messages */
};

/* A source inode with several names, and where this run stored it. */
struct hardlink {
	uint64_t	 dev;
	uint64_t	 ino;
	char		*path;		/* snapshot-relative, NUL-ended */
	bool		 has_hash;	/* what the manifest says of it */
	unsigned char	 hash[ENTRY_HASH_LEN];
	uint64_t	 xattr_hash;
};

struct hardlink_map {
	struct hardlink	*slots;		/* open addressing, path NULL = free */
	size_t		 n;
	size_t		 cap;
};

struct create_ctx {
	const struct config	*cfg;
	const struct create_opts *opts;
	const struct sys_ops	*sys;
	struct create_stats	*stats;
	struct store		 store;
	bool			 as_root;

	struct manifest_reader	*prev_rd;	/* merge-joined with the walk */
	struct entry		 prev_ent;
	bool			 prev_valid;	/* prev_ent holds a record */
	bool			 prev_done;
	struct content_index	 index;

	struct manifest_writer	*writer;

	struct level		*levels;
	size_t			 depth;
	size_t			 levels_cap;

	struct hardlink_map	 hardlinks;

	struct progress		 progress;	/* the line on a terminal */

	char			*scratch;	/* NUL-ended copy of a path */
	size_t			 scratch_cap;
	int			 parent_fd;	/* parent_dir's last folder */
	int			 parent_root;
	char			*parent_path;
	size_t			 parent_len;
	size_t			 parent_cap;
	char			 quoted[1024];
};

/* Errors on the snapshot side that no later file can avoid either. */
static bool
is_fatal_errno(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
	case EROFS:
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case EIO:
		return true;
	default:
		return false;
	}
}

static const char *
quote(struct create_ctx *c, const struct entry *ent)
{
	return name_quote(c->quoted, sizeof(c->quoted), ent->path,
	    ent->path_len);
}

static void
warn(struct create_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(struct create_ctx *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_warning("%s", msg);
	c->stats->warnings++;
}

/* The last component of a NUL-ended snapshot-relative path. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The folder that holds the snapshot-relative path (len bytes at path)
 * below rootfd, opened one component at a time with O_NOFOLLOW, so paths
 * longer than PATH_MAX work and no symlink is followed.  Returns the
 * folder's fd, which the caller borrows (do not close it), and sets *base
 * to the last component (in c->scratch); or -1 with errno set.
 *
 * The last folder opened is kept: the files of a moved folder are linked
 * one after the other from the same stored folder.
 */
static int
parent_dir(struct create_ctx *c, int rootfd, const char *path, size_t len,
    const char **base)
{
	const char *last = memrchr(path, '/', len);
	size_t plen = last ? (size_t)(last - path) : 0;
	char *p, *slash;
	int fd, next;

	if (len + 1 > c->scratch_cap) {
		if ((p = realloc(c->scratch, len + 1)) == NULL)
			return -1;
		c->scratch = p;
		c->scratch_cap = len + 1;
	}
	memcpy(c->scratch, path, len);
	c->scratch[len] = '\0';
	*base = last ? c->scratch + plen + 1 : c->scratch;
	if (!last)
		return rootfd;
	if (c->parent_fd != -1 && c->parent_root == rootfd &&
	    c->parent_len == plen && memcmp(c->parent_path, path, plen) == 0)
		return c->parent_fd;

	if ((fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	c->scratch[plen] = '\0';
	p = c->scratch;
	for (;;) {
		slash = strchr(p, '/');
		if (slash != NULL)
			*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (slash != NULL)
			*slash = '/';
		close(fd);
		if (next == -1)
			return -1;
		fd = next;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	c->scratch[plen] = '/';

	if (plen + 1 > c->parent_cap) {
		if ((p = realloc(c->parent_path, plen + 1)) == NULL) {
			close(fd);
			return -1;
		}
		c->parent_path = p;
		c->parent_cap = plen + 1;
	}
	if (c->parent_fd != -1)
		close(c->parent_fd);
	memcpy(c->parent_path, path, plen);
	c->parent_len = plen;
	c->parent_root = rootfd;
	c->parent_fd = fd;
	return fd;
}

/* --- hard links inside the source --------------------------------- */

static size_t
hardlink_slot(const struct hardlink_map *m, uint64_t dev, uint64_t ino)
{
	size_t i = (size_t)((ino * 0x9E3779B97F4A7C15ULL) ^ dev) & (m->cap - 1);

	while (m->slots[i].path != NULL &&
	    (m->slots[i].dev != dev || m->slots[i].ino != ino))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static const struct hardlink *
hardlink_find(const struct hardlink_map *m, uint64_t dev, uint64_t ino)
{
	const struct hardlink *h;

	if (m->cap == 0)
		return NULL;
	h = &m->slots[hardlink_slot(m, dev, ino)];
	return h->path != NULL ? h : NULL;
}

static int
hardlink_add(struct hardlink_map *m, uint64_t dev, uint64_t ino,
    const struct entry *ent)
{
	struct hardlink *h;
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct hardlink_map bigger = { NULL, 0, m->cap ? m->cap * 2 : 256 };

		if ((bigger.slots = calloc(bigger.cap, sizeof(*h))) == NULL)
			return -1;
		for (i = 0; i < m->cap; i++) {
			if (m->slots[i].path == NULL)
				continue;
			bigger.slots[hardlink_slot(&bigger, m->slots[i].dev,
			    m->slots[i].ino)] = m->slots[i];
			bigger.n++;
		}
		free(m->slots);
		*m = bigger;
	}
	h = &m->slots[hardlink_slot(m, dev, ino)];
	if (h->path != NULL)
		return 0;
	if ((h->path = strndup(ent->path, ent->path_len)) == NULL)
		return -1;
	h->dev = dev;
	h->ino = ino;
	h->has_hash = ent->has_hash;
	memcpy(h->hash, ent->hash, ENTRY_HASH_LEN);
	h->xattr_hash = ent->xattr_hash;
	m->n++;
	return 0;
}

static void
hardlink_free(struct hardlink_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].path);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* --- the previous snapshot ---------------------------------------- */

/*
 * Reads the previous manifest once to fill the content index.  Reading
 * it to the end also checks its checksum, so a corrupt manifest stops
 * the run before anything is linked against it.
 */
static int
load_prev(struct create_ctx *c, struct err *e)
{
	struct manifest_reader *r = NULL;
	struct entry ent;
	uint64_t off;
	int n;

	if (c->store.prev[0] == '\0')
		return 0;
	if (manifest_reader_open(&r, c->store.manifests_fd, c->store.prev,
	    e) == -1)
		return -1;
	while ((n = manifest_reader_next(r, &ent, &off, e)) == 1) {
		if (ent.type != ENTRY_REG || !ent.has_hash)
			continue;
		if (content_index_add(&c->index, &ent, off) == -1) {
			manifest_reader_close(r);
			return err_set(e, ENOMEM, "cannot index snapshot '%s'",
			    c->store.prev);
		}
	}
	manifest_reader_close(r);
	if (n == -1)
		return -1;
	content_index_seal(&c->index);
	return manifest_reader_open(&c->prev_rd, c->store.manifests_fd,
	    c->store.prev, e);
}

/*
 * The previous snapshot's entry at the path of ent, or NULL.  Both the
 * walk and the manifest come in name_pathcmp order, so this is one step
 * of a merge-join.
 */
static int
prev_lookup(struct create_ctx *c, const struct entry *ent,
    const struct entry **out, struct err *e)
{
	int r, cmp;

	*out = NULL;
	while (c->prev_rd != NULL && !c->prev_done) {
		if (!c->prev_valid) {
			r = manifest_reader_next(c->prev_rd, &c->prev_ent, NULL,
			    e);
			if (r == -1)
				return -1;
			if (r == 0) {
				c->prev_done = true;
				break;
			}
			c->prev_valid = true;
		}
		cmp = name_pathcmp(c->prev_ent.path, c->prev_ent.path_len,
		    ent->path, ent->path_len);
		if (cmp > 0)
			break;
		if (cmp == 0) {
			*out = &c->prev_ent;
			break;
		}
		c->prev_valid = false;
	}
	return 0;
}

/* --- folders ------------------------------------------------------ */

static struct level *
top(struct create_ctx *c)
{
	return &c->levels[c->depth - 1];
}

static int
push_level(struct create_ctx *c, struct err *e)
{
	struct level *l;

	if (c->depth == c->levels_cap) {
		size_t cap = c->levels_cap ? c->levels_cap * 2 : 64;

		if ((l = realloc(c->levels, cap * sizeof(*l))) == NULL)
			return err_set(e, errno, "cannot build the snapshot");
		c->levels = l;
		c->levels_cap = cap;
	}
	l = &c->levels[c->depth++];
	memset(l, 0, sizeof(*l));
	l->dst_fd = l->prev_fd = l->reuse_fd = l->src_fd = -1;
	return 0;
}

static void
close_level(struct level *l)
{
	if (l->dst_fd != -1)
		close(l->dst_fd);
	if (l->prev_fd != -1)
		close(l->prev_fd);
	if (l->reuse_fd != -1)
		close(l->reuse_fd);
	if (l->src_fd != -1)
		close(l->src_fd);
	free(l->path);
	l->path = NULL;
}

/* Opens parentfd/name as a folder to link from, or returns -1. */
static int
open_link_source_dir(int parentfd, const char *name)
{
	if (parentfd == -1)
		return -1;
	return openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

static int
enter_dir(struct create_ctx *c, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct entry *ent = it->ent;
	struct level *parent = top(c), *l;
	const char *name = it->name ? it->name : base_name(ent->path);
	int parent_dst = parent->dst_fd, parent_prev = parent->prev_fd;
	int parent_reuse = parent->reuse_fd;
	struct stat st;

	if (push_level(c, e) == -1)
		return -1;
	l = top(c);
	l->st = *it->st;
	l->synthetic = it->synthetic;
	c->stats->dirs++;
	if (c->opts->dry_run)
		return 0;
	if ((l->path = strndup(ent->path, ent->path_len)) == NULL)
		return err_set(e, errno, "cannot build the snapshot");

	/* 0700 until its children are in: the real mode may forbid
	 * writing, and nobody else should see a half-made folder. */
	if (c->sys->mkdirat(parent_dst, name, 0700) == -1)
		return err_set(e, errno, "cannot create folder '%s'",
		    quote(c, ent));
	l->dst_fd = openat(parent_dst, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (l->dst_fd == -1 || fstat(l->dst_fd, &st) == -1)
		return err_set(e, errno, "cannot open folder '%s'",
		    quote(c, ent));
	ent->stored_ino = st.st_ino;
	if (prev != NULL && prev->type == ENTRY_DIR)
		l->prev_fd = open_link_source_dir(parent_prev, name);
	l->reuse_fd = open_link_source_dir(parent_reuse, name);
	if (it->fd != -1 &&
	    (l->src_fd = fcntl(it->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return err_set(e, errno, "cannot read folder '%s'",
		    quote(c, ent));
	return 0;
}

/* Gives a finished folder its owner, mode, xattrs and times. */
static int
leave_dir(struct create_ctx *c, struct err *e)
{
	struct level *l = top(c);
	struct err me;
	int r = 0;

	if (!c->opts->dry_run) {
		if (l->synthetic) {
			if (fchmod(l->dst_fd, 0755) == -1)
				r = err_set(e, errno, "cannot set the mode of "
				    "'%s'", l->path);
		} else if (meta_apply_fd(c->sys, l->dst_fd, l->src_fd, &l->st,
		    c->as_root, l->path, NULL, &me) == -1) {
			if (is_fatal_errno(me.errnum)) {
				*e = me;
				r = -1;
			} else
				warn(c, "%s", me.msg);
		}
	}
	close_level(l);
	c->depth--;
	return r;
}

/* --- regular files ------------------------------------------------ */

/*
 * Links fromdir/fromname as dst/name and checks that the new name is the
 * inode it meant (want_ino, 0: any).  Returns 0; -1 with errno set when
 * linkat failed; or 1 when the name turned out to be another inode (it
 * has been removed again).
 */
static int
link_checked(struct create_ctx *c, int fromdir, const char *fromname,
    int dst, const char *name, uint64_t want_ino, uint64_t *got_ino)
{
	struct stat st;

	if (c->sys->linkat(fromdir, fromname, dst, name, 0) == -1)
		return -1;
	if (fstatat(dst, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || (want_ino != 0 && st.st_ino != want_ino)) {
		/* The stored file was replaced behind our back; a copy
		 * is the only thing known to be right. */
		unlinkat(dst, name, 0);
		return 1;
	}
	*got_ino = st.st_ino;
	return 0;
}

/*
 * What to do when a link failed: EXDEV and EMLINK become a copy with
 * that reason, a missing or replaced stored file a plain copy, a full
 * disk stops the run.  Returns 0 (copy) or -1 with e set.
 */
static int
link_failed(struct create_ctx *c, const struct entry *ent, int errnum,
    const char *from, enum diff_reason *reason, struct err *e)
{
	if (errnum == EXDEV)
		*reason = REASON_EXDEV;
	else if (errnum == EMLINK)
		*reason = REASON_EMLINK;
	else if (is_fatal_errno(errnum))
		return err_set(e, errnum, "cannot link '%s' from '%s'",
		    quote(c, ent), from);
	if (errnum != EXDEV && errnum != EMLINK && out_level >= OUT_VERBOSE)
		out_info(OUT_VERBOSE, "cannot link '%s' from '%s' (%s); "
		    "copying\n", quote(c, ent), from, strerror(errnum));
	return 0;
}

/* Opens a source file for reading without following a symlink. */
static int
open_source(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME);

	/* O_NOATIME is only for the owner or root. */
	if (fd == -1 && errno == EPERM)
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

static bool
same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Copies the open source file into dst/name with its metadata.  A file
 * that changes while it is copied is copied again, once, and then kept
 * as read with a warning.  Fills ent (stat, hash, stored inode).
 * Returns 0, 1 when the file was skipped with a warning, or -1 with e set.
 */
static int
copy_regular(struct create_ctx *c, struct entry *ent, int srcfd,
    struct stat *st, int dst, const char *name, struct err *e)
{
	struct copy_result res;
	struct stat after, stored;
	struct err me;
	int attempt, dstfd = -1;

	for (attempt = 0; attempt < 2; attempt++) {
		if (copy_file(c->sys, srcfd, dst, name, ent->path, &dstfd,
		    &res, &me) == -1) {
			if (is_fatal_errno(me.errnum)) {
				*e = me;
				return -1;
			}
			warn(c, "%s", me.msg);
			return 1;
		}
		if (meta_apply_fd(c->sys, dstfd, srcfd, st, c->as_root, ent->path, NULL,
		    &me) == -1) {
			close(dstfd);
			if (is_fatal_errno(me.errnum)) {
				*e = me;
				return -1;
			}
			warn(c, "%s", me.msg);
			return 0;
		}
		if (fstat(srcfd, &after) == -1 || fstat(dstfd, &stored) == -1) {
			int saved = errno;

			close(dstfd);
			return err_set(e, saved, "cannot stat '%s'",
			    quote(c, ent));
		}
		close(dstfd);
		if (same_stat(st, &after))
			break;
		if (attempt == 0) {
			/* Changed under us: once more, with what it is now. */
			unlinkat(dst, name, 0);
			*st = after;
			continue;
		}
		warn(c, "'%s' changed while it was copied; the snapshot holds "
		    "it as it was read", quote(c, ent));
	}
	walk_entry_from_stat(ent, st);
	ent->stored_ino = stored.st_ino;
	ent->xattr_hash = meta_xattr_hash(srcfd);
	ent->has_hash = true;
	memcpy(ent->hash, res.hash, ENTRY_HASH_LEN);
	ent->size = res.bytes;
	return 0;
}

/*
 * A file of a killed run's leftover tree at the same path, if it is a
 * finished copy of this source file: its times are set last, so equal
 * times mean the copy completed.  Links it and fills ent.  Returns 1 when
 * linked, 0 when not usable.
 */
static int
reuse_leftover(struct create_ctx *c, struct entry *ent, int srcfd,
    int reuse_dir, int dst, const char *name)
{
	struct stat st;
	uint64_t size, ino;
	unsigned char hash[ENTRY_HASH_LEN];
	struct err ignored;
	int fd;

	if (reuse_dir == -1 ||
	    fstatat(reuse_dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != ent->size ||
	    st.st_mtim.tv_sec != ent->mtime.sec ||
	    (uint32_t)st.st_mtim.tv_nsec != ent->mtime.nsec ||
	    st.st_mode != ent->mode ||
	    (c->as_root && (st.st_uid != ent->uid || st.st_gid != ent->gid)))
		return 0;
	if ((fd = openat(reuse_dir, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 0;
	if (meta_xattr_hash(fd) != meta_xattr_hash(srcfd) ||
	    copy_hash_fd(fd, ent->path, hash, &size, &ignored) == -1 ||
	    size != ent->size) {
		close(fd);
		return 0;
	}
	close(fd);
	if (link_checked(c, reuse_dir, name, dst, name, st.st_ino, &ino) != 0)
		return 0;
	ent->stored_ino = ino;
	ent->has_hash = true;
	memcpy(ent->hash, hash, ENTRY_HASH_LEN);
	ent->xattr_hash = meta_xattr_hash(srcfd);
	return 1;
}

/*
 * Looks for a stored file that can stand for ent (same content and
 * metadata) and links it.  ent->hash must be set.  Returns 1 when
 * linked, 0 when there is none (or linking it failed with EXDEV/EMLINK,
 * then *reason says so), -1 with e set.
 */
static int
link_same_content(struct create_ctx *c, struct entry *ent, int dst,
    const char *name, enum diff_reason *reason, struct err *e)
{
	struct entry stored;
	uint64_t meta_key = diff_meta_key(ent), off, ino;
	size_t pos = 0;
	const char *base;
	int dirfd, r, saved;

	while (content_index_next(&c->index, ent, meta_key, &pos, &off) == 1) {
		if (manifest_reader_read_at(c->prev_rd, off, &stored, e) == -1)
			return -1;
		if (diff_decide(ent, NULL, &stored, false).action !=
		    ACT_LINK_SAME_CONTENT)
			continue;
		if (c->opts->dry_run)
			return 1;
		dirfd = parent_dir(c, c->store.prev_fd, stored.path,
		    stored.path_len, &base);
		if (dirfd == -1)
			continue;
		r = link_checked(c, dirfd, base, dst, name, stored.stored_ino,
		    &ino);
		saved = errno;
		if (r == 0) {
			ent->stored_ino = ino;
			return 1;
		}
		if (r == -1 && link_failed(c, ent, saved, c->store.prev,
		    reason, e) == -1)
			return -1;
		if (*reason == REASON_EXDEV || *reason == REASON_EMLINK)
			return 0;
	}
	return 0;
}

static void
count_copy(struct create_ctx *c, const struct entry *ent,
    enum diff_reason reason)
{
	c->stats->copied++;
	c->stats->copied_bytes += ent->size;
	c->stats->copied_by[reason]++;
	c->stats->bytes_by[reason] += ent->size;
	if (out_level >= OUT_VERBOSE || c->opts->dry_run) {
		out_info(c->opts->dry_run ? OUT_NORMAL : OUT_VERBOSE,
		    "copy %s (%s)\n", quote(c, ent), diff_reason_name(reason));
	}
}

/*
 * One regular file: a link to the previous snapshot, another name of a
 * file this run stored, a link to a stored file with the same content,
 * or a copy.  Returns 0, 1 when skipped with a warning, or -1 with e set.
 */
static int
handle_file(struct create_ctx *c, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct entry *ent = it->ent;
	struct level *l = top(c);
	struct diff_decision d;
	enum diff_reason fallback = REASON_NONE;
	struct stat st = *it->st;
	const struct hardlink *first;
	const char *base;
	uint64_t size, ino;
	int srcfd = -1, dirfd, r = 0, saved;
	bool multi = it->st->st_nlink > 1;

	c->stats->files++;
	c->stats->total_bytes += ent->size;

	/* Another name of an inode this run has stored already. */
	if (multi && (first = hardlink_find(&c->hardlinks, st.st_dev,
	    st.st_ino)) != NULL) {
		if (c->opts->dry_run) {
			c->stats->hardlinked++;
			return 0;
		}
		dirfd = parent_dir(c, c->store.build_fd, first->path,
		    strlen(first->path), &base);
		if (dirfd != -1) {
			r = link_checked(c, dirfd, base, l->dst_fd, it->name, 0,
			    &ino);
			saved = errno;
			if (r == 0) {
				/* One inode: what the first name has. */
				ent->stored_ino = ino;
				ent->has_hash = first->has_hash;
				memcpy(ent->hash, first->hash, ENTRY_HASH_LEN);
				ent->xattr_hash = first->xattr_hash;
				c->stats->hardlinked++;
				return 0;
			}
			if (r == -1 && link_failed(c, ent, saved, "this snapshot",
			    &fallback, e) == -1)
				return -1;
		}
	}

	d = diff_decide(ent, prev, NULL, c->cfg->checksum);
	if (d.action == ACT_LINK_PREV && fallback == REASON_NONE) {
		if (c->opts->dry_run) {
			out_info(OUT_VERBOSE, "link %s\n", quote(c, ent));
			c->stats->linked++;
			goto stored;
		}
		r = link_checked(c, l->prev_fd, it->name, l->dst_fd, it->name,
		    prev->stored_ino, &ino);
		if (r == 0) {
			ent->stored_ino = ino;
			ent->has_hash = prev->has_hash;
			memcpy(ent->hash, prev->hash, ENTRY_HASH_LEN);
			ent->xattr_hash = prev->xattr_hash;
			c->stats->linked++;
			goto stored;
		}
		if (r == -1 && link_failed(c, ent, errno, c->store.prev,
		    &fallback, e) == -1)
			return -1;
	}

	if ((srcfd = open_source(it->dirfd, it->name)) == -1) {
		if (errno == ENOENT)
			warn(c, "'%s' vanished before it could be read",
			    quote(c, ent));
		else
			warn(c, "cannot read '%s': %s", quote(c, ent),
			    strerror(errno));
		return 1;
	}
	if (fstat(srcfd, &st) == -1 || !S_ISREG(st.st_mode)) {
		warn(c, "'%s' changed while it was read; skipped",
		    quote(c, ent));
		close(srcfd);
		return 1;
	}
	walk_entry_from_stat(ent, &st);
	ent->xattr_hash = meta_xattr_hash(srcfd);

	if (fallback == REASON_NONE && (c->cfg->checksum ||
	    content_index_has(&c->index, ent->size, diff_meta_key(ent)))) {
		/* A stored file could stand for this one: the hash says. */
		if (copy_hash_fd(srcfd, ent->path, ent->hash, &size, e) == -1) {
			warn(c, "%s", e->msg);
			close(srcfd);
			return 1;
		}
		ent->has_hash = size == ent->size;
		d = diff_decide(ent, prev, NULL, c->cfg->checksum);
		if (d.action == ACT_LINK_PREV && !c->opts->dry_run) {
			r = link_checked(c, l->prev_fd, it->name, l->dst_fd,
			    it->name, prev->stored_ino, &ino);
			if (r == 0) {
				ent->stored_ino = ino;
				c->stats->linked++;
				goto done;
			}
			if (r == -1 && link_failed(c, ent, errno,
			    c->store.prev, &fallback, e) == -1)
				goto fail;
		} else if (d.action == ACT_LINK_PREV) {
			c->stats->linked++;
			goto done;
		}
		if (fallback == REASON_NONE) {
			r = link_same_content(c, ent, l->dst_fd, it->name,
			    &fallback, e);
			if (r == -1)
				goto fail;
			if (r == 1) {
				if (c->opts->dry_run)
					out_info(OUT_NORMAL, "link %s (same "
					    "content)\n", quote(c, ent));
				c->stats->linked_content++;
				goto done;
			}
		}
	}

	d.reason = fallback != REASON_NONE ? fallback :
	    diff_copy_reason(ent, prev);
	if (c->opts->dry_run) {
		count_copy(c, ent, d.reason);
		goto done;
	}
	if (fallback == REASON_NONE && reuse_leftover(c, ent, srcfd,
	    l->reuse_fd, l->dst_fd, it->name) == 1) {
		c->stats->reused++;
		goto done;
	}
	r = copy_regular(c, ent, srcfd, &st, l->dst_fd, it->name, e);
	if (r == -1)
		goto fail;
	if (r == 1) {
		close(srcfd);
		return 1;
	}
	if (fallback == REASON_NONE)
		d.reason = diff_copy_reason(ent, prev);
	count_copy(c, ent, d.reason);
done:
	close(srcfd);
stored:
	if (multi && hardlink_add(&c->hardlinks, it->st->st_dev,
	    it->st->st_ino, ent) == -1)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	return 0;
fail:
	close(srcfd);
	return -1;
}

/* --- symlinks and nodes ------------------------------------------- */

static int
handle_special(struct create_ctx *c, const struct walk_item *it,
    struct err *e)
{
	struct entry *ent = it->ent;
	struct level *l = top(c);
	struct err me;

	if (ent->type == ENTRY_SYMLINK)
		c->stats->symlinks++;
	else
		c->stats->nodes++;
	if (c->opts->dry_run)
		return 0;
	if (ent->type == ENTRY_SYMLINK) {
		if (c->sys->symlinkat(ent->target, l->dst_fd, it->name) == -1)
			return err_set(e, errno, "cannot create symlink '%s'",
			    quote(c, ent));
	} else if (c->sys->mknodat(l->dst_fd, it->name,
	    (ent->mode & S_IFMT) | 0600, ent->rdev) == -1) {
		if (is_fatal_errno(errno))
			return err_set(e, errno, "cannot create '%s'",
			    quote(c, ent));
		/* Device nodes need root; the rest of the tree does not. */
		warn(c, "cannot create '%s': %s", quote(c, ent),
		    strerror(errno));
		return 1;
	}
	if (meta_apply_at(c->sys, l->dst_fd, it->name, it->st, c->as_root, ent->path,
	    &me) == -1) {
		if (is_fatal_errno(me.errnum)) {
			*e = me;
			return -1;
		}
		warn(c, "%s", me.msg);
	}
	return 0;
}

/* --- the run ------------------------------------------------------ */

static int
handle_entry(struct create_ctx *c, const struct walk_item *it,
    struct err *e)
{
	const struct entry *prev;
	int r;

	if (prev_lookup(c, it->ent, &prev, e) == -1)
		return -1;
	c->stats->entries++;
	switch (it->ent->type) {
	case ENTRY_DIR:
		r = enter_dir(c, it, prev, e);
		break;
	case ENTRY_REG:
		r = handle_file(c, it, prev, e);
		break;
	case ENTRY_SYMLINK:
	case ENTRY_FIFO:
	case ENTRY_CHR:
	case ENTRY_BLK:
		r = handle_special(c, it, e);
		break;
	default:
		c->stats->skipped++;
		out_info(c->opts->dry_run ? OUT_NORMAL : OUT_VERBOSE,
		    "skip %s (socket)\n", quote(c, it->ent));
		return 0;
	}
	if (r == -1)
		return -1;
	/* A skipped file is not in the snapshot, so not in its manifest. */
	if (r == 0 && c->writer != NULL &&
	    manifest_writer_add(c->writer, it->ent, e) == -1)
		return -1;
	if (c->opts->hang_after > 0 &&
	    c->stats->entries >= (uint64_t)c->opts->hang_after) {
		/* Test hook: stand still until killed. */
		fflush(NULL);
		for (;;)
			pause();
	}
	return 0;
}

static int
walk_all(struct create_ctx *c, struct err *e)
{
	struct walk_skip skip = { 0, 0, false };
	struct walk *w = NULL;
	struct walk_item it;
	int r;

	if (c->store.root_fd != -1) {
		skip.dev = c->store.root_dev;
		skip.ino = c->store.root_ino;
		skip.set = true;
	}
	if (walk_open(&w, c->cfg->sources, c->cfg->n_sources, &skip, e) == -1)
		return -1;
	while ((r = walk_next(w, &it, e)) == 1) {
		if (it.event == WALK_WARNING)
			warn(c, "%s", it.warning);
		else if (it.event == WALK_LEAVE)
			r = leave_dir(c, e);
		else
			r = handle_entry(c, &it, e);
		if (r == -1)
			break;
		progress_update(&c->progress, c->stats->entries,
		    c->stats->total_bytes);
	}
	walk_close(w);
	return r;
}

/*
 * Turns the progress line on (when stderr is a terminal), expecting what
 * the previous snapshot held: its summary record has the totals.
 */
static void
start_progress(struct create_ctx *c)
{
	struct create_stats prev;
	struct err ignored;

	progress_begin(&c->progress, c->opts->dry_run ? "dry run" : "create");
	if (c->progress.on && c->store.prev[0] != '\0' &&
	    summary_read(c->store.manifests_fd, c->store.prev, &prev,
	    &ignored) == 0)
		progress_expect(&c->progress, prev.entries, prev.total_bytes);
}

/* Opens the store for the run; a dry run never creates or locks. */
static int
open_store(struct create_ctx *c, struct err *e)
{
	return store_open(&c->store, c->cfg, c->opts->dry_run ? STORE_READ :
	    STORE_WRITE, c->sys, e);
}

int
create_run(const struct config *cfg, const struct create_opts *opts,
    const struct sys_ops *sys, struct create_stats *stats, struct err *e)
{
	struct create_ctx c;
	struct timespec t0;
	int r = -1;

	mono_start(&t0);
	memset(&c, 0, sizeof(c));
	memset(stats, 0, sizeof(*stats));
	c.cfg = cfg;
	c.opts = opts;
	c.sys = sys;
	c.stats = stats;
	c.as_root = geteuid() == 0;
	c.parent_fd = -1;

	if ((r = open_store(&c, e)) != 0)
		goto out;
	r = -1;
	snprintf(stats->prev, sizeof(stats->prev), "%s", c.store.prev);
	if (opts->label != NULL)
		snprintf(stats->label, sizeof(stats->label), "%s", opts->label);
	if (load_prev(&c, e) == -1)
		goto out;
	if (!opts->dry_run) {
		if (opts->before_write != NULL &&
		    opts->before_write(opts->before_write_arg, e) == -1)
			goto out;
		if (store_begin(&c.store, e) == -1)
			goto out;
		if (manifest_writer_open(&c.writer, c.store.manifests_fd,
		    c.store.name, sys, e) == -1)
			goto out;
	}
	snprintf(stats->name, sizeof(stats->name), "%s", c.store.name);

	/* After the hooks: their time is not the walk's rate. */
	start_progress(&c);
	/* Level 0 is the snapshot folder itself. */
	if (push_level(&c, e) == -1)
		goto out;
	c.levels[0].dst_fd = c.store.build_fd;
	c.levels[0].prev_fd = c.store.prev_fd;
	c.levels[0].reuse_fd = c.store.reuse_fd;
	if (walk_all(&c, e) == -1)
		goto out;
	if (!opts->dry_run) {
		r = manifest_writer_commit(c.writer, e);
		c.writer = NULL;
		if (r == -1)
			goto out;
		/* The record says how long the walk took; committing is
		 * quick and its time is in the printed summary. */
		stats->seconds = mono_seconds_since(&t0);
		if ((r = summary_write(c.store.manifests_fd, stats, sys,
		    e)) == -1 || (r = store_commit(&c.store, e)) == -1)
			goto out;
		if (r == 1)
			warn(&c, "%s", e->msg);
	}
	r = 0;
out:
	/* Level 0 borrows the store's descriptors. */
	if (c.depth > 0) {
		c.levels[0].dst_fd = c.levels[0].prev_fd = -1;
		c.levels[0].reuse_fd = -1;
	}
	while (c.depth > 0)
		close_level(&c.levels[--c.depth]);
	free(c.levels);
	manifest_writer_abort(c.writer);
	if (r == -1 && !opts->dry_run)
		store_abort(&c.store);
	manifest_reader_close(c.prev_rd);
	content_index_free(&c.index);
	hardlink_free(&c.hardlinks);
	free(c.scratch);
	if (c.parent_fd != -1)
		close(c.parent_fd);
	free(c.parent_path);
	store_close(&c.store);
	progress_end(&c.progress);
	stats->seconds = mono_seconds_since(&t0);
	return r;
}

int
create_check_label(const char *label, struct err *e)
{
	const unsigned char *p;

	if (label[0] == '\0')
		return err_set(e, 0, "a label cannot be empty");
	if (strlen(label) > CREATE_LABEL_MAX)
		return err_set(e, 0, "a label is at most %d bytes; this one "
		    "has %zu", CREATE_LABEL_MAX, strlen(label));
	/* The label is a line of the summary and of list's output. */
	for (p = (const unsigned char *)label; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, 0, "a label is one line of printable "
			    "text; this one has the control character 0x%02x",
			    *p);
	return 0;
}

void
create_print_summary(const struct create_stats *s, bool dry_run)
{
	const enum out_level l = OUT_NORMAL;
	char b1[32], b2[32];
	int i;

	/* Through out_info, which gives each line its priority in the
	 * journal. */
	if (out_level < OUT_NORMAL)
		return;
	if (dry_run)
		out_info(l, "dry run: nothing was written\n");
	else
		out_info(l, "snapshot %s%s%s\n", s->name,
		    s->prev[0] ? ", linked against " : "", s->prev);
	if (s->label[0] != '\0')
		out_info(l, "  label      %s\n", s->label);
	out_info(l, "  entries    %llu (%llu folders, %llu files, %llu "
	    "symlinks, %llu other)\n", (unsigned long long)s->entries,
	    (unsigned long long)s->dirs, (unsigned long long)s->files,
	    (unsigned long long)s->symlinks,
	    (unsigned long long)(s->nodes + s->skipped));
	out_info(l, "  linked     %llu unchanged, %llu by content, %llu hard "
	    "links%s\n", (unsigned long long)s->linked,
	    (unsigned long long)s->linked_content,
	    (unsigned long long)s->hardlinked, "");
	if (s->reused)
		out_info(l, "  reused     %llu from an interrupted run\n",
		    (unsigned long long)s->reused);
	out_info(l, "  copied     %llu files, %s of %s",
	    (unsigned long long)s->copied, out_bytes(b1, s->copied_bytes),
	    out_bytes(b2, s->total_bytes));
	for (i = REASON_NEW; i < REASON_COUNT; i++) {
		if (s->copied_by[i] == 0)
			continue;
		out_info(l, "%s%s %llu (%s)", i == REASON_NEW ||
		    !s->copied_by[i - 1] ? "; " : ", ", diff_reason_name(i),
		    (unsigned long long)s->copied_by[i],
		    out_bytes(b1, s->bytes_by[i]));
	}
	out_info(l, "\n");
	if (s->copied_by[REASON_EXDEV] || s->copied_by[REASON_EMLINK])
		out_info(l, "  fallback   %llu copied because of EXDEV "
		    "(another filesystem), %llu because of EMLINK (too many "
		    "links)\n",
		    (unsigned long long)s->copied_by[REASON_EXDEV],
		    (unsigned long long)s->copied_by[REASON_EMLINK]);
	out_info(l, "  warnings   %llu\n", (unsigned long long)s->warnings);
	out_info(l, "  time       %.2f s\n", s->seconds);
}
