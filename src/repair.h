/*
 * repair: rebuild a snapshot's manifest from its stored tree.
 *
 *   repair_manifest(root, manifests_fd, name, sys, &stats, &e);
 *
 * A manifest that was damaged (a flipped bit, a lost write) makes the
 * snapshot invisible to the readers and useless as a link source.  The
 * tree itself holds almost all of what the manifest recorded: it is
 * walked as verify walks it (walk.h, the snapshot as a source with dest
 * "", so in walk order), every regular file is hashed, and the entries
 * are written with the manifest writer: to NAME.tmp, fsynced, renamed
 * over NAME, the folder fsynced, through sys.  The snapshot's files are
 * only read, with O_NOATIME where permitted.
 *
 * What the tree cannot tell is the source inode and ctime: the rebuilt
 * manifest records the stored ones, so the next create reads (hashes)
 * each unchanged source file once and then links it by content.
 */
#ifndef SNAP_REPAIR_H
#define SNAP_REPAIR_H

#include <stdint.h>

#include "err.h"
#include "sys.h"

struct repair_stats {
	uint64_t	entries;	/* records written */
	uint64_t	files;		/* regular files hashed */
	uint64_t	bytes;		/* bytes hashed */
};

/*
 * Rebuilds manifests_fd/name from root/name.  The caller holds the
 * store's lock.  Returns 0, or -1 with e set and the old manifest (if
 * any) left as it was.
 */
int	repair_manifest(const char *root, int manifests_fd, const char *name,
	    const struct sys_ops *sys, struct repair_stats *stats,
	    struct err *e);

#endif
