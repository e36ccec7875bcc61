#include "sys_fault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind {
	K_OPENAT,
	K_LINKAT,
	K_UNLINKAT,
	K_MKDIRAT,
	K_SYMLINKAT,
	K_MKNODAT,
	K_RENAMEAT,
	K_WRITE,
	K_PWRITE,
	K_COPY_FILE_RANGE,
	K_FICLONE,
	K_FTRUNCATE,
	K_FSYNC,
	K_SYNCFS,
	K_FCHOWN,
	K_FCHOWNAT,
	K_FCHMOD,
	K_FCHMODAT,
	K_FUTIMENS,
	K_UTIMENSAT,
	K_FSETXATTR,
	K_FREMOVEXATTR,
	K_DATA,			/* write, pwrite, copy_file_range */
	K_ANY,			/* every call */
	K_COUNT,
};

static const char *const kind_names[K_COUNT] = {
	[K_OPENAT] = "openat",
	[K_LINKAT] = "linkat",
	[K_UNLINKAT] = "unlinkat",
	[K_MKDIRAT] = "mkdirat",
	[K_SYMLINKAT] = "symlinkat",
	[K_MKNODAT] = "mknodat",
	[K_RENAMEAT] = "renameat",
	[K_WRITE] = "write",
	[K_PWRITE] = "pwrite",
	[K_COPY_FILE_RANGE] = "copy_file_range",
	[K_FICLONE] = "ficlone",
	[K_FTRUNCATE] = "ftruncate",
	[K_FSYNC] = "fsync",
	[K_SYNCFS] = "syncfs",
	[K_FCHOWN] = "fchown",
	[K_FCHOWNAT] = "fchownat",
	[K_FCHMOD] = "fchmod",
	[K_FCHMODAT] = "fchmodat",
	[K_FUTIMENS] = "futimens",
	[K_UTIMENSAT] = "utimensat",
	[K_FSETXATTR] = "fsetxattr",
	[K_FREMOVEXATTR] = "fremovexattr",
	[K_DATA] = "data",
	[K_ANY] = "any",
};

struct rule {
	enum kind		 kind;
	unsigned long		 nth;
	int			 error;	/* or SYS_FAULT_KILL */
	enum sys_fault_when	 when;
};

static const struct sys_ops	*base = &sys_real;
static unsigned long		 counts[K_COUNT];
static unsigned long		 hits;
static struct rule		 rules[SYS_FAULT_RULES];
static size_t			 nrules;
static int			 journal_fd = -1;

static int
kind_of(const char *name)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

/*
 * Counts a call of kind k.  Returns the errno it is to fail with, or 0
 * to make the real call; does not return when a rule stops the process.
 */
static int
fault(enum kind k)
{
	const struct rule *r;
	unsigned long n;
	size_t i;
	bool data = k == K_WRITE || k == K_PWRITE || k == K_COPY_FILE_RANGE;

	counts[k]++;
	counts[K_ANY]++;
	if (data)
		counts[K_DATA]++;
	for (i = 0; i < nrules; i++) {
		r = &rules[i];
		n = counts[r->kind];
		if (r->kind != k && r->kind != K_ANY &&
		    (r->kind != K_DATA || !data))
			continue;
		if (n != r->nth && (r->when != SYS_FAULT_FROM || n < r->nth))
			continue;
		hits++;
		if (r->error == SYS_FAULT_KILL) {
			/* A crash at this very step: no exit handler, no
			 * buffer flushed, the call not made. */
			raise(SIGKILL);
			_exit(137);
		}
		return r->error;
	}
	return 0;
}

/*
 * The size of fd's file when it is a regular file (or a folder, whose
 * size means nothing but whose inode does), else -1 with *dev, *ino 0.
 */
