#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "beneath.h"
#include "copy.h"
#include "meta.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

void
linker_init(struct linker *l, const struct sys_ops *sys, bool as_root,
    void (*report)(void *, const struct err *), void *arg)
{
	memset(l, 0, sizeof(*l));
	l->sys = sys;
	l->as_root = as_root;
	l->euid = geteuid();
	l->egid = getegid();
	l->report = report;
	l->arg = arg;
	l->parent_fd = -1;
	l->parent_root = -1;
}

bool
link_errno_is_fatal(int errnum)
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

/*
 * A per-entry problem: reported, unless it is one no later entry can
 * avoid either.  Returns 1 (reported, go on) or -1 with *e = *fe.
 */
static int
entry_problem(struct linker *l, const struct err *fe, struct err *e)
{
	if (link_errno_is_fatal(fe->errnum)) {
		*e = *fe;
		return -1;
	}
	if (l->report != NULL)
		l->report(l->arg, fe);
	return 1;
}

/* Reports what the target would not store of path's xattrs.  Returns 1
 * (reported) or -1 with e set. */
static int
report_refused(struct linker *l, const struct meta_refusal *r,
    const char *path, struct err *e)
{
	struct err fe;

	if (r->count == 0)
		return 1;
	meta_refusal_describe(r, path, &fe);
	if (l->refused == NULL)
		return entry_problem(l, &fe, e);
	l->refused(l->arg, &fe);
	return 1;
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static void
close_level(struct link_level *v)
{
	int i;

	close_fd(&v->dst_fd);
	close_fd(&v->meta_fd);
	for (i = 0; i < LINK_FROM_MAX; i++)
		close_fd(&v->from[i]);
}

/* Slot i of a level: the new folder, its metadata's source, then the
 * folders to link from. */
static int *
slot_fd(struct link_level *v, int i)
{
	if (i == 0)
		return &v->dst_fd;
	if (i == 1)
		return &v->meta_fd;
	return &v->from[i - 2];
}

static bool
slot_present(struct link_level *v, int i)
{
	return *slot_fd(v, i) != -1 || (v->parked & 1u << i) != 0;
}

/*
 * Closes the descriptors of level i, far above the deepest, noting what
 * they were open on.  A slot whose parent has none in that slot (the top
 * level, a source root below folders made up for a dest) stays open:
 * there is nothing beneath which to find it again.
 */
static void
park_level(struct linker *l, size_t i)
{
	struct link_level *v = &l->levels[i], *parent = &l->levels[i - 1];
	int s, *fd;

	for (s = 0; s < LINK_SLOTS; s++) {
		fd = slot_fd(v, s);
		if (*fd == -1 || !slot_present(parent, s) ||
		    beneath_id_of(*fd, &v->ids[s]) == -1)
			continue;
		close_fd(fd);
		v->parked |= 1u << s;
	}
}

/*
 * Opens parked slot s of level i again, by its path beneath the nearest
 * level above that holds that slot open, and checks that it is the
 * folder it was.  Returns 0, or -1 with errno set (it stays parked).
 */
static int
reopen_slot(struct linker *l, size_t i, int s)
{
	struct link_level *v = &l->levels[i], *base = v - 1;
	char cut = l->path[v->path_len];
	int fd;

	while (*slot_fd(base, s) == -1)
		base--;
	l->path[v->path_len] = '\0';
	fd = beneath_reopen(*slot_fd(base, s), l->path + base->path_len +
	    (base->path_len > 0), DIR_FLAGS, &v->ids[s]);
	l->path[v->path_len] = cut;
	if (fd == -1)
		return -1;
	*slot_fd(v, s) = fd;
	v->parked &= ~(1u << s);
	return 0;
}

/*
 * Opens the parked slots of the deepest level again.  One that is gone
 * or was replaced stays -1: reported for the folder built and the one
 * its metadata comes from; without a folder to link from, its files are
 * copied.  Returns 0, or -1 with e set when the run cannot go on.
 */
static int
unpark_top(struct linker *l, struct err *e)
{
	size_t top = l->depth - 1, i;
	struct link_level *v = &l->levels[top];
	struct err fe;
	int s;

	/*
	 * The parked levels just above are popped next: open them too,
	 * the farthest first and each beneath the one before, so that a
	 * long path is resolved once per BENEATH_OPEN_LEVELS levels, not
	 * once per level.  One that fails is tried again, and reported,
	 * when it is on top.
	 */
	i = top > BENEATH_OPEN_LEVELS ? top - BENEATH_OPEN_LEVELS + 1 : 1;
	for (; i < top; i++)
		for (s = 0; s < LINK_SLOTS; s++)
			if ((l->levels[i].parked & 1u << s) != 0)
				(void)reopen_slot(l, i, s);
	l->path[v->path_len] = '\0';
	for (s = 0; s < LINK_SLOTS; s++) {
		if ((v->parked & 1u << s) == 0 || reopen_slot(l, top, s) == 0)
			continue;
		v->parked &= ~(1u << s);
		if (s >= 2 && !link_errno_is_fatal(errno))
			continue;
		if (errno == ESTALE)
			err_set(&fe, errno, "folder '%s' was moved or replaced "
			    "while snap had it closed; left as it is",
			    l->path);
		else
			err_set(&fe, errno, "cannot open folder '%s' again",
			    l->path);
		if (s == 0)
			v->keep_meta = true;
		if (entry_problem(l, &fe, e) == -1)
			return -1;
	}
	return 0;
}

int
linker_push(struct linker *l, int dst_fd, const int from[LINK_FROM_MAX],
    int meta_fd, const struct stat *st, bool keep_meta, const char *path,
    size_t len, struct err *e)
{
	struct link_level *v;
	size_t cap;
	char *p;
	int i;

	if (l->depth == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if ((v = realloc(l->levels, cap * sizeof(*v))) == NULL)
			goto nomem;
		l->levels = v;
		l->cap = cap;
	}
	if (len + 1 > l->path_cap) {
		cap = len + 256;
		if ((p = realloc(l->path, cap)) == NULL)
			goto nomem;
		l->path = p;
		l->path_cap = cap;
	}
	/* The buffer holds the deepest folder; its parents are prefixes. */
	memcpy(l->path, path, len);
	l->path[len] = '\0';
	v = &l->levels[l->depth++];
	v->dst_fd = dst_fd;
	for (i = 0; i < LINK_FROM_MAX; i++)
		v->from[i] = from != NULL ? from[i] : -1;
	v->meta_fd = meta_fd;
	v->st = *st;
	v->keep_meta = keep_meta;
	v->owner_set = false;
	v->path_len = len;
	v->parked = 0;
	if (l->depth > BENEATH_OPEN_LEVELS + 1)
		park_level(l, l->depth - 1 - BENEATH_OPEN_LEVELS);
	return 0;

nomem:
	close_fd(&dst_fd);
	close_fd(&meta_fd);
	for (i = 0; from != NULL && i < LINK_FROM_MAX; i++)
		if (from[i] != -1)
			close(from[i]);
	return err_set(e, ENOMEM, "cannot build the tree");
}

struct link_level *
linker_top(struct linker *l)
{
	return &l->levels[l->depth - 1];
}

const char *
linker_path(const struct linker *l, size_t *len)
{
	*len = l->depth > 0 ? l->levels[l->depth - 1].path_len : 0;
	return l->path != NULL ? l->path : "";
}

int
linker_finish(struct linker *l, struct link_level *v, const char *path,
    struct err *e)
{
	struct meta_refusal refused = { 0, 0, "" };
	struct err fe;
	int r = 0;

	if (v->dst_fd != -1 && !v->keep_meta) {
		if (meta_apply_fd(l->sys, v->dst_fd, v->meta_fd, &v->st,
		    l->as_root && !v->owner_set, !l->no_default_acl, path,
		    &refused, &fe) == -1 &&
		    entry_problem(l, &fe, e) == -1)
			r = -1;
		if (r == 0 && report_refused(l, &refused, path, e) == -1)
			r = -1;
	}
	close_level(v);
	return r;
}

void
linker_discard(struct link_level *v)
{
	close_level(v);
}

int
linker_detach(struct linker *l, struct link_level *out, struct err *e)
{
	*out = l->levels[l->depth - 1];
	l->depth--;
	if (l->depth > 0 && l->levels[l->depth - 1].parked != 0)
		return unpark_top(l, e);
	return 0;
}

int
linker_pop(struct linker *l, struct err *e)
{
	struct link_level *v = &l->levels[l->depth - 1];
	int r;

	l->path[v->path_len] = '\0';
	r = linker_finish(l, v, l->path, e);
	l->depth--;
	if (l->depth > 0 && l->levels[l->depth - 1].parked != 0 &&
	    unpark_top(l, e) == -1)
		r = -1;
	return r;
}

void
linker_free(struct linker *l)
{
	struct err ignored;

	while (l->depth > 0)
		linker_pop(l, &ignored);
	free(l->levels);
	free(l->path);
	close_fd(&l->parent_fd);
	free(l->parent_path);
	free(l->scratch);
	memset(l, 0, sizeof(*l));
	l->parent_fd = -1;
}

/*
 * True when st's link count is that of a folder without subfolders: 2
 * ("." and its name), or 1 on btrfs, which counts no links for folders.
 */
static bool
empty_dir_links(const struct stat *st)
{
	return st->st_nlink == 2 || st->st_nlink == 1;
}

int
linker_mkdir(struct linker *l, int dirfd, const char *name, const char *path,
    struct stat *st, struct err *e)
{
	int fd, saved;

	/* 0700 until its children are in: the real mode may forbid
	 * writing, and nobody else should see a half-made folder. */
	if (l->sys->mkdirat(dirfd, name, 0700) == -1)
		return err_set(e, errno, "cannot create folder '%s'", path);
	if ((fd = openat(dirfd, name, DIR_FLAGS)) == -1)
		return err_set(e, errno, "cannot open folder '%s'", path);
	if (fstat(fd, st) == -1) {
		saved = errno;
		close(fd);
		return err_set(e, saved, "cannot open folder '%s'", path);
	}
	/*
	 * Someone who can write the parent (a restore target's owner)
	 * could have put a folder of hers in its place between the two
	 * calls; what we give our folder later must not go to hers.
	 */
	if (st->st_uid != l->euid || !empty_dir_links(st)) {
		close(fd);
		return err_set(e, EEXIST, "cannot create folder '%s': it was "
		    "replaced while it was made", path);
	}
	return fd;
}

int
linker_open_parent(struct linker *l, int rootfd, const char *path, size_t len,
    const char **base)
{
	const char *last = memrchr(path, '/', len);
	size_t plen = last ? (size_t)(last - path) : 0;
	char *p;
	int fd;

	if (len + 1 > l->scratch_cap) {
		if ((p = realloc(l->scratch, len + 1)) == NULL)
			return -1;
		l->scratch = p;
		l->scratch_cap = len + 1;
	}
	memcpy(l->scratch, path, len);
	l->scratch[len] = '\0';
	*base = last ? l->scratch + plen + 1 : l->scratch;
	if (!last)
		return rootfd;
	if (l->parent_fd != -1 && l->parent_root == rootfd &&
	    l->parent_len == plen && memcmp(l->parent_path, path, plen) == 0)
		return l->parent_fd;

	l->scratch[plen] = '\0';
	fd = beneath_open(rootfd, l->scratch, DIR_FLAGS);
	l->scratch[plen] = '/';
	if (fd == -1)
		return -1;
	if (plen + 1 > l->parent_cap) {
		if ((p = realloc(l->parent_path, plen + 1)) == NULL) {
			close(fd);
			return -1;
		}
		l->parent_path = p;
		l->parent_cap = plen + 1;
	}
	close_fd(&l->parent_fd);
	memcpy(l->parent_path, path, plen);
	l->parent_len = plen;
	l->parent_root = rootfd;
	l->parent_fd = fd;
	return fd;
}

int
linker_link(struct linker *l, int fromdir, const char *fromname, int dirfd,
    const char *name, uint64_t want_ino, struct stat *got)
{
	if (l->sys->linkat(fromdir, fromname, dirfd, name, 0) == -1)
		return -1;
	if (fstatat(dirfd, name, got, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (want_ino != 0 ? (uint64_t)got->st_ino != want_ino :
	    !S_ISREG(got->st_mode)) {
		/* The stored file was replaced behind our back; a copy
		 * is the only thing known to be right. */
		l->sys->unlinkat(dirfd, name, 0);
		return 1;
	}
	return 0;
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
 * Hashes what dirfd/name holds: the copy of a source that kept changing
 * while it was read, whose bytes are not those any one read hashed.
 */
static int
hash_stored(int dirfd, const char *name, const char *path,
    struct link_copy *out, struct err *e)
{
	uint64_t size;
	int fd, r;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return err_set(e, errno, "cannot read back '%s'", path);
	r = copy_hash_fd(fd, path, out->hash, &size, e);
	close(fd);
	if (r == 0)
		out->bytes = size;
	return r;
}

/*
 * True when a new inode already has st's owner, so that fchown would
 * change nothing.
 */
static bool
owner_already(const struct linker *l, const struct stat *st)
{
	return l->owner_is_ours && st->st_uid == l->euid &&
	    st->st_gid == l->egid;
}

int
linker_copy(struct linker *l, int srcfd, bool src_xattrs,
    const struct stat *st, int dirfd, const char *name, const char *path,
    struct link_copy *out, struct err *e)
{
	struct meta_refusal refused = { 0, 0, "" };
	struct copy_hint hint = { &out->source, l->dst_dev };
	struct copy_result res;
	struct stat after;
	struct err fe;
	int attempt, dstfd = -1, r = 0;

	memset(out, 0, sizeof(*out));
	out->source = *st;
	for (attempt = 0; attempt < 2; attempt++) {
		if (copy_file(l->sys, srcfd, &hint, dirfd, name, path, &dstfd,
		    &res, &fe) == -1)
			return entry_problem(l, &fe, e);
		if (fstat(srcfd, &after) == -1) {
			err_set(&fe, errno, "cannot read '%s'", path);
			goto failed;
		}
		if (same_stat(&out->source, &after) || attempt == 1)
			break;
		/* Changed under us: once more, with what it is now. */
		close_fd(&dstfd);
		l->sys->unlinkat(dirfd, name, 0);
		out->source = after;
	}
	memcpy(out->hash, res.hash, ENTRY_HASH_LEN);
	out->bytes = res.bytes;
	if (!same_stat(&out->source, &after)) {
		/* Twice changed: keep this copy, recorded as stored. */
		out->changed = true;
		out->source = after;
		if (hash_stored(dirfd, name, path, out, &fe) == -1)
			goto failed;
	}

	/*
	 * Metadata the target refuses (an owner NFS will not map, an ACL
	 * a filesystem cannot hold) does not lose the content: the copy
	 * stays, reported, and out->stored says what it really has, so
	 * the manifest records that and the next run tries again.
	 */
	if (meta_apply_fd(l->sys, dstfd, src_xattrs ? srcfd : -1,
	    &out->source, l->as_root && !owner_already(l, &out->source),
	    !l->no_default_acl, path, &refused, &fe) == -1) {
		if ((r = entry_problem(l, &fe, e)) == -1)
			goto fail;
		out->meta_partial = true;
		r = 0;
	}
	if (refused.count > 0) {
		if ((r = report_refused(l, &refused, path, e)) == -1)
			goto fail;
		out->meta_partial = true;
		r = 0;
	}
	if (out->meta_partial)
		out->xattr_hash = meta_xattr_hash(dstfd);
	if (fstat(dstfd, &out->stored) == -1) {
		err_set(&fe, errno, "cannot stat the copy of '%s'", path);
		goto failed;
	}
	close(dstfd);
	return 0;

failed:
	r = entry_problem(l, &fe, e);
fail:
	close_fd(&dstfd);
	l->sys->unlinkat(dirfd, name, 0);
	return r;
}

int
linker_reuse(struct linker *l, int reuse_dir, const char *name, int srcfd,
    const struct stat *st, int dirfd, struct link_copy *out)
{
	unsigned char src_hash[ENTRY_HASH_LEN];
	uint64_t size, src_size;
	struct stat left, after;
	struct err ignored;
	bool same;
	int fd;

	memset(out, 0, sizeof(*out));
	if (fstatat(reuse_dir, name, &left, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(left.st_mode) || left.st_size != st->st_size ||
	    left.st_mode != st->st_mode ||
	    left.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	    left.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
	    (l->as_root && (left.st_uid != st->st_uid ||
	    left.st_gid != st->st_gid)))
		return 1;
	if ((fd = openat(reuse_dir, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 1;
	same = meta_xattr_hash(fd) == meta_xattr_hash(srcfd) &&
	    copy_hash_fd(fd, name, out->hash, &size, &ignored) == 0 &&
	    copy_hash_fd(srcfd, name, src_hash, &src_size, &ignored) == 0 &&
	    size == src_size && (off_t)size == st->st_size &&
	    memcmp(out->hash, src_hash, ENTRY_HASH_LEN) == 0 &&
	    fstat(srcfd, &after) == 0 && same_stat(st, &after);
	close(fd);
	if (!same || linker_link(l, reuse_dir, name, dirfd, name,
	    left.st_ino, &out->stored) != 0)
		return 1;
	out->source = *st;
	out->bytes = size;
	return 0;
}

/*
 * Makes a private folder in dirfd for one node: mode 0700, ours, so
 * that no one else can swap what is inside.  Fills name (a buffer of 64)
 * and returns its descriptor, or -1 with errno set.
 */
static int
private_dir(struct linker *l, int dirfd, char *name)
{
	static unsigned long counter;
	struct stat st;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		snprintf(name, 64, ".snap-node.%ld.%lu", (long)getpid(),
		    ++counter);
		if (l->sys->mkdirat(dirfd, name, 0700) == 0)
			break;
		if (errno != EEXIST)
			return -1;
	}
	if ((fd = openat(dirfd, name, DIR_FLAGS)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0 || !empty_dir_links(&st)) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	return fd;
}

/* Makes the node n, without metadata, as pfd/name. */
static int
make_node(struct linker *l, int pfd, const char *name,
    const struct link_node *n)
{
	char *t;
	int r;

	if (!S_ISLNK(n->st->st_mode))
		return l->sys->mknodat(pfd, name, (n->st->st_mode & S_IFMT) |
		    0600, n->st->st_rdev);
	if ((t = strndup(n->target, n->target_len)) == NULL)
		return -1;
	r = l->sys->symlinkat(t, pfd, name);
	free(t);
	return r;
}

/* Fills n's stored inode and xattr fingerprint from pfd/name. */
static int
stat_node(int pfd, const char *name, struct link_node *n)
{
	struct stat st;
	int fd;

	if ((fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	n->stored_ino = st.st_ino;
	n->xattr_hash = meta_xattr_hash(fd);
	close(fd);
	return 0;
}

int
linker_node(struct linker *l, int dirfd, const char *name,
    struct link_node *n, const char *path, struct err *e)
{
	static const char node[] = "n";
	struct meta_refusal refused = { 0, 0, "" };
	char priv[64];
	struct err fe;
	int pfd;

	if ((pfd = private_dir(l, dirfd, priv)) == -1) {
		err_set(&fe, errno, "cannot create '%s'", path);
		return entry_problem(l, &fe, e);
	}
	if (make_node(l, pfd, node, n) == -1) {
		err_set(&fe, errno, "cannot create '%s'", path);
		goto failed;
	}
	/* Inside the private folder nothing can be swapped. */
	if (meta_apply_at(l->sys, pfd, node, n->srcfd, n->st, l->as_root,
	    path, &refused, &fe) == -1)
		goto failed;
	if (stat_node(pfd, node, n) == -1) {
		err_set(&fe, errno, "cannot create '%s'", path);
		goto failed;
	}
	if (l->sys->renameat(pfd, node, dirfd, name) == -1) {
		err_set(&fe, errno, "cannot create '%s'", path);
		goto failed;
	}
	close(pfd);
	if (l->sys->unlinkat(dirfd, priv, AT_REMOVEDIR) == -1) {
		/* The node is in place; an empty folder beside it is not
		 * what the source has, and says so. */
		err_set(&fe, errno, "cannot remove the folder '%s' made for "
		    "'%s'", priv, path);
		if (entry_problem(l, &fe, e) == -1)
			return -1;
	}
	return report_refused(l, &refused, path, e) == -1 ? -1 : 0;

failed:
	l->sys->unlinkat(pfd, node, 0);
	close(pfd);
	l->sys->unlinkat(dirfd, priv, AT_REMOVEDIR);
	return entry_problem(l, &fe, e);
}
