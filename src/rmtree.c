#include "rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mountpoint.h"

/* One folder on the way down from the top. */
struct level {
	DIR	*dir;		/* NULL: closed, reopened through ".." */
	dev_t	 dev;
	ino_t	 ino;
	size_t	 len;		/* of the path up to and with this folder */
	bool	 holds_left;	/* something below stays in place */
};

/* A folder left in place: a mount point, or one holding one. */
struct left {
	dev_t	 dev;
	ino_t	 ino;
};

struct walk {
	const struct sys_ops	*sys;
	struct rmtree_kept	*kept;
	struct err		*e;
	dev_t			 top_dev;
	struct level		*lv;
	size_t			 depth, cap;
	char			*path;	/* relative to the caller's dirfd */
	size_t			 pathcap;
	struct left		*left;
	size_t			 nleft, capleft;
};

/*
 * A read-only folder of a tree being removed stops a user that is not
 * root.  Folders are never hard-linked between snapshots, so making this
 * one writable changes no other snapshot.
 */
static void
make_removable(const struct sys_ops *sys, int fd)
{
	if (geteuid() != 0)
		sys->fchmod(fd, 0700);
}

static bool
was_left(const struct walk *w, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < w->nleft; i++)
		if (w->left[i].dev == dev && w->left[i].ino == ino)
			return true;
	return false;
}

static int
remember_left(struct walk *w, dev_t dev, ino_t ino)
{
	struct left *n;

	if (w->nleft == w->capleft) {
		w->capleft = w->capleft ? w->capleft * 2 : 8;
		if ((n = realloc(w->left, w->capleft * sizeof(*n))) == NULL)
			return err_set(w->e, errno, "cannot remove '%s'",
			    w->path);
		w->left = n;
	}
	w->left[w->nleft].dev = dev;
	w->left[w->nleft].ino = ino;
	w->nleft++;
	return 0;
}

/* Appends "/name" to the path (or sets it to name when empty). */
static int
path_push(struct walk *w, const char *name)
{
	size_t len = strlen(w->path), need = len + strlen(name) + 2;
	char *n;

	if (need > w->pathcap) {
		if ((n = realloc(w->path, need * 2)) == NULL)
			return err_set(w->e, errno, "cannot remove '%s'",
			    w->path);
		w->path = n;
		w->pathcap = need * 2;
	}
	snprintf(w->path + len, w->pathcap - len, "%s%s", len ? "/" : "",
	    name);
	return 0;
}

/*
 * A mount point at path/name, with (dev, ino) its root: left in place
 * and reported, or an error when the caller wants none.
 */
static int
keep_mount(struct walk *w, const char *name, dev_t dev, ino_t ino)
{
	size_t len = strlen(w->path);
	int r;

	if (w->kept == NULL)
		return err_set(w->e, EBUSY, "cannot remove '%s%s%s': it is a "
		    "mount point", w->path, len && *name ? "/" : "", name);
	if (w->depth > 0)
		w->lv[w->depth - 1].holds_left = true;
	if (was_left(w, dev, ino))
		return 0;
	if (w->kept->n++ == 0)
		snprintf(w->kept->first, sizeof(w->kept->first), "%s%s%s",
		    w->path, len && *name ? "/" : "", name);
	r = remember_left(w, dev, ino);
	return r;
}

/* Makes fd (an open folder) the next level down.  Takes fd. */
static int
push_level(struct walk *w, int fd, const struct stat *st)
{
	struct level *n;

	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		if ((n = realloc(w->lv, w->cap * sizeof(*n))) == NULL) {
			close(fd);
			return err_set(w->e, errno, "cannot remove '%s'",
			    w->path);
		}
		w->lv = n;
	}
	n = &w->lv[w->depth];
	if ((n->dir = fdopendir(fd)) == NULL) {
		close(fd);
		return err_set(w->e, errno, "cannot read '%s'", w->path);
	}
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->len = strlen(w->path);
	n->holds_left = false;
	w->depth++;
	/* Bounded descriptors: a deep tree closes the folders far above,
	 * to be read again from the start on the way back up. */
	if (w->depth > RMTREE_OPEN) {
		n = &w->lv[w->depth - 1 - RMTREE_OPEN];
		closedir(n->dir);
		n->dir = NULL;
	}
	return 0;
}

/*
 * Leaves the current folder, which holds nothing removable any more,
 * for its parent, and removes it there (unless it holds a mount point).
 */
static int
pop_level(struct walk *w)
{
	struct level *cur = &w->lv[w->depth - 1], *up = cur - 1;
	struct stat st;
	const char *name;
	int fd;

	if (up->dir == NULL) {
		/* The parent must be the folder we came down from: a ".."
		 * that leads elsewhere means the tree moved under us. */
		fd = openat(dirfd(cur->dir), "..", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1) {
			if (fd != -1)
				close(fd);
			return err_set(w->e, errno, "cannot remove '%s'",
			    w->path);
		}
		if (st.st_dev != up->dev || st.st_ino != up->ino) {
			close(fd);
			return err_set(w->e, 0, "cannot remove '%s': it moved "
			    "while being removed", w->path);
		}
		if ((up->dir = fdopendir(fd)) == NULL) {
			close(fd);
			return err_set(w->e, errno, "cannot read '%s'",
			    w->path);
		}
	}
	closedir(cur->dir);
	cur->dir = NULL;
	w->depth--;
	name = w->path + up->len + 1;
	if (w->sys->unlinkat(dirfd(up->dir), name, AT_REMOVEDIR) == -1) {
		/* Only a mount point below may keep it; it is not read
		 * again when its parent is. */
		if ((errno != ENOTEMPTY && errno != EEXIST) ||
		    !cur->holds_left)
			return err_set(w->e, errno, "cannot remove '%s'",
			    w->path);
		up->holds_left = true;
		if (remember_left(w, cur->dev, cur->ino) == -1)
			return -1;
	}
	w->path[up->len] = '\0';
	return 0;
}

