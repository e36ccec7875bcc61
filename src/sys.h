/*
 * sys: the seam between snap and the calls that change a filesystem.
 *
 * Every mutating system call of create, restore, prune and delete goes
 * through a struct sys_ops: links, names, folders, nodes, content,
 * metadata (owner, mode, times, xattrs), and durability (fsync, syncfs).
 * A test hands the engine a table whose Nth linkat fails with EXDEV or
 * EMLINK, whose write fails with ENOSPC, or whose Nth call of any kind
 * stops the process (sys_fault.h), and then checks what the run did.
 * sys_real is the table of the real calls.  Each member has the
 * signature and errno contract of the call it names, with the
 * exceptions noted beside it.
 *
 * No file outside sys.c calls one of these directly.
 */
#ifndef SNAP_SYS_H
#define SNAP_SYS_H

#include <sys/types.h>
#include <time.h>

struct sys_ops {
	int	(*openat)(int dirfd, const char *name, int flags, mode_t mode);
	int	(*linkat)(int olddirfd, const char *oldname, int newdirfd,
		    const char *newname, int flags);
	int	(*unlinkat)(int dirfd, const char *name, int flags);
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
	int	(*syncfs)(int fd);
	int	(*fchown)(int fd, uid_t uid, gid_t gid);
	/* flags: AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH as for fchownat. */
	int	(*fchownat)(int dirfd, const char *name, uid_t uid, gid_t gid,
		    int flags);
	int	(*fchmod)(int fd, mode_t mode);
	/* flags: AT_SYMLINK_NOFOLLOW is honoured, never following a
	 * symlink (EOPNOTSUPP for one). */
	int	(*fchmodat)(int dirfd, const char *name, mode_t mode,
		    int flags);
	int	(*futimens)(int fd, const struct timespec ts[2]);
	int	(*utimensat)(int dirfd, const char *name,
		    const struct timespec ts[2], int flags);
	/* fd may also be an O_PATH descriptor (a symlink, FIFO or device
	 * node, which cannot be opened for I/O safely): then the call goes
	 * through its /proc/self/fd name, which reaches that very inode. */
	int	(*fsetxattr)(int fd, const char *name, const void *value,
		    size_t size, int flags);
	int	(*fremovexattr)(int fd, const char *name);	/* the same */
};

extern const struct sys_ops sys_real;

/* Room for "/proc/self/fd/" and any descriptor number. */
#define SYS_FD_PATH_LEN	32

/*
 * Fills out with the /proc/self/fd name of fd: the xattr calls that
 * follow a path reach, through it, the inode an O_PATH descriptor holds
 * (f*xattr refuse such a descriptor with EBADF).  Returns out.
 */
char	*sys_fd_path(int fd, char out[SYS_FD_PATH_LEN]);

#endif
