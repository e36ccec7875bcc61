#include "linkq.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/*
 * A ring of LINKQ_CAP operations.  Three counters that only grow, each
 * changed under lock: the walking thread fills op[tail] and moves tail,
 * the linking thread works op[done] and moves done, the walking thread
 * retires op[head] and moves head; head <= done <= tail <= head + CAP.
 * A slot between done and tail belongs to the linking thread, every
 * other one to the walking thread.
 */
struct linkq {
	const struct sys_ops	*sys;
	linkq_retire_fn		 retire;
	void			*arg;

	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;		/* the linking thread waits */
	pthread_cond_t		 finished;	/* the walking thread waits */
	unsigned long		 head, done, tail;
	bool			 stop;
	bool			 idle;		/* the linking thread waits */
	bool			 waiting;	/* the walking thread waits */

	struct linkq_op		 ops[LINKQ_CAP];
};

static struct linkq_op *
slot(struct linkq *q, unsigned long i)
{
	return &q->ops[i % LINKQ_CAP];
}

/* The link of one operation, and the stat of the new name. */
static void
link_one(const struct sys_ops *sys, struct linkq_op *op)
{
	op->link_errno = 0;
	op->stat_errno = 0;
	if (sys->linkat(op->fromdir, op->name, op->dstdir, op->name, 0) ==
	    -1) {
		op->link_errno = errno;
		return;
	}
	if (fstatat(op->dstdir, op->name, &op->got, AT_SYMLINK_NOFOLLOW) ==
	    -1)
		op->stat_errno = errno;
}

static void *
linker_main(void *arg)
{
	struct linkq *q = arg;
	unsigned long i, end;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->done == q->tail && !q->stop) {
			q->idle = true;
			pthread_cond_wait(&q->work, &q->lock);
			q->idle = false;
		}
		if (q->stop)
			break;
		end = q->tail;
		for (i = q->done; i < end && !q->stop; i++) {
			pthread_mutex_unlock(&q->lock);
			link_one(q->sys, slot(q, i));
			pthread_mutex_lock(&q->lock);
			q->done = i + 1;
			if (q->waiting)
				pthread_cond_signal(&q->finished);
		}
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int
linkq_start(struct linkq **out, const struct sys_ops *sys,
    linkq_retire_fn retire, void *arg, struct err *e)
{
	struct linkq *q;
	sigset_t all, old;
	int r;

	*out = NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return err_set(e, ENOMEM, "cannot start the linking thread");
	q->sys = sys;
	q->retire = retire;
	q->arg = arg;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->finished, NULL);
	/* Signals are for the walking thread, which checks for them
	 * between entries. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&q->thread, NULL, linker_main, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		pthread_cond_destroy(&q->finished);
		pthread_cond_destroy(&q->work);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return err_set(e, r, "cannot start the linking thread");
	}
	*out = q;
	return 0;
}

/* Makes buf hold len bytes and a NUL.  Returns 0 or -1 (ENOMEM). */
static int
copy_str(char **buf, size_t *cap, const char *s, size_t len)
{
	char *p;

	if (len + 1 > *cap) {
		if ((p = realloc(*buf, len + 1)) == NULL)
			return -1;
		*buf = p;
		*cap = len + 1;
	}
	memcpy(*buf, s, len);
	(*buf)[len] = '\0';
	return 0;
}

/*
 * Waits until the oldest operation's link was tried, then retires it.
 * Returns 0, or -1 with e set by the retire.
 */
static int
retire_head(struct linkq *q, struct err *e)
{
	struct linkq_op *op;

	pthread_mutex_lock(&q->lock);
	while (q->done == q->head) {
		q->waiting = true;
		pthread_cond_wait(&q->finished, &q->lock);
		q->waiting = false;
	}
	op = slot(q, q->head);
	pthread_mutex_unlock(&q->lock);
	if (q->retire(q->arg, op, e) == -1)
		return -1;
	/* Only this thread reads head; the lock orders the slot's reuse. */
	pthread_mutex_lock(&q->lock);
	q->head++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

int
linkq_push(struct linkq *q, const struct walk_item *it,
    const struct entry *prev, int fromdir, int dstdir, struct err *e)
{
	struct linkq_op *op;

	if (q->tail - q->head == LINKQ_CAP && retire_head(q, e) == -1)
		return -1;
	op = slot(q, q->tail);
	if (copy_str(&op->name, &op->name_cap, it->name, strlen(it->name)) ==
	    -1 || copy_str(&op->path, &op->path_cap, it->ent->path,
	    it->ent->path_len) == -1 || (prev != NULL &&
	    copy_str(&op->prev_path, &op->prev_path_cap, prev->path,
	    prev->path_len) == -1))
		return err_set(e, ENOMEM, "cannot build the snapshot");
	op->ent = *it->ent;
	op->ent.path = op->path;
	op->st = *it->st;
	op->it = *it;
	op->it.ent = &op->ent;
	op->it.st = &op->st;
	op->it.name = op->name;
	op->it.warning = NULL;
	op->prev = NULL;
	if (prev != NULL) {
		op->prev_copy = *prev;
		op->prev_copy.path = op->prev_path;
		op->prev = &op->prev_copy;
	}
	op->fromdir = fromdir;
	op->dstdir = dstdir;

	pthread_mutex_lock(&q->lock);
	q->tail++;
	if (q->idle)
		pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

bool
linkq_pending(const struct linkq *q)
{
	/* head and tail are the walking thread's to change. */
	return q != NULL && q->head != q->tail;
}

int
linkq_drain(struct linkq *q, struct err *e)
{
	while (linkq_pending(q))
		if (retire_head(q, e) == -1)
			return -1;
	return 0;
}

void
linkq_stop(struct linkq *q)
{
	size_t i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	for (i = 0; i < LINKQ_CAP; i++) {
		free(q->ops[i].name);
		free(q->ops[i].path);
		free(q->ops[i].prev_path);
	}
	pthread_cond_destroy(&q->finished);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
