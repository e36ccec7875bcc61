#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "filter.h"
#include "marker.h"
#include "name.h"

/*
 * One open folder of the walk, or a synthetic one made up for a dest.
 * Only the deepest BENEATH_OPEN_LEVELS frames hold a descriptor; a
 * shallower one is parked (fd -1, id set) and re-opened by path when the
 * walk comes back to a child of it.
 */
struct frame {
	int	 fd;		/* -1 for a synthetic or parked folder */
	bool	 parked;	/* closed to save descriptors */
	struct beneath_id id;	/* what a parked fd was open on */
	char	**names;	/* sorted children, pointing into arena */
	size_t	 n_names;
	size_t	 next;		/* index of the next child to yield */
	char	*arena;
	size_t	 path_len;	/* length of this folder's path */
	bool	 synthetic;
};

struct walk {
	const struct config_source *sources;
	size_t		 n_sources;
	size_t		 next_source;
	const struct config_source *source;	/* the one being walked */
	dev_t		 source_dev;
	size_t		 rel_start;	/* where the source-relative part of
					 * path starts */
	struct walk_skip skip;

	char		*path;		/* snapshot-relative, NUL-ended */
	size_t		 path_len;
	size_t		 path_cap;
	/* The folder left last, closed at the next call (walk.h). */
	int		 left_fd;

	struct frame	*stack;
	size_t		 depth;
	size_t		 stack_cap;

	struct stat	 st;
	bool		 flagged;	/* st's inode has flags not kept */
	struct entry	 ent;
	char		*target;
	size_t		 target_cap;

	char		 warning[1024];
	int		 pending_errnum;	/* a warning to yield next */
	bool		 pending;
	char		 pending_text[1024];	/* one said in full, or "" */

	/* The merge files (": NAME") of the open folders, outermost first
	 * (filter.h); each popped with its folder. */
	struct filter_layer *layers;
	size_t		 n_layers;
	size_t		 layers_cap;
};

void
walk_entry_from_stat(struct entry *ent, const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		ent->type = ENTRY_REG;
		break;
	case S_IFDIR:
		ent->type = ENTRY_DIR;
		break;
	case S_IFLNK:
		ent->type = ENTRY_SYMLINK;
		break;
	case S_IFIFO:
		ent->type = ENTRY_FIFO;
		break;
	case S_IFCHR:
		ent->type = ENTRY_CHR;
		break;
	case S_IFBLK:
		ent->type = ENTRY_BLK;
		break;
	default:
		ent->type = ENTRY_SOCK;
		break;
	}
	ent->mode = st->st_mode;
	ent->uid = st->st_uid;
	ent->gid = st->st_gid;
	ent->nlink = st->st_nlink;
	ent->size = st->st_size;
	ent->mtime.sec = st->st_mtim.tv_sec;
	ent->mtime.nsec = st->st_mtim.tv_nsec;
	ent->ctime.sec = st->st_ctim.tv_sec;
	ent->ctime.nsec = st->st_ctim.tv_nsec;
	ent->ino = st->st_ino;
	ent->rdev = st->st_rdev;
	ent->stored_ino = 0;
	ent->xattr_hash = 0;
	ent->has_hash = false;
	memset(ent->hash, 0, sizeof(ent->hash));
	ent->target = NULL;
	ent->target_len = 0;
}

static int
path_reserve(struct walk *w, size_t extra, struct err *e)
{
	size_t need = w->path_len + extra + 1;
	char *p;

	if (need <= w->path_cap)
		return 0;
	while (w->path_cap < need)
		w->path_cap = w->path_cap ? w->path_cap * 2 : 4096;
	if ((p = realloc(w->path, w->path_cap)) == NULL)
		return err_set(e, errno, "cannot walk the sources");
	w->path = p;
	return 0;
}

/* Appends "/name" (or "name" at the top) to the path buffer. */
static int
path_push(struct walk *w, const char *name, size_t len, struct err *e)
{
	if (path_reserve(w, len + 1, e) == -1)
		return -1;
	if (w->path_len > 0)
		w->path[w->path_len++] = '/';
	memcpy(w->path + w->path_len, name, len);
	w->path_len += len;
	w->path[w->path_len] = '\0';
	return 0;
}

