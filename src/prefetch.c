#include "prefetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "filter.h"
#include "interrupt.h"
#include "marker.h"

/* A folder to read ahead: rel below the root of source src. */
struct job {
	size_t	 src;
	size_t	 len;
	char	 rel[];		/* NUL-ended; "" is the source root */
};

/* A source root, open for the threads' whole run (-1: not read ahead). */
struct root {
	int	 fd;
	dev_t	 dev;
};

struct prefetch {
	const struct config_source *sources;
	size_t		 n_sources;
	struct root	*roots;
	struct walk_skip skip;
	int		 prev_fd;

	pthread_t	*threads;
	unsigned	 n_threads;

	/* The stack of folders to read, under lock. */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct job	**stack;
	size_t		 n, cap;
	unsigned	 busy;		/* threads reading a folder */

	atomic_bool	 stop;
	atomic_uint_fast64_t walked;	/* entries the walk has yielded */
	atomic_uint_fast64_t fetched;	/* entries read ahead */
};

/* One thread's buffers, reused from folder to folder. */
struct reader {
	char		 dents[32768];
	char		*arena;		/* the names of the folder */
	size_t		 arena_cap;
	char		**names;
	size_t		 names_cap;
	struct job	**kids;		/* its sub-folders, in name order */
	size_t		 n_kids, kids_cap;
	char		*path;		/* dest/rel in the previous snapshot */
	size_t		 path_cap;
};

static bool
stopped(struct prefetch *p)
{
	return atomic_load_explicit(&p->stop, memory_order_relaxed) ||
	    interrupt_signal() != 0;
}

/*
 * Waits while this thread is PREFETCH_AHEAD entries ahead of the walk:
 * what is read too early may be evicted before the walk gets there.
 */
static void
pace(struct prefetch *p)
{
	const struct timespec nap = { 0, 1000000 };

	while (!stopped(p) &&
	    atomic_load_explicit(&p->fetched, memory_order_relaxed) >=
	    atomic_load_explicit(&p->walked, memory_order_relaxed) +
	    PREFETCH_AHEAD)
		nanosleep(&nap, NULL);
}

/*
 * Makes room for need elements of size bytes in ptr (holding *cap).
 * Returns the array, moved or not, or NULL (ptr is left as it was).
 */
