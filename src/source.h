/*
 * source: is a local source there to be backed up?
 *
 * A local source is missing when its path does not exist or cannot be
 * reached, is not a folder (a symlink to one counts as one, as the walk
 * follows the source root), or, with require_mount, is not a mount
 * point (the disk that should be mounted there is not, and what shows
 * is the empty folder below it).  create, check and diff --source ask
 * the same question with source_missing.
 *
 * What a run does with a missing source (create.c): it fails the run
 * when the source is required or the only one; otherwise the run warns
 * and the snapshot gets the previous snapshot's copy linked unchanged,
 * named in the summary's "missing" lines (summary.h), which list and
 * prune read.
 */
#ifndef SNAP_SOURCE_H
#define SNAP_SOURCE_H

#include <stdbool.h>

#include "config.h"
#include "err.h"

/*
 * Returns true when the local source src is missing, with why saying so
 * ("source '/mnt/usb' is not mounted"); false when it is there (why is
 * left alone).  A remote source is never missing here.
 */
bool	source_missing(const struct config_source *src, struct err *why);

#endif
