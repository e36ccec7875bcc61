#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "copy.h"
#include "inomap.h"
#include "manifest.h"
#include "meta.h"
#include "name.h"
#include "progress.h"
#include "walk.h"

const char *
verify_kind_word(enum verify_kind kind)
{
	static const char *const words[] = {
		[VERIFY_MISSING] = "missing",
		[VERIFY_EXTRA] = "extra",
		[VERIFY_CHANGED] = "changed",
		[VERIFY_UNREADABLE] = "unreadable",
	};

	return words[kind];
}

/* What one stored inode turned out to hold (the value of v->inodes). */
struct ino_slot {
	uint64_t	xattr_hash;
	unsigned char	hash[ENTRY_HASH_LEN];
	int		errnum;		/* != 0: it could not be read */
	bool		damaged;	/* some manifest entry disagrees */
	bool		known;		/* from verify_know, not read */
};

struct verify {
	struct verify_opts opts;
	struct verify_stats stats;

	struct inomap	 inodes;	/* stored ino -> struct ino_slot */
	size_t		 n_damaged;
	bool		 noatime;	/* O_NOATIME still allowed */

	const char	*snapshot;	/* being verified */
	uint64_t	 checked_bytes;	/* sizes of the files compared */

	/* The finding being put together. */
	struct verify_finding f;
	char		 detail[2048];
	size_t		 detail_len;

	/* A folder whose children are reported through it, not each. */
	struct buf	 skip;
	bool		 skip_on;

	/* The snapshot folder being verified, to tell damage from a
	 * prune or delete that took it away meanwhile. */
	const char	*snap_path;	/* NULL: not verify_snapshot */
	dev_t		 snap_dev;
	ino_t		 snap_ino;
	bool		 gone;		/* it went: findings are void */
	struct buf	 last_dir;	/* the folder the walk entered last */

	struct buf	 path;		/* NUL-terminated copy of a path */
};

/*
 * Whether --sample reads this inode: a hash of the number, so the same
 * inodes are picked whichever snapshot links them and on every run.
 */
static bool
sampled(const struct verify *v, uint64_t ino)
{
	if (v->opts.sample >= 100)
		return true;
	return (double)(XXH3_64bits(&ino, sizeof(ino)) % 1000000) <
	    v->opts.sample * 10000;
}

/* --- findings ---------------------------------------------------- */

static void
finding_begin(struct verify *v, enum verify_kind kind, const char *path,
    size_t path_len)
{
	memset(&v->f, 0, sizeof(v->f));
	v->f.kind = kind;
	v->f.snapshot = v->snapshot;
	v->f.path = path;
	v->f.path_len = path_len;
	v->f.detail = v->detail;
	v->detail[0] = '\0';
	v->detail_len = 0;
}