static long long
fd_file(int fd, unsigned long long *dev, unsigned long long *ino)
{
	struct stat st;

	*dev = *ino = 0;
	if (fd < 0 || fstat(fd, &st) == -1 ||
	    (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return st.st_size;
}

/*
 * Appends the line of the call just made (the latest counted) to the
 * journal: "N KIND RET DEV INO BEFORE AFTER".  fd is the file the call
 * changed or made durable (-1: none, or a name-based call), before its
 * size before the call (-1: not asked).  One write on an O_APPEND
 * descriptor: the line is in the kernel before the next call, so a
 * SIGKILL at that call leaves every earlier one in the journal.  errno
 * is kept.
 */
static void
journal(enum kind k, long long ret, int fd, long long before)
{
	unsigned long long dev, ino;
	long long after;
	char line[160];
	int n, saved = errno;

	if (journal_fd == -1)
		return;
	after = fd_file(fd, &dev, &ino);
	n = snprintf(line, sizeof(line), "%lu %s %lld %llu %llu %lld %lld\n",
	    counts[K_ANY], kind_names[k], ret, dev, ino, before, after);
	if (n > 0 && write(journal_fd, line, (size_t)n) != n)
		journal_fd = -1;	/* a test sees the journal cut short */
	errno = saved;
}

/* The size of fd's file before a data call, when a journal is kept. */
static long long
size_before(int fd)
{
	unsigned long long dev, ino;

	return journal_fd == -1 ? -1 : fd_file(fd, &dev, &ino);
}

static int
fault_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	int err = fault(K_OPENAT), fd;

	if (err != 0) {
		errno = err;
		return -1;
	}
	fd = base->openat(dirfd, name, flags, mode);
	/* Only an open that makes or empties a file changes one. */
	journal(K_OPENAT, fd, (flags & (O_CREAT | O_TRUNC)) != 0 ||
	    (flags & O_TMPFILE) == O_TMPFILE ? fd : -1, -1);
	return fd;
}

static int
fault_linkat(int olddirfd, const char *oldname, int newdirfd,
    const char *newname, int flags)
{
	int err = fault(K_LINKAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->linkat(olddirfd, oldname, newdirfd, newname, flags);
	journal(K_LINKAT, r, -1, -1);
	return r;
}

static int
fault_unlinkat(int dirfd, const char *name, int flags)
{
	int err = fault(K_UNLINKAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->unlinkat(dirfd, name, flags);
	journal(K_UNLINKAT, r, -1, -1);
	return r;
}

static int
fault_mkdirat(int dirfd, const char *name, mode_t mode)
{
	int err = fault(K_MKDIRAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->mkdirat(dirfd, name, mode);
	journal(K_MKDIRAT, r, -1, -1);
	return r;
}

static int
fault_symlinkat(const char *target, int dirfd, const char *name)
{
	int err = fault(K_SYMLINKAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->symlinkat(target, dirfd, name);
	journal(K_SYMLINKAT, r, -1, -1);
	return r;
}

static int
fault_mknodat(int dirfd, const char *name, mode_t mode, dev_t dev)
{
	int err = fault(K_MKNODAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->mknodat(dirfd, name, mode, dev);
	journal(K_MKNODAT, r, -1, -1);
	return r;
}

static int
fault_renameat(int olddirfd, const char *oldname, int newdirfd,
    const char *newname)
{
	int err = fault(K_RENAMEAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->renameat(olddirfd, oldname, newdirfd, newname);
	journal(K_RENAMEAT, r, -1, -1);
	return r;
}

static ssize_t
fault_write(int fd, const void *buf, size_t count)
{
	int err = fault(K_WRITE);
	ssize_t r;
	long long before;

	if (err != 0) {
		errno = err;
		return -1;
	}
	before = size_before(fd);
	r = base->write(fd, buf, count);
	journal(K_WRITE, r, fd, before);
	return r;
}

static ssize_t
fault_pwrite(int fd, const void *buf, size_t count, off_t off)
{
	int err = fault(K_PWRITE);
	ssize_t r;
	long long before;

	if (err != 0) {
		errno = err;
		return -1;
	}
	before = size_before(fd);
	r = base->pwrite(fd, buf, count, off);
	journal(K_PWRITE, r, fd, before);
	return r;
}

static ssize_t
fault_copy_file_range(int infd, off_t *inoff, int outfd, off_t *outoff,
    size_t len, unsigned int flags)
{
	int err = fault(K_COPY_FILE_RANGE);
	ssize_t r;
	long long before;

	if (err != 0) {
		errno = err;
		return -1;
	}
	before = size_before(outfd);
	r = base->copy_file_range(infd, inoff, outfd, outoff, len, flags);
	journal(K_COPY_FILE_RANGE, r, outfd, before);
	return r;
}

static int
fault_ficlone(int dstfd, int srcfd)
{
	int err = fault(K_FICLONE), r;
	long long before;

	if (err != 0) {
		errno = err;
		return -1;
	}
	before = size_before(dstfd);
	r = base->ficlone(dstfd, srcfd);
	journal(K_FICLONE, r, dstfd, before);
	return r;
}

static int
fault_ftruncate(int fd, off_t len)
{
	int err = fault(K_FTRUNCATE), r;
	long long before;

	if (err != 0) {
		errno = err;
		return -1;
	}
	before = size_before(fd);
	r = base->ftruncate(fd, len);
	journal(K_FTRUNCATE, r, fd, before);
	return r;
}

static int
fault_fsync(int fd)
{
	int err = fault(K_FSYNC), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fsync(fd);
	journal(K_FSYNC, r, fd, -1);
	return r;
}

static int
fault_syncfs(int fd)
{
	int err = fault(K_SYNCFS), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->syncfs(fd);
	journal(K_SYNCFS, r, fd, -1);
	return r;
}

static int
fault_fchown(int fd, uid_t uid, gid_t gid)
{
	int err = fault(K_FCHOWN), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fchown(fd, uid, gid);
	journal(K_FCHOWN, r, -1, -1);
	return r;
}

static int
fault_fchownat(int dirfd, const char *name, uid_t uid, gid_t gid,
    int flags)
{
	int err = fault(K_FCHOWNAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fchownat(dirfd, name, uid, gid, flags);
	journal(K_FCHOWNAT, r, -1, -1);
	return r;
}

static int
fault_fchmod(int fd, mode_t mode)
{
	int err = fault(K_FCHMOD), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fchmod(fd, mode);
	journal(K_FCHMOD, r, -1, -1);
	return r;
}

static int
fault_fchmodat(int dirfd, const char *name, mode_t mode, int flags)
{
	int err = fault(K_FCHMODAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fchmodat(dirfd, name, mode, flags);
	journal(K_FCHMODAT, r, -1, -1);
	return r;
}

static int
fault_futimens(int fd, const struct timespec ts[2])
{
	int err = fault(K_FUTIMENS), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->futimens(fd, ts);
	journal(K_FUTIMENS, r, -1, -1);
	return r;
}

static int
fault_utimensat(int dirfd, const char *name,
    const struct timespec ts[2], int flags)
{
	int err = fault(K_UTIMENSAT), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->utimensat(dirfd, name, ts, flags);
	journal(K_UTIMENSAT, r, -1, -1);
	return r;
}

static int
fault_fsetxattr(int fd, const char *name, const void *value,
    size_t size, int flags)
{
	int err = fault(K_FSETXATTR), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fsetxattr(fd, name, value, size, flags);
	journal(K_FSETXATTR, r, -1, -1);
	return r;
}

static int
fault_fremovexattr(int fd, const char *name)
{
	int err = fault(K_FREMOVEXATTR), r;

	if (err != 0) {
		errno = err;
		return -1;
	}
	r = base->fremovexattr(fd, name);
	journal(K_FREMOVEXATTR, r, -1, -1);
	return r;
}

static const struct sys_ops fault_ops = {
	.openat = fault_openat,
	.linkat = fault_linkat,
	.unlinkat = fault_unlinkat,
	.mkdirat = fault_mkdirat,
	.symlinkat = fault_symlinkat,
	.mknodat = fault_mknodat,
	.renameat = fault_renameat,
	.write = fault_write,
	.pwrite = fault_pwrite,
	.copy_file_range = fault_copy_file_range,
	.ficlone = fault_ficlone,
	.ftruncate = fault_ftruncate,
	.fsync = fault_fsync,
	.syncfs = fault_syncfs,
	.fchown = fault_fchown,
	.fchownat = fault_fchownat,
	.fchmod = fault_fchmod,
	.fchmodat = fault_fchmodat,
	.futimens = fault_futimens,
	.utimensat = fault_utimensat,
	.fsetxattr = fault_fsetxattr,
	.fremovexattr = fault_fremovexattr,
};

const struct sys_ops *
sys_fault_wrap(const struct sys_ops *b)
{
	base = b;
	sys_fault_reset();
	return &fault_ops;
}

void
sys_fault_reset(void)
{
	sys_fault_recount();
	nrules = 0;
}

void
sys_fault_recount(void)
{
	memset(counts, 0, sizeof(counts));
	hits = 0;
}

bool
sys_fault_known(const char *kind)
{
	return kind_of(kind) != -1;
}

int
sys_fault_add(const char *kind, unsigned long nth, int error,
    enum sys_fault_when when, struct err *e)
{
	int k = kind_of(kind);

	if (k == -1)
		return err_set(e, 0, "unknown fault kind '%s' (a member of "
		    "struct sys_ops, such as 'linkat', or 'data' or 'any')",
		    kind);
	if (nth == 0)
		return err_set(e, 0, "a fault hits call 1 or later, not 0");
	if (error == 0 || error < SYS_FAULT_KILL)
		return err_set(e, 0, "a fault needs an errno or 'kill'");
	if (nrules == SYS_FAULT_RULES)
		return err_set(e, 0, "more than %d faults at once",
		    SYS_FAULT_RULES);
	rules[nrules].kind = k;
	rules[nrules].nth = nth;
	rules[nrules].error = error;
	rules[nrules].when = when;
	nrules++;
	return 0;
}

/* The errno called name ("ENOSPC"), or a number; 0 when none. */
static int
errno_named(const char *name)
{
	const char *s;
	char *end;
	long v;
	int i;

	if (*name >= '0' && *name <= '9') {
		v = strtol(name, &end, 10);
		return *end == '\0' && v > 0 && v < 4096 ? (int)v : 0;
	}
	for (i = 1; i < 4096; i++) {
		s = strerrorname_np(i);
		if (s != NULL && strcmp(s, name) == 0)
			return i;
	}
	return 0;
}

int
sys_fault_parse(const char *spec, struct err *e)
{
	char kind[32];
	struct err why;
	const char *c1, *c2;
	unsigned long nth;
	char *end;
	int error;

	c1 = strchr(spec, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c2 == NULL || (size_t)(c1 - spec) >= sizeof(kind))
		return err_set(e, 0, "bad fault '%s': expected KIND:N:ERROR, "
		    "such as 'linkat:1:EMLINK' or 'renameat:2:kill'", spec);
	memcpy(kind, spec, c1 - spec);
	kind[c1 - spec] = '\0';
	errno = 0;
	nth = strtoul(c1 + 1, &end, 10);
	if (end != c2 || c1[1] < '0' || c1[1] > '9' || errno != 0)
		return err_set(e, 0, "bad fault '%s': N is the number of the "
		    "call to hit, from 1", spec);
	if (strcmp(c2 + 1, "kill") == 0)
		error = SYS_FAULT_KILL;
	else if ((error = errno_named(c2 + 1)) == 0)
		return err_set(e, 0, "bad fault '%s': '%s' is neither an "
		    "errno name (such as ENOSPC) nor 'kill'", spec, c2 + 1);
	if (sys_fault_add(kind, nth, error, SYS_FAULT_ONCE, &why) == -1)
		return err_set(e, 0, "bad fault '%s': %s", spec, why.msg);
	return 0;
}

unsigned long
sys_fault_count(const char *kind)
{
	int k = kind_of(kind);

	return k == -1 ? 0 : counts[k];
}

unsigned long
sys_fault_hits(void)
{
	return hits;
}

int
sys_fault_journal(const char *path, struct err *e)
{
	if (journal_fd != -1)
		close(journal_fd);
	journal_fd = -1;
	if (path == NULL)
		return 0;
	journal_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (journal_fd == -1)
		return err_set(e, errno, "cannot open the call journal '%s'",
		    path);
	return 0;
}
