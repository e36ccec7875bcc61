/*
 * scratch: a flat scratch folder for the unit tests that write files
 * (manifests, mostly), as cmocka setup and teardown functions.
 *
 *   cmocka_unit_test_setup_teardown(test_x, scratch_setup, scratch_teardown)
 *   ... struct scratch_dir *d = *state; use d->dirfd or d->dir ...
 *
 * Teardown removes the files in the folder (not subfolders) and the folder.
 */
#ifndef SNAP_TEST_SCRATCH_H
#define SNAP_TEST_SCRATCH_H

struct scratch_dir {
	char	dir[64];
	int	dirfd;
};

int	scratch_setup(void **state);
int	scratch_teardown(void **state);

#endif
