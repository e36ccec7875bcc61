/*
 * marker: folders that say they are not to be backed up.
 *
 *   if (marker_found(dirfd, &source->filter)) ... leave the folder out ...
 *
 * Two kinds, both looked up below a folder the walk holds open, so no
 * name on the way is resolved again:
 *   - with exclude_caches, a cache by the Cache Directory Tagging
 *     Specification: a regular file CACHEDIR.TAG that starts with the
 *     43-byte signature (the tag of ccache, cargo, pip, Chromium, ...);
 *   - any entry (of any type) named in exclude_if_present.
 */
#ifndef SNAP_MARKER_H
#define SNAP_MARKER_H

#include <stdbool.h>

#include "filter.h"

#define MARKER_CACHETAG_NAME	"CACHEDIR.TAG"
#define MARKER_CACHETAG_SIGNATURE \
	"Signature: 8a477f597d28d172789f06886806bc55"

/*
 * Returns true if the folder open at dirfd holds a marker f asks for.
 * A tag that cannot be read, is not a regular file or lacks the
 * signature is no marker: the folder is backed up.
 */
bool	marker_found(int dirfd, const struct filter *f);

#endif