/* Handles one entry of the current folder. */
static int
remove_entry(struct walk *w, const char *name)
{
	struct level *cur = &w->lv[w->depth - 1];
	int fd = dirfd(cur->dir), sub, saved;
	struct stat st;
	bool mount;

	if (w->sys->unlinkat(fd, name, 0) == 0 || errno == ENOENT)
		return 0;
	saved = errno;
	if (saved == EBUSY && fstatat(fd, name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && mountpoint_is(fd, name,
	    AT_SYMLINK_NOFOLLOW, &mount) == 0 && mount)
		return keep_mount(w, name, st.st_dev, st.st_ino);
	/* Linux says EISDIR for a folder, POSIX allows EPERM. */
	if (saved != EISDIR && saved != EPERM)
		return err_set(w->e, saved, "cannot remove '%s/%s'", w->path,
		    name);
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub == -1) {
		if (errno == ENOENT)
			return 0;
		return err_set(w->e, errno == ENOTDIR ? saved : errno,
		    "cannot remove '%s/%s'", w->path, name);
	}
	if (fstat(sub, &st) == -1 || mountpoint_is(sub, "", AT_EMPTY_PATH,
	    &mount) == -1) {
		saved = errno;
		close(sub);
		return err_set(w->e, saved, "cannot remove '%s/%s'", w->path,
		    name);
	}
	if (was_left(w, st.st_dev, st.st_ino)) {
		close(sub);
		return 0;
	}
	/* Another filesystem, or a bind mount of this one: never
	 * entered, since what is there belongs to no snapshot. */
	if (mount || st.st_dev != w->top_dev) {
		close(sub);
		return keep_mount(w, name, st.st_dev, st.st_ino);
	}
	make_removable(w->sys, sub);
	if (path_push(w, name) == -1) {
		close(sub);
		return -1;
	}
	return push_level(w, sub, &st);
}

/* Empties the tree whose top the walk holds, going down and up. */
static int
empty_tree(struct walk *w)
{
	struct dirent *de;

	while (w->depth > 0) {
		errno = 0;
		if ((de = readdir(w->lv[w->depth - 1].dir)) == NULL) {
			if (errno != 0)
				return err_set(w->e, errno, "cannot read '%s'",
				    w->path);
			if (w->depth == 1)
				return 0;
			if (pop_level(w) == -1)
				return -1;
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (remove_entry(w, de->d_name) == -1)
			return -1;
	}
	return 0;
}

int
rmtree_remove(const struct sys_ops *sys, int dirfd, const char *name,
    struct rmtree_kept *kept, struct err *e)
{
	struct walk w;
	struct stat st;
	size_t i;
	bool mount, holds_left;
	int fd, r = -1, saved;

	if (sys->unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	saved = errno;
	if (saved == ENOTDIR) {
		if (sys->unlinkat(dirfd, name, 0) == 0)
			return 0;
		return err_set(e, errno, "cannot remove '%s'", name);
	}
	if (saved != ENOTEMPTY && saved != EEXIST && saved != EACCES &&
	    saved != EPERM && saved != EBUSY)
		return err_set(e, saved, "cannot remove '%s'", name);

	memset(&w, 0, sizeof(w));
	w.sys = sys;
	w.kept = kept;
	w.e = e;
	if ((w.path = strdup("")) == NULL)
		return err_set(e, errno, "cannot remove '%s'", name);
	w.pathcap = 1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 ||
	    mountpoint_is(fd, "", AT_EMPTY_PATH, &mount) == -1) {
		saved = errno;
		if (fd != -1)
			close(fd);
		err_set(e, saved, "cannot remove '%s'", name);
		goto out;
	}
	if (mount) {
		close(fd);
		r = keep_mount(&w, name, st.st_dev, st.st_ino);
		goto out;
	}
	w.top_dev = st.st_dev;
	make_removable(sys, fd);
	if (path_push(&w, name) == -1 || push_level(&w, fd, &st) == -1)
		goto out;
	if (empty_tree(&w) == -1)
		goto out;
	holds_left = w.lv[0].holds_left;
	closedir(w.lv[0].dir);
	w.lv[0].dir = NULL;
	w.depth = 0;
	if (sys->unlinkat(dirfd, name, AT_REMOVEDIR) == -1 &&
	    ((errno != ENOTEMPTY && errno != EEXIST) || !holds_left)) {
		err_set(e, errno, "cannot remove '%s'", name);
		goto out;
	}
	r = 0;
out:
	for (i = 0; i < w.depth; i++)
		if (w.lv[i].dir != NULL)
			closedir(w.lv[i].dir);
	free(w.lv);
	free(w.left);
	free(w.path);
	return r;
}
