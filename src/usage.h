/*
 * usage: space accounting from manifests, for list, du and prune.
 *
 * Every snapshot of a root lives on one filesystem, so a stored file is
 * identified by its stored inode number (entry.stored_ino), and a file
 * that did not change is the same inode in every snapshot that links it.
 * usage_compute reads the manifests of the given snapshots once, in the
 * order given (oldest first), and keeps one small record per distinct
 * stored inode (no paths), so memory grows with the number of distinct
 * files, not with the number of snapshots or paths:
 *
 *   struct usage u;
 *   usage_compute(&u, manifests_fd, list.names, list.n, &e);
 *   ... u.snaps[i].new_bytes, u.total_bytes ...
 *   usage_free(&u);
 *
 * Only regular files count.  Sizes are file sizes (st_size); the *_disk
 * twins are the blocks the stored inodes occupy (st_blocks * 512), which
 * usage_compute_disk reads with one fstatat per distinct stored inode in
 * the snapshot that first holds it, so that a 15 MiB sparse file or a
 * reflinked copy is not taken for 15 MiB of new space.  An inode is counted once per snapshot however many paths in it share
 * it.  A regular file whose manifest record has no stored inode (0) is
 * taken as held by its snapshot alone.
 */
#ifndef SNAP_USAGE_H
#define SNAP_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "name.h"

struct usage_snapshot {
	uint64_t	files;		/* regular-file paths */
	uint64_t	size;		/* sum of their sizes, per path */
	uint64_t	inodes;		/* distinct stored inodes */
	uint64_t	held_bytes;	/* sum of their sizes, per inode */
	uint64_t	new_bytes;	/* inodes no earlier snapshot holds */
	uint64_t	alone_bytes;	/* inodes no other snapshot holds:
					 * what deleting it frees */
	uint64_t	shared_bytes;	/* held_bytes - alone_bytes */
	/* The same, in bytes on disk (usage_compute_disk; else equal to
	 * the sizes above). */
	uint64_t	size_disk;
	uint64_t	held_disk;
	uint64_t	new_disk;
	uint64_t	alone_disk;
	uint64_t	shared_disk;
};

struct usage {
	struct usage_snapshot *snaps;	/* one per name given, same order */
	size_t		 n;
	uint64_t	 total_inodes;	/* distinct stored inodes of all */
	uint64_t	 total_bytes;	/* their sizes, each counted once */
	uint64_t	 total_disk;	/* their bytes on disk, likewise */
	size_t		 failed;	/* after -1: the index of the name
					 * whose manifest failed, else n */
};

/*
 * Reads manifests_fd/names[i] for i < n (oldest first: "new" means "not
 * in an earlier one of these") and fills *u.  Returns 0 (free with
 * usage_free), or -1 with e set and *u empty but for u->failed.
 */
int	usage_compute(struct usage *u, int manifests_fd,
	    const char (*names)[NAME_SNAPSHOT_LEN], size_t n, struct err *e);

/*
 * usage_compute, with the bytes on disk of each distinct stored inode
 * read from the snapshot folders under root_fd (a file that cannot be
 * stat'ed counts its size).  root_fd -1: no reading; the disk figures
 * are the sizes.
 */
int	usage_compute_disk(struct usage *u, int manifests_fd, int root_fd,
	    const char (*names)[NAME_SNAPSHOT_LEN], size_t n, struct err *e);

void	usage_free(struct usage *u);

#endif
