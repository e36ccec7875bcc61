#include "mountpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int
mountpoint_is(int dirfd, const char *name, int flags, bool *yes)
{
	struct statx stx;
	struct stat parent;
	char up[PATH_MAX];
	int r;

	if (statx(dirfd, name, flags, STATX_BASIC_STATS, &stx) == -1)
		return -1;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
		*yes = (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
		return 0;
	}
	/*
	 * An older kernel: the classic test.  ".." of a mount point is
	 * the parent on the covered filesystem, so the device differs;
	 * "/" is its own parent.
	 */
	if (name[0] == '\0')
		r = fstatat(dirfd, "..", &parent, 0);
	else if (snprintf(up, sizeof(up), "%s/..", name) >= (int)sizeof(up)) {
		errno = ENAMETOOLONG;
		return -1;
	} else
		r = fstatat(dirfd, up, &parent, 0);
	if (r == -1)
		return -1;
	*yes = makedev(stx.stx_dev_major, stx.stx_dev_minor) !=
	    parent.st_dev || stx.stx_ino == parent.st_ino;
	return 0;
}
