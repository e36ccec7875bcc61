/*
 * repair: rebuild a snapshot's manifest from its stored tree (repair.h).
 */
#include "repair.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "copy.h"
#include "manifest.h"
#include "meta.h"
#include "walk.h"

/*
 * Fills the hash and xattr fingerprint of the regular file it (a walk
 * item) from its content.  Returns 0, or -1 with e set.
 */
static int
hash_file(const struct walk_item *it, struct repair_stats *stats,
    struct err *e)
{
	int fd, flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	uint64_t size;
	int rc;

	/* Reading must not change the snapshot, not even its atimes. */
	fd = openat(it->dirfd, it->name, flags | O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(it->dirfd, it->name, flags);
	if (fd == -1)
		return err_set(e, errno, "cannot read '%s'", it->ent->path);
	rc = copy_hash_fd(fd, it->ent->path, it->ent->hash, &size, e);
	if (rc == 0) {
		it->ent->has_hash = true;
		it->ent->xattr_hash = meta_xattr_hash(fd);
		stats->files++;
		stats->bytes += size;
	}
	close(fd);
	return rc;
}

int
repair_manifest(const char *root, int manifests_fd, const char *name,
    const struct sys_ops *sys, struct repair_stats *stats, struct err *e)
{
	struct manifest_writer *w = NULL;
	struct config_source src;
	struct walk *walk = NULL;
	struct walk_item it;
	char *path = NULL;
	int r, rc = -1;

	memset(stats, 0, sizeof(*stats));
	if (asprintf(&path, "%s/%s", root, name) == -1) {
		path = NULL;
		return err_set(e, ENOMEM, "cannot repair '%s'", name);
	}
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.dest = "";
	if (walk_open(&walk, &src, 1, NULL, e) == -1 ||
	    manifest_writer_open(&w, manifests_fd, name, sys, e) == -1)
		goto out;
	/* The snapshot may have a manifest (damaged, or fine): once the
	 * new one has replaced it, a failure must not remove it too. */
	manifest_writer_replaces(w);
	while ((r = walk_next(walk, &it, e)) == 1) {
		/* A manifest with a hole would be a lie: stop instead. */
		if (it.event == WALK_WARNING) {
			err_set(e, it.errnum, "cannot repair '%s': %s", name,
			    it.warning);
			goto out;
		}
		/* The snapshot folder itself is not in its manifest. */
		if (it.event != WALK_ENTRY || it.ent->path_len == 0)
			continue;
		it.ent->stored_ino = it.st->st_ino;
		if (it.ent->type == ENTRY_REG && hash_file(&it, stats, e) == -1)
			goto out;
		if (manifest_writer_add(w, it.ent, e) == -1)
			goto out;
		stats->entries++;
	}
	if (r == -1)
		goto out;
	rc = manifest_writer_commit(w, e);
	w = NULL;
out:
	manifest_writer_abort(w);
	walk_close(walk);
	free(path);
	return rc;
}
