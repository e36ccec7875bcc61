/*
 * received: remote sources, from rsync's tree to manifest records
 * (received.h).
 */
#include "received.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "beneath.h"
#include "buf.h"
#include "confine.h"
#include "copy.h"
#include "diff.h"
#include "meta.h"
#include "name.h"
#include "out.h"
#include "remote.h"
#include "rmtree.h"
#include "testhook.h"

#define RECEIVING_PREFIX	".snap-receiving-"
/* In ROOT/.snap: what stopped transfers had received (partial_folder). */
#define PARTIAL_DIR		"partial"
#define SHARE_TMP		".snap-share.tmp"

/* What the walk saw of one inode of a received tree. */
struct names {
	uint64_t	seen;		/* names met */
	uint64_t	nlink;		/* names it has */
	uint64_t	stored;		/* 1: an inode of an earlier snapshot */
};

void
received_init(struct received *r)
{
	r->sources = NULL;
	r->into = NULL;
	r->partial = NULL;
	r->n_sources = 0;
	r->build_fd = r->prev_fd = -1;
	r->depth = 0;
	r->stat_all = testhook_stat_received();
	r->times = NULL;
	r->times_cap = 0;
	inomap_init(&r->names, sizeof(struct names));
	inomap_init(&r->taken, 0);
}

void
received_free(struct received *r)
{
	size_t i;

	for (i = 0; r->into != NULL && i < r->n_sources; i++)
		free(r->into[i]);
	for (i = 0; r->partial != NULL && i < r->n_sources; i++)
		free(r->partial[i]);
	free(r->into);
	free(r->partial);
	free(r->sources);
	free(r->times);
	inomap_free(&r->names);
	inomap_free(&r->taken);
}

static void
warn(struct received *r, const struct err *w)
{
	if (r->warn != NULL)
		r->warn(r->arg, w->msg);
}

/* --- before the walk ---------------------------------------------- */

/*
 * A host that failed, for a source that may fail: the warning, then its
 * folder gets the previous copy (abs_prev, or nothing when there is
 * none) linked unchanged.  Returns 0, or -1 with e set.
 */
static int
keep_stale(struct received *r, const struct config_source *src,
    const char *name, const char *into, const char *abs_prev,
    struct err *why, struct err *e)
{
	struct err w;

	err_set(&w, 0, "%s; its folder '%s' in this snapshot is the previous "
	    "snapshot's copy, unchanged (stale)%s", why->msg, src->dest,
	    abs_prev == NULL ? ", and there is none: it is empty" : "");
	warn(r, &w);
	/* What rsync left half done goes; the previous copy comes in. */
	if (rmtree_remove(r->sys, r->build_fd, name, NULL, e) == -1 ||
	    r->sys->mkdirat(r->build_fd, name, 0700) == -1)
		return err_set(e, errno, "cannot make '%s' for '%s'", name,
		    src->dest);
	return abs_prev == NULL ? 0 : remote_relink(abs_prev, into, e);
}

/*
 * The folder where the rsync of the remote source at index i keeps what
 * it had received of a file when it was stopped (remote.h), so that the
 * next run takes it up instead of sending that file from its start:
 * ROOT/.snap/partial/ID, made when missing, a real folder (never through
 * a symlink).  ID is a hash of the source's HOST and PATH, not its place
 * in the config: rsync's receiver sends the host checksums of the blocks
 * of a basis, so one host's part must never be the basis of another
 * host's file, whatever the config's order.  Only root reaches the
 * folder, and only rsync writes in it: the parts of files it was
 * receiving, each a new inode that no snapshot holds.  Returns its path
 * (in r->partial[i]), or NULL when it cannot be had: the transfer then
 * goes without one, as it only saves bytes.
 */
