/*
 * confine: what a child process may change on the filesystem, with
 * Landlock (Linux 5.13 and later).
 *
 * A replica runs rsync on what an untrusted primary sends.  rsync means
 * to write only below the folder it is given, but a receiver bug that a
 * hostile sender can drive (a symlink made early in the transfer and a
 * name written through it later) would write anywhere root may.  Called
 * in the child between fork and exec, confine_writes makes the kernel
 * refuse, for that process and everything it starts (ssh too), every
 * change outside the folders named: writing, truncating, making,
 * removing and renaming files.  Reading stays allowed everywhere.
 *
 *   pid = fork();
 *   if (pid == 0) { confine_writes(into, 1, link_from, n); execvp(...); }
 *
 * The folders of into are the only trees where names may be made,
 * removed or renamed (a transfer's folder, and the folder where rsync
 * keeps the part of a file it had received when it was stopped).
 * The folders of link_from may be hard-linked from into (rsync's
 * --link-dest): no name in them can be made, removed or renamed, but
 * since Landlock links a file only where that gives it no right it
 * lacked, their existing files stay writable in place (rsync never
 * writes in place without --inplace: it writes a new file and renames
 * it).  Nothing outside into and link_from can be written or linked in.
 * /dev/null and /dev/tty stay writable.  Metadata calls (chmod, chown,
 * utimes, xattrs) are not rights Landlock knows: they are not confined.
 */
#ifndef SNAP_CONFINE_H
#define SNAP_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Confines the calling process as above.  Returns 0 when the kernel
 * enforces it, or -1 with errno set when it cannot (no Landlock: ENOSYS
 * or EOPNOTSUPP; a folder that cannot be opened); the process is then
 * as it was.
 */
int	confine_writes(const char *const *into, size_t n_into,
	    const char *const *link_from, size_t n_link_from);

/* True when confine_writes can work here (Landlock ABI 2 or later). */
bool	confine_supported(void);

#endif
