#include "create.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "content.h"
#include "copy.h"
#include "interrupt.h"
#include "link.h"
#include "linkq.h"
#include "manifest.h"
#include "mono.h"
#include "node.h"
#include "prefetch.h"
#include "progress.h"
#include "received.h"
#include "regfile.h"
#include "source.h"
#include "store.h"
#include "summary.h"
#include "walk.h"

/* Folders left whose metadata waits in the link queue, at most: each
 * holds up to five descriptors meanwhile. */
#define DEFER_MAX 32

struct create_ctx {
	const struct config	*cfg;
	const struct create_opts *opts;
	struct create_stats	*stats;
	struct store		 store;
	struct linker		 linker;

	struct manifest_reader	*prev_rd;	/* merge-joined with the walk */
	struct entry		 prev_ent;
	bool			 prev_valid;	/* prev_ent holds a record */
	bool			 prev_done;
	struct content_index	 index;		/* built when first asked */
	bool			 index_built;
	struct manifest_writer	*writer;

	struct regfile		 files;
	struct linkq		*queue;		/* links made by a second
						 * thread, or NULL */
	size_t			 deferred;	/* folders left whose
						 * metadata is queued */
	struct nodes		 nodes;
	struct received		 recv;		/* remote sources */
	uint64_t		 flagged;	/* entries with inode flags */

	/* Missing local sources (source.h), by index in cfg->sources. */
	bool			*missing;
	struct err		*missing_why;
	/* The dests walked from the previous snapshot's copy, and the
	 * paths of those copies (owned). */
	const char		**stale;
	char			**stale_paths;
	size_t			 n_stale;

	/* The progress line inside one large file (copy_set_progress). */
	uint64_t		 file_base;	/* bytes before this file */
	uint64_t		 shown_bytes;	/* the most told so far */

	char			 quoted[1024];
};

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
	c->stats->warnings++;
	if (c->opts->warn != NULL)
		c->opts->warn(c->opts->report_arg, msg);
}

/* The linker's per-entry problems are the run's warnings. */
static void
linker_warned(void *arg, const struct err *e)
{
	warn(arg, "%s", e->msg);
}

/* The last component of a NUL-ended snapshot-relative path. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* --- the previous snapshot ---------------------------------------- */

/*
 * Checks the previous manifest whole (its length, record count and
 * checksum) without decoding it, so that a damaged one is found before
 * anything is linked against it; the merge-join then checks each record
 * as it decodes it.  Returns 0, or -1 with e set.
 */
static int
check_prev(struct create_ctx *c, struct err *e)
{
	struct manifest_reader *r;
	int rc;

	if (manifest_reader_open(&r, c->store.manifests_fd, c->store.prev,
	    e) == -1)
		return -1;
	rc = manifest_reader_skim(r, e);
	manifest_reader_close(r);
	return rc;
}

/*
 * Adds every stored file of the previous manifest with a hash to the
 * content index.  Returns 0, or -1 with e set (the index then holds part
 * of the manifest).
 */
static int
read_prev(struct create_ctx *c, struct err *e)
{
	struct manifest_reader *r = NULL;
	struct entry ent;
	uint64_t off;
	int n;

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
	return n;
}

/*
 * Fills the content index of the previous snapshot, the first time a
 * changed or new file asks whether its content is stored already: about
 * 32 to 64 bytes per stored file that a run of unchanged files never
 * needs.
 * Returns 0, or -1 with e set.
 */
static int
index_prev(void *arg, struct err *e)
{
	struct create_ctx *c = arg;

	if (c->index_built)
		return 0;
	c->index_built = true;
	if (c->store.prev[0] == '\0')
		return 0;
	if (read_prev(c, e) == -1) {
		content_index_free(&c->index);
		if (e->errnum == ENOMEM)
			return -1;
		/*
		 * check_prev passed, so the bytes are the ones written; a
		 * record that does not decode was written wrong (or forged).
		 * The run goes on, copying what it would have linked.
		 */
		warn(c, "%s; no file is compared by content with snapshot "
		    "'%s' (run 'snap repair %s' to rebuild it)", e->msg,
		    c->store.prev, c->store.prev);
	}
	content_index_seal(&c->index);
	return 0;
}

