#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "meta.h"
#include "name.h"

/*
 * The first stored name of a source inode with several names: the rest
 * of its names link to it.  Keyed by the source's (dev, ino).
 */
struct group {
	char		*path;		/* snapshot-relative, NUL-ended */
	bool		 has_hash;
	unsigned char	 hash[ENTRY_HASH_LEN];
	uint64_t	 xattr_hash;
};

void
regfile_init(struct regfile *c)
{
	inomap_init(&c->groups, sizeof(struct group));
	inomap_init(&c->owners, sizeof(uint64_t));
}

void
regfile_free(struct regfile *c)
{
	struct group *g;
	size_t it = 0;

	while ((g = inomap_next(&c->groups, &it, NULL, NULL)) != NULL)
		free(g->path);
	inomap_free(&c->groups);
	inomap_free(&c->owners);
}

static const char *
quote(struct regfile *c, const struct entry *ent)
{
	return name_quote(c->quoted, sizeof(c->quoted), ent->path,
	    ent->path_len);
}

static void
warn(struct regfile *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(struct regfile *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warn(c->arg, msg);
}


/* The folder the file goes to: the linker's deepest, or the one a
 * retired link was queued in (regfile.h). */
static struct link_level *
folder(struct regfile *c)
{
	return c->at != NULL ? c->at : linker_top(c->linker);
}

/* A fingerprint of a source inode, for the owners map. */
static uint64_t
source_key(const struct stat *st)
{
	return ((uint64_t)st->st_dev * 0x9E3779B97F4A7C15ULL) ^
	    (uint64_t)st->st_ino;
}

/*
 * True when stored_ino stands for another source inode in this run, as
 * far as the owners map knows: it holds the stored inodes linked by
 * content and those of files with several names, not a file of one name
 * linked from its own previous path (see remember_stored).
 */
static bool
taken_by_other(struct regfile *c, uint64_t stored_ino,
    const struct stat *src)
{
	const uint64_t *owner = inomap_find(&c->owners, 0, stored_ino);

	return owner != NULL && *owner != source_key(src);
}

/*
 * True when the stored file `from`, just linked by content as the inode
 * ino, is already in this snapshot under its own previous path: linked
 * there unchanged, for a source inode that is not this one (another name
 * of this one would have been linked as such).  That link is not in the
 * owners map.  A path still to come, or gone from the source, is not
 * there; a look-up that fails otherwise counts as there, so the file is
 * copied rather than two source inodes sharing one stored inode.
 */
static bool
linked_at_own_path(struct regfile *c, const struct entry *from,
    const struct entry *ent, uint64_t ino)
{
	const char *base;
	struct stat st;
	int dirfd;

	if (from->nlink > 1 || name_pathcmp(from->path, from->path_len,
	    ent->path, ent->path_len) >= 0)
		return false;	/* in the map, or not walked yet */
	dirfd = linker_open_parent(c->linker, c->build_fd, from->path,
	    from->path_len, &base);
	if (dirfd == -1)
		return errno != ENOENT && errno != ENOTDIR && errno != ELOOP;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno != ENOENT;
	return (uint64_t)st.st_ino == ino;
}

/* One regular file on its way through the plan loop. */
struct file_job {
	const struct walk_item	*it;
	struct entry		*ent;
	struct stat		 st;		/* the source as last seen */
	int			 srcfd;		/* -1 until opened */
	struct diff_input	 in;
	struct entry		 match;		/* in.match points here */
	size_t			 match_pos;	/* in the content index */
	bool			 multi;		/* several names */
};

/*
 * Opens the source file without following a symlink or blocking on a
 * FIFO swapped in for it, and takes its stat and xattrs from the open
 * file.  Returns 0, 1 when it is gone or no longer a regular file
 * (warned), or -1 with e set (the content index could not be built).
 */
static int
open_source(struct regfile *c, struct file_job *f, struct err *e)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int fd;

	/* O_NOATIME is only for the owner or root. */
	fd = openat(f->it->dirfd, f->it->name, flags | O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(f->it->dirfd, f->it->name, flags);
	if (fd == -1) {
		if (errno == ENOENT)
			warn(c, "'%s' vanished before it could be read",
			    quote(c, f->ent));
		else
			warn(c, "cannot read '%s': %s", quote(c, f->ent),
			    strerror(errno));
		return 1;
	}
	if (fstat(fd, &f->st) == -1 || !S_ISREG(f->st.st_mode)) {
		warn(c, "'%s' changed while it was read; skipped",
		    quote(c, f->ent));
		close(fd);
		return 1;
	}
	f->srcfd = fd;
	walk_entry_from_stat(f->ent, &f->st);
	f->ent->xattr_hash = meta_xattr_hash(fd);
	if (c->index_needed != NULL && c->index_needed(c->arg, e) == -1)
		return -1;
	f->in.index_has = content_index_has(c->index, f->ent->size,
	    diff_meta_key(f->ent));
	return 0;
}

/*
 * Points f->in.match at the next stored file that can stand for the
 * source (content and metadata equal) and stands for no other source
 * file in this snapshot, or at NULL.  Returns 0, or -1 with e set.
 */
static int
next_match(struct regfile *c, struct file_job *f, struct err *e)
{
	uint64_t off;

	f->in.match = NULL;
	if (!f->ent->has_hash)
		return 0;
	while (content_index_next(c->index, f->ent, diff_meta_key(f->ent),
	    &f->match_pos, &off) == 1) {
		if (manifest_reader_read_at(c->prev_rd, off, &f->match, e) ==
		    -1)
			return -1;
		if (!diff_can_share(f->ent, &f->match) ||
		    taken_by_other(c, f->match.stored_ino, &f->st))
			continue;
		f->in.match = &f->match;
		break;
	}
	return 0;
}

/* Reads the source once to learn its hash; then plans again. */
static int
hash_source(struct regfile *c, struct file_job *f, struct err *e)
{
	uint64_t size;
	struct err fe;

	f->in.hashed = true;
	if (copy_hash_fd(f->srcfd, f->ent->path, f->ent->hash, &size,
	    &fe) == -1) {
		warn(c, "%s", fe.msg);
		return 1;
	}
	/* A file that grew or shrank meanwhile has no hash to share. */
	f->ent->has_hash = size == f->ent->size;
	return next_match(c, f, e);
}

/*
 * A link that cannot be made here: EXDEV and EMLINK make a copy with
 * that reason, a full disk stops the run.  Returns 0 or -1 with e set.
 */
static int
link_failed(struct regfile *c, struct file_job *f, int errnum,
    struct err *e)
{
	if (errnum == EXDEV)
		f->in.link_fallback = REASON_EXDEV;
	else if (errnum == EMLINK)
		f->in.link_fallback = REASON_EMLINK;
	else
		return err_set(e, errnum, "cannot link '%s'", quote(c, f->ent));
	return 0;
}

/*
 * Links the stored file the plan names.  Returns 1 when linked (ent
 * records the stored inode), 0 when the next plan must do something
 * else, -1 with e set.
 */
static int
carry_out_link(struct regfile *c, struct file_job *f,
    const struct diff_plan *p, struct err *e)
{
	struct link_level *top = folder(c);
	const struct entry *from = p->from;
	const struct group *g = NULL;
	bool *unusable;
	const char *base;
	struct stat got;
	int dirfd, r;

	if (p->action == ACT_HARDLINK) {
		g = inomap_find(&c->groups, f->it->st->st_dev,
		    f->it->st->st_ino);
		unusable = &f->in.group_failed;
		dirfd = linker_open_parent(c->linker, c->build_fd,
		    g->path, strlen(g->path), &base);
	} else if (p->action == ACT_LINK_PREV) {
		unusable = &f->in.prev_unusable;
		dirfd = top->from[0];
		base = f->it->name;
	} else {
		unusable = NULL;	/* another match is tried instead */
		dirfd = linker_open_parent(c->linker, c->prev_fd,
		    from->path, from->path_len, &base);
	}
	/*
	 * The stored inode number is not asked for: a store copied with
	 * cp -a has new numbers for the same files.  What the linked inode
	 * holds is checked below instead, from the stat linkat gave.
	 */
	r = dirfd == -1 ? 1 : linker_link(c->linker, dirfd, base,
	    top->dst_fd, f->it->name, 0, &got);
	if (r == -1 && (errno == EXDEV || errno == EMLINK ||
	    link_errno_is_fatal(errno)))
		return link_failed(c, f, errno, e);
	if (r == 0 && from != NULL && !diff_stored_fits(from, &got)) {
		c->linker->sys->unlinkat(top->dst_fd, f->it->name, 0);
		/*
		 * Someone changed the stored copy; never spread that.  A
		 * stored file replaced by another inode (restored by hand)
		 * is simply stored anew, as it always was.
		 */
		if (p->action == ACT_LINK_PREV &&
		    (uint64_t)got.st_ino == from->stored_ino)
			warn(c, "'%s' in snapshot '%s' is not what its "
			    "manifest says (it was changed in place); stored "
			    "anew from the source", quote(c, f->ent),
			    c->prev_name);
		r = 1;
	} else if (r == 0 && from != NULL &&
	    (taken_by_other(c, got.st_ino, f->it->st) ||
	    (p->action == ACT_LINK_SAME_CONTENT &&
	    linked_at_own_path(c, from, f->ent, got.st_ino)))) {
		/* The plan looked at the manifest's inode number; in a
		 * copied store only the real one tells who owns it. */
		c->linker->sys->unlinkat(top->dst_fd, f->it->name, 0);
		if (p->action == ACT_LINK_SAME_CONTENT)
			return next_match(c, f, e);
		f->in.prev_taken = true;
		return 0;
	}
	if (r != 0) {
		/* Gone or replaced: that link source is out for this file. */
		if (p->action == ACT_LINK_SAME_CONTENT)
			return next_match(c, f, e);
		*unusable = true;
		return 0;
	}

	f->ent->stored_ino = got.st_ino;
	if (g != NULL) {
		/* One inode: what the first name has. */
		f->ent->has_hash = g->has_hash;
		memcpy(f->ent->hash, g->hash, ENTRY_HASH_LEN);
		f->ent->xattr_hash = g->xattr_hash;
	} else if (p->action == ACT_LINK_PREV) {
		f->ent->has_hash = from->has_hash;
		memcpy(f->ent->hash, from->hash, ENTRY_HASH_LEN);
		f->ent->xattr_hash = from->xattr_hash;
	}
	return 1;
}

/*
 * Stores a new copy: from a killed run's leftover when that is this very
 * content, else from the source.  Returns 0, 1 when skipped (warned), or
 * -1 with e set.
 */
static int
carry_out_copy(struct regfile *c, struct file_job *f, struct err *e)
{
	struct link_level *top = folder(c);
	struct entry *ent = f->ent;
	struct link_copy out;
	uint64_t xattr_hash;
	int r;

	if (f->in.link_fallback == REASON_NONE && top->from[1] != -1 &&
	    linker_reuse(c->linker, top->from[1], f->it->name, f->srcfd,
	    &f->st, top->dst_fd, &out) == 0) {
		c->stats->reused++;
	} else {
		r = linker_copy(c->linker, f->srcfd, ent->xattr_hash != 0,
		    &f->st, top->dst_fd,
		    f->it->name, quote(c, ent), &out, e);
		if (r != 0)
			return r;
		if (out.changed)
			warn(c, "'%s' changed while it was copied; the snapshot "
			    "holds it as it was read", quote(c, ent));
	}
	/* The record says what is stored, so verify and the next run
	 * see the truth. */
	xattr_hash = out.meta_partial ? out.xattr_hash : ent->xattr_hash;
	walk_entry_from_stat(ent, &out.source);
	ent->xattr_hash = xattr_hash;
	ent->mode = out.stored.st_mode;
	ent->uid = out.stored.st_uid;
	ent->gid = out.stored.st_gid;
	ent->mtime.sec = out.stored.st_mtim.tv_sec;
	ent->mtime.nsec = out.stored.st_mtim.tv_nsec;
	ent->size = out.bytes;
	ent->stored_ino = out.stored.st_ino;
	ent->has_hash = true;
	memcpy(ent->hash, out.hash, ENTRY_HASH_LEN);
	return 0;
}

static void
count_copy(struct regfile *c, const struct entry *ent,
    enum diff_reason reason)
{
	c->stats->copied++;
	c->stats->copied_bytes += ent->size;
	c->stats->copied_by[reason]++;
	c->stats->bytes_by[reason] += ent->size;
}

/*
 * Remembers where this run stored a file: its group, for the other
 * names of its source inode, and which source inode the stored inode
 * stands for.  A file of one name linked from its own previous path, a
 * stored inode of one name, is not put in the owners map: no other
 * previous path can link it, and a link by content looks for it at that
 * path (linked_at_own_path).  So an unchanged run keeps no map of its
 * files (a million of them took 80 MB).  Returns 0, or -1 with e set.
 */
static int
remember_stored(struct regfile *c, struct file_job *f,
    enum diff_action done, struct err *e)
{
	const struct stat *src = f->it->st;
	const struct entry *prev = f->in.prev;
	uint64_t key = source_key(src);
	struct group *g;
	uint64_t *owner;
	bool one_name = done == ACT_LINK_PREV && !f->multi && prev != NULL &&
	    prev->nlink <= 1;

	if (!c->dry_run && !one_name &&
	    (done == ACT_LINK_PREV || done == ACT_LINK_SAME_CONTENT)) {
		if ((owner = inomap_insert(&c->owners, 0, f->ent->stored_ino,
		    NULL)) == NULL)
			return err_set(e, ENOMEM, "cannot build the snapshot");
		*owner = key;
	}
	if (!f->multi || done == ACT_HARDLINK)
		return 0;
	/* The first stored name, or a copy made because its inode was
	 * full (EMLINK): the rest of the group links to this one. */
	if ((g = inomap_insert(&c->groups, src->st_dev, src->st_ino, NULL)) ==
	    NULL)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	free(g->path);
	if ((g->path = strndup(f->ent->path, f->ent->path_len)) == NULL)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	g->has_hash = f->ent->has_hash;
	memcpy(g->hash, f->ent->hash, ENTRY_HASH_LEN);
	g->xattr_hash = f->ent->xattr_hash;
	return 0;
}

int
regfile_store(struct regfile *c, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct file_job f;
	struct diff_plan p;
	int r;

	memset(&f, 0, sizeof(f));
	f.it = it;
	f.ent = it->ent;
	f.st = *it->st;
	f.srcfd = -1;
	f.multi = it->st->st_nlink > 1;
	f.in.cur = it->ent;
	f.in.prev = prev;
	f.in.checksum = c->checksum;
	f.in.group_stored = f.multi && inomap_find(&c->groups,
	    it->st->st_dev, it->st->st_ino) != NULL;
	f.in.prev_taken = prev != NULL && prev->type == ENTRY_REG &&
	    taken_by_other(c, prev->stored_ino, it->st);
	c->stats->files++;
	c->stats->total_bytes += f.ent->size;

	for (;;) {
		p = diff_plan(&f.in);
		if ((p.action == ACT_HASH || p.action == ACT_COPY) &&
		    f.srcfd == -1) {
			/* From here on the source's own fd and stat count. */
			if ((r = open_source(c, &f, e)) != 0)
				goto out;
			continue;
		}
		if (p.action == ACT_HASH) {
			if ((r = hash_source(c, &f, e)) != 0)
				goto out;
			continue;
		}
		if (c->dry_run)
			break;
		if (p.action == ACT_COPY) {
			r = carry_out_copy(c, &f, e);
			if (r != 0)
				goto out;
			if (p.reason == REASON_CONTENT || p.reason ==
			    REASON_NONE)
				/* Now that it is hashed: content or times? */
				p.reason = diff_copy_reason(f.ent, prev);
			break;
		}
		if ((r = carry_out_link(c, &f, &p, e)) == -1)
			goto out;
		if (r == 1)
			break;
	}
	if (c->planned != NULL)
		c->planned(c->arg, f.ent, &p);
	if (p.action == ACT_COPY)
		count_copy(c, f.ent, p.reason);
	else if (p.action == ACT_LINK_PREV)
		c->stats->linked++;
	else if (p.action == ACT_LINK_SAME_CONTENT)
		c->stats->linked_content++;
	else
		c->stats->hardlinked++;
	r = remember_stored(c, &f, p.action, e);
out:
	if (f.srcfd != -1)
		close(f.srcfd);
	return r;
}


bool
regfile_can_queue(struct regfile *c, const struct walk_item *it,
    const struct entry *prev)
{
	struct link_level *top = linker_top(c->linker);
	struct diff_input in;

	/*
	 * Only a file with one name: the groups of the others must be
	 * remembered before their next name comes.  The owners map may
	 * miss what queued files will add: linkq's retire looks again.
	 */
	if (c->dry_run || it->st->st_nlink > 1 || prev == NULL ||
	    prev->type != ENTRY_REG || top->from[0] == -1 ||
	    top->dst_fd == -1)
		return false;
	memset(&in, 0, sizeof(in));
	in.cur = it->ent;
	in.prev = prev;
	in.checksum = c->checksum;
	in.prev_taken = taken_by_other(c, prev->stored_ino, it->st);
	return diff_plan(&in).action == ACT_LINK_PREV;
}

int
regfile_link_done(struct regfile *c, const struct walk_item *it,
    const struct entry *prev, int link_errno, int stat_errno,
    const struct stat *got, struct err *e)
{
	struct link_level *top = folder(c);
	struct diff_plan p;
	struct file_job f;

	/*
	 * What carry_out_link does after a link, in the order the files
	 * were walked: now the owners map holds what the files before
	 * this one put there (remember_stored).  Anything but a good link of a stored inode that stands
	 * for no other file is undone and the file goes the one-thread
	 * way from the start, which links again and finds the same (a
	 * full inode, a stored copy changed in place), warns in its place
	 * and falls back as it always does.
	 */
	if (link_errno != 0 || stat_errno != 0 || !S_ISREG(got->st_mode) ||
	    !diff_stored_fits(prev, got) ||
	    taken_by_other(c, prev->stored_ino, it->st) ||
	    taken_by_other(c, got->st_ino, it->st)) {
		if (link_errno == 0)
			c->linker->sys->unlinkat(top->dst_fd, it->name, 0);
		return regfile_store(c, it, prev, e);
	}
	memset(&f, 0, sizeof(f));
	f.it = it;
	f.ent = it->ent;
	f.srcfd = -1;
	f.in.prev = prev;
	memset(&p, 0, sizeof(p));
	p.action = ACT_LINK_PREV;
	p.from = prev;
	c->stats->files++;
	c->stats->total_bytes += f.ent->size;
	f.ent->stored_ino = got->st_ino;
	f.ent->has_hash = prev->has_hash;
	memcpy(f.ent->hash, prev->hash, ENTRY_HASH_LEN);
	f.ent->xattr_hash = prev->xattr_hash;
	if (c->planned != NULL)
		c->planned(c->arg, f.ent, &p);
	c->stats->linked++;
	return remember_stored(c, &f, ACT_LINK_PREV, e);
}
