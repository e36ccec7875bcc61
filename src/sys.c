#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452	/* the same number on every architecture */
#endif

static int
real_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

static int
real_ficlone(int dstfd, int srcfd)
{
	return ioctl(dstfd, FICLONE, srcfd);
}

static ssize_t
real_copy_file_range(int infd, off_t *inoff, int outfd, off_t *outoff,
    size_t len, unsigned int flags)
{
	return copy_file_range(infd, inoff, outfd, outoff, len, flags);
}

static int
real_fchmodat(int dirfd, const char *name, mode_t mode, int flags)
{
	if (flags == 0)
		return fchmodat(dirfd, name, mode, 0);
	/*
	 * The kernel's own fchmodat2 decides on the inode it resolved;
	 * before Linux 6.6 glibc emulates the flag with an O_PATH
	 * descriptor and /proc, refusing a symlink.
	 */
	if (syscall(SYS_fchmodat2, dirfd, name, mode, flags) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	return fchmodat(dirfd, name, mode, flags);
}

static int
real_futimens(int fd, const struct timespec ts[2])
{
	return futimens(fd, ts);
}

static int
real_utimensat(int dirfd, const char *name, const struct timespec ts[2],
    int flags)
{
	return utimensat(dirfd, name, ts, flags);
}

char *
sys_fd_path(int fd, char out[SYS_FD_PATH_LEN])
{
	snprintf(out, SYS_FD_PATH_LEN, "/proc/self/fd/%d", fd);
	return out;
}

static int
real_fsetxattr(int fd, const char *name, const void *value, size_t size,
    int flags)
{
	char path[SYS_FD_PATH_LEN];

	if (fsetxattr(fd, name, value, size, flags) == 0)
		return 0;
	if (errno != EBADF)
		return -1;
	return setxattr(sys_fd_path(fd, path), name, value, size, flags);
}

static int
real_fremovexattr(int fd, const char *name)
{
	char path[SYS_FD_PATH_LEN];

	if (fremovexattr(fd, name) == 0)
		return 0;
	if (errno != EBADF)
		return -1;
	return removexattr(sys_fd_path(fd, path), name);
}

const struct sys_ops sys_real = {
	.openat = real_openat,
	.linkat = linkat,
	.unlinkat = unlinkat,
	.mkdirat = mkdirat,
	.symlinkat = symlinkat,
	.mknodat = mknodat,
	.renameat = renameat,
	.write = write,
	.pwrite = pwrite,
	.copy_file_range = real_copy_file_range,
	.ficlone = real_ficlone,
	.ftruncate = ftruncate,
	.fsync = fsync,
	.syncfs = syncfs,
	.fchown = fchown,
	.fchownat = fchownat,
	.fchmod = fchmod,
	.fchmodat = real_fchmodat,
	.futimens = real_futimens,
	.utimensat = real_utimensat,
	.fsetxattr = real_fsetxattr,
	.fremovexattr = real_fremovexattr,
};