/* Adds one difference: its keyword and its printf-style description. */
static void __attribute__((format(printf, 3, 4)))
finding_add(struct verify *v, const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (v->f.n_what < VERIFY_MAX_WHAT)
		v->f.what[v->f.n_what++] = what;
	if (v->detail_len + 3 >= sizeof(v->detail))
		return;
	if (v->detail_len > 0) {
		memcpy(v->detail + v->detail_len, ", ", 3);
		v->detail_len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(v->detail + v->detail_len,
	    sizeof(v->detail) - v->detail_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		v->detail_len += (size_t)n;
	if (v->detail_len >= sizeof(v->detail))
		v->detail_len = sizeof(v->detail) - 1;
}

/*
 * Whether the snapshot being verified is no longer at ROOT/NAME: a
 * prune or delete renamed it away and is removing it, so what looks
 * missing or unreadable is that, not damage.
 */
static bool
snapshot_gone(struct verify *v)
{
	struct stat st;

	if (v->snap_path == NULL)
		return false;
	if (!v->gone && (stat(v->snap_path, &st) == -1 ?
	    errno == ENOENT || errno == ENOTDIR :
	    st.st_dev != v->snap_dev || st.st_ino != v->snap_ino))
		v->gone = true;
	return v->gone;
}

static void
finding_end(struct verify *v)
{
	if (v->f.kind == VERIFY_CHANGED && v->f.n_what == 0)
		return;
	/* Checked only when there is something to report: cheap. */
	if (snapshot_gone(v))
		return;
	v->stats.findings++;
	v->opts.report(&v->f, v->opts.arg);
}

static void
report_simple(struct verify *v, enum verify_kind kind, const char *path,
    size_t path_len, const char *detail)
{
	finding_begin(v, kind, path, path_len);
	if (detail != NULL)
		snprintf(v->detail, sizeof(v->detail), "%s", detail);
	finding_end(v);
}

/* --- comparing one entry ----------------------------------------- */

static char *
format_time(char *buf, size_t size, const struct timens *t)
{
	struct tm tm;
	time_t sec = (time_t)t->sec;
	size_t n;

	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, size, "%" PRId64 ".%09" PRIu32, t->sec, t->nsec);
		return buf;
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09" PRIu32 "Z", t->nsec);
	return buf;
}

/*
 * True for a folder that create made up on the way to a dest (a strict
 * parent of some source's dest that no source provides): its mtime is the
 * time of the run, which the manifest does not know.  Its record says so
 * itself (no source inode, no ctime: nothing real has inode 0), which is
 * what a replica, whose config names no sources, goes by.
 */
static bool
made_up_folder(const struct verify *v, const struct entry *m)
{
	const struct config_source *s;
	const char *path = m->path;
	size_t i, dlen, len = m->path_len;
	bool parent = false;

	if (m->ino == 0 && m->ctime.sec == 0 && m->ctime.nsec == 0)
		return true;

	for (i = 0; i < v->opts.n_sources; i++) {
		s = &v->opts.sources[i];
		dlen = strlen(s->dest);
		if (dlen == len && memcmp(s->dest, path, len) == 0)
			return false;
		if (dlen > len && memcmp(s->dest, path, len) == 0 &&
		    s->dest[len] == '/')
			parent = true;
	}
	return parent;
}

/*
 * Hashes the stored file dirfd/name (inode st) into slot.  A failure is
 * kept in slot->errnum: the path is unreadable, the run goes on.
 */
static void
hash_inode(struct verify *v, int dirfd, const char *name,
    const struct stat *st, struct ino_slot *slot)
{
	struct stat now;
	struct err e;
	uint64_t size;
	int fd, flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	/* Reading must not change the snapshot, not even its atimes. */
	fd = openat(dirfd, name, flags | (v->noatime ? O_NOATIME : 0));
	if (fd == -1 && errno == EPERM && v->noatime) {
		v->noatime = false;	/* not our file and not root */
		fd = openat(dirfd, name, flags);
	}
	if (fd == -1) {
		slot->errnum = errno;
		return;
	}
	if (fstat(fd, &now) == -1 || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev) {
		slot->errnum = errno ? errno : ESTALE;
		close(fd);
		return;
	}
	/* Every byte is read once, in order: a larger readahead. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (copy_hash_fd(fd, name, slot->hash, &size, &e) == -1)
		slot->errnum = e.errnum ? e.errnum : EIO;
	else {
		v->stats.inodes_hashed++;
		v->stats.bytes_hashed += size;
		slot->xattr_hash = meta_xattr_hash(fd);
	}
	close(fd);
}

/* The content part of comparing a regular file. */
static int
compare_content(struct verify *v, const struct entry *m,
    const struct walk_item *it)
{
	struct ino_slot *slot;
	uint64_t ino = it->st->st_ino;
	bool added;

	if (!m->has_hash)
		return 0;
	if (!sampled(v, ino)) {
		v->stats.not_sampled++;
		return 0;
	}
	if ((slot = inomap_insert(&v->inodes, 0, ino, &added)) == NULL)
		return -1;
	if (added)
		hash_inode(v, it->dirfd, it->name, it->st, slot);
	else
		v->stats.links_reused++;
	if (slot->errnum != 0) {
		finding_add(v, "unreadable", "unreadable: %s",
		    strerror(slot->errnum));
		v->f.kind = VERIFY_UNREADABLE;
		return 0;
	}
	if (memcmp(slot->hash, m->hash, ENTRY_HASH_LEN) != 0) {
		finding_add(v, "content", "content");
		v->f.unread = slot->known;
		if (!slot->damaged)
			v->n_damaged++;
		slot->damaged = true;
	}
	if (slot->xattr_hash != m->xattr_hash)
		finding_add(v, "xattrs", "xattrs");
	return 0;
}

/*
 * Compares the manifest's entry m with the stored entry of the same path.
 * Returns 0 (a difference is reported), or -1 when out of memory.
 */
static int
compare_entry(struct verify *v, const struct entry *m,
    const struct walk_item *it)
{
	const struct entry *s = it->ent;
	const struct stat *st = it->st;
	bool made_up = false;
	char t1[64], t2[64];
	int r = 0;

	v->stats.entries++;
	finding_begin(v, VERIFY_CHANGED, m->path, m->path_len);
	if (s->type != m->type) {
		finding_add(v, "type", "type %s -> %s",
		    entry_type_name(m->type), entry_type_name(s->type));
		finding_end(v);
		return 0;
	}
	if (m->type == ENTRY_DIR)
		made_up = made_up_folder(v, m);
	if (m->type == ENTRY_REG) {
		if (s->size != m->size)
			finding_add(v, "size", "size %" PRIu64 " -> %" PRIu64,
			    m->size, s->size);
		r = compare_content(v, m, it);
	}
	if (m->type != ENTRY_SYMLINK && (s->mode & 07777) != (m->mode & 07777))
		finding_add(v, "mode", "mode %04o -> %04o",
		    (unsigned)(m->mode & 07777), (unsigned)(s->mode & 07777));
	if (v->opts.check_owner && !made_up &&
	    (s->uid != m->uid || s->gid != m->gid))
		finding_add(v, "owner", "owner %u:%u -> %u:%u",
		    (unsigned)m->uid, (unsigned)m->gid, (unsigned)s->uid,
		    (unsigned)s->gid);
	if (!made_up && (s->mtime.sec != m->mtime.sec ||
	    s->mtime.nsec != m->mtime.nsec))
		finding_add(v, "mtime", "mtime %s -> %s",
		    format_time(t1, sizeof(t1), &m->mtime),
		    format_time(t2, sizeof(t2), &s->mtime));
	if (m->type == ENTRY_SYMLINK && (s->target_len != m->target_len ||
	    memcmp(s->target, m->target, m->target_len) != 0))
		finding_add(v, "symlink target", "symlink target");
	if ((m->type == ENTRY_CHR || m->type == ENTRY_BLK) &&
	    s->rdev != m->rdev)
		finding_add(v, "device", "device");
	/*
	 * The stored inode number is a hint.  Beside another difference it
	 * tells that the file was replaced; alone, with size, mode, mtime
	 * and (when read) content as recorded, it is a store that was
	 * copied (cp -a) or moved to another disk: counted, not damage.
	 */
	if (m->stored_ino != 0 && st->st_ino != m->stored_ino) {
		if (v->f.n_what > 0)
			finding_add(v, "inode", "inode %" PRIu64 " -> %"
			    PRIu64, m->stored_ino, (uint64_t)st->st_ino);
		else
			v->stats.moved_inodes++;
	}
	finding_end(v);
	if (v->opts.matched != NULL)
		v->opts.matched(m, st, v->opts.arg);
	return r;
}

/* --- the merge-join ---------------------------------------------- */

static int
set_skip(struct verify *v, const char *path, size_t len)
{
	if (buf_set(&v->skip, path, len) == -1)
		return -1;
	v->skip_on = true;
	return 0;
}

/* Is path below the folder set with set_skip? */
static bool
skipped(const struct verify *v, const char *path, size_t len)
{
	return v->skip_on && len > v->skip.len && path[v->skip.len] == '/' &&
	    memcmp(path, v->skip.p, v->skip.len) == 0;
}

/*
 * The next entry of the stored tree: 1, 0 at the end, -1 with e set.
 * A part of the tree that cannot be read is reported on the way.
 */
static int
next_stored(struct verify *v, struct walk *w, struct walk_item *it,
    struct err *e)
{
	int r;

	for (;;) {
		if ((r = walk_next(w, it, e)) != 1)
			return r;
		if (it->event == WALK_WARNING) {
			report_simple(v, VERIFY_UNREADABLE, "", 0,
			    it->warning);
			/*
			 * A folder whose names could not be read (EMFILE,
			 * EACCES) comes right after its entry: its files
			 * are unknown, not missing, and that one line
			 * says so for all of them.
			 */
			if (it->errnum != ENOENT && v->last_dir.len > 0 &&
			    set_skip(v, v->last_dir.p, v->last_dir.len) == -1)
				return err_set(e, ENOMEM, "cannot verify");
			continue;
		}
		buf_setlen(&v->last_dir, 0);
		if (it->event == WALK_ENTRY && it->ent->type == ENTRY_DIR &&
		    buf_set(&v->last_dir, it->ent->path, it->ent->path_len) ==
		    -1)
			return err_set(e, ENOMEM, "cannot verify");
		/* The snapshot folder itself is not in its manifest. */
		if (it->event == WALK_ENTRY && it->ent->path_len > 0)
			return 1;
	}
}

int
verify_snapshot(struct verify *v, const char *root, int manifests_fd, const char *name, struct err *e)
{
	struct manifest_reader *mr = NULL;
	struct walk *w = NULL;
	struct config_source src;
	struct walk_item it;
	struct entry m;
	struct stat st;
	char *path = NULL;
	int mh, wh, c, r = -1;

	v->snapshot = name;
	v->skip_on = false;
	v->gone = false;
	v->snap_path = NULL;
	buf_setlen(&v->last_dir, 0);
	if (manifest_reader_open(&mr, manifests_fd, name, e) == -1)
		goto out;
	if (asprintf(&path, "%s/%s", root, name) == -1) {
		path = NULL;
		err_set(e, errno, "cannot verify '%s'", name);
		goto out;
	}
	if (stat(path, &st) == -1) {
		err_set(e, errno, "cannot verify '%s'", path);
		goto out;
	}
	v->snap_path = path;
	v->snap_dev = st.st_dev;
	v->snap_ino = st.st_ino;
	/* The walker that reads sources reads the snapshot the same way
	 * and in the same order: a source at ROOT/NAME with dest "". */
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.dest = "";
	if (walk_open(&w, &src, 1, NULL, e) == -1)
		goto out;
	if ((mh = manifest_reader_next(mr, &m, NULL, e)) == -1 ||
	    (wh = next_stored(v, w, &it, e)) == -1)
		goto out;
	for (;;) {
		if (mh == 1 && skipped(v, m.path, m.path_len)) {
			if ((mh = manifest_reader_next(mr, &m, NULL, e)) == -1)
				goto out;
			continue;
		}
		if (wh == 1 && skipped(v, it.ent->path, it.ent->path_len)) {
			if ((wh = next_stored(v, w, &it, e)) == -1)
				goto out;
			continue;
		}
		/* Both streams are sorted: nothing later is below it. */
		v->skip_on = false;
		if (mh == 0 && wh == 0)
			break;
		if (mh == 0)
			c = 1;
		else if (wh == 0)
			c = -1;
		else
			c = name_pathcmp(m.path, m.path_len, it.ent->path,
			    it.ent->path_len);
		if (c < 0) {
			/* A missing folder stands for everything in it. */
			report_simple(v, VERIFY_MISSING, m.path, m.path_len,
			    NULL);
			if (m.type == ENTRY_DIR &&
			    set_skip(v, m.path, m.path_len) == -1)
				goto nomem;
		} else if (c > 0) {
			report_simple(v, VERIFY_EXTRA, it.ent->path,
			    it.ent->path_len, NULL);
			if (it.ent->type == ENTRY_DIR &&
			    set_skip(v, it.ent->path, it.ent->path_len) == -1)
				goto nomem;
		} else {
			if (compare_entry(v, &m, &it) == -1)
				goto nomem;
			if (m.type == ENTRY_REG)
				v->checked_bytes += m.size;
			progress_update(v->opts.progress, v->stats.entries,
			    v->checked_bytes);
			/* A folder that is now something else (or the
			 * reverse): its children are not compared. */
			if (m.type != it.ent->type && (m.type == ENTRY_DIR ||
			    it.ent->type == ENTRY_DIR) &&
			    set_skip(v, m.path, m.path_len) == -1)
				goto nomem;
		}
		if (v->gone)
			break;
		if (c <= 0 &&
		    (mh = manifest_reader_next(mr, &m, NULL, e)) == -1)
			goto out;
		if (c >= 0 && (wh = next_stored(v, w, &it, e)) == -1)
			goto out;
	}
	r = 0;
	goto out;
nomem:
	err_set(e, ENOMEM, "cannot verify '%s'", name);
out:
	if (snapshot_gone(v)) {
		err_set(e, 0, "snapshot '%s' was deleted while verify read it "
		    "(a prune or delete ran meanwhile); it was not verified",
		    name);
		r = VERIFY_EGONE;
	}
	v->snap_path = NULL;
	walk_close(w);
	manifest_reader_close(mr);
	free(path);
	return r;
}

int
verify_shared(struct verify *v, int root_fd, int manifests_fd,
    const char *name, struct err *e)
{
	struct manifest_reader *mr = NULL;
	struct ino_slot *slot;
	struct stat st;
	struct entry m;
	int snapfd = -1, n = 0, r;

	if (v->n_damaged == 0)
		return 0;
	v->snapshot = name;
	if (manifest_reader_open(&mr, manifests_fd, name, e) == -1)
		return -1;
	snapfd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (snapfd == -1) {
		n = err_set(e, errno, "cannot open snapshot '%s'", name);
		goto out;
	}
	while ((r = manifest_reader_next(mr, &m, NULL, e)) == 1) {
		if (m.type != ENTRY_REG || !m.has_hash ||
		    (slot = inomap_find(&v->inodes, 0, m.stored_ino)) ==
		    NULL || !slot->damaged ||
		    memcmp(slot->hash, m.hash, ENTRY_HASH_LEN) == 0)
			continue;
		if (buf_set(&v->path, m.path, m.path_len) == -1) {
			n = err_set(e, errno, "cannot verify '%s'", name);
			goto out;
		}
		/* Still that inode?  Else the path holds another file now,
		 * which only a full verify of that snapshot can judge. */
		if (fstatat(snapfd, v->path.p, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    st.st_ino != m.stored_ino)
			continue;
		finding_begin(v, VERIFY_CHANGED, m.path, m.path_len);
		finding_add(v, "content", "content");
		finding_end(v);
		n++;
	}
	if (r == -1)
		n = -1;
out:
	if (snapfd != -1)
		close(snapfd);
	manifest_reader_close(mr);
	return n;
}

/* --- the rest ---------------------------------------------------- */

int
verify_open(struct verify **out, const struct verify_opts *opts,
    struct err *e)
{
	struct verify *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return err_set(e, errno, "cannot verify");
	v->opts = *opts;
	v->noatime = true;
	inomap_init(&v->inodes, sizeof(struct ino_slot));
	*out = v;
	return 0;
}

int
verify_know(struct verify *v, uint64_t ino,
    const unsigned char hash[ENTRY_HASH_LEN], uint64_t xattr_hash,
    struct err *e)
{
	struct ino_slot *slot;
	bool added;

	if ((slot = inomap_insert(&v->inodes, 0, ino, &added)) == NULL)
		return err_set(e, ENOMEM, "cannot verify");
	memcpy(slot->hash, hash, ENTRY_HASH_LEN);
	slot->xattr_hash = xattr_hash;
	slot->errnum = 0;
	slot->known = true;
	return 0;
}

bool
verify_is_known(const struct verify *v, uint64_t ino)
{
	const struct ino_slot *slot = inomap_find(&v->inodes, 0, ino);

	return slot != NULL && slot->known;
}

bool
verify_has_damage(const struct verify *v)
{
	return v->n_damaged > 0;
}

void
verify_get_stats(const struct verify *v, struct verify_stats *out)
{
	*out = v->stats;
}

void
verify_close(struct verify *v)
{
	if (v == NULL)
		return;
	inomap_free(&v->inodes);
	buf_free(&v->skip);
	buf_free(&v->last_dir);
	buf_free(&v->path);
	free(v);
}