static const char *
partial_folder(struct received *r, const struct config *cfg,
    const struct store *s, size_t i)
{
	const struct config_source *src = &r->sources[i];
	XXH3_state_t *h;
	char name[32];
	struct stat st;
	int fd;

	/* The NUL keeps "a" + "b/c" apart from "a/b" + "c". */
	if ((h = XXH3_createState()) == NULL)
		return NULL;
	XXH3_64bits_reset(h);
	XXH3_64bits_update(h, src->host, strlen(src->host) + 1);
	XXH3_64bits_update(h, src->path, strlen(src->path));
	snprintf(name, sizeof(name), "%016" PRIx64,
	    (uint64_t)XXH3_64bits_digest(h));
	XXH3_freeState(h);
	if ((r->sys->mkdirat(s->meta_fd, PARTIAL_DIR, 0700) == -1 &&
	    errno != EEXIST) || (fd = openat(s->meta_fd, PARTIAL_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	if ((r->sys->mkdirat(fd, name, 0700) == -1 && errno != EEXIST) ||
	    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		close(fd);
		return NULL;
	}
	close(fd);
	if (asprintf(&r->partial[i], "%s/.snap/" PARTIAL_DIR "/%s",
	    cfg->snapshot_root, name) == -1)
		r->partial[i] = NULL;
	return r->partial[i];
}

/* Whether a transfer brought the whole tree (exit 24: some files
 * vanished on the host meanwhile, which is still a good copy). */
static bool
transfer_succeeded(const struct remote_job *job)
{
	return job->result == 0 || job->result == REMOTE_VANISHED;
}

/*
 * After the transfers: a source whose transfer succeeded has nothing
 * left to take up (rsync used the part it found, and anything else there
 * is of a file it no longer sends), so its folder goes; when every one
 * succeeded, all of .snap/partial goes, with the folders of sources the
 * config no longer has.  A folder that cannot be removed stays for the
 * next run: it only holds a basis.
 */
static void
drop_partial(struct received *r, const struct store *s,
    const struct remote_job *jobs, const size_t *index, size_t n)
{
	struct err ignored;
	const char *name;
	bool all = true;
	size_t k;
	int fd;

	for (k = 0; k < n; k++)
		if (!transfer_succeeded(&jobs[k]))
			all = false;
	/* rmtree_remove takes a name that is not there for gone. */
	if (all) {
		rmtree_remove(r->sys, s->meta_fd, PARTIAL_DIR, NULL, &ignored);
		return;
	}
	if ((fd = openat(s->meta_fd, PARTIAL_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	for (k = 0; k < n; k++) {
		if (!transfer_succeeded(&jobs[k]) ||
		    r->partial[index[k]] == NULL)
			continue;
		name = strrchr(r->partial[index[k]], '/') + 1;
		rmtree_remove(r->sys, fd, name, NULL, &ignored);
	}
	close(fd);
}

/*
 * Sets up the transfer of the remote source at index i of the walk's
 * sources: its receiving folder, made here, and the previous copy to
 * link to (*prev, owned by the caller).  Returns 0, or -1 with e set.
 */
static int
prepare_one(struct received *r, const struct config *cfg,
    const struct store *s, size_t i, struct remote_job *job, char **prev,
    struct err *e)
{
	struct config_source *src = &r->sources[i];
	char name[64];
	struct stat st;

	snprintf(name, sizeof(name), RECEIVING_PREFIX "%zu", i);
	if (asprintf(&r->into[i], "%s/.snap/incomplete/%s/%s",
	    cfg->snapshot_root, s->name, name) == -1) {
		r->into[i] = NULL;
		return err_set(e, ENOMEM, "cannot back up '%s'", src->host);
	}
	/* The previous copy: a real folder, never through a symlink. */
	if (s->prev_fd != -1 && fstatat(s->prev_fd, src->dest, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    asprintf(prev, "%s/%s/%s", cfg->snapshot_root, s->prev,
	    src->dest) == -1)
		*prev = NULL;
	if (r->sys->mkdirat(r->build_fd, name, 0700) == -1)
		return err_set(e, errno, "cannot make '%s' for '%s:%s'", name,
		    src->host, src->path);
	job->src = src;
	job->into = r->into[i];
	job->link_dest = *prev;
	job->partial = partial_folder(r, cfg, s, i);
	job->checksum = cfg->checksum;
	job->fatal = src->required || cfg->n_sources == 1;
	return 0;
}

/*
 * What the transfer of the remote source at index i gave: a warning
 * for vanished files, or for a failure that does not fail the run, the
 * previous copy.  The walk then reads the received folder as this
 * source.  Returns 0, or -1 with e set.
 */
static int
settle_one(struct received *r, size_t i, struct remote_job *job,
    struct err *e)
{
	struct config_source *src = &r->sources[i];
	char name[64];

	snprintf(name, sizeof(name), RECEIVING_PREFIX "%zu", i);
	r->stats->received_bytes += job->counts.received;
	if (job->result == REMOTE_VANISHED)
		warn(r, &job->err);
	else if (job->result != 0 && keep_stale(r, src, name, r->into[i],
	    job->link_dest, &job->err, e) == -1)
		return -1;
	src->path = r->into[i];
	return 0;
}

/*
 * rsync looks for a file to link to at the same path under --link-dest,
 * a path it resolves through whatever symlinks the previous copy holds:
 * and those the host sent.  A host whose `evil -> /etc` is in the
 * previous copy, and that now sends a folder evil with a file passwd
 * dressed as the server's, would have rsync hard-link (or, across
 * filesystems, copy) /etc/passwd into the snapshot.  So rsync is told to
 * leave out what lies below each symlink of the previous copy, and a
 * source where one of them has become a folder is fetched again without
 * --link-dest (its files are then linked by content, as rsync cannot).
 */
struct below_links {
	struct buf	patterns;	/* REL as an rsync pattern: see add_link */
	struct buf	paths;		/* "REL", NUL-ended */
};

/* Adds the symlink at rel (len bytes, below the dest).  Returns 0 or -1. */
static int
add_link(struct below_links *b, const char *rel, size_t len)
{
	size_t i;

	if (buf_append(&b->paths, rel, len) == -1 ||
	    buf_append(&b->paths, "", 1) == -1 ||
	    buf_append(&b->patterns, "/", 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		/* "**" makes rsync read a backslash as an escape. */
		if (strchr("*?[\\", rel[i]) != NULL &&
		    buf_append(&b->patterns, "\\", 1) == -1)
			return -1;
		if (buf_append(&b->patterns, &rel[i], 1) == -1)
			return -1;
	}
	return buf_append(&b->patterns, "/**", 4);
}

/*
 * Fills links[k] with the symlinks of each job's previous copy, from
 * the previous manifest, and gives the job its excludes.  Returns 0, or
 * -1 with e set.
 */
static int
collect_links(const struct store *s, struct remote_job *jobs, size_t n,
    struct below_links *links, struct err *e)
{
	struct manifest_reader *rd = NULL;
	struct entry ent;
	size_t k, dl;
	int got;

	for (k = 0; k < n && jobs[k].link_dest == NULL; k++)
		;
	/* No previous copy to link to: nothing to read. */
	if (s->prev[0] == '\0' || k == n)
		return 0;
	if (manifest_reader_open(&rd, s->manifests_fd, s->prev, e) == -1)
		return -1;
	while ((got = manifest_reader_next(rd, &ent, NULL, e)) == 1) {
		if (ent.type != ENTRY_SYMLINK)
			continue;
		for (k = 0; k < n; k++) {
			dl = strlen(jobs[k].src->dest);
			if (jobs[k].link_dest == NULL || ent.path_len <= dl + 1 ||
			    memcmp(ent.path, jobs[k].src->dest, dl) != 0 ||
			    ent.path[dl] != '/')
				continue;
			if (add_link(&links[k], ent.path + dl + 1,
			    ent.path_len - dl - 1) == -1) {
				got = err_set(e, ENOMEM, "cannot back up '%s'",
				    jobs[k].src->host);
				break;
			}
		}
		if (got == -1)
			break;
	}
	manifest_reader_close(rd);
	if (got == -1)
		return -1;
	for (k = 0; k < n; k++) {
		if (links[k].patterns.len == 0)
			continue;
		jobs[k].exclude_fd = memfd_create("snap-excludes", MFD_CLOEXEC);
		if (jobs[k].exclude_fd == -1 || write(jobs[k].exclude_fd,
		    links[k].patterns.p, links[k].patterns.len) !=
		    (ssize_t)links[k].patterns.len)
			return err_set(e, errno, "cannot back up '%s'",
			    jobs[k].src->host);
	}
	return 0;
}

/*
 * Has a symlink of the previous copy become a folder in what source i
 * received?  Then what rsync left out below it must come too.
 */
static bool
link_became_folder(struct received *r, size_t i,
    const struct below_links *b)
{
	char name[64];
	size_t off;
	int top, fd;
	bool found = false;

	if (b->paths.len == 0)
		return false;
	snprintf(name, sizeof(name), RECEIVING_PREFIX "%zu", i);
	top = openat(r->build_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	/* Not there: fetch again, which says why. */
	if (top == -1)
		return true;
	for (off = 0; off < b->paths.len && !found;
	    off += strlen(b->paths.p + off) + 1) {
		fd = beneath_open(top, b->paths.p + off, O_PATH | O_DIRECTORY);
		if (fd != -1) {
			close(fd);
			found = true;
		}
	}
	close(top);
	return found;
}

/*
 * Fetches again, without --link-dest or excludes, each source where a
 * symlink of the previous copy has become a folder, into its emptied
 * receiving folder; the new outcome replaces the first.  Returns 0, or
 * -1 with e set.
 */
static int
refetch_changed(struct received *r, const struct config *cfg,
    struct remote_job *jobs, const size_t *index, size_t n,
    const struct below_links *links, struct err *e)
{
	struct remote_job *again = NULL;
	size_t *which = NULL, k, m = 0;
	char name[64];
	int rc = -1;

	if ((again = calloc(n, sizeof(*again))) == NULL ||
	    (which = calloc(n, sizeof(*which))) == NULL) {
		err_set(e, ENOMEM, "cannot back up the remote sources");
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (!transfer_succeeded(&jobs[k]) ||
		    !link_became_folder(r, index[k], &links[k]))
			continue;
		snprintf(name, sizeof(name), RECEIVING_PREFIX "%zu", index[k]);
		if (rmtree_remove(r->sys, r->build_fd, name, NULL, e) == -1)
			goto out;
		if (r->sys->mkdirat(r->build_fd, name, 0700) == -1) {
			err_set(e, errno, "cannot make '%s' for '%s'", name,
			    jobs[k].src->dest);
			goto out;
		}
		again[m] = jobs[k];
		again[m].link_dest = NULL;
		again[m].exclude_fd = -1;
		which[m++] = k;
	}
	if (m > 0 && remote_run(again, m, cfg->parallel, r->progress, e) == -1)
		goto out;
	for (k = 0; k < m; k++) {
		jobs[which[k]].result = again[k].result;
		jobs[which[k]].err = again[k].err;
		jobs[which[k]].counts.received += again[k].counts.received;
	}
	rc = 0;
out:
	free(again);
	free(which);
	return rc;
}

/*
 * Fetches every remote source among r->sources, parallel at once.  The
 * transfers overlap; what they gave is looked at afterwards in the
 * order of the sources, so the run says the same as one transfer after
 * another would: a fatal failure is the first one in that order.
 * Returns 0, or -1 with e set.
 */
static int
fetch_all(struct received *r, const struct config *cfg,
    const struct store *s, struct err *e)
{
	struct remote_job *jobs = NULL;
	struct below_links *links = NULL;
	size_t *index = NULL, i, n = 0, k;
	char **prev = NULL;
	const char *stage;
	bool confined;
	int rc = -1;

	for (i = 0; i < r->n_sources; i++)
		n += r->sources[i].host != NULL;
	if (n == 0)
		return 0;
	/* No descriptor yet (0 is stdin): set before any way out. */
	if ((jobs = calloc(n, sizeof(*jobs))) != NULL)
		for (k = 0; k < n; k++)
			jobs[k].exclude_fd = -1;
	if (jobs == NULL || (index = calloc(n, sizeof(*index))) == NULL ||
	    (prev = calloc(n, sizeof(*prev))) == NULL ||
	    (links = calloc(n, sizeof(*links))) == NULL) {
		err_set(e, ENOMEM, "cannot back up the remote sources");
		goto out;
	}
	for (i = 0, k = 0; i < r->n_sources; i++) {
		if (r->sources[i].host == NULL)
			continue;
		index[k] = i;
		if (prepare_one(r, cfg, s, i, &jobs[k], &prev[k], e) == -1)
			goto out;
		k++;
	}
	/* As for replicate: confined where the kernel can, else said
	 * (with -v) and left to rsync alone. */
	confined = confine_supported();
	if (!confined)
		out_info(OUT_VERBOSE, "Landlock is not available: rsync is "
		    "not confined to the remote sources' folders\n");
	for (k = 0; k < n; k++)
		jobs[k].confine = confined;
	if (collect_links(s, jobs, n, links, e) == -1)
		goto out;
	stage = progress_stage(r->progress, "receiving");
	k = remote_run(jobs, n, cfg->parallel, r->progress, e) == -1 ||
	    refetch_changed(r, cfg, jobs, index, n, links, e) == -1;
	progress_stage(r->progress, stage);
	if (k != 0)
		goto out;
	for (k = 0; k < n; k++)
		if (jobs[k].result == -1 && jobs[k].fatal) {
			*e = jobs[k].err;
			goto out;
		}
	for (k = 0; k < n; k++)
		if (settle_one(r, index[k], &jobs[k], e) == -1)
			goto out;
	drop_partial(r, s, jobs, index, n);
	rc = 0;
out:
	for (k = 0; prev != NULL && k < n; k++)
		free(prev[k]);
	for (k = 0; links != NULL && k < n; k++) {
		buf_free(&links[k].patterns);
		buf_free(&links[k].paths);
	}
	for (k = 0; jobs != NULL && k < n; k++)
		if (jobs[k].exclude_fd != -1)
			close(jobs[k].exclude_fd);
	free(links);
	free(prev);
	free(index);
	free(jobs);
	return rc;
}

int
received_fetch(struct received *r, const struct config *cfg,
    const struct store *s, struct err *e)
{
	struct config_source *src;
	struct err w;
	struct stat st;
	size_t i, n = 0;

	r->build_fd = s->build_fd;
	r->prev_fd = s->prev_fd;
	if ((r->sources = calloc(cfg->n_sources, sizeof(*r->sources))) == NULL ||
	    (r->into = calloc(cfg->n_sources, sizeof(*r->into))) == NULL ||
	    (r->partial = calloc(cfg->n_sources, sizeof(*r->partial))) ==
	    NULL)
		return err_set(e, ENOMEM, "cannot back up the remote sources");
	for (i = 0; i < cfg->n_sources; i++) {
		src = &cfg->sources[i];
		if (src->host != NULL && r->dry_run) {
			err_set(&w, 0, "remote source '%s:%s' is not contacted "
			    "in a dry run", src->host, src->path);
			warn(r, &w);
			continue;
		}
		r->sources[n] = *src;
		/* rsync applied the filter rules on the host; it has no
		 * rule for folder marks, so they are not applied at all. */
		if (src->host != NULL) {
			r->sources[n].filter = (struct filter)FILTER_INIT;
			r->sources[n].one_file_system = true;
			if (src->filter.exclude_caches ||
			    src->filter.n_if_present > 0) {
				err_set(&w, 0, "exclude_caches and "
				    "exclude_if_present are not applied to "
				    "remote source '%s:%s' (rsync has no such "
				    "rule): its marked folders are backed up",
				    src->host, src->path);
				warn(r, &w);
			}
		}
		n++;
	}
	r->n_sources = n;
	if (r->dry_run)
		return 0;
	if (fstat(s->build_fd, &st) == -1)
		return err_set(e, errno, "cannot back up the remote sources");
	r->dev = st.st_dev;
	return fetch_all(r, cfg, s, e);
}

/* --- during the walk ---------------------------------------------- */

bool
received_owns(const struct received *r, const struct walk_item *it)
{
	size_t i;

	if (r->depth > 0)
		return true;
	if (it->event != WALK_ENTRY || it->synthetic ||
	    it->ent->type != ENTRY_DIR)
		return false;
	for (i = 0; i < r->n_sources; i++)
		if (r->sources[i].host != NULL &&
		    strlen(r->sources[i].dest) == it->ent->path_len &&
		    memcmp(r->sources[i].dest, it->ent->path,
		    it->ent->path_len) == 0)
			return true;
	return false;
}

/* The remote source whose dest is path (a top entry). */
static const struct config_source *
source_at(const struct received *r, const struct entry *ent, size_t *index)
{
	size_t i;

	for (i = 0; i < r->n_sources; i++)
		if (r->sources[i].host != NULL &&
		    strlen(r->sources[i].dest) == ent->path_len &&
		    memcmp(r->sources[i].dest, ent->path, ent->path_len) == 0) {
			*index = i;
			return &r->sources[i];
		}
	return NULL;
}

/*
 * The top of a received tree: its receiving folder becomes its dest in
 * the folder the linker has made for it.  The walk holds the folder
 * open, so it reads on below it, fd-relative.
 */
static int
enter_top(struct received *r, const struct walk_item *it, struct err *e)
{
	const char *slash = memrchr(it->ent->path, '/', it->ent->path_len);
	const char *base = slash != NULL ? slash + 1 : it->ent->path;
	char name[64];
	size_t i = 0;

	r->src = source_at(r, it->ent, &i);
	snprintf(name, sizeof(name), RECEIVING_PREFIX "%zu", i);
	if (r->sys->renameat(r->build_fd, name, linker_top(r->linker)->dst_fd,
	    base) == -1)
		return err_set(e, errno, "cannot move '%s' to '%s'", name,
		    r->src->dest);
	return 0;
}

/* Keeps a folder's times, to put them back after a rename in it. */
static int
push_times(struct received *r, const struct stat *st, struct err *e)
{
	struct timespec (*t)[2];

	if (r->depth == r->times_cap) {
		r->times_cap = r->times_cap ? r->times_cap * 2 : 64;
		if ((t = realloc(r->times, r->times_cap *
		    sizeof(*t))) == NULL)
			return err_set(e, ENOMEM, "cannot record '%s'",
			    r->src->dest);
		r->times = t;
	}
	r->times[r->depth][0] = st->st_atim;
	r->times[r->depth][1] = st->st_mtim;
	r->depth++;
	return 0;
}

/*
 * Counts a name of a regular file, so that received_leave can tell a
 * hard link to something outside the tree.  stored: the inode is one
 * an earlier snapshot holds.
 */
static int
count_name(struct received *r, const struct stat *st, bool stored,
    struct err *e)
{
	struct names *n;

	if (st->st_nlink < 2)
		return 0;
	if ((n = inomap_insert(&r->names, 0, st->st_ino, NULL)) == NULL)
		return err_set(e, ENOMEM, "cannot record '%s'", r->src->dest);
	n->seen++;
	n->nlink = st->st_nlink;
	n->stored |= stored;
	return 0;
}

/*
 * Is the stored file's inode in this snapshot already?  rsync links
 * unchanged files by path, so that is where it would be; linking it in
 * for another file too would tie two separate files into one.
 */
static bool
linked_at(struct received *r, const struct entry *stored)
{
	struct stat st;
	int fd;

	fd = beneath_open(r->build_fd, stored->path, O_PATH);
	if (fd == -1)
		return false;
	if (fstat(fd, &st) == -1)
		st.st_ino = 0;
	close(fd);
	return (uint64_t)st.st_ino == stored->stored_ino;
}

/*
 * Adds to r->taken the stored inodes that could stand for ent but are
 * in this snapshot already: every name of a stored hard-link group is a
 * candidate, and any of them may be linked in.  Returns 0 or -1.
 */
static int
find_taken(struct received *r, const struct entry *ent, struct err *e)
{
	struct entry match;
	size_t pos = 0;
	uint64_t off;

	while (content_index_next(r->index, ent, diff_meta_key(ent), &pos,
	    &off) == 1) {
		if (manifest_reader_read_at(r->prev_rd, off, &match, e) == -1)
			return -1;
		if (linked_at(r, &match) &&
		    inomap_insert(&r->taken, 0, match.stored_ino, NULL) == NULL)
			return err_set(e, ENOMEM, "cannot record '%s'",
			    r->src->dest);
	}
	return 0;
}

/*
 * Links the stored file match in place of the file rsync wrote at it:
 * to a temporary name in the same folder, checked, then renamed over.
 * Returns 1 when done (*got: the linked inode), 0 when that stored file
 * cannot be linked, -1 with e set.
 */
static int
link_over(struct received *r, const struct walk_item *it,
    const struct entry *match, struct stat *got, struct err *e)
{
	const char *base;
	int dirfd, saved;

	dirfd = linker_open_parent(r->linker, r->prev_fd, match->path,
	    match->path_len, &base);
	if (dirfd == -1 || r->sys->linkat(dirfd, base, it->dirfd, SHARE_TMP,
	    0) == -1)
		return 0;
	/* Someone changed the stored copy: never spread that. */
	if (fstatat(it->dirfd, SHARE_TMP, got, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !diff_stored_fits(match, got)) {
		r->sys->unlinkat(it->dirfd, SHARE_TMP, 0);
		return 0;
	}
	if (r->sys->renameat(it->dirfd, SHARE_TMP, it->dirfd, it->name) ==
	    -1) {
		saved = errno;
		r->sys->unlinkat(it->dirfd, SHARE_TMP, 0);
		return err_set(e, saved, "cannot link '%s'", match->path);
	}
	/* The rename changed the folder's times: put them back. */
	if (r->sys->futimens(it->dirfd, r->times[r->depth - 1]) == -1)
		return err_set(e, errno, "cannot set the times of the folder "
		    "of '%s'", match->path);
	return 1;
}

/*
 * Replaces the file rsync wrote at it by a link to a stored inode with
 * the same content and metadata, if there is one that no other file of
 * this snapshot has.  Returns 1 when it did, 0 when not, -1 with e set.
 */
static int
share(struct received *r, const struct walk_item *it, struct err *e)
{
	struct entry *ent = it->ent, match;
	size_t pos = 0;
	uint64_t off;
	struct stat got;
	int rc;

	/* One name of a hard-link group alone would leave the group. */
	if (r->prev_rd == NULL || it->st->st_nlink != 1)
		return 0;
	if (r->index_needed != NULL && r->index_needed(r->arg, e) == -1)
		return -1;
	if (find_taken(r, ent, e) == -1)
		return -1;
	while (content_index_next(r->index, ent, diff_meta_key(ent), &pos,
	    &off) == 1) {
		if (manifest_reader_read_at(r->prev_rd, off, &match, e) == -1)
			return -1;
		if (!diff_can_share(ent, &match) ||
		    inomap_find(&r->taken, 0, match.stored_ino) != NULL)
			continue;
		if ((rc = link_over(r, it, &match, &got, e)) == 0)
			continue;
		if (rc == -1)
			return -1;
		if (inomap_insert(&r->taken, 0, got.st_ino, NULL) == NULL)
			return err_set(e, ENOMEM, "cannot record '%s'",
			    r->src->dest);
		ent->stored_ino = got.st_ino;
		ent->nlink = 1;
		return 1;
	}
	return 0;
}

/* Hashes the regular file rsync wrote at it.  Returns 0 or -1. */
static int
hash_received(const struct walk_item *it, struct err *e)
{
	int fd, flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK | O_NOATIME;
	struct stat st;
	uint64_t size;
	int rc = -1;

	fd = openat(it->dirfd, it->name, flags);
	if (fd == -1 && errno == EPERM)
		fd = openat(it->dirfd, it->name, flags & ~O_NOATIME);
	if (fd == -1)
		return err_set(e, errno, "cannot read received '%s'",
		    it->ent->path);
	if (fstat(fd, &st) == -1 || st.st_ino != it->st->st_ino ||
	    !S_ISREG(st.st_mode)) {
		err_set(e, ESTALE, "received '%s' changed while it was read",
		    it->ent->path);
		goto out;
	}
	if (copy_hash_fd(fd, it->ent->path, it->ent->hash, &size, e) == -1)
		goto out;
	it->ent->has_hash = true;
	it->ent->xattr_hash = meta_xattr_hash(fd);
	rc = 0;
out:
	close(fd);
	return rc;
}

/*
 * A name of a stored inode, met without a stat (linked_unread): it is
 * one of an earlier snapshot's, so its other names need not be here.
 */
static int
count_stored(struct received *r, uint64_t ino, struct err *e)
{
	struct names *n;

	if ((n = inomap_insert(&r->names, 0, ino, NULL)) == NULL)
		return err_set(e, ENOMEM, "cannot record '%s'", r->src->dest);
	n->seen++;
	n->stored = 1;
	return 0;
}

/*
 * A regular file whose name, as getdents64 read it, is the inode the
 * previous record at its path says is stored (prev->stored_ino): rsync
 * linked it there, which it does only when that inode's metadata equals
 * the source file's, and an earlier snapshot's inode never changes.  So
 * the previous record is this one, as a stat would have made it
 * (regular() records a linked file's ctime and link count from prev as
 * well), and no call is made for it.  Both trees are in the snapshot
 * root, on one filesystem, so the inode number names one inode.
 */
static int
linked_unread(struct received *r, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct entry *ent = it->ent;
	const char *path = ent->path;
	size_t path_len = ent->path_len;

	*ent = *prev;
	ent->path = path;
	ent->path_len = path_len;
	ent->ino = it->d_ino;
	ent->stored_ino = it->d_ino;
	ent->rdev = 0;
	ent->target = NULL;
	ent->target_len = 0;
	r->stats->files++;
	r->stats->total_bytes += ent->size;
	r->stats->linked++;
	return count_stored(r, it->d_ino, e);
}

static int
regular(struct received *r, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct entry *ent = it->ent;
	bool linked = prev != NULL && prev->type == ENTRY_REG &&
	    prev->stored_ino == (uint64_t)it->st->st_ino;
	enum diff_reason why;
	int shared;

	r->stats->files++;
	r->stats->total_bytes += ent->size;
	/* rsync linked it to the previous copy: what it was, unread. */
	if (linked && prev->has_hash && diff_stored_fits(prev, it->st)) {
		ent->has_hash = true;
		memcpy(ent->hash, prev->hash, ENTRY_HASH_LEN);
		ent->xattr_hash = prev->xattr_hash;
		/* Its names in this tree, not in every snapshot; and the
		 * ctime it had when stored, not the one rsync's link gave
		 * it: the record stays what it was, run after run. */
		ent->nlink = prev->nlink;
		ent->ctime = prev->ctime;
		r->stats->linked++;
		return count_name(r, it->st, true, e);
	}
	if (hash_received(it, e) == -1)
		return -1;
	why = diff_copy_reason(ent, prev);
	if ((shared = share(r, it, e)) == -1)
		return -1;
	if (shared == 1) {
		r->stats->linked_content++;
		return 0;
	}
	if (why == REASON_NONE)
		why = REASON_CONTENT;
	r->stats->copied++;
	r->stats->copied_bytes += ent->size;
	r->stats->copied_by[why]++;
	r->stats->bytes_by[why] += ent->size;
	/* A stored inode that is not what its record says is read, but it
	 * is still one of an earlier snapshot's. */
	return count_name(r, it->st, linked, e);
}

int
received_entry(struct received *r, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct entry *ent = it->ent;
	char q[1024];
	bool linked;

	if (r->depth == 0 && enter_top(r, it, e) == -1)
		return -1;
	/* A regular file the walk has not stat'ed (walk.h): rsync's link
	 * to the previous copy is recorded as it was, without a call;
	 * anything else is stat'ed now. */
	if (it->lazy) {
		if (r->depth > 0 && !r->stat_all && prev != NULL &&
		    prev->type == ENTRY_REG && prev->has_hash &&
		    it->d_ino != 0 && prev->stored_ino == it->d_ino)
			return linked_unread(r, it, prev, e);
		if (walk_item_stat(it) == -1)
			return err_set(e, errno, "cannot stat received '%s'",
			    name_quote(q, sizeof(q), ent->path,
			    ent->path_len));
	}
	/* Nothing the host sent may lead out of the received tree. */
	if (it->st->st_dev != r->dev)
		return err_set(e, EXDEV, "'%s' from '%s' is on another "
		    "filesystem; refused", name_quote(q, sizeof(q), ent->path,
		    ent->path_len), r->src->host);
	ent->stored_ino = it->st->st_ino;
	ent->ino = it->st->st_ino;
	switch (ent->type) {
	case ENTRY_DIR:
		r->stats->dirs++;
		if (push_times(r, it->st, e) == -1)
			return -1;
		/* A folder moved to another parent may get new times. */
		if (r->depth == 1 && r->sys->futimens(it->fd,
		    r->times[0]) == -1)
			return err_set(e, errno, "cannot set the times of '%s'",
			    r->src->dest);
		return 0;
	case ENTRY_REG:
		return regular(r, it, prev, e);
	case ENTRY_SYMLINK:
		r->stats->symlinks++;
		break;
	default:
		r->stats->nodes++;
		break;
	}
	/* rsync links symlinks and nodes to the previous copy too; such a
	 * one keeps its recorded ctime, as a linked file does. */
	linked = prev != NULL && prev->stored_ino == (uint64_t)it->st->st_ino;
	if (linked && prev->type == ent->type)
		ent->ctime = prev->ctime;
	return count_name(r, it->st, linked, e);
}

/*
 * The received tree is done: every name of a file with several must
 * have been in it, or be an inode of an earlier snapshot.  A name
 * elsewhere means rsync was made to link a file from outside in.
 */
static int
check_names(struct received *r, struct err *e)
{
	const struct names *n;
	size_t iter = 0;
	uint64_t ino;

	while ((n = inomap_next(&r->names, &iter, NULL, &ino)) != NULL)
		if (!n->stored && n->seen < n->nlink)
			/* src->path is the received folder by now: the
			 * host and the dest name the source.  No errno: the
			 * hint EPERM brings (run as root) is not the cause. */
			return err_set(e, 0, "'%s' sent a file with hard links "
			    "outside its folder '%s' (inode %" PRIu64 "); "
			    "refused", r->src->host, r->src->dest, ino);
	inomap_free(&r->names);
	inomap_init(&r->names, sizeof(struct names));
	return 0;
}

int
received_leave(struct received *r, struct err *e)
{
	r->depth--;
	if (r->depth == 0)
		return check_names(r, e);
	return 0;
}
