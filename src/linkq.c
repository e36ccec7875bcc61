#include "linkq.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A ring of LINKQ_CAP operations and three counters that only grow: the
 * walking thread fills op[tail] and moves tail, the linking thread works
 * op[done] and moves done, the walking thread retires op[head] and moves
 * head; head <= done <= tail <= head + CAP.  A slot between done and
 * tail belongs to the linking thread, every other one to the walking
 * thread.  tail and done are atomics, so a thread that has work never
 * takes the lock: only one that has to wait does (idle, want), and the
 * other wakes it, after a store and a load that are both seq_cst, so
 * that one of the two always sees the other.
 */
struct linkq {
	const struct sys_ops	*sys;
	linkq_retire_fn		 retire;
	void			*arg;

	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;		/* the linking thread waits */
	pthread_cond_t		 finished;	/* the walking thread waits */
	unsigned long		 head;
	atomic_ulong		 done, tail;
	atomic_bool		 stop;
	atomic_bool		 idle;		/* the linking thread waits */
	atomic_ulong		 want;		/* the walking thread waits
						 * for done >= want; 0: not */

	struct linkq_op		 ops[LINKQ_CAP];
};

/* The tag of a link whose folder the walk has left. */
#define LINKQ_NO_TAG ((size_t)-1)

/* Operations queued before an idle linking thread is woken: one wake-up
 * for a run of them, not one each. */
#define LINKQ_BATCH 32

/*
 * Links the linking thread may be behind before the walking thread
 * makes the next one itself.  A link costs about three times what the
 * walk and the plan of an unchanged file cost, so a linking thread alone
 * would keep the walk waiting, and a CPU half idle; sharing the links
 * keeps both busy.  The walk's own links go into the folder it is in,
 * the linking thread's mostly into one it left: the two seldom wait for
 * the same folder's lock.
 */
#define LINKQ_SHARE 64

/*
 * Polls a thread that ran out of work makes before it sleeps.  A
 * sleeping thread takes tens of microseconds to wake on a virtual CPU
 * that halted meanwhile, about as long as the links of a whole folder:
 * on an idle 2-CPU machine the two threads spent the run waking each
 * other.  A few microseconds of polling covers the usual gap.
 */
#define LINKQ_SPIN 2000

/* Lets the other hyperthread run while this one polls. */
static void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Polls until *v != old (or stop), at most LINKQ_SPIN times; returns
 * whether it moved. */
static bool
poll_moved(const atomic_ulong *v, unsigned long old, const atomic_bool *stop)
{
	int n;

	for (n = 0; n < LINKQ_SPIN; n++) {
		if (atomic_load(v) != old || atomic_load(stop))
			return true;
		cpu_relax();
	}
	return false;
}

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
	if (sys->linkat(op->dir.from[0], op->name, op->dir.dst_fd, op->name,
	    0) == -1) {
		op->link_errno = errno;
		return;
	}
	if (fstatat(op->dir.dst_fd, op->name, &op->got, AT_SYMLINK_NOFOLLOW) ==
	    -1)
		op->stat_errno = errno;
}

static void
wake(pthread_mutex_t *lock, pthread_cond_t *cond)
{
	pthread_mutex_lock(lock);
	pthread_cond_signal(cond);
	pthread_mutex_unlock(lock);
}

