#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta.h"
#include "interrupt.h"
#include "mountpoint.h"
#include "retain.h"
#include "rmtree.h"
#include "testhook.h"

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/*
 * A folder of snap's own that mkdirat just made: a default ACL above it
 * gave it ACLs that would let others in (and pass them on to all that
 * is made below).  Returns 0, or -1 with errno set.
 */
static int
keep_private(const struct sys_ops *sys, int dirfd, const char *name)
{
	struct err e;
	int fd, r;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	r = meta_drop_acls(sys, fd, name, &e);
	close(fd);
	if (r == -1)
		errno = e.errnum;
	return r;
}

static int
mkdir_exist_ok(const struct sys_ops *sys, int dirfd, const char *name,
    mode_t mode)
{
	if (sys->mkdirat(dirfd, name, mode) == -1)
		return errno == EEXIST ? 0 : -1;
	return keep_private(sys, dirfd, name);
}

/* Creates the root (0700) if it is missing but its parent exists. */
static int
make_root(const struct config *cfg, const struct sys_ops *sys,
    struct err *e)
{
	struct stat st;
	bool mounted;

	if (cfg->require_mount) {
		if (mountpoint_is(AT_FDCWD, cfg->snapshot_root, 0,
		    &mounted) == -1)
			return err_set(e, errno, "snapshot root '%s' is not "
			    "available (require_mount is set: is the backup "
			    "disk plugged in and mounted?)",
			    cfg->snapshot_root);
		if (!mounted)
			return err_set(e, 0, "snapshot root '%s' is not a "
			    "mount point (require_mount is set): is the backup "
			    "disk plugged in and mounted?", cfg->snapshot_root);
	}
	if (stat(cfg->snapshot_root, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err_set(e, ENOTDIR, "snapshot root '%s' is not "
			    "a folder", cfg->snapshot_root);
		return 0;
	}
	if (errno != ENOENT)
		return err_set(e, errno, "cannot use snapshot root '%s'",
		    cfg->snapshot_root);
	if (sys->mkdirat(AT_FDCWD, cfg->snapshot_root, 0700) == -1 &&
	    errno != EEXIST) {
		if (errno == ENOENT)
			return err_set(e, 0, "snapshot root '%s' does not "
			    "exist and neither does its parent folder: create "
			    "it, or mount the backup disk", cfg->snapshot_root);
		return err_set(e, errno, "cannot create snapshot root '%s'",
		    cfg->snapshot_root);
	}
	if (keep_private(sys, AT_FDCWD, cfg->snapshot_root) == -1)
		return err_set(e, errno, "cannot make snapshot root '%s' "
		    "private", cfg->snapshot_root);
	return 0;
}

/*
 * Takes the writer's lock, waiting up to wait seconds.  Returns 0,
 * STORE_ELOCKED with e naming the holder, or -1.
 */
static int
take_lock(struct store *s, unsigned int wait, struct err *e)
{
	char buf[32];
	ssize_t n;
	struct timespec now;
	double deadline;

	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = now.tv_sec + now.tv_nsec / 1e9 + wait;

	s->lock_fd = s->sys->openat(s->meta_fd, "lock", O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd == -1)
		return err_set(e, errno, "cannot open lock '%s/.snap/lock'",
		    s->root);
	while (flock(s->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			return err_set(e, errno, "cannot lock '%s/.snap/lock'",
			    s->root);
		if (interrupt_signal() != 0)
			return err_set(e, EINTR, "interrupted while waiting "
			    "for the lock on '%s'", s->root);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec + now.tv_nsec / 1e9 < deadline) {
			usleep(200 * 1000);
			continue;
		}
		n = pread(s->lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		err_set(e, 0, "another snap (pid %s) is working on '%s'; wait "
		    "for it to finish, or set lock_wait", buf[0] ? buf : "?",
		    s->root);
		return STORE_ELOCKED;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (s->sys->ftruncate(s->lock_fd, 0) == -1 ||
	    s->sys->pwrite(s->lock_fd, buf, n, 0) != n)
		return err_set(e, errno, "cannot write lock '%s/.snap/lock'",
		    s->root);
	return 0;
}

/* Has dirfd a manifest called name? */
static bool
has_manifest(struct store *s, const char *name)
{
	struct stat st;

	return s->manifests_fd != -1 &&
	    fstatat(s->manifests_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

static int
cmp_snapshot_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
store_list_snapshots(struct store *s, struct store_list *out, struct err *e)
{
	DIR *dir;
	struct dirent *de;
	struct stat st;
	char (*names)[NAME_SNAPSHOT_LEN];
	size_t cap = 0;
	int fd;

	memset(out, 0, sizeof(*out));
	if (s->root_fd == -1 || s->manifests_fd == -1)
		return 0;	/* a root no create has written to */
	if ((fd = fcntl(s->root_fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return err_set(e, errno, "cannot read '%s'", s->root);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return err_set(e, errno, "cannot read '%s'", s->root);
	}
	/* The duplicate shares root_fd's offset, which an earlier listing
	 * left at the end. */
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		/* Complete means: a folder with the name of a snapshot and
		 * a manifest; store_commit makes both before the name. */
		if (!name_is_snapshot(de->d_name))
			continue;
		if (fstatat(s->root_fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(st.st_mode))
			continue;
		if (!has_manifest(s, de->d_name))
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(out->names, cap * sizeof(*names));
			if (names == NULL) {
				closedir(dir);
				store_list_free(out);
				return err_set(e, errno, "cannot list '%s'",
				    s->root);
			}
			out->names = names;
		}
		/* name_is_snapshot vouches for the length. */
		memcpy(out->names[out->n++], de->d_name,
		    strlen(de->d_name) + 1);
	}
	closedir(dir);
	if (out->n > 1)
		qsort(out->names, out->n, sizeof(*out->names),
		    cmp_snapshot_names);
	return 0;
}

void
store_list_free(struct store_list *l)
{
	free(l->names);
	memset(l, 0, sizeof(*l));
}

int
store_resolve(const struct store_list *l, const char *query, size_t *index,
    struct err *e)
{
	char candidates[1024];
	size_t i, len = strlen(query), found = 0, off = 0;
	unsigned long back = 0;
	char *end;

	if (l->n == 0)
		return err_set(e, 0, "there is no snapshot yet, so none is "
		    "called '%s'", query);
	if (strncmp(query, "latest", 6) == 0 &&
	    (query[6] == '\0' || query[6] == '~')) {
		if (query[6] == '~') {
			errno = 0;
			back = strtoul(query + 7, &end, 10);
			if (query[7] < '0' || query[7] > '9' || *end != '\0' ||
			    errno != 0)
				return err_set(e, 0, "'%s' is not a snapshot "
				    "name: after 'latest~' comes a number",
				    query);
		}
		if (back >= l->n)
			return err_set(e, 0, "'%s' does not exist: there %s "
			    "only %zu snapshot%s", query, l->n == 1 ? "is" :
			    "are", l->n, l->n == 1 ? "" : "s");
		*index = l->n - 1 - back;
		return 0;
	}
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->names[i], query) == 0) {
			*index = i;
			return 0;
		}
		if (len == 0 || strncmp(l->names[i], query, len) != 0)
			continue;
		if (found++ == 0)
			*index = i;
		if (off < sizeof(candidates) - NAME_SNAPSHOT_LEN - 8)
			off += snprintf(candidates + off, sizeof(candidates) -
			    off, "%s%s", off ? ", " : "", l->names[i]);
	}
	if (found == 1)
		return 0;
	if (found > 1)
		return err_set(e, 0, "'%s' is ambiguous: it matches %s", query,
		    candidates);
	for (i = l->n > 5 ? l->n - 5 : 0, off = 0; i < l->n; i++)
		off += snprintf(candidates + off, sizeof(candidates) - off,
		    "%s%s", off ? ", " : "", l->names[i]);
	return err_set(e, 0, "no snapshot is called '%s'; the newest are: %s "
	    "(or use 'latest', 'latest~N')", query, candidates);
}

/*
 * Makes the newest complete snapshot older than before (NULL: any) the
 * previous one and opens it; none leaves s->prev "" and prev_fd -1.
 */
static int
use_prev_before(struct store *s, const char *before, struct err *e)
{
	struct store_list list;
	size_t i;

	if (store_list_snapshots(s, &list, e) == -1)
		return -1;
	for (i = list.n; i > 0 && before != NULL &&
	    strcmp(list.names[i - 1], before) >= 0; i--)
		continue;
	close_fd(&s->prev_fd);
	s->prev[0] = '\0';
	if (i > 0)
		memcpy(s->prev, list.names[i - 1], NAME_SNAPSHOT_LEN);
	store_list_free(&list);
	if (s->prev[0] != '\0') {
		s->prev_fd = openat(s->root_fd, s->prev, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->prev_fd == -1)
			return err_set(e, errno, "cannot open snapshot '%s'",
			    s->prev);
	}
	return 0;
}

/* Finds the newest complete snapshot and opens it. */
static int
find_prev(struct store *s, struct err *e)
{
	return use_prev_before(s, NULL, e);
}

int
store_prev_older(struct store *s, struct err *e)
{
	char before[NAME_SNAPSHOT_LEN];

	memcpy(before, s->prev, sizeof(before));
	return use_prev_before(s, before, e);
}

/*
 * Removes ROOT/.snap/WHERE/name, where dirfd is ROOT/.snap/WHERE, and
 * notes the mount points it left in place for store_kept_mounts.
 */
static int
remove_tree(struct store *s, int dirfd, const char *where, const char *name,
    struct err *e)
{
	struct rmtree_kept kept;

	kept.n = 0;
	if (rmtree_remove(s->sys, dirfd, name, &kept, e) == -1)
		return -1;
	if (kept.n > 0 && s->mounts_kept == 0)
		snprintf(s->mount_kept, sizeof(s->mount_kept),
		    "%s/.snap/%s/%s", s->root, where, kept.first);
	s->mounts_kept += kept.n;
	return 0;
}

/*
 * Deals with what a killed run left: keeps the newest incomplete tree as
 * a link source for this run and removes the others, and removes
 * half-written manifests and manifests whose snapshot never appeared.
 */
static int
find_leftovers(struct store *s, struct err *e)
{
	DIR *dir;
	struct dirent *de;
	struct stat st;
	char best[sizeof(s->reuse)] = "";
	int fd;

	if ((fd = fcntl(s->incomplete_fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (dir = fdopendir(fd)) == NULL)
		return err_set(e, errno, "cannot read '%s/.snap/incomplete'",
		    s->root);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, best) > 0 &&
		    strlen(de->d_name) < sizeof(best)) {
			if (best[0] != '\0' && remove_tree(s,
			    s->incomplete_fd, "incomplete", best, e) == -1) {
				closedir(dir);
				return -1;
			}
			snprintf(best, sizeof(best), "%s", de->d_name);
		} else if (remove_tree(s, s->incomplete_fd, "incomplete",
		    de->d_name, e) == -1) {
			closedir(dir);
			return -1;
		}
	}
	closedir(dir);

	if ((fd = fcntl(s->manifests_fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (dir = fdopendir(fd)) == NULL)
		return err_set(e, errno, "cannot read '%s/.snap/manifests'",
		    s->root);
	while ((de = readdir(dir)) != NULL) {
		char snap[NAME_SNAPSHOT_LEN];
		size_t len = strcspn(de->d_name, ".");

		if (de->d_name[0] == '.' || len >= sizeof(snap))
			continue;
		memcpy(snap, de->d_name, len);
		snap[len] = '\0';
		if (de->d_name[len] == '\0' && fstatat(s->root_fd, snap, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (de->d_name[len] != '\0' && strcmp(de->d_name + len,
		    ".tmp") != 0 && fstatat(s->root_fd, snap, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			continue;	/* NAME.summary of a snapshot */
		s->sys->unlinkat(s->manifests_fd, de->d_name, 0);
	}
	closedir(dir);

	if (best[0] != '\0') {
		snprintf(s->reuse, sizeof(s->reuse), "%s", best);
		s->reuse_fd = openat(s->incomplete_fd, best, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->reuse_fd == -1)
			s->reuse[0] = '\0';
	}
	return 0;
}

/*
 * Points ROOT/latest at the newest complete snapshot other than skip (a
 * name, or "" for none), or removes it when there is none.  Leaves it
 * alone when it already points there.
 */
static int
repoint_latest(struct store *s, const char *skip, struct err *e)
{
	struct store_list list;
	char target[NAME_SNAPSHOT_LEN + 1];
	ssize_t len;
	int r = 0;

	if (store_list_snapshots(s, &list, e) == -1)
		return -1;
	if (list.n > 0 && strcmp(list.names[list.n - 1], skip) == 0)
		list.n--;
	len = readlinkat(s->root_fd, "latest", target, sizeof(target) - 1);
	target[len > 0 ? len : 0] = '\0';
	if (list.n == 0) {
		if (len >= 0 && s->sys->unlinkat(s->root_fd, "latest",
		    0) == -1 &&
		    errno != ENOENT)
			r = err_set(e, errno, "cannot remove '%s/latest'",
			    s->root);
	} else if (strcmp(target, list.names[list.n - 1]) != 0) {
		s->sys->unlinkat(s->root_fd, ".latest.tmp", 0);
		if (s->sys->symlinkat(list.names[list.n - 1], s->root_fd,
		    ".latest.tmp") == -1 || s->sys->renameat(s->root_fd,
		    ".latest.tmp", s->root_fd, "latest") == -1)
			r = err_set(e, errno, "cannot point '%s/latest' at "
			    "'%s'", s->root, list.names[list.n - 1]);
	}
	store_list_free(&list);
	return r;
}

/* Removes what ROOT/.snap/deleting holds: deletes a killed run began. */
static int
finish_deletes(struct store *s, struct err *e)
{
	DIR *dir;
	struct dirent *de;
	int fd, r = 0;

	if ((fd = fcntl(s->deleting_fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return err_set(e, errno, "cannot read '%s/.snap/deleting'",
		    s->root);
	}
	rewinddir(dir);
	while (r == 0 && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		r = remove_tree(s, s->deleting_fd, "deleting", de->d_name, e);
	}
	closedir(dir);
	if (r == -1)
		return -1;
	/* A delete of the newest stopped after it pointed latest at the
	 * one before, but before the rename: latest names a complete
	 * snapshot, only not the newest.  Every writer puts that right
	 * (and leaves a right latest alone). */
	return repoint_latest(s, "", e);
}

int
store_delete(struct store *s, const char *name, struct err *e)
{
	char file[NAME_SNAPSHOT_LEN + 16];
	struct err ignored;
	int r = 0;

	err_clear(e);
	if (s->lock_fd == -1 || s->deleting_fd == -1)
		return err_set(e, EBADF, "cannot delete snapshot '%s': the "
		    "store is not open for writing", name);
	if (!name_is_snapshot(name))
		return err_set(e, EINVAL, "cannot delete '%s': not a snapshot "
		    "name", name);
	/* A leftover of the same name would make the rename fail. */
	if (remove_tree(s, s->deleting_fd, "deleting", name, e) == -1)
		return -1;
	/*
	 * latest must name a complete snapshot at every instant, also when
	 * this run dies: before the one it names goes, it names the newest
	 * of the rest.  Made durable before the rename, so that after a
	 * power cut the rename is never there without it.
	 */
	if (repoint_latest(s, name, e) == -1 ||
	    s->sys->fsync(s->root_fd) == -1) {
		if (e->msg[0] == '\0')
			err_set(e, errno, "cannot flush '%s' to disk", s->root);
		/* The snapshot stays: latest names it again, as after a
		 * failed rename below. */
		repoint_latest(s, "", &ignored);
		return -1;
	}
	if (s->sys->renameat(s->root_fd, name, s->deleting_fd, name) == -1) {
		err_set(e, errno, "cannot delete snapshot '%s'", name);
		/* It stays, so latest names it again. */
		repoint_latest(s, "", &ignored);
		return -1;
	}
	if (strcmp(name, s->prev) == 0) {
		close_fd(&s->prev_fd);
		s->prev[0] = '\0';
	}

	/* The snapshot is gone from the listing now; what remains is
	 * clean-up that the next writer redoes if this run dies. */
	if (s->sys->fsync(s->root_fd) == -1)
		r = err_set(e, errno, "cannot flush '%s' to disk", s->root);
	if (s->sys->unlinkat(s->manifests_fd, name, 0) == -1 &&
	    errno != ENOENT && r == 0)
		r = err_set(e, errno, "cannot remove the manifest of '%s'",
		    name);
	snprintf(file, sizeof(file), "%s.summary", name);
	if (s->sys->unlinkat(s->manifests_fd, file, 0) == -1 &&
	    errno != ENOENT && r == 0)
		r = err_set(e, errno, "cannot remove the summary of '%s'",
		    name);
	if (r == 0)
		r = remove_tree(s, s->deleting_fd, "deleting", name, e);
	return r;
}

int
store_check_private(const char *path, mode_t mode, struct err *e)
{
	/* Write alone opens nothing: without x nobody gets in. */
	if ((mode & (S_IRWXG | S_IRWXO) & ~(S_IWGRP | S_IWOTH)) == 0)
		return 0;
	return err_set(e, 0, "'%s' is mode %04o: other users can enter it "
	    "and read, through the snapshots, what the sources keep from "
	    "them; run chmod 700 '%s' (or set allow_shared_root: true in the "
	    "config if that is meant)", path, (unsigned int)(mode & 07777),
	    path);
}

/*
 * Checks the folder fd (path, "ROOT" or "ROOT/.snap" for messages) with
 * store_check_private.  Returns 0, STORE_ESHARED or -1, with e set.
 */
static int
check_private_fd(const struct config *cfg, int fd, const char *path,
    struct err *e)
{
	struct stat st;

	if (cfg->allow_shared_root)
		return 0;
	if (fstat(fd, &st) == -1)
		return err_set(e, errno, "cannot stat '%s'", path);
	return store_check_private(path, st.st_mode, e) == -1 ?
	    STORE_ESHARED : 0;
}

static int
open_dir(const struct sys_ops *sys, int dirfd, const char *name, int *out,
    bool create)
{
	if (create && mkdir_exist_ok(sys, dirfd, name, 0700) == -1)
		return -1;
	*out = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	return *out == -1 ? -1 : 0;
}

int
store_open(struct store *s, const struct config *cfg, enum store_mode mode,
    const struct sys_ops *sys, struct err *e)
{
	struct stat st;
	char meta[PATH_MAX + 8];
	bool write = mode == STORE_WRITE;
	int r;

	memset(s, 0, sizeof(*s));
	s->sys = sys;
	s->root = cfg->snapshot_root;
	s->root_fd = s->meta_fd = s->manifests_fd = s->incomplete_fd = -1;
	s->lock_fd = s->prev_fd = s->reuse_fd = s->build_fd = -1;
	s->deleting_fd = -1;

	if (write && make_root(cfg, sys, e) == -1)
		return -1;
	s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd == -1 && !write && errno == ENOENT)
		return 0;	/* no root yet: no snapshots */
	if (s->root_fd == -1)
		return err_set(e, errno, "cannot open snapshot root '%s'",
		    s->root);
	if (fstat(s->root_fd, &st) == -1)
		return err_set(e, errno, "cannot stat snapshot root '%s'",
		    s->root);
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	/* Before anything is made or read inside. */
	if ((r = check_private_fd(cfg, s->root_fd, s->root, e)) != 0)
		return r;
	if (open_dir(sys, s->root_fd, ".snap", &s->meta_fd, write) == 0) {
		snprintf(meta, sizeof(meta), "%s/.snap", s->root);
		if ((r = check_private_fd(cfg, s->meta_fd, meta, e)) != 0)
			return r;
	}

	if (s->meta_fd == -1 ||
	    open_dir(sys, s->meta_fd, "manifests", &s->manifests_fd,
	    write) == -1 ||
	    open_dir(sys, s->meta_fd, "incomplete", &s->incomplete_fd,
	    write) == -1) {
		/* A root that no create has written to yet: a reader sees
		 * no snapshots, which is the truth. */
		if (!write && errno == ENOENT)
			return 0;
		return err_set(e, errno, "cannot prepare '%s/.snap'", s->root);
	}
	if (write) {
		if ((r = take_lock(s, cfg->lock_wait, e)) != 0)
			return r;
		if (open_dir(sys, s->meta_fd, "deleting", &s->deleting_fd,
		    true) == -1)
			return err_set(e, errno, "cannot prepare "
			    "'%s/.snap/deleting'", s->root);
		/* Before find_leftovers: it removes the manifests whose
		 * snapshot is gone, which a finished delete leaves. */
		if (finish_deletes(s, e) == -1)
			return -1;
		if (find_leftovers(s, e) == -1)
			return -1;
	}
	return find_prev(s, e);
}

/* The time to name a snapshot after: now, or SNAP_NOW for tests. */
static time_t
snapshot_time(bool *fixed)
{
	time_t t;

	*fixed = testhook_now(&t);
	return *fixed ? t : time(NULL);
}

/*
 * Is name free for a new snapshot: later than the newest, not the
 * leftover being reused, and nothing in the root by that name?
 */
static bool
name_free(struct store *s, const char *name)
{
	struct stat st;

	return strcmp(name, s->prev) > 0 && strcmp(name, s->reuse) != 0 &&
	    fstatat(s->root_fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1;
}

/*
 * Picks the name of the new snapshot into name: now, or one second after
 * the newest snapshot when the clock is not past it.  Returns 0, or 1
 * with e set to a warning when the clock is behind the newest snapshot
 * (wrong now, or when that one was made).  Never waits more than a
 * second: a wrong clock would otherwise hold the lock for good.
 */
static int
pick_name(struct store *s, char *name, struct err *e)
{
	char clock[NAME_SNAPSHOT_LEN];
	bool fixed;
	time_t t = snapshot_time(&fixed), prev_t;
	int tries, r = 0;

	if (s->prev[0] != '\0' && retain_name_time(s->prev, &prev_t) == 0 &&
	    t <= prev_t) {
		/* Names have a resolution of one second: a run in the
		 * second of the newest waits for the next one. */
		if (t == prev_t && !fixed) {
			sleep(1);
			t = snapshot_time(&fixed);
		}
		if (t <= prev_t) {
			name_snapshot(clock, t);
			if (t < prev_t)
				r = 1;
			t = prev_t + 1;
			name_snapshot(name, t);
			if (r == 1)
				err_set(e, 0, "the clock says %s, earlier "
				    "than the newest snapshot '%s': this one "
				    "is named '%s', one second after it; set "
				    "the clock right (until it passes '%s', "
				    "every snapshot is named this way)", clock,
				    s->prev, name, s->prev);
		}
	}
	name_snapshot(name, t);
	/* A leftover or a stray folder by that name: the next second.
	 * Bounded, since a root holds finitely many names. */
	for (tries = 0; !name_free(s, name); tries++) {
		if (tries == 1000)
			return err_set(e, EEXIST, "cannot name the snapshot: "
			    "'%s' and the names after it are taken in '%s'",
			    name, s->root);
		name_snapshot(name, ++t);
	}
	return r;
}

int
store_begin(struct store *s, struct err *e)
{
	char name[NAME_SNAPSHOT_LEN];
	int r;

	/* s->name is only set once incomplete/NAME is ours: store_abort
	 * removes what goes by that name. */
	if ((r = pick_name(s, name, e)) == -1)
		return -1;
	if (s->sys->mkdirat(s->incomplete_fd, name, 0755) == -1)
		return err_set(e, errno, "cannot create '%s/.snap/incomplete/"
		    "%s'", s->root, name);
	memcpy(s->name, name, sizeof(name));
	s->build_fd = openat(s->incomplete_fd, s->name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->build_fd == -1)
		return err_set(e, errno, "cannot open '%s/.snap/incomplete/%s'",
		    s->root, s->name);
	return r;
}

int
store_begin_named(struct store *s, const char *name, struct err *e)
{
	struct stat st;

	if (s->committed) {
		/* The one just made is the newest now. */
		s->committed = false;
		s->name[0] = '\0';
		if (find_prev(s, e) == -1)
			return -1;
	}
	if (!name_is_snapshot(name))
		return err_set(e, EINVAL, "'%s' is not a snapshot name", name);
	if (strcmp(name, s->prev) <= 0)
		return err_set(e, EINVAL, "snapshot '%s' is not later than the "
		    "newest here, '%s'", name, s->prev);
	if (fstatat(s->root_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return err_set(e, EEXIST, "'%s/%s' exists already", s->root,
		    name);
	if (strcmp(name, s->reuse) == 0 && s->reuse_fd != -1) {
		/* An interrupted copy of this very snapshot: go on in it. */
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->build_fd = s->reuse_fd;
		s->reuse_fd = -1;
		s->reuse[0] = '\0';
		return 1;
	}
	if (s->sys->mkdirat(s->incomplete_fd, name, 0755) == -1)
		return err_set(e, errno, "cannot create '%s/.snap/incomplete/"
		    "%s'", s->root, name);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->build_fd = openat(s->incomplete_fd, s->name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->build_fd == -1)
		return err_set(e, errno, "cannot open '%s/.snap/incomplete/%s'",
		    s->root, s->name);
	return 0;
}

/* Points ROOT/latest at the new snapshot, atomically. */
static int
update_latest(struct store *s, struct err *e)
{
	s->sys->unlinkat(s->root_fd, ".latest.tmp", 0);
	if (s->sys->symlinkat(s->name, s->root_fd, ".latest.tmp") == -1 ||
	    s->sys->renameat(s->root_fd, ".latest.tmp", s->root_fd,
	    "latest") == -1)
		return err_set(e, errno, "cannot point '%s/latest' at '%s'",
		    s->root, s->name);
	return 0;
}

int
store_commit(struct store *s, struct err *e)
{
	err_clear(e);
	/* One syncfs makes every copied file durable at once, far
	 * cheaper than an fsync per file. */
	if (s->sys->syncfs(s->build_fd) == -1)
		return err_set(e, errno, "cannot flush snapshot '%s' to disk",
		    s->name);
	if (s->sys->renameat(s->incomplete_fd, s->name, s->root_fd,
	    s->name) == -1)
		return err_set(e, errno, "cannot move snapshot '%s' into place",
		    s->name);
	s->committed = true;
	close_fd(&s->build_fd);

	/* The snapshot is complete and in place; what follows can fail
	 * without making it less so, and is reported as a warning. */
	if (s->sys->fsync(s->root_fd) == -1) {
		err_set(e, errno, "snapshot '%s' is in place, but '%s' could "
		    "not be flushed to disk", s->name, s->root);
		return 1;
	}
	if (update_latest(s, e) == -1 || s->sys->fsync(s->root_fd) == -1) {
		if (e->msg[0] == '\0')
			err_set(e, errno, "cannot flush '%s' to disk", s->root);
		return 1;
	}
	if (s->reuse[0] != '\0') {
		close_fd(&s->reuse_fd);
		if (remove_tree(s, s->incomplete_fd, "incomplete", s->reuse,
		    e) == -1)
			return 1;
		s->reuse[0] = '\0';
	}
	return 0;
}

/* store_abort, and with keep_tree store_abort_keep. */
static void
abort_run(struct store *s, bool keep_tree)
{
	char file[NAME_SNAPSHOT_LEN + 16];
	struct err ignored;
	struct stat st;

	close_fd(&s->build_fd);
	/* Once renamed into place the snapshot is complete; only what
	 * came after (latest, an fsync) failed, so it stays. */
	if (s->name[0] == '\0' || s->incomplete_fd == -1 || s->committed)
		return;
	/* Belt and braces: never the manifest of a snapshot in place. */
	if (fstatat(s->root_fd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	if (!keep_tree)
		remove_tree(s, s->incomplete_fd, "incomplete", s->name,
		    &ignored);
	s->sys->unlinkat(s->manifests_fd, s->name, 0);
	snprintf(file, sizeof(file), "%s.summary", s->name);
	s->sys->unlinkat(s->manifests_fd, file, 0);
}

void
store_abort(struct store *s)
{
	abort_run(s, false);
}

void
store_abort_keep(struct store *s)
{
	abort_run(s, true);
}

void
store_close(struct store *s)
{
	close_fd(&s->build_fd);
	close_fd(&s->reuse_fd);
	close_fd(&s->prev_fd);
	close_fd(&s->incomplete_fd);
	close_fd(&s->deleting_fd);
	close_fd(&s->manifests_fd);
	close_fd(&s->meta_fd);
	close_fd(&s->root_fd);
	/* Closing the last descriptor releases the flock. */
	close_fd(&s->lock_fd);
}

size_t
store_kept_mounts(const struct store *s, char *msg, size_t size)
{
	if (s->mounts_kept == 0)
		return 0;
	snprintf(msg, size, "'%s' is a mount point inside a snapshot being "
	    "removed: snap neither entered nor removed it (nor the folders "
	    "above it)%s; unmount it, and the next snap that writes removes "
	    "what is left", s->mount_kept, s->mounts_kept > 1 ?
	    ", and there are more" : "");
	return s->mounts_kept;
}
