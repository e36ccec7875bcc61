/*
 * exclude: rsync-like exclude patterns of one source (pure).
 *
 *   "*.tmp"       no '/': matches the name of an entry at any depth
 *   "cache/"      a trailing '/': matches directories only
 *   "*\/.cache/"   a '/' inside: matched against the whole path relative to
 *                 the source, or any tail of it that starts at a
 *                 component; a leading '/' anchors it at the source root
 *   '*' and '?' do not match '/'; "**" matches across '/'.
 *
 * A match costs at most (pattern length x path length) steps, whatever
 * the pattern: no '*' is ever retried (see exclude.c).
 */
#ifndef SNAP_EXCLUDE_H
#define SNAP_EXCLUDE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The longest pattern, in bytes: longer than any path it could be meant
 * for.  The config refuses a longer one; exclude_match ignores it.
 */
#define EXCLUDE_PATTERN_MAX	4096

/*
 * Returns true if relpath (relative to the source root, no leading '/',
 * NUL-terminated) matches one of the n patterns; is_dir says whether the
 * entry is a directory.
 */
bool	exclude_match(char *const *patterns, size_t n, const char *relpath,
	    bool is_dir);

#endif
