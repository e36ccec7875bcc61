#include "scratch.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
scratch_setup(void **state)
{
	struct scratch_dir *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	strcpy(d->dir, "/tmp/snap-unit.XXXXXX");
	if (mkdtemp(d->dir) == NULL) {
		free(d);
		return -1;
	}
	d->dirfd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd == -1) {
		rmdir(d->dir);
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

int
scratch_teardown(void **state)
{
	struct scratch_dir *d = *state;
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	if ((dir = fdopendir(dup(d->dirfd))) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				unlinkat(d->dirfd, de->d_name, 0);
		}
		closedir(dir);
	}
	close(d->dirfd);
	if (rmdir(d->dir) == -1)
		rc = -1;
	free(d);
	return rc;
}
