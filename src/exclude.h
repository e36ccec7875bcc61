/*
 * exclude: rsync's patterns (pure), as rsync(1) describes them under
 * "INCLUDE/EXCLUDE PATTERN RULES".  filter.h puts them in rules.
 *
 *   "*.tmp"       no '/' and no "**": the last component, at any depth
 *   "cache/"      a trailing '/': folders only
 *   "/build"      a leading '/': the path from the source root
 *   "src/a*.c"    a '/' inside or a "**": the whole path, or any tail of
 *                 it that starts at a component ("x/src/ab.c" too)
 *   "**" first    the whole path only; "**" then "/x" matches "x" at the
 *                 top too
 *   "***" last    after "dir/", the folder "dir" and everything below it
 *   '*', '?' and "[...]" never match '/'; "**" matches anything, so
 *   "a/", "**", "/z" matches "a/b/z" but not "a/z" (as rsync; gitignore
 *   differs).  In a pattern without '*', '?' or '[' a '\' is a byte.
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
 * for.  The config refuses a longer one; the matchers ignore it.
 */
#define EXCLUDE_PATTERN_MAX	4096

/*
 * Returns true if relpath (relative to the source root, no leading '/',
 * NUL-terminated) matches one of the n patterns; is_dir says whether the
 * entry is a directory.
 */
bool	exclude_match(char *const *patterns, size_t n, const char *relpath,
	    bool is_dir);

/* The same for one pattern and a relpath of relpath_len bytes. */
bool	exclude_match_pattern(const char *pattern, const char *relpath,
	    size_t relpath_len, bool is_dir);

#endif
