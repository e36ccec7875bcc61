/*
 * sys: the seam between snap and the calls that change a filesystem.
 *
 * Every mutating system call the create engine makes goes through a
 * struct sys_ops, so a test can hand the engine a table whose Nth linkat
 * fails with EXDEV or EMLINK, or whose write fails with ENOSPC, and then
 * check what the run did.  sys_real is the table of the real calls.
 * Each member has the signature and errno contract of the call it names.
 */
#ifndef SNAP_SYS_H
#define SNAP_SYS_H

#include <sys/types.h>

struct sys_ops {
	int	(*openat)(int dirfd, const char *name, int flags, mode_t mode);
	int	(*linkat)(int olddirfd, const char *oldname, int newdirfd,
		    const char *newname, int flags);
	int	(*mkdirat)(int dirfd, const char *name, mode_t mode);
	int	(*symlinkat)(const char *target, int dirfd, const char *name);
	int	(*mknodat)(int dirfd, const char *name, mode_t mode, dev_t dev);
	int	(*renameat)(int olddirfd, const char *oldname, int newdirfd,
		    const char *newname);
	ssize_t	(*write)(int fd, const void *buf, size_t count);
	ssize_t	(*pwrite)(int fd, const void *buf, size_t count, off_t off);
	ssize_t	(*copy_file_range)(int infd, off_t *inoff, int outfd,
		    off_t *outoff, size_t len, unsigned int flags);
	int	(*ficlone)(int dstfd, int srcfd);	/* ioctl(FICLONE) */
	int	(*ftruncate)(int fd, off_t len);
	int	(*fsync)(int fd);
};

extern const struct sys_ops sys_real;

#endif