static void
path_truncate(struct walk *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Before each name read with meta: its d_type, then its d_ino. */
#define NAME_META_LEN	(1 + sizeof(uint64_t))

static void
name_meta(const char *name, unsigned char *type, uint64_t *ino)
{
	*type = (unsigned char)name[-(ptrdiff_t)NAME_META_LEN];
	memcpy(ino, name - sizeof(*ino), sizeof(*ino));
}

/*
 * Reads the names in the open folder fd into f, sorted by their bytes.
 * getdents64 on fd itself rather than fdopendir on a duplicate: a DIR
 * stream costs a dup, an fstat, two fcntls and a close per folder, five
 * calls that a tree of small folders pays thousands of times.  fd is
 * freshly opened, so its position is the start of the folder.  With
 * meta (a remote source's folder), each name is kept with its d_type
 * and d_ino just before it (name_meta), for a lazy walk.
 * Returns 0, or -1 with errno set (f is then empty).
 */
static int
read_names(int fd, struct frame *f, bool meta)
{
	char dents[32768];
	size_t hdr = meta ? NAME_META_LEN : 0;
	size_t used = 0, cap = 0, n = 0, i, off;
	char *arena = NULL, *p;
	char **names = NULL;
	ssize_t got, pos;
	int saved;

	while ((got = getdents64(fd, dents, sizeof(dents))) > 0) {
		for (pos = 0; pos < got; pos += ((struct dirent64 *)
		    (void *)(dents + pos))->d_reclen) {
			const struct dirent64 *de = (const struct dirent64 *)
			    (void *)(dents + pos);
			size_t len;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			len = strlen(de->d_name) + 1;
			if (used + hdr + len > cap) {
				cap = cap ? cap * 2 : 4096;
				while (used + hdr + len > cap)
					cap *= 2;
				if ((p = realloc(arena, cap)) == NULL)
					goto fail;
				arena = p;
			}
			if (meta) {
				uint64_t ino = de->d_ino;

				arena[used] = (char)de->d_type;
				memcpy(arena + used + 1, &ino, sizeof(ino));
			}
			memcpy(arena + used + hdr, de->d_name, len);
			used += hdr + len;
			n++;
		}
	}
	if (got == -1)
		goto fail;

	if (n > 0 && (names = malloc(n * sizeof(*names))) == NULL)
		goto fail;
	for (i = 0, off = 0; i < n; i++) {
		names[i] = arena + off + hdr;
		off += hdr + strlen(arena + off + hdr) + 1;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	f->names = names;
	f->n_names = n;
	f->arena = arena;
	return 0;
fail:
	saved = errno;
	free(arena);
	free(names);
	errno = saved;
	return -1;
}

/*
 * Closes the descriptor of frame i, far above the deepest: its children
 * are read already, and it is needed again only to stat and open the
 * next one when the walk comes back up.  A frame whose parent holds no
 * descriptor (a source root) stays open: there is nothing beneath which
 * to find it again.
 */
static void
park_frame(struct walk *w, size_t i)
{
	struct frame *f = &w->stack[i], *parent;

	if (i == 0 || f->fd == -1)
		return;
	parent = &w->stack[i - 1];
	if ((parent->fd == -1 && !parent->parked) ||
	    beneath_id_of(f->fd, &f->id) == -1)
		return;
	close(f->fd);
	f->fd = -1;
	f->parked = true;
}

static int
push_frame(struct walk *w, int fd, bool synthetic, struct err *e)
{
	struct frame *f;

	if (w->depth == w->stack_cap) {
		size_t cap = w->stack_cap ? w->stack_cap * 2 : 64;

		if ((f = realloc(w->stack, cap * sizeof(*f))) == NULL)
			return err_set(e, errno, "cannot walk the sources");
		w->stack = f;
		w->stack_cap = cap;
	}
	f = &w->stack[w->depth++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->synthetic = synthetic;
	f->path_len = w->path_len;
	if (w->depth > BENEATH_OPEN_LEVELS)
		park_frame(w, w->depth - 1 - BENEATH_OPEN_LEVELS);
	return 0;
}

static void
pop_frame(struct walk *w)
{
	struct frame *f = &w->stack[--w->depth];

	while (w->n_layers > 0 &&
	    w->layers[w->n_layers - 1].depth > w->depth) {
		filter_free(w->layers[w->n_layers - 1].rules);
		free(w->layers[--w->n_layers].rules);
	}
	/* Its entries' dirfd stays valid until the next walk_next. */
	if (w->left_fd != -1)
		close(w->left_fd);
	w->left_fd = f->fd;
	free(f->names);
	free(f->arena);
	/* The parent's path is this one minus "/name". */
	if (w->depth > 0)
		path_truncate(w, w->stack[w->depth - 1].path_len);
	else
		path_truncate(w, 0);
}

static void
set_warning(struct walk *w, struct walk_item *item, int errnum,
    const char *what)
{
	char quoted[512];

	name_quote(quoted, sizeof(quoted), w->path, w->path_len);
	snprintf(w->warning, sizeof(w->warning), "%s '%s': %s", what, quoted,
	    errnum ? strerror(errnum) : "skipped");
	memset(item, 0, sizeof(*item));
	item->event = WALK_WARNING;
	item->warning = w->warning;
	item->errnum = errnum;
	item->fd = -1;
}

/*
 * Opens the parked frame i again, by its path beneath the nearest frame
 * above it that is open (never through a symlink), and checks that it is
 * the folder it was.  Returns 0, or -1 with errno set (it stays parked).
 */
static int
reopen_frame(struct walk *w, size_t i)
{
	struct frame *f = &w->stack[i];
	const struct frame *base = f - 1;
	char cut = w->path[f->path_len];
	int fd;

	while (base->fd == -1)
		base--;
	w->path[f->path_len] = '\0';
	fd = beneath_reopen(base->fd, w->path + base->path_len +
	    (base->path_len > 0), O_RDONLY | O_DIRECTORY, &f->id);
	w->path[f->path_len] = cut;
	if (fd == -1)
		return -1;
	f->fd = fd;
	f->parked = false;
	return 0;
}

/*
 * Opens the parked top frame f again, so that its next child can be
 * read.  Returns 0; 1 with a warning item when it is gone or was
 * replaced (its other children are left out); -1 with e set when no
 * descriptor is left.
 */
static int
unpark_frame(struct walk *w, struct frame *f, struct walk_item *item,
    struct err *e)
{
	size_t top = w->depth - 1, i;

	path_truncate(w, f->path_len);
	/*
	 * The parked frames just above are next on the way up: open them
	 * too, the farthest first and each beneath the one before, so
	 * that a long path is resolved once per BENEATH_OPEN_LEVELS
	 * levels, not once per level.  One that fails is tried again,
	 * and reported, when it is on top.
	 */
	i = top > BENEATH_OPEN_LEVELS ? top - BENEATH_OPEN_LEVELS + 1 : 1;
	for (; i < top; i++)
		if (w->stack[i].parked)
			(void)reopen_frame(w, i);
	if (reopen_frame(w, top) == 0)
		return 0;
	if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
		return err_set(e, errno, "cannot open folder '%s'", w->path);
	f->parked = false;
	f->next = f->n_names;
	set_warning(w, item, errno, "cannot read the rest of folder");
	if (item->errnum == ESTALE) {
		char quoted[512];

		name_quote(quoted, sizeof(quoted), w->path, w->path_len);
		snprintf(w->warning, sizeof(w->warning), "folder '%s' was "
		    "moved or replaced while it was read; the rest of it is "
		    "left out", quoted);
	}
	return 1;
}

int
walk_open(struct walk **out, const struct config_source *sources,
    size_t n_sources, const struct walk_skip *skip, struct err *e)
{
	struct walk *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return err_set(e, errno, "cannot walk the sources");
	w->sources = sources;
	w->n_sources = n_sources;
	w->left_fd = -1;
	if (skip != NULL)
		w->skip = *skip;
	if (path_reserve(w, 256, e) == -1) {
		free(w);
		return -1;
	}
	w->path[0] = '\0';
	*out = w;
	return 0;
}

void
walk_close(struct walk *w)
{
	if (w == NULL)
		return;
	while (w->depth > 0)
		pop_frame(w);
	if (w->left_fd != -1)
		close(w->left_fd);
	free(w->stack);
	free(w->layers);
	free(w->path);
	free(w->target);
	free(w);
}

/*
 * Reads the source's merge file (": NAME") in the folder just pushed
 * (fd, at the top of the stack) into a layer for the entries below it.
 * The file is read below the open folder, never through a symlink and
 * never from a FIFO; a missing one is nothing.  One that cannot be read
 * or holds a bad rule is left out with a warning (yielded next), since
 * a user who owns a folder can write one: the run goes on.  Returns 0,
 * or -1 with e set (out of memory).
 */
static int
load_merge(struct walk *w, int fd, struct err *e)
{
	struct filter_layer *l;
	struct filter *rules = NULL;
	const char *name, *nested;
	char *text = NULL, why[512], quoted[512];
	struct stat st;
	size_t line = 0;
	ssize_t n;
	int mfd;

	if (!filter_merge_name(&w->source->filter, &name))
		return 0;
	mfd = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (mfd == -1 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	why[0] = '\0';
	if (mfd == -1 || fstat(mfd, &st) == -1)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof(why), "not a regular file");
	else if (st.st_size > FILTER_MERGE_MAX)
		snprintf(why, sizeof(why), "larger than %d bytes",
		    FILTER_MERGE_MAX);
	else if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		close(mfd);
		return err_set(e, ENOMEM, "cannot walk the sources");
	} else if ((n = pread(mfd, text, (size_t)st.st_size, 0)) == -1)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if ((rules = calloc(1, sizeof(*rules))) == NULL) {
		free(text);
		close(mfd);
		return err_set(e, ENOMEM, "cannot walk the sources");
	} else if (filter_parse_lines(rules, text, (size_t)n, &line, why,
	    sizeof(why)) == -1)
		;
	else if (filter_merge_name(rules, &nested)) {
		line = 0;
		snprintf(why, sizeof(why), "': %.200s' in a filter file is "
		    "not supported", nested);
	}
	if (mfd != -1)
		close(mfd);
	free(text);
	if (why[0] != '\0') {
		if (rules != NULL)
			filter_free(rules);
		free(rules);
		name_quote(quoted, sizeof(quoted), w->path, w->path_len);
		if (line > 0)
			snprintf(w->pending_text, sizeof(w->pending_text),
			    "filter file '%.400s/%.200s' left out: line %zu: "
			    "%.300s", quoted, name, line, why);
		else
			snprintf(w->pending_text, sizeof(w->pending_text),
			    "filter file '%.400s/%.200s' left out: %.300s",
			    quoted, name, why);
		w->pending = true;
		return 0;
	}
	if (w->n_layers == w->layers_cap) {
		size_t cap = w->layers_cap ? w->layers_cap * 2 : 8;

		if ((l = realloc(w->layers, cap * sizeof(*l))) == NULL) {
			filter_free(rules);
			free(rules);
			return err_set(e, ENOMEM, "cannot walk the sources");
		}
		w->layers = l;
		w->layers_cap = cap;
	}
	l = &w->layers[w->n_layers++];
	l->rules = rules;
	/* The source root's children start at 0; "a"'s at "a/". */
	l->off = w->path_len < w->rel_start ? 0 : w->path_len - w->rel_start +
	    1;
	l->depth = w->depth;
	return 0;
}

/* Length of the first component of s (up to '/' or the end). */
static size_t
component_len(const char *s)
{
	const char *slash = strchr(s, '/');

	return slash ? (size_t)(slash - s) : strlen(s);
}

static void
fill_item(struct walk *w, struct walk_item *item, int dirfd, const char *name,
    int fd, bool synthetic)
{
	memset(item, 0, sizeof(*item));
	item->event = WALK_ENTRY;
	w->ent.path = w->path;
	w->ent.path_len = w->path_len;
	item->ent = &w->ent;
	item->st = &w->st;
	item->dirfd = dirfd;
	item->name = name;
	item->fd = fd;
	item->synthetic = synthetic;
	item->flagged = !synthetic && w->flagged;
	item->descend = fd != -1;
}

/*
 * Moves the walk on to the next source when the stack holds only
 * synthetic folders: leaves folders that are not on the next dest's way,
 * enters the ones that are, and finally the source root itself.
 * Returns 1 with an item, 0 when every source is done, -1 on error.
 */

/*
 * Opens a folder to read it without moving its atime (reading a folder
 * is an access): O_NOATIME, which only its owner or root may use.
 */
static int
open_dir(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOATIME);

	if (fd == -1 && errno == EPERM)
		fd = openat(dirfd, name, flags);
	return fd;
}

static int
next_source_step(struct walk *w, struct walk_item *item, struct err *e)
{
	const struct config_source *src;
	const char *dest, *rest;
	struct stat st;
	size_t clen;
	int fd;

	if (w->next_source == w->n_sources) {
		if (w->depth == 0)
			return 0;
		pop_frame(w);
		memset(item, 0, sizeof(*item));
		item->event = WALK_LEAVE;
		item->fd = -1;
		return 1;
	}
	src = &w->sources[w->next_source];
	dest = src->dest;

	/* Leave a synthetic folder that is not a parent of dest. */
	if (w->depth > 0 && !(strncmp(dest, w->path, w->path_len) == 0 &&
	    dest[w->path_len] == '/')) {
		pop_frame(w);
		memset(item, 0, sizeof(*item));
		item->event = WALK_LEAVE;
		item->fd = -1;
		return 1;
	}
	rest = dest + w->path_len + (w->path_len > 0);
	clen = component_len(rest);
	if (rest[clen] == '/') {
		/* A folder on the way to dest that no source provides. */
		if (path_push(w, rest, clen, e) == -1 ||
		    push_frame(w, -1, true, e) == -1)
			return -1;
		memset(&w->st, 0, sizeof(w->st));
		/* As the linker makes it: 0700, root's (see create.c). */
		w->st.st_mode = S_IFDIR | 0700;
		w->st.st_nlink = 2;
		w->st.st_mtim.tv_sec = time(NULL);
		walk_entry_from_stat(&w->ent, &w->st);
		fill_item(w, item, -1, NULL, -1, true);
		item->descend = true;
		return 1;
	}

	/* The source root: followed if it is a symlink, as named. */
	fd = open_dir(AT_FDCWD, src->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return err_set(e, errno, "cannot open source '%s'", src->path);
	if (fstat(fd, &st) == -1) {
		int saved = errno;

		close(fd);
		return err_set(e, saved, "cannot stat source '%s'", src->path);
	}
	if (path_push(w, rest, clen, e) == -1 ||
	    push_frame(w, fd, false, e) == -1) {
		close(fd);
		return -1;
	}
	w->next_source++;
	w->source = src;
	w->source_dev = st.st_dev;
	w->rel_start = w->path_len + 1;
	w->st = st;
	w->flagged = false;
	walk_entry_from_stat(&w->ent, &w->st);
	if (read_names(fd, &w->stack[w->depth - 1], src->host != NULL) == -1)
		return err_set(e, errno, "cannot read source '%s'", src->path);
	if (load_merge(w, fd, e) == -1)
		return -1;
	fill_item(w, item, -1, NULL, fd, false);
	return 1;
}

static int
read_target(struct walk *w, int dirfd, const char *name)
{
	size_t want = (size_t)w->st.st_size + 1;
	ssize_t n;

	for (;;) {
		if (want > w->target_cap) {
			char *p = realloc(w->target, want);

			if (p == NULL)
				return -1;
			w->target = p;
			w->target_cap = want;
		}
		n = readlinkat(dirfd, name, w->target, w->target_cap);
		if (n == -1)
			return -1;
		if ((size_t)n < w->target_cap)
			break;
		/* The link grew since the stat. */
		want = w->target_cap * 2;
	}
	w->target[n] = '\0';	/* symlinkat wants a C string */
	w->ent.target = w->target;
	w->ent.target_len = n;
	w->ent.size = n;
	return 0;
}

/*
 * fstatat without following a symlink, by statx, which also tells for
 * free whether the inode carries a flag a snapshot does not keep
 * (chattr +i, +a, +d): *flagged.  Returns 0, or -1 with errno set.
 */
static int
stat_entry(int dirfd, const char *name, struct stat *st, bool *flagged)
{
	const uint64_t kept_not = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND |
	    STATX_ATTR_NODUMP;
	struct statx x;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT,
	    STATX_BASIC_STATS, &x) == -1)
		return -1;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(x.stx_dev_major, x.stx_dev_minor);
	st->st_ino = x.stx_ino;
	st->st_mode = x.stx_mode;
	st->st_nlink = x.stx_nlink;
	st->st_uid = x.stx_uid;
	st->st_gid = x.stx_gid;
	st->st_rdev = makedev(x.stx_rdev_major, x.stx_rdev_minor);
	st->st_size = (off_t)x.stx_size;
	st->st_blksize = x.stx_blksize;
	st->st_blocks = (blkcnt_t)x.stx_blocks;
	st->st_atim.tv_sec = x.stx_atime.tv_sec;
	st->st_atim.tv_nsec = x.stx_atime.tv_nsec;
	st->st_mtim.tv_sec = x.stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = x.stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = x.stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = x.stx_ctime.tv_nsec;
	*flagged = (x.stx_attributes & x.stx_attributes_mask & kept_not) != 0;
	return 0;
}