static void *
linker_main(void *arg)
{
	struct linkq *q = arg;
	unsigned long i, want;

	while (!atomic_load(&q->stop)) {
		i = atomic_load(&q->done);
		if (i == atomic_load(&q->tail) &&
		    !poll_moved(&q->tail, i, &q->stop)) {
			pthread_mutex_lock(&q->lock);
			atomic_store(&q->idle, true);
			if (i == atomic_load(&q->tail) &&
			    !atomic_load(&q->stop))
				pthread_cond_wait(&q->work, &q->lock);
			atomic_store(&q->idle, false);
			pthread_mutex_unlock(&q->lock);
			continue;
		}
		if (i == atomic_load(&q->tail))
			continue;
		if (slot(q, i)->kind == LINKQ_LINK && !slot(q, i)->by_walk)
			link_one(q->sys, slot(q, i));
		atomic_store(&q->done, i + 1);
		want = atomic_load(&q->want);
		if (want != 0 && i + 1 >= want)
			wake(&q->lock, &q->finished);
	}
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
	atomic_init(&q->done, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->stop, false);
	atomic_init(&q->idle, false);
	atomic_init(&q->want, 0);
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

/* Waits until done >= target (target <= tail). */
static void
wait_done(struct linkq *q, unsigned long target)
{
	int n;

	for (n = 0; n < LINKQ_SPIN; n++) {
		if (atomic_load(&q->done) >= target)
			return;
		/* An idle linking thread polls no more: waiting for it
		 * would be waiting for nothing. */
		if (atomic_load(&q->idle))
			break;
		cpu_relax();
	}
	pthread_mutex_lock(&q->lock);
	atomic_store(&q->want, target);
	/* The linking thread may sleep on a short batch: wake it. */
	if (atomic_load(&q->idle))
		pthread_cond_signal(&q->work);
	while (atomic_load(&q->done) < target)
		pthread_cond_wait(&q->finished, &q->lock);
	atomic_store(&q->want, 0);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Retires the operations up to done, at least one, waiting for up to
 * target.  Returns 0, or -1 with e set by a retire.
 */
static int
retire_upto(struct linkq *q, unsigned long target, struct err *e)
{
	unsigned long done;

	wait_done(q, target);
	done = atomic_load(&q->done);
	while (q->head < done) {
		if (q->retire(q->arg, slot(q, q->head), e) == -1)
			return -1;
		q->head++;
	}
	return 0;
}

/*
 * The next free slot, once the queue has room: when full, a quarter of
 * the ring is retired at once, not one by one.  Returns it, or NULL
 * with e set by a retire.
 */
static struct linkq_op *
next_slot(struct linkq *q, struct err *e)
{
	unsigned long tail = atomic_load(&q->tail);

	if (tail - q->head == LINKQ_CAP &&
	    retire_upto(q, q->head + LINKQ_CAP / 4, e) == -1)
		return NULL;
	return slot(q, tail);
}

/* Hands the slot next_slot gave to the linking thread. */
static void
publish(struct linkq *q)
{
	unsigned long tail = atomic_load(&q->tail);

	atomic_store(&q->tail, tail + 1);
	if (atomic_load(&q->idle) &&
	    tail + 1 - atomic_load(&q->done) >= LINKQ_BATCH)
		wake(&q->lock, &q->work);
}

/* Copies the entry it and prev into op.  Returns 0 or -1 (ENOMEM). */
static int
copy_entry(struct linkq_op *op, const struct walk_item *it,
    const struct entry *prev)
{
	/* A source's own folder, and a folder made up above a nested
	 * dest, have no name in a parent: NULL stays NULL. */
	if ((it->name != NULL && copy_str(&op->name, &op->name_cap, it->name,
	    strlen(it->name)) == -1) || copy_str(&op->path, &op->path_cap,
	    it->ent->path, it->ent->path_len) == -1 || (prev != NULL &&
	    copy_str(&op->prev_path, &op->prev_path_cap, prev->path,
	    prev->path_len) == -1))
		return -1;
	op->ent = *it->ent;
	op->ent.path = op->path;
	op->st = *it->st;
	op->it = *it;
	op->it.ent = &op->ent;
	op->it.st = &op->st;
	op->it.name = it->name != NULL ? op->name : NULL;
	op->it.warning = NULL;
	op->prev = NULL;
	if (prev != NULL) {
		op->prev_copy = *prev;
		op->prev_copy.path = op->prev_path;
		op->prev = &op->prev_copy;
	}
	op->kept_fd = -1;
	return 0;
}

int
linkq_push(struct linkq *q, const struct walk_item *it,
    const struct entry *prev, const struct link_level *dir, size_t tag,
    struct err *e)
{
	struct linkq_op *op;

	if ((op = next_slot(q, e)) == NULL)
		return -1;
	if (copy_entry(op, it, prev) == -1)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	op->kind = LINKQ_LINK;
	op->dir = *dir;
	op->tag = tag;
	op->by_walk = atomic_load(&q->tail) - atomic_load(&q->done) >=
	    LINKQ_SHARE;
	if (op->by_walk)
		link_one(q->sys, op);
	publish(q);
	return 0;
}

int
linkq_push_record(struct linkq *q, const struct walk_item *it,
    const struct entry *prev, struct err *e)
{
	struct linkq_op *op;

	if ((op = next_slot(q, e)) == NULL)
		return -1;
	if (copy_entry(op, it, prev) == -1)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	op->kind = LINKQ_RECORD;
	publish(q);
	return 0;
}

int
linkq_keep_dirfd(struct linkq *q, size_t tag, int *kept, struct err *e)
{
	unsigned long i, tail = atomic_load(&q->tail);
	struct linkq_op *op;
	int fd = -1;

	/*
	 * Only the walking thread reads it.dirfd and tag, so they may
	 * change under a link being made.  The links of one folder share
	 * the walk's descriptor of it: one duplicate serves them all.
	 */
	*kept = -1;
	for (i = q->head; i < tail; i++) {
		op = slot(q, i);
		if (op->kind != LINKQ_LINK || op->tag != tag)
			continue;
		if (*kept == -1) {
			fd = op->it.dirfd;
			if ((*kept = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
				return err_set(e, errno, "cannot read folder "
				    "'%s'", op->path);
		}
		if (op->it.dirfd == fd)
			op->it.dirfd = *kept;
		op->tag = LINKQ_NO_TAG;
	}
	return 0;
}

int
linkq_push_leave(struct linkq *q, const struct link_level *dir,
    const char *path, size_t len, int kept_fd, struct err *e)
{
	struct link_level lv = *dir;
	struct linkq_op *op;

	if ((op = next_slot(q, e)) == NULL)
		goto fail;
	if (copy_str(&op->path, &op->path_cap, path, len) == -1) {
		err_set(e, ENOMEM, "cannot build the snapshot");
		goto fail;
	}
	op->kind = LINKQ_LEAVE;
	op->dir = lv;
	op->kept_fd = kept_fd;
	publish(q);
	return 0;

fail:
	linker_discard(&lv);
	if (kept_fd != -1)
		close(kept_fd);
	return -1;
}

bool
linkq_pending(const struct linkq *q)
{
	/* head and tail are the walking thread's to change. */
	return q != NULL && q->head != atomic_load(&q->tail);
}

int
linkq_drain(struct linkq *q, struct err *e)
{
	while (linkq_pending(q))
		if (retire_upto(q, atomic_load(&q->tail), e) == -1)
			return -1;
	return 0;
}

void
linkq_stop(struct linkq *q)
{
	struct linkq_op *op;
	unsigned long n;
	size_t i;

	if (q == NULL)
		return;
	atomic_store(&q->stop, true);
	wake(&q->lock, &q->work);
	pthread_join(q->thread, NULL);
	for (n = q->head; n < atomic_load(&q->tail); n++) {
		op = slot(q, n);
		if (op->kind != LINKQ_LEAVE)
			continue;
		linker_discard(&op->dir);
		if (op->kept_fd != -1)
			close(op->kept_fd);
	}
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
