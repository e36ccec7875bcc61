#include "sys.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

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

const struct sys_ops sys_real = {
	.openat = real_openat,
	.linkat = linkat,
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
};
