/*
 * node: the symlinks, FIFOs, sockets and device nodes of a create.
 *
 * Each is made anew in the snapshot (a node costs no data, and linking
 * one from an earlier snapshot would share its metadata with history),
 * with its owner, mode, times and xattrs: ACLs, SELinux labels and
 * trusted.* live on symlinks and device nodes too.  Several names of one
 * source node stay one inode, as rsync -H keeps them: the first name is
 * made, the others link to it.
 *
 *   struct nodes n;
 *   nodes_init(&n, &linker, build_fd);
 *   nodes_store(&n, &item, quoted_path, &e) ...   for each node
 *   nodes_free(&n);
 */
#ifndef SNAP_NODE_H
#define SNAP_NODE_H

#include "err.h"
#include "inomap.h"
#include "link.h"
#include "walk.h"

struct nodes {
	struct linker	*linker;	/* builds the snapshot; reports */
	int		 build_fd;	/* the snapshot being built */
	struct inomap	 groups;	/* source (dev, ino) -> first name */
};

void	nodes_init(struct nodes *n, struct linker *l, int build_fd);
void	nodes_free(struct nodes *n);

/*
 * Stores the node the walk yields in it (not a folder or regular file)
 * in the linker's top folder, and fills its entry's stored_ino and
 * xattr_hash (of what the snapshot holds).  path is its printable name.
 * Returns 0; 1 when it was not stored (reported through the linker);
 * -1 with e set when the run cannot go on.
 */
int	nodes_store(struct nodes *n, const struct walk_item *it,
	    const char *path, struct err *e);

#endif