/*
 * A regular file of a remote source's folder, as getdents64 named it:
 * yielded without a stat (walk.h), unless the filter leaves it out.
 * Returns 1 with an item, or 2 when left out.
 */
static int
lazy_step(struct walk *w, struct walk_item *item, const struct frame *f,
    const char *name, uint64_t d_ino)
{
	if (filter_excludes_merged(&w->source->filter, w->layers,
	    w->n_layers, w->path + w->rel_start, w->path_len - w->rel_start,
	    false)) {
		path_truncate(w, f->path_len);
		return 2;
	}
	memset(&w->st, 0, sizeof(w->st));
	w->st.st_mode = S_IFREG;
	w->st.st_ino = d_ino;
	w->flagged = false;
	walk_entry_from_stat(&w->ent, &w->st);
	fill_item(w, item, f->fd, name, -1, false);
	item->d_type = DT_REG;
	item->d_ino = d_ino;
	item->lazy = true;
	item->walk = w;
	return 1;
}

int
walk_item_stat(const struct walk_item *item)
{
	struct walk *w = item->walk;
	bool flagged;

	if (!item->lazy)
		return 0;
	if (stat_entry(item->dirfd, item->name, &w->st, &flagged) == -1)
		return -1;
	if (!S_ISREG(w->st.st_mode)) {
		errno = ESTALE;
		return -1;
	}
	walk_entry_from_stat(&w->ent, &w->st);
	return 0;
}