static void *
grow(void *ptr, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return ptr;
	while (c < need)
		c *= 2;
	if ((q = realloc(ptr, c * size)) == NULL)
		return NULL;
	*cap = c;
	return q;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Reads the names of the open folder fd into r, sorted as the walk
 * sorts them.  Returns their number, or -1.
 */
static ssize_t
read_names(struct reader *r, int fd)
{
	size_t used = 0, n = 0, i, off, len;
	ssize_t got, pos;
	void *q;

	while ((got = getdents64(fd, r->dents, sizeof(r->dents))) > 0)
		for (pos = 0; pos < got; pos += ((struct dirent64 *)
		    (void *)(r->dents + pos))->d_reclen) {
			const struct dirent64 *de = (const struct dirent64 *)
			    (void *)(r->dents + pos);

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			len = strlen(de->d_name) + 1;
			if ((q = grow(r->arena, &r->arena_cap, used + len,
			    1)) == NULL)
				return -1;
			r->arena = q;
			memcpy(r->arena + used, de->d_name, len);
			used += len;
			n++;
		}
	if (got == -1 || (q = grow(r->names, &r->names_cap, n + 1,
	    sizeof(*r->names))) == NULL)
		return -1;
	r->names = q;
	for (i = 0, off = 0; i < n; i++) {
		r->names[i] = r->arena + off;
		off += strlen(r->arena + off) + 1;
	}
	qsort(r->names, n, sizeof(*r->names), cmp_names);
	return (ssize_t)n;
}

/* Notes the sub-folder name of j as a folder to read next. */
static void
add_kid(struct reader *r, const struct job *j, const char *name, size_t len)
{
	struct job *k;
	void *q;

	if ((q = grow(r->kids, &r->kids_cap, r->n_kids + 1,
	    sizeof(*r->kids))) == NULL)
		return;
	r->kids = q;
	if ((k = malloc(sizeof(*k) + j->len + 1 + len + 1)) == NULL)
		return;
	k->src = j->src;
	k->len = 0;
	if (j->len > 0) {
		memcpy(k->rel, j->rel, j->len);
		k->rel[j->len] = '/';
		k->len = j->len + 1;
	}
	memcpy(k->rel + k->len, name, len + 1);
	k->len += len;
	r->kids[r->n_kids++] = k;
}

/* Opens the folder of j in the previous snapshot to look names up in. */
static int
open_prev(struct prefetch *p, struct reader *r, const struct job *j)
{
	const char *dest = p->sources[j->src].dest;
	size_t dlen = strlen(dest), len = 0;
	void *q;

	if (p->prev_fd == -1 || (q = grow(r->path, &r->path_cap,
	    dlen + 1 + j->len + 1, 1)) == NULL)
		return -1;
	r->path = q;
	memcpy(r->path, dest, dlen);
	len = dlen;
	if (j->len > 0) {
		if (len > 0)
			r->path[len++] = '/';
		memcpy(r->path + len, j->rel, j->len);
		len += j->len;
	}
	r->path[len] = '\0';
	return beneath_open(p->prev_fd, r->path, O_PATH | O_DIRECTORY);
}

/*
 * Reads the folder of j ahead: its names, the inode of each, and the
 * inode of each regular file's name in the previous snapshot.  Notes
 * the sub-folders the walk will enter in r->kids.
 */
static void
read_folder(struct prefetch *p, struct reader *r, const struct job *j)
{
	const struct config_source *src = &p->sources[j->src];
	const struct root *root = &p->roots[j->src];
	int fd, prev = -1;
	struct statx x;
	ssize_t n, i;
	size_t len;
	dev_t dev;

	/* Without O_NOATIME (not ours, and not root) reading the folder
	 * would move its atime: then the walk alone reads it. */
	if (j->len == 0)
		fd = openat(root->fd, ".", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
	else
		fd = beneath_open(root->fd, j->rel, O_RDONLY | O_DIRECTORY |
		    O_NOATIME);
	if (fd == -1)
		return;
	if ((j->len > 0 && marker_found(fd, &src->filter)) ||
	    (n = read_names(r, fd)) <= 0)
		goto out;
	prev = open_prev(p, r, j);
	for (i = 0; i < n && !stopped(p); i++) {
		pace(p);
		if (statx(fd, r->names[i], AT_SYMLINK_NOFOLLOW |
		    AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &x) == -1)
			continue;
		atomic_fetch_add_explicit(&p->fetched, 1,
		    memory_order_relaxed);
		if (S_ISREG(x.stx_mode) && prev != -1) {
			struct statx y;

			(void)statx(prev, r->names[i], AT_SYMLINK_NOFOLLOW |
			    AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &y);
		}
		if (!S_ISDIR(x.stx_mode))
			continue;
		/* Where the walk does not go, neither does this. */
		dev = makedev(x.stx_dev_major, x.stx_dev_minor);
		if ((src->one_file_system && dev != root->dev) ||
		    (p->skip.set && dev == p->skip.dev &&
		    x.stx_ino == p->skip.ino))
			continue;
		len = strlen(r->names[i]);
		if (j->len + 1 + len >= PATH_MAX)
			continue;	/* deep: left to the walk */
		add_kid(r, j, r->names[i], len);
		if (r->n_kids > 0 && filter_excludes(&src->filter,
		    r->kids[r->n_kids - 1]->rel, r->kids[r->n_kids - 1]->len,
		    true))
			free(r->kids[--r->n_kids]);
	}
out:
	if (prev != -1)
		close(prev);
	close(fd);
}

/*
 * The next folder to read, or NULL when there is none left (and no
 * thread that could add one) or the run stops.
 */
static struct job *
take(struct prefetch *p)
{
	struct job *j = NULL;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (stopped(p))
			break;
		if (p->n > 0) {
			j = p->stack[--p->n];
			p->busy++;
			break;
		}
		if (p->busy == 0)
			break;
		pthread_cond_wait(&p->cond, &p->lock);
	}
	if (j == NULL)
		pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return j;
}

/*
 * Puts the sub-folders read on the stack, the last name first so that
 * the first is taken next (the walk's order), and says this thread is
 * done with its folder.
 */
static void
give(struct prefetch *p, struct reader *r)
{
	size_t i;
	void *q;

	pthread_mutex_lock(&p->lock);
	for (i = r->n_kids; i > 0; i--) {
		struct job *k = r->kids[i - 1];

		if (p->n < PREFETCH_PENDING && (q = grow(p->stack, &p->cap,
		    p->n + 1, sizeof(*p->stack))) != NULL) {
			p->stack = q;
			p->stack[p->n++] = k;
		} else
			free(k);
	}
	r->n_kids = 0;
	p->busy--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *
run(void *arg)
{
	struct prefetch *p = arg;
	struct reader *r;
	struct job *j;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		/* Still take part, so that the others can finish. */
		while ((j = take(p)) != NULL) {
			free(j);
			pthread_mutex_lock(&p->lock);
			p->busy--;
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
		}
		return NULL;
	}
	while ((j = take(p)) != NULL) {
		read_folder(p, r, j);
		free(j);
		give(p, r);
	}
	free(r->arena);
	free(r->names);
	free(r->kids);
	free(r->path);
	free(r);
	return NULL;
}

/* Opens the local sources' roots as the walk does (a symlink named as
 * the source is followed) and puts them on the stack, the first last. */
static void
open_roots(struct prefetch *p)
{
	struct stat st;
	struct job *j;
	size_t i;

	for (i = p->n_sources; i > 0; i--) {
		struct root *root = &p->roots[i - 1];

		root->fd = -1;
		if (p->sources[i - 1].host != NULL)
			continue;
		root->fd = open(p->sources[i - 1].path, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC);
		if (root->fd == -1)
			continue;
		if (fstat(root->fd, &st) == -1 ||
		    (j = calloc(1, sizeof(*j) + 1)) == NULL) {
			close(root->fd);
			root->fd = -1;
			continue;
		}
		root->dev = st.st_dev;
		j->src = i - 1;
		p->stack[p->n++] = j;
	}
}

static void
free_prefetch(struct prefetch *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->stack[i]);
	for (i = 0; i < p->n_sources; i++)
		if (p->roots[i].fd != -1)
			close(p->roots[i].fd);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->stack);
	free(p->roots);
	free(p->threads);
	free(p);
}

