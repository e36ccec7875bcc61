/*
 * source: is a local source there (source.h).
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "mountpoint.h"

bool
source_missing(const struct config_source *src, struct err *why)
{
	struct stat st;
	bool mounted;
	int saved;

	if (src->host != NULL)
		return false;
	/* The source root may be a symlink to the tree to back up; the
	 * walk never follows one below it. */
	if (stat(src->path, &st) == -1) {
		saved = errno;
		/* strerror would only repeat the sentence. */
		if (saved == ENOENT || saved == ENOTDIR) {
			err_set(why, 0, "source '%s' does not exist",
			    src->path);
			why->errnum = saved;
		} else
			err_set(why, errno, "cannot access source '%s'",
			    src->path);
		return true;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(why, 0, "source '%s' is not a folder", src->path);
		why->errnum = ENOTDIR;
		return true;
	}
	if (!src->require_mount)
		return false;
	if (mountpoint_is(AT_FDCWD, src->path, 0, &mounted) == -1) {
		err_set(why, errno, "cannot access source '%s'", src->path);
		return true;
	}
	if (!mounted) {
		err_set(why, 0, "source '%s' is not mounted (it says "
		    "require_mount: true)", src->path);
		return true;
	}
	return false;
}