/*
 * Yields the next child of the top folder, or leaves the folder.
 * Returns 1 with an item, 2 to be called again (an entry was left out),
 * -1 on error.
 */
static int
child_step(struct walk *w, struct walk_item *item, struct err *e)
{
	struct frame *f = &w->stack[w->depth - 1];
	const char *name;
	unsigned char d_type = DT_UNKNOWN;
	uint64_t d_ino = 0;
	bool is_dir;
	int fd, r;

	if (f->parked && f->next < f->n_names &&
	    (r = unpark_frame(w, f, item, e)) != 0)
		return r;
	if (f->next == f->n_names) {
		pop_frame(w);
		memset(item, 0, sizeof(*item));
		item->event = WALK_LEAVE;
		item->fd = -1;
		return 1;
	}
	name = f->names[f->next++];
	path_truncate(w, f->path_len);
	if (path_push(w, name, strlen(name), e) == -1)
		return -1;
	if (w->source->host != NULL) {
		name_meta(name, &d_type, &d_ino);
		if (d_type == DT_REG)
			return lazy_step(w, item, f, name, d_ino);
	}

	if (stat_entry(f->fd, name, &w->st, &w->flagged) == -1) {
		/* ENOENT: gone since the folder was read, which rsync
		 * reports as "vanished" too. */
		set_warning(w, item, errno, errno == ENOENT ? "vanished" :
		    "cannot stat");
		path_truncate(w, f->path_len);
		return 1;
	}
	is_dir = S_ISDIR(w->st.st_mode);
	if (filter_excludes_merged(&w->source->filter, w->layers,
	    w->n_layers, w->path + w->rel_start, w->path_len - w->rel_start,
	    is_dir)) {
		path_truncate(w, f->path_len);
		return 2;
	}
	if (is_dir && w->skip.set && w->st.st_dev == w->skip.dev &&
	    w->st.st_ino == w->skip.ino) {
		/* The snapshot root inside a source: never back up backups. */
		path_truncate(w, f->path_len);
		return 2;
	}
	walk_entry_from_stat(&w->ent, &w->st);

	if (S_ISLNK(w->st.st_mode)) {
		if (read_target(w, f->fd, name) == -1) {
			set_warning(w, item, errno, "cannot read symlink");
			path_truncate(w, f->path_len);
			return 1;
		}
	}
	if (!is_dir) {
		fill_item(w, item, f->fd, name, -1, false);
		item->d_type = d_type;
		item->d_ino = d_ino;
		return 1;
	}

	/* A folder: open it without following a symlink swapped in since
	 * the stat, and make sure it is still the folder we stat'ed. */
	fd = open_dir(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd != -1) {
		struct stat now;

		if (fstat(fd, &now) == -1 || now.st_ino != w->st.st_ino ||
		    now.st_dev != w->st.st_dev) {
			close(fd);
			fd = -1;
			errno = ESTALE;
		}
	}
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE)
			return err_set(e, errno, "cannot open folder '%s'",
			    w->path);
		/* Still make the folder, empty, and say why. */
		w->pending = true;
		w->pending_errnum = errno;
		if (push_frame(w, -1, false, e) == -1)
			return -1;
		fill_item(w, item, w->stack[w->depth - 2].fd, name, -1,
		    false);
		item->d_type = d_type;
		item->d_ino = d_ino;
		return 1;
	}
	if (marker_found(fd, &w->source->filter)) {
		/* A cache or a folder marked "no backup": left out whole,
		 * like a folder an exclude rule matches. */
		close(fd);
		path_truncate(w, f->path_len);
		return 2;
	}
	if (push_frame(w, fd, false, e) == -1) {
		close(fd);
		return -1;
	}
	if (w->source->one_file_system && w->st.st_dev != w->source_dev) {
		/* A mount point: kept as an empty folder, like rsync -x. */
		fill_item(w, item, w->stack[w->depth - 2].fd, name, fd, false);
		item->descend = false;
		item->d_type = d_type;
		item->d_ino = d_ino;
		return 1;
	}
	if (read_names(fd, &w->stack[w->depth - 1],
	    w->source->host != NULL) == -1) {
		w->pending = true;
		w->pending_errnum = errno;
	} else if (load_merge(w, fd, e) == -1)
		return -1;
	/* f may have moved with the stack; the parent is depth - 2. */
	fill_item(w, item, w->stack[w->depth - 2].fd, name, fd, false);
	item->d_type = d_type;
	item->d_ino = d_ino;
	return 1;
}

int
walk_next(struct walk *w, struct walk_item *item, struct err *e)
{
	int r;

	if (w->left_fd != -1) {
		close(w->left_fd);
		w->left_fd = -1;
	}
	if (w->pending) {
		w->pending = false;
		set_warning(w, item, w->pending_errnum, "cannot read folder");
		if (w->pending_text[0] != '\0') {
			snprintf(w->warning, sizeof(w->warning), "%s",
			    w->pending_text);
			w->pending_text[0] = '\0';
			item->errnum = 0;
		}
		return 1;
	}
	for (;;) {
		if (w->depth == 0 || w->stack[w->depth - 1].synthetic)
			return next_source_step(w, item, e);
		r = child_step(w, item, e);
		if (r != 2)
			return r;
	}
}
