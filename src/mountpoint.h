/*
 * mountpoint: is a folder the root of a mounted filesystem?
 *
 * One answer for every part of snap that asks (require_mount in store
 * and check, rmtree's refusal to leave the tree it removes).  The kernel
 * says so directly through statx's STATX_ATTR_MOUNT_ROOT (Linux 5.8),
 * which also sees bind mounts of the same filesystem; only when it does
 * not report that attribute is a device change from the parent folder
 * taken as the answer, which misses such bind mounts.
 */
#ifndef SNAP_MOUNTPOINT_H
#define SNAP_MOUNTPOINT_H

#include <stdbool.h>

/*
 * Sets *yes to whether dirfd/name is a mount point.  flags are statx's:
 * AT_SYMLINK_NOFOLLOW, and AT_EMPTY_PATH with name "" for dirfd itself.
 * Returns 0, or -1 with errno set (name cannot be reached).
 */
int	mountpoint_is(int dirfd, const char *name, int flags, bool *yes);

#endif