/*
 * Finds the previous snapshot to link against and checks its manifest.
 * One damaged manifest must not stop every later backup: a manifest
 * that cannot be read is a warning, and the snapshot before it is used
 * instead, or none (every file is then compared by content or copied).
 * Returns 0, or -1 with e set (out of memory, the store unreadable).
 */
static int
load_prev(struct create_ctx *c, struct err *e)
{
	char bad[NAME_SNAPSHOT_LEN];
	struct err why;

	while (c->store.prev[0] != '\0') {
		if (check_prev(c, &why) == 0)
			return manifest_reader_open(&c->prev_rd,
			    c->store.manifests_fd, c->store.prev, e);
		if (why.errnum == ENOMEM) {
			*e = why;
			return -1;
		}
		memcpy(bad, c->store.prev, sizeof(bad));
		if (store_prev_older(&c->store, e) == -1)
			return -1;
		if (c->store.prev[0] != '\0')
			warn(c, "%s; comparing with snapshot '%s' instead "
			    "(run 'snap repair %s' to rebuild it)", why.msg,
			    c->store.prev, bad);
		else
			warn(c, "%s; comparing with no earlier snapshot "
			    "(run 'snap repair %s' to rebuild it)", why.msg,
			    bad);
	}
	return 0;
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
	struct err why;
	int r, cmp;

	*out = NULL;
	while (c->prev_rd != NULL && !c->prev_done) {
		if (!c->prev_valid) {
			r = manifest_reader_next(c->prev_rd, &c->prev_ent, NULL,
			    e);
			if (r == -1 && e->errnum == ENOMEM)
				return -1;
			if (r == -1) {
				/* As in index_prev: the rest is compared
				 * with nothing, not the run stopped; the
				 * queued links' warnings come first. */
				why = *e;
				if (linkq_drain(c->queue, e) == -1)
					return -1;
				warn(c, "%s; comparing the rest with no "
				    "earlier snapshot (run 'snap repair %s' "
				    "to rebuild it)", why.msg, c->store.prev);
				c->prev_done = true;
				break;
			}
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

/* Opens parentfd/name as a folder to link from, or returns -1. */
static int
open_from_dir(int parentfd, const char *name)
{
	if (parentfd == -1)
		return -1;
	return openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/*
 * True when the source folder fd may have xattrs for its copy: only
 * then is a descriptor kept open on it until the folder is left (most
 * folders have none, and a dup and a close per folder add up).  An
 * error other than "no xattrs here" says yes, so that it is reported
 * where the copy lists them.
 */
static bool
source_has_xattrs(int fd)
{
	ssize_t n;

	if (fd == -1)
		return false;
	n = flistxattr(fd, NULL, 0);
	return n > 0 || (n == -1 && errno != ENOTSUP && errno != EOPNOTSUPP);
}

static int
enter_dir(struct create_ctx *c, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct entry *ent = it->ent;
	struct link_level *parent = linker_top(&c->linker);
	const char *name = it->name ? it->name : base_name(ent->path);
	int from[LINK_FROM_MAX] = { -1, -1 }, dst, meta_fd = -1;
	struct stat st;

	c->stats->dirs++;
	if (c->opts->dry_run)
		return linker_push(&c->linker, -1, NULL, -1, it->st, true,
		    ent->path, ent->path_len, e);
	if ((dst = linker_mkdir(&c->linker, parent->dst_fd, name,
	    quote(c, ent), &st, e)) == -1)
		return -1;
	ent->stored_ino = st.st_ino;
	if (prev != NULL && prev->type == ENTRY_DIR)
		from[0] = open_from_dir(parent->from[0], name);
	from[1] = open_from_dir(parent->from[1], name);
	if (source_has_xattrs(it->fd) &&
	    (meta_fd = fcntl(it->fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		err_set(e, errno, "cannot read folder '%s'", quote(c, ent));
		close(dst);
		return -1;
	}
	/*
	 * A folder made up for a dest ("home" of "home/ann") has no source
	 * to take metadata from: it stays 0700 and root's, so that it
	 * gives nobody a way in that the source did not.
	 */
	if (linker_push(&c->linker, dst, from, meta_fd, it->st,
	    it->synthetic, ent->path, ent->path_len, e) == -1)
		return -1;
	linker_top(&c->linker)->owner_set = st.st_uid == it->st->st_uid &&
	    st.st_gid == it->st->st_gid;
	return 0;
}

/* --- everything else ---------------------------------------------- */

static int
store_node(struct create_ctx *c, const struct walk_item *it, struct err *e)
{
	struct entry *ent = it->ent;

	if (ent->type == ENTRY_SYMLINK)
		c->stats->symlinks++;
	else
		c->stats->nodes++;
	if (c->opts->dry_run)
		return 0;
	return nodes_store(&c->nodes, it, quote(c, ent), e);
}

/* --- missing sources -------------------------------------------- */

/* True when path (len bytes) is dest or lies below it. */
static bool
path_under(const char *path, size_t len, const char *dest)
{
	size_t dlen = strlen(dest);

	return len >= dlen && memcmp(path, dest, dlen) == 0 &&
	    (len == dlen || path[dlen] == '/');
}

/*
 * An entry of a missing source, walked in the previous snapshot's copy:
 * it is the very inode the previous manifest records at its path, so it
 * is recorded as that record's source file (source inode, ctime, link
 * count), and the differ links it unchanged (LINK_PREV) without reading
 * it.  When the source comes back, its files compare with these records
 * as with any previous snapshot's.
 */
static void
stale_entry(struct create_ctx *c, const struct walk_item *it,
    const struct entry *prev)
{
	struct entry *ent = it->ent;
	size_t i;

	if (prev == NULL || prev->type != ent->type || it->synthetic ||
	    (uint64_t)it->st->st_ino != prev->stored_ino)
		return;
	for (i = 0; i < c->n_stale; i++)
		if (path_under(ent->path, ent->path_len, c->stale[i]))
			break;
	if (i == c->n_stale)
		return;
	ent->ino = prev->ino;
	ent->ctime = prev->ctime;
	ent->nlink = prev->nlink;
}

/*
 * Looks for missing local sources before anything is written.  One that
 * is required, or the only source, fails the run: a snapshot without it
 * is not the backup that was asked for.  The others are dealt with by
 * stand_in_missing once the previous snapshot is known.  Returns 0, or
 * -1 with e set.
 */
static int
find_missing(struct create_ctx *c, struct err *e)
{
	const struct config *cfg = c->cfg;
	const struct config_source *src;
	size_t i;

	c->missing = calloc(cfg->n_sources, sizeof(*c->missing));
	c->missing_why = calloc(cfg->n_sources, sizeof(*c->missing_why));
	if (c->missing == NULL || c->missing_why == NULL)
		return err_set(e, ENOMEM, "cannot back up the sources");
	for (i = 0; i < cfg->n_sources; i++) {
		src = &cfg->sources[i];
		if (!source_missing(src, &c->missing_why[i]))
			continue;
		if (src->required || cfg->n_sources == 1) {
			err_set(e, 0, "%s, and %s", c->missing_why[i].msg,
			    src->required ? "it is required (required: true)" :
			    "it is the only source");
			e->errnum = c->missing_why[i].errnum;
			return -1;
		}
		c->missing[i] = true;
	}
	return 0;
}

/* The index in cfg->sources of the local source walked as ws. */
static bool
missing_source(struct create_ctx *c, const struct config_source *ws,
    size_t *index)
{
	size_t i;

	if (ws->host != NULL)
		return false;
	for (i = 0; i < c->cfg->n_sources; i++)
		if (c->missing[i] && strcmp(c->cfg->sources[i].dest,
		    ws->dest) == 0) {
			*index = i;
			return true;
		}
	return false;
}

/*
 * Stands in for each missing source among the walk's sources: its
 * previous copy (a real folder in the previous snapshot), walked
 * instead of the source, with no filter (it was filtered when it was
 * stored), or, when there is none, nothing: the source is left out of
 * the walk.  Each is a warning and a "missing" line of the summary.
 * Returns 0, or -1 with e set.
 */
static int
stand_in_missing(struct create_ctx *c, struct err *e)
{
	struct config_source *ws;
	struct received *r = &c->recv;
	struct stat st;
	char *path;
	size_t i, k, n;

	n = r->n_sources;
	c->stale = calloc(n + 1, sizeof(*c->stale));
	c->stale_paths = calloc(n + 1, sizeof(*c->stale_paths));
	if (c->stale == NULL || c->stale_paths == NULL)
		return err_set(e, ENOMEM, "cannot back up the sources");
	for (k = 0; k < r->n_sources; ) {
		ws = &r->sources[k];
		if (!missing_source(c, ws, &i)) {
			k++;
			continue;
		}
		summary_add_missing(c->stats, ws->dest);
		if (c->store.prev_fd != -1 && fstatat(c->store.prev_fd,
		    ws->dest, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if (asprintf(&path, "%s/%s/%s", c->cfg->snapshot_root,
			    c->store.prev, ws->dest) == -1)
				return err_set(e, ENOMEM, "cannot back up the "
				    "sources");
			warn(c, "%s; its folder '%s' in this snapshot is "
			    "the copy of snapshot %s, unchanged (stale)",
			    c->missing_why[i].msg, ws->dest, c->store.prev);
			c->stale_paths[c->n_stale] = path;
			c->stale[c->n_stale++] = ws->dest;
			ws->path = path;
			ws->filter = (struct filter)FILTER_INIT;
			ws->one_file_system = true;
			k++;
			continue;
		}
		warn(c, "%s; no earlier snapshot holds a copy of it, so this "
		    "one has no '%s'", c->missing_why[i].msg, ws->dest);
		/* Left out of the walk; a local source has no received
		 * folder, so the two arrays move together. */
		memmove(ws, ws + 1, (r->n_sources - k - 1) * sizeof(*ws));
		memmove(r->into + k, r->into + k + 1,
		    (r->n_sources - k - 1) * sizeof(*r->into));
		r->n_sources--;
	}
	return 0;
}

/* Test hook: stand still until killed or interrupted. */
static void
maybe_hang(struct create_ctx *c)
{
	if (c->opts->hang_after > 0 &&
	    c->stats->entries >= (uint64_t)c->opts->hang_after) {
		fflush(NULL);
		interrupt_wait();
	}
}

/*
 * An operation of the link queue (linkq.h), in walk order: an
 * unchanged file whose link the queue's thread made, finished here as
 * regfile_store would, in the folder it was queued in, then recorded;
 * the record of a folder entered since; the metadata of a folder left
 * since.
 */
static int
retire_op(void *arg, struct linkq_op *op, struct err *e)
{
	struct create_ctx *c = arg;
	int r;

	if (op->kind == LINKQ_LEAVE) {
		c->deferred--;
		r = linker_finish(&c->linker, &op->dir, op->path, e);
		if (op->kept_fd != -1)
			close(op->kept_fd);
		op->kept_fd = -1;
		return r;
	}
	if (op->kind == LINKQ_RECORD)
		return c->writer == NULL ? 0 :
		    manifest_writer_add(c->writer, op->it.ent, e);
	c->file_base = c->stats->total_bytes;
	c->files.at = &op->dir;
	r = regfile_link_done(&c->files, &op->it, op->prev, op->link_errno,
	    op->stat_errno, &op->got, e);
	c->files.at = NULL;
	if (r == -1)
		return -1;
	if (r == 0 && c->writer != NULL &&
	    manifest_writer_add(c->writer, op->it.ent, e) == -1)
		return -1;
	return 0;
}

/*
 * True when the queue may hold links while the walk enters or leaves
 * a folder at this depth: not so deep that the linker or the walk
 * would park (close) the folders of queued links (link.h), and not
 * more folders left with links pending than DEFER_MAX, which
 * hold their descriptors meanwhile.
 */
static bool
may_defer(const struct create_ctx *c)
{
	return c->queue != NULL && c->linker.depth < BENEATH_OPEN_LEVELS / 2 &&
	    c->deferred < DEFER_MAX && c->recv.depth == 0;
}

/*
 * Queues the link of an unchanged file to the linking thread when it
 * is one (regfile_can_queue).  Returns 1 when queued, 0 when the file
 * must be stored here, -1 with e set.
 */
static int
queue_file(struct create_ctx *c, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	if (c->queue == NULL || it->ent->type != ENTRY_REG ||
	    received_owns(&c->recv, it) ||
	    !regfile_can_queue(&c->files, it, prev))
		return 0;
	/* The linker's depth tags the folder for linkq_keep_dirfd. */
	if (linkq_push(c->queue, it, prev, linker_top(&c->linker),
	    c->linker.depth, e) == -1)
		return -1;
	return 1;
}

/*
 * Enters a folder while links queued before it are still being made:
 * the folder is made now, its record queued behind them.  Returns as
 * handle_entry.
 */
static int
enter_dir_queued(struct create_ctx *c, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct err why;

	if (enter_dir(c, it, prev, e) == -1) {
		/* One thread would have retired the links before: their
		 * warnings first, and their failure if they fail. */
		if (linkq_drain(c->queue, &why) == -1)
			*e = why;
		return -1;
	}
	if (linkq_push_record(c->queue, it, prev, e) == -1)
		return -1;
	maybe_hang(c);
	return 0;
}

static int
handle_entry(struct create_ctx *c, const struct walk_item *it,
    struct err *e)
{
	const struct entry *prev;
	int r;

	if (prev_lookup(c, it->ent, &prev, e) == -1)
		return -1;
	if (c->n_stale > 0)
		stale_entry(c, it, prev);
	c->stats->entries++;
	if (it->flagged)
		c->flagged++;
	if (it->ent->type == ENTRY_DIR && linkq_pending(c->queue) &&
	    may_defer(c) && !received_owns(&c->recv, it) &&
	    (c->opts->hang_after <= 0 ||
	    c->stats->entries < (uint64_t)c->opts->hang_after))
		return enter_dir_queued(c, it, prev, e);
	if ((r = queue_file(c, it, prev, e)) != 0) {
		if (r == 1 && c->opts->hang_after > 0 &&
		    c->stats->entries >= (uint64_t)c->opts->hang_after &&
		    linkq_drain(c->queue, e) == -1)
			return -1;
		maybe_hang(c);
		return r == 1 ? 0 : -1;
	}
	/* Everything else sees the queued files done, in walk order. */
	if (linkq_drain(c->queue, e) == -1)
		return -1;
	/* A remote source's tree is in place already: only recorded. */
	if (received_owns(&c->recv, it))
		r = received_entry(&c->recv, it, prev, e);
	else switch (it->ent->type) {
	case ENTRY_DIR:
		r = enter_dir(c, it, prev, e);
		break;
	case ENTRY_REG:
		c->file_base = c->stats->total_bytes;
		r = regfile_store(&c->files, it, prev, e);
		break;
	default:
		r = store_node(c, it, e);
		break;
	}
	if (r == -1)
		return -1;
	/* A skipped file is not in the snapshot, so not in its manifest. */
	if (r == 0 && c->writer != NULL &&
	    manifest_writer_add(c->writer, it->ent, e) == -1)
		return -1;
	maybe_hang(c);
	return 0;
}

/*
 * After a folder is left: the folder the walk goes back to must still
 * be there.  Returns 0 or -1 with e set.
 */
static int
check_back(struct create_ctx *c, struct err *e)
{
	size_t len;
	const char *path;

	if (c->opts->dry_run || linker_top(&c->linker)->dst_fd != -1)
		return 0;
	path = linker_path(&c->linker, &len);
	return err_set(e, ESTALE, "cannot build the snapshot: its folder "
	    "'%s' was moved or replaced", name_quote(c->quoted,
	    sizeof(c->quoted), path, len));
}

/*
 * Gives the folder left its metadata.  The linker may have to open the
 * folder it goes back to again (a deep tree); the snapshot being built
 * is root's alone, so if that folder is not there any more, someone
 * tampered with it and the run stops.  Returns 0 or -1 with e set.
 */
static int
leave_dir(struct create_ctx *c, struct err *e)
{
	if (linker_pop(&c->linker, e) == -1)
		return -1;
	return check_back(c, e);
}

/*
 * Leaves a folder whose links may still be queued: its metadata and
 * descriptors wait in the queue behind them (linkq_push_leave), and
 * the links get a descriptor of the source folder, which the walk
 * closes.  Returns 0 or -1 with e set.
 */
static int
leave_dir_queued(struct create_ctx *c, struct err *e)
{
	struct link_level lv;
	size_t tag = c->linker.depth, len;
	const char *path;
	int kept;

	/* Going back to a parked folder re-opens it by path: the
	 * one-thread way. */
	if (c->linker.depth < 2 || c->linker.levels[c->linker.depth -
	    2].parked != 0)
		return linkq_drain(c->queue, e) == -1 ? -1 : leave_dir(c, e);
	/* Out of descriptors for the duplicate: one thread would not
	 * have needed it, so the run goes on the one-thread way. */
	if (linkq_keep_dirfd(c->queue, tag, &kept, e) == -1)
		return linkq_drain(c->queue, e) == -1 ? -1 : leave_dir(c, e);
	path = linker_path(&c->linker, &len);
	/* Nothing to re-open, so nothing fails, and the path stays in
	 * the linker's buffer until it is copied. */
	(void)linker_detach(&c->linker, &lv, e);
	if (linkq_push_leave(c->queue, &lv, path, len, kept, e) == -1)
		return -1;
	c->deferred++;
	return check_back(c, e);
}

/*
 * The bytes of the file being copied or hashed (copy.h), every few MiB:
 * the line moves inside a large file.  A file hashed first, then copied,
 * is read twice; the line never goes back.
 */
static void
copy_progress(void *arg, uint64_t done)
{
	struct create_ctx *c = arg;
	struct progress *p = c->opts->progress;

	if (c->file_base + done <= c->shown_bytes)
		return;
	c->shown_bytes = c->file_base + done;
	progress_check(p, c->stats->entries, c->shown_bytes);
}

/*
 * The jobs of this run (create.h): threads beside the walking one read
 * ahead.  The fault layer counts and fails calls in one sequence that
 * tests replay, and is not made for threads: with it, one job.
 */
static unsigned
run_jobs(const struct create_ctx *c)
{
	if (c->linker.sys != &sys_real)
		return 1;
	if (c->opts->jobs > 0)
		return c->opts->jobs;
	if (c->cfg->jobs > 0)
		return c->cfg->jobs;
	return prefetch_default_jobs();
}

static int
walk_all(struct create_ctx *c, struct err *e)
{
	struct walk_skip skip = { 0, 0, false };
	struct prefetch *ahead = NULL;
	struct walk *w = NULL;
	struct walk_item it;
	unsigned jobs = run_jobs(c);
	int r;

	if (c->store.root_fd != -1) {
		skip.dev = c->store.root_dev;
		skip.ino = c->store.root_ino;
		skip.set = true;
	}
	if (walk_open(&w, c->recv.sources, c->recv.n_sources, &skip, e) == -1)
		return -1;
	if (c->opts->progress != NULL && c->opts->progress->on)
		copy_set_progress(copy_progress, c);
	/*
	 * The second job links unchanged files (linkq.h), any more read
	 * ahead (prefetch.h).  Linking first: since the walk no longer
	 * waits for the queue at folder boundaries it took a warm
	 * unchanged run from 0.96 to 0.63 times cp -al, at less CPU than
	 * reading ahead (README, "Threads").  Either only helps the walk:
	 * if it cannot start, the run goes on without it.
	 */
	if (jobs > 1 && !c->opts->dry_run && linkq_start(&c->queue,
	    c->linker.sys, retire_op, c, e) == 0)
		jobs--;
	if (jobs > 1 && prefetch_start(&ahead, c->cfg->sources,
	    c->cfg->n_sources, &skip, c->store.prev_fd, jobs - 1, e) == -1)
		ahead = NULL;
	while ((r = walk_next(w, &it, e)) == 1) {
		/* Ctrl-C or SIGTERM: stop between two entries, through the
		 * failure path, keeping what was built for the next run. */
		if (interrupt_signal() != 0) {
			r = err_set(e, EINTR, "interrupted");
			break;
		}
		/* A warning waits for the queued links, and so does leaving
		 * a folder when its metadata cannot wait in the queue
		 * (it comes after its children). */
		if (it.event == WALK_LEAVE && linkq_pending(c->queue) &&
		    may_defer(c))
			r = leave_dir_queued(c, e);
		else if (it.event != WALK_ENTRY &&
		    (r = linkq_drain(c->queue, e)) == -1)
			break;
		else if (it.event == WALK_WARNING)
			warn(c, "%s", it.warning);
		else if (it.event == WALK_LEAVE && c->recv.depth > 0)
			r = received_leave(&c->recv, e);
		else if (it.event == WALK_LEAVE)
			r = leave_dir(c, e);
		else
			r = handle_entry(c, &it, e);
		if (r == -1)
			break;
		progress_update(c->opts->progress, c->stats->entries,
		    c->stats->total_bytes);
		prefetch_walked(ahead, c->stats->entries);
	}
	if (r == 0)
		r = linkq_drain(c->queue, e);
	/* Before the linker closes the folders its links go to. */
	linkq_stop(c->queue);
	c->queue = NULL;
	copy_set_progress(NULL, NULL);
	prefetch_stop(ahead);
	walk_close(w);
	/* Like rsync, snap keeps no inode flags: said once, not per file. */
	if (r == 0 && c->flagged > 0)
		warn(c, "%" PRIu64 " %s inode flags (chattr +i, +a or +d) that "
		    "snapshots do not keep; see \"Inode flags\" in the README",
		    c->flagged, c->flagged == 1 ? "entry has" : "entries have");
	return r;
}

/* Expects what the previous snapshot held: its summary has the totals. */
static void
expect_totals(struct create_ctx *c)
{
	struct create_stats prev;
	struct err ignored;

	if (c->opts->progress != NULL && c->opts->progress->on &&
	    c->store.prev[0] != '\0' &&
	    summary_read(c->store.manifests_fd, c->store.prev, &prev,
	    &ignored) == 0)
		progress_expect(c->opts->progress, prev.entries,
		    prev.total_bytes);
}

/* Level 0 is the snapshot folder itself, with the store's folders. */
static int
push_top(struct create_ctx *c, struct err *e)
{
	int fds[3] = { c->store.build_fd, c->store.prev_fd,
	    c->store.reuse_fd };
	struct stat st;
	int i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < 3; i++)
		if (fds[i] != -1 &&
		    (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0)) == -1)
			return err_set(e, errno, "cannot build the snapshot");
	/*
	 * Folders below are made 0700 and get their real mode only after
	 * their children, so a new inode's group comes from the build
	 * folder's set-group-ID bit or from us: without it, a copy whose
	 * source is ours needs no fchown.  Every new file goes to the
	 * build folder's filesystem.
	 */
	if (fds[0] != -1 && fstat(fds[0], &st) == 0) {
		c->linker.owner_is_ours = (st.st_mode & S_ISGID) == 0;
		c->linker.dst_dev = st.st_dev;
	}
	/* Likewise only the build folder could hand down an ACL. */
	if (fds[0] != -1 && fgetxattr(fds[0], "system.posix_acl_default",
	    NULL, 0) == -1 && (errno == ENODATA || errno == ENOTSUP ||
	    errno == EOPNOTSUPP))
		c->linker.no_default_acl = true;
	memset(&st, 0, sizeof(st));
	return linker_push(&c->linker, fds[0], fds + 1, -1, &st, true, "", 0,
	    e);
}

/* Opens the store for the run; a dry run never creates or locks. */
static int
open_store(struct create_ctx *c, const struct sys_ops *sys, struct err *e)
{
	return store_open(&c->store, c->cfg, c->opts->dry_run ? STORE_READ :
	    STORE_WRITE, sys, e);
}

/* Regular files go through regfile, which counts them as warnings. */
static void
file_warned(void *arg, const char *msg)
{
	warn(arg, "%s", msg);
}

static void
file_planned(void *arg, const struct entry *ent, const struct diff_plan *p)
{
	struct create_ctx *c = arg;

	if (c->opts->planned != NULL)
		c->opts->planned(c->opts->report_arg, ent, p);
}

static void
start_files(struct create_ctx *c)
{
	struct regfile *r = &c->files;

	r->linker = &c->linker;
	r->index = &c->index;
	r->index_needed = index_prev;
	r->prev_rd = c->prev_rd;
	r->build_fd = c->store.build_fd;
	r->prev_fd = c->store.prev_fd;
	r->prev_name = c->store.prev;
	r->checksum = c->cfg->checksum;
	r->dry_run = c->opts->dry_run;
	r->stats = c->stats;
	r->warn = file_warned;
	r->planned = file_planned;
	r->arg = c;
	c->nodes.build_fd = c->store.build_fd;
	c->recv.sys = c->linker.sys;
	c->recv.linker = &c->linker;
	c->recv.index = &c->index;
	c->recv.index_needed = index_prev;
	c->recv.prev_rd = c->prev_rd;
	c->recv.stats = c->stats;
	c->recv.progress = c->opts->progress;
	c->recv.dry_run = c->opts->dry_run;
	c->recv.warn = file_warned;
	c->recv.arg = c;
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
	c.stats = stats;
	linker_init(&c.linker, sys, geteuid() == 0, linker_warned, &c);
	regfile_init(&c.files);
	received_init(&c.recv);
	nodes_init(&c.nodes, &c.linker, -1);

	if ((r = open_store(&c, sys, e)) != 0)
		goto out;
	r = -1;
	if (opts->label != NULL)
		snprintf(stats->label, sizeof(stats->label), "%s", opts->label);
	/*
	 * Sources are looked at after the before_create hooks, which may
	 * mount them, and before anything is written.
	 */
	if (!opts->dry_run && opts->before_write != NULL &&
	    opts->before_write(opts->before_write_arg, e) == -1)
		goto out;
	if (find_missing(&c, e) == -1)
		goto out;
	if (!opts->dry_run) {
		if ((r = store_begin(&c.store, e)) == -1)
			goto out;
		if (r == 1)
			warn(&c, "%s", e->msg);
		r = -1;
		if (manifest_writer_open(&c.writer, c.store.manifests_fd,
		    c.store.name, sys, e) == -1)
			goto out;
	}
	/*
	 * After store_begin, which names the snapshot after the newest one:
	 * load_prev may fall back to an older snapshot to compare with.
	 */
	if (load_prev(&c, e) == -1)
		goto out;
	snprintf(stats->prev, sizeof(stats->prev), "%s", c.store.prev);
	snprintf(stats->name, sizeof(stats->name), "%s", c.store.name);

	start_files(&c);
	if (received_fetch(&c.recv, cfg, &c.store, e) == -1 ||
	    stand_in_missing(&c, e) == -1)
		goto out;
	/* After the transfers, which have a progress stage of their own. */
	expect_totals(&c);
	if (push_top(&c, e) == -1 || walk_all(&c, e) == -1)
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
	linker_free(&c.linker);
	manifest_writer_abort(c.writer);
	if (r == -1 && !opts->dry_run && interrupt_signal() != 0)
		store_abort_keep(&c.store);
	else if (r == -1 && !opts->dry_run)
		store_abort(&c.store);
	manifest_reader_close(c.prev_rd);
	content_index_free(&c.index);
	regfile_free(&c.files);
	nodes_free(&c.nodes);
	received_free(&c.recv);
	store_close(&c.store);
	for (size_t i = 0; i < c.n_stale; i++)
		free(c.stale_paths[i]);
	free(c.stale_paths);
	free(c.stale);
	free(c.missing);
	free(c.missing_why);
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
