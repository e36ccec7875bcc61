/*
 * remote: the transfer of a remote source, by rsync over ssh.
 *
 * snap speaks no protocol of its own: OpenSSH makes the connection and
 * rsync moves the files.  remote_fetch runs, with an argv and no shell,
 *
 *   rsync -aHAX --numeric-ids --sparse --timeout=600 [--checksum]
 *         -e SSH_COMMAND --rsync-path=RSYNC_PATH [-x] [--filter=...]
 *         [--link-dest=PREV] -- HOST:PATH/ INTO/
 *
 * so that what did not change since the previous snapshot's copy PREV
 * is a hard link to it (no bytes sent, no space used).  Its stderr is
 * kept, so that a failure names the host and quotes what ssh and rsync
 * said.  What rsync wrote is not trusted: received.h checks and records
 * it.
 *
 * remote_relink fills a folder with hard links to the previous copy of a
 * source whose host could not be reached (a local rsync --link-dest), so
 * the new snapshot still holds that source, unchanged.
 */
#ifndef SNAP_REMOTE_H
#define SNAP_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

/* rsync's exit status when some source files vanished meanwhile. */
#define REMOTE_VANISHED	1

/*
 * Copies the remote source src into the existing, empty folder into (an
 * absolute path), linking unchanged files to link_dest (absolute, or
 * NULL when there is no previous copy); checksum compares content, not
 * size and mtime.  Returns 0; REMOTE_VANISHED with e set to a warning
 * (the copy is complete but for files that vanished on the host); or -1
 * with e naming the host and quoting rsync's last lines (what is in into
 * is then partial).
 */
int	remote_fetch(const struct config_source *src, const char *into,
	    const char *link_dest, bool checksum, struct err *e);

/*
 * Fills the existing, empty folder into with the tree prev (both
 * absolute): folders, symlinks and nodes new, regular files hard links
 * to prev's.  Returns 0, or -1 with e set.
 */
int	remote_relink(const char *prev, const char *into, struct err *e);

/*
 * The rsync argument for one of a source's filter rules (filter.h):
 * "--filter=- PATTERN" or "--filter=+ PATTERN".  snap's patterns mean
 * what rsync's mean (exclude.h), so the rule goes over as it is and the
 * host leaves out what a local run would.  Returns it (free it), or NULL
 * (ENOMEM).
 */
char	*remote_filter_arg(const struct filter_rule *rule);

#endif
