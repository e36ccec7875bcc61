#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first stored name of a source node with several names. */
struct node_group {
	char		*path;		/* snapshot-relative, NUL-ended */
	uint64_t	 stored_ino;
	uint64_t	 xattr_hash;
};

void
nodes_init(struct nodes *n, struct linker *l, int build_fd)
{
	n->linker = l;
	n->build_fd = build_fd;
	inomap_init(&n->groups, sizeof(struct node_group));
}

void
nodes_free(struct nodes *n)
{
	struct node_group *g;
	size_t it = 0;

	while ((g = inomap_next(&n->groups, &it, NULL, NULL)) != NULL)
		free(g->path);
	inomap_free(&n->groups);
}

/* A problem with this node: reported, the run goes on.  Returns 1. */
static int
report(struct nodes *n, const struct err *fe)
{
	if (n->linker->report != NULL)
		n->linker->report(n->linker->arg, fe);
	return 1;
}

/*
 * Links another name of a stored group.  Returns 0 when linked, 1 when
 * the node must be made instead (the inode is full, or gone).
 */
static int
link_group(struct nodes *n, const struct node_group *g,
    const struct walk_item *it)
{
	struct link_level *top = linker_top(n->linker);
	const char *base;
	struct stat got;
	int dirfd;

	dirfd = linker_open_parent(n->linker, n->build_fd, g->path,
	    strlen(g->path), &base);
	if (dirfd == -1 || linker_link(n->linker, dirfd, base, top->dst_fd,
	    it->name, g->stored_ino, &got) != 0)
		return 1;
	it->ent->stored_ino = got.st_ino;
	it->ent->xattr_hash = g->xattr_hash;
	return 0;
}

/* Remembers the node just made as its group's first name. */
static int
remember(struct nodes *n, const struct walk_item *it, struct err *e)
{
	struct node_group *g;

	g = inomap_insert(&n->groups, it->st->st_dev, it->st->st_ino, NULL);
	if (g == NULL)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	free(g->path);
	if ((g->path = strndup(it->ent->path, it->ent->path_len)) == NULL)
		return err_set(e, ENOMEM, "cannot build the snapshot");
	g->stored_ino = it->ent->stored_ino;
	g->xattr_hash = it->ent->xattr_hash;
	return 0;
}

int
nodes_store(struct nodes *n, const struct walk_item *it, const char *path,
    struct err *e)
{
	const struct node_group *g = NULL;
	struct link_node node;
	struct stat st;
	struct err fe;
	int r;

	if (it->st->st_nlink > 1 && (g = inomap_find(&n->groups,
	    it->st->st_dev, it->st->st_ino)) != NULL &&
	    link_group(n, g, it) == 0)
		return 0;

	/*
	 * The node itself, held without following it, gives its xattrs:
	 * if it is no longer the node the walk saw, someone swapped it.
	 */
	memset(&node, 0, sizeof(node));
	node.st = it->st;
	node.target = it->ent->target;
	node.target_len = it->ent->target_len;
	node.srcfd = openat(it->dirfd, it->name,
	    O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (node.srcfd == -1) {
		err_set(&fe, errno, "'%s' vanished before it could be read",
		    path);
		return report(n, &fe);
	}
	if (fstat(node.srcfd, &st) == -1 || st.st_dev != it->st->st_dev ||
	    st.st_ino != it->st->st_ino ||
	    (st.st_mode & S_IFMT) != (it->st->st_mode & S_IFMT)) {
		close(node.srcfd);
		err_set(&fe, 0, "'%s' changed while it was read; skipped",
		    path);
		return report(n, &fe);
	}
	r = linker_node(n->linker, linker_top(n->linker)->dst_fd, it->name,
	    &node, path, e);
	close(node.srcfd);
	if (r != 0)
		return r;
	it->ent->stored_ino = node.stored_ino;
	it->ent->xattr_hash = node.xattr_hash;
	if (it->st->st_nlink > 1)
		return remember(n, it, e);
	return 0;
}
