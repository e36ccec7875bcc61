/*
 * filter: the filter rules of one source, rsync's filter language
 * (pure; the patterns are exclude.h's).
 *
 *   struct filter f = FILTER_INIT;
 *   filter_parse_rule("- *.tmp", &include, &pattern, why, sizeof(why));
 *   filter_add_rule(&f, include, pattern);
 *   ... or filter_parse_lines(&f, text, len, &line, why, sizeof(why));
 *   if (filter_excludes(&f, relpath, len, is_dir)) ... leave it out ...
 *   filter_free(&f);
 *
 * A rule is "- PATTERN" or "exclude PATTERN" (leave out what matches)
 * or "+ PATTERN" or "include PATTERN" (keep it); the first rule that
 * matches an entry decides, and an entry no rule matches is kept.  As
 * in rsync, one space or '_' ends the rule's name and the rest of the
 * text, spaces included, is the pattern.  An excluded folder is not
 * entered, so an include below it takes effect only when its parent
 * folders are included too.  The struct owns every string in it.
 */
#ifndef SNAP_FILTER_H
#define SNAP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct filter_rule {
	char	*pattern;	/* see exclude.h; for merge, the file name */
	bool	 include;	/* '+': keep what matches */
	bool	 merge;		/* ": NAME" (rsync's dir-merge): here come
				 * the rules of the NAME files of the folders
				 * above the entry, the nearest first */
};

/*
 * The rules of one folder's merge file (": NAME"), for the entries below
 * that folder.  The walk keeps one per folder that has the file, from
 * the source root down; off is where the path below that folder starts
 * in a source-relative path ("a/b/x" for the file in "a": 2, "b/x"), so
 * that "/x" in it is anchored at its folder, as in rsync.
 */
struct filter_layer {
	struct filter	*rules;
	size_t		 off;
	size_t		 depth;		/* the walk's, for popping */
};

/* A merge file larger than this is not read (a warning). */
#define FILTER_MERGE_MAX	(64 * 1024)

struct filter {
	struct filter_rule *rules;	/* in order; the first match wins */
	size_t		 n_rules;
	/* Leave out a folder that holds an entry of one of these names
	 * (exclude_if_present). */
	char		**if_present;
	size_t		 n_if_present;
	/* Leave out a folder that holds a valid CACHEDIR.TAG (cachetag.h). */
	bool		 exclude_caches;
};

#define FILTER_INIT { NULL, 0, NULL, 0, false }

/*
 * Parses one rule.  Returns 0 with *include set and *pattern pointing
 * into text (its end is the end of text); 1 for ": NAME" or "dir-merge
 * NAME", with *pattern the file name (one name, no '/'); or -1 with a
 * sentence in why saying what is wrong (an unknown or unsupported rule,
 * an empty or too long pattern).
 */
int	filter_parse_rule(const char *text, bool *include, const char **pattern,
	    char *why, size_t whylen);

/* Appends a rule (pattern copied).  Returns 0, or -1 with errno ENOMEM. */
int	filter_add_rule(struct filter *f, bool include, const char *pattern);

/* Appends a ": NAME" rule (name copied).  Returns 0, or -1 (ENOMEM). */
int	filter_add_merge(struct filter *f, const char *name);

/* True when f has a ": NAME" rule; *name is the first one's. */
bool	filter_merge_name(const struct filter *f, const char **name);

/*
 * Appends the rules of a rule file's text: one rule a line, blank lines
 * and lines starting with '#' or ';' skipped, a "\r\n" end taken as
 * "\n" (as rsync's merge files).  Returns 0, or -1 with *line set to the
 * 1-based line at fault and why filled in; the rules before that line
 * stay in f.
 */
int	filter_parse_lines(struct filter *f, const char *text, size_t len,
	    size_t *line, char *why, size_t whylen);

/*
 * Appends a copy of src's rules and folder marks to dst (exclude_caches
 * is set if either has it).  Returns 0, or -1 with errno ENOMEM.
 */
int	filter_append(struct filter *dst, const struct filter *src);

/*
 * Returns true if the first rule that matches relpath (relative to the
 * source root, relpath_len bytes, no leading '/') is an exclude.
 */
bool	filter_excludes(const struct filter *f, const char *relpath,
	    size_t relpath_len, bool is_dir);

/*
 * filter_excludes, where each ": NAME" rule of f stands for the rules of
 * the layers (the merge files of the folders above relpath, the source
 * root's first; n of them), tried from the deepest up, each on the part
 * of relpath below its folder.
 */
bool	filter_excludes_merged(const struct filter *f,
	    const struct filter_layer *layers, size_t n, const char *relpath,
	    size_t relpath_len, bool is_dir);

/* Frees what f holds and leaves it empty (FILTER_INIT). */
void	filter_free(struct filter *f);

#endif