int
prefetch_start(struct prefetch **out, const struct config_source *sources,
    size_t n_sources, const struct walk_skip *skip, int prev_fd,
    unsigned threads, struct err *e)
{
	struct prefetch *p;
	sigset_t all, old;
	pthread_attr_t attr;
	int r = 0;

	*out = NULL;
	if (threads == 0)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(e, errno, "cannot start reading ahead");
	p->sources = sources;
	p->n_sources = n_sources;
	p->prev_fd = prev_fd;
	if (skip != NULL)
		p->skip = *skip;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	atomic_init(&p->stop, false);
	atomic_init(&p->walked, 0);
	atomic_init(&p->fetched, 0);
	if ((p->roots = calloc(n_sources + 1, sizeof(*p->roots))) == NULL ||
	    (p->threads = calloc(threads, sizeof(*p->threads))) == NULL ||
	    (p->stack = grow(NULL, &p->cap, n_sources + 1,
	    sizeof(*p->stack))) == NULL) {
		r = err_set(e, errno, "cannot start reading ahead");
		p->n_sources = 0;
		free_prefetch(p);
		return r;
	}
	open_roots(p);

	/* The threads block every signal: the walking thread is the one
	 * that gets SIGINT and SIGTERM, and its blocked calls the EINTR. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (; p->n_threads < threads; p->n_threads++)
		if ((r = pthread_create(&p->threads[p->n_threads], &attr, run,
		    p)) != 0)
			break;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->n_threads == 0) {
		free_prefetch(p);
		return err_set(e, r, "cannot start reading ahead");
	}
	*out = p;
	return 0;
}

void
prefetch_walked(struct prefetch *p, uint64_t entries)
{
	if (p != NULL)
		atomic_store_explicit(&p->walked, entries,
		    memory_order_relaxed);
}

uint64_t
prefetch_fetched(struct prefetch *p)
{
	return p == NULL ? 0 : atomic_load(&p->fetched);
}

void
prefetch_stop(struct prefetch *p)
{
	unsigned i;

	if (p == NULL)
		return;
	atomic_store(&p->stop, true);
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	free_prefetch(p);
}

unsigned
prefetch_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}
