#include "exclude.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/*
 * A small glob matcher of its own rather than fnmatch(3): patterns here
 * are matched against byte ranges (a pattern without its trailing '/',
 * a tail or the last component of a path) without copying, and "**"
 * has to cross '/' where FNM_PATHNAME would stop it.
 */

/*
 * Matches c against the bracket expression starting after '[' at p.
 * Returns 1 or 0 and sets *next past the closing ']', or -1 when the
 * expression is not closed (then '[' is an ordinary character).
 */
static int
match_class(const char *p, const char *pe, unsigned char c,
    const char **next)
{
	static const struct {
		const char	*name;
		int		(*test)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha },
		{ "blank", isblank }, { "cntrl", iscntrl },
		{ "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint },
		{ "punct", ispunct }, { "space", isspace },
		{ "upper", isupper }, { "xdigit", isxdigit },
	};
	const char *q;
	unsigned char lo, hi;
	bool negate = false, found = false, first = true;
	size_t i, len;

	if (p < pe && (*p == '!' || *p == '^')) {
		negate = true;
		p++;
	}
	for (;; first = false) {
		if (p >= pe)
			return -1;
		if (*p == ']' && !first)
			break;
		if (*p == '[' && p + 1 < pe && p[1] == ':') {
			for (q = p + 2; q + 1 < pe; q++)
				if (q[0] == ':' && q[1] == ']')
					break;
			if (q + 1 < pe) {
				len = q - (p + 2);
				for (i = 0; i < sizeof(classes) /
				    sizeof(classes[0]); i++)
					if (strlen(classes[i].name) == len &&
					    memcmp(classes[i].name, p + 2,
					    len) == 0 && classes[i].test(c))
						found = true;
				p = q + 2;
				continue;
			}
		}
		if (*p == '\\' && p + 1 < pe)
			p++;
		lo = hi = *p++;
		if (p + 1 < pe && *p == '-' && p[1] != ']') {
			p++;
			if (*p == '\\' && p + 1 < pe)
				p++;
			hi = *p++;
		}
		if (lo <= c && c <= hi)
			found = true;
	}
	*next = p + 1;
	return found != negate;
}

/*
 * The matcher runs the pattern as a set of positions in it (an NFA) over
 * the bytes of the name, one pass, rather than retrying each '*' at
 * every length: with backtracking, "*a*a*a*a*a*a*b" against 100 a's
 * takes minutes, and each '*' more multiplies that.  Here a byte costs
 * two steps per position at most, so a match is O(pattern x name).
 *
 * Position i stands for "the pattern from byte i on is still to match".
 * A run of two or more '*' at i has a second state, "inside the run at
 * i": it has taken a byte, so it may no longer stand for no folder.
 * Moves that take no byte (a run standing for nothing, a "**" with the
 * '/' after it standing for no folder) always go forward, so one pass in
 * increasing order closes a set under them.
 */
struct posset {
	/* For a pattern of n bytes: position i at bit i, "inside the run
	 * at i" at bit inside(n, i); only the first words(n) are used. */
	uint64_t	w[(2 * EXCLUDE_PATTERN_MAX + 1) / 64 + 1];
};

static size_t
inside(size_t n, size_t i)
{
	return n + 1 + i;
}

/* The words a set for a pattern of n bytes uses: clearing only those
 * keeps a short pattern cheap. */
static size_t
words(size_t n)
{
	return (2 * n + 1) / 64 + 1;
}

static void
pos_add(struct posset *set, size_t i)
{
	set->w[i / 64] |= UINT64_C(1) << (i % 64);
}

static bool
pos_has(const struct posset *set, size_t i)
{
	return (set->w[i / 64] >> (i % 64)) & 1;
}

/* The end of the run of '*' starting at p. */
static const char *
star_run_end(const char *p, const char *pe)
{
	while (p < pe && *p == '*')
		p++;
	return p;
}

/* Adds to set what its positions reach without taking a byte. */
static void
pos_close(struct posset *set, const char *pb, const char *pe)
{
	const char *p, *q;
	size_t i, n = (size_t)(pe - pb);

	for (i = 0; i < n; i++) {
		p = pb + i;
		if (*p != '*')
			continue;
		q = star_run_end(p, pe);
		if (pos_has(set, inside(n, i)))
			pos_add(set, (size_t)(q - pb));
		if (!pos_has(set, i))
			continue;
		pos_add(set, (size_t)(q - pb));
		/*
		 * A "**" that is a whole component may also stand for none,
		 * as in gitignore and restic: the pattern a, **, z joined by
		 * '/' matches "a/z" as well as "a/b/z".
		 */
		if (q - p >= 2 && (p == pb || p[-1] == '/') && q < pe &&
		    *q == '/')
			pos_add(set, (size_t)(q + 1 - pb));
	}
}

/*
 * Adds to next the positions that position i of the pattern reaches by
 * taking byte c.  A '*' stays where it is (a run of two or more also on
 * '/', and then inside the run); '?' and a bracket expression never take
 * a '/'.
 */
static void
pos_step(struct posset *next, const char *pb, const char *pe, size_t i,
    unsigned char c)
{
	const char *p = pb + i, *q;
	int r;

	switch (*p) {
	case '*':
		if (star_run_end(p, pe) - p >= 2)
			pos_add(next, inside((size_t)(pe - pb), i));
		else if (c != '/')
			pos_add(next, i);
		return;
	case '?':
		if (c != '/')
			pos_add(next, i + 1);
		return;
	case '[':
		if (c == '/')
			return;
		r = match_class(p + 1, pe, c, &q);
		if (r == 1)
			pos_add(next, (size_t)(q - pb));
		else if (r == -1 && c == '[')	/* an ordinary '[' */
			pos_add(next, i + 1);
		return;
	case '\\':
		if (p + 1 < pe) {
			if (c == (unsigned char)p[1])
				pos_add(next, i + 2);
			return;
		}
		/* FALLTHROUGH */
	default:
		if (c == (unsigned char)*p)
			pos_add(next, i + 1);
		return;
	}
}

/*
 * Matches [s, se) against the pattern [pb, pe), at most
 * EXCLUDE_PATTERN_MAX bytes long.  With tails, a match may also start
 * after any '/' of s: the pattern matches a tail of the path that begins
 * at a component (the start position joins the set there).
 */
static bool
match_glob(const char *pb, const char *pe, const char *s, const char *se,
    bool tails)
{
	struct posset sets[2], *cur = &sets[0], *next = &sets[1], *tmp;
	size_t i, n = (size_t)(pe - pb);
	bool any;

	memset(cur->w, 0, words(n) * sizeof(cur->w[0]));
	pos_add(cur, 0);
	pos_close(cur, pb, pe);
	for (; s < se; s++) {
		memset(next->w, 0, words(n) * sizeof(next->w[0]));
		any = false;
		for (i = 0; i < n; i++) {
			if (pos_has(cur, i)) {
				pos_step(next, pb, pe, i, (unsigned char)*s);
				any = true;
			}
			if (pos_has(cur, inside(n, i))) {
				pos_add(next, inside(n, i));
				any = true;
			}
		}
		if (tails && *s == '/')
			pos_add(next, 0);
		else if (!any && !tails)
			return false;	/* nothing left to match from */
		pos_close(next, pb, pe);
		tmp = cur;
		cur = next;
		next = tmp;
	}
	return pos_has(cur, n);
}

static bool
match_one(const char *pat, const char *path, size_t path_len, bool is_dir)
{
	const char *pe = pat + strlen(pat), *s, *se = path + path_len;
	bool anchored = false;

	/* Longer than any path: the config refuses it (exclude.h). */
	if (pe - pat > EXCLUDE_PATTERN_MAX)
		return false;
	/* "cache/" is "cache", for directories only. */
	if (pe > pat && pe[-1] == '/') {
		if (!is_dir)
			return false;
		while (pe > pat && pe[-1] == '/')
			pe--;
	}
	if (pat < pe && *pat == '/') {
		anchored = true;
		while (pat < pe && *pat == '/')
			pat++;
	}
	if (pat == pe)
		return false;
	if (anchored)
		return match_glob(pat, pe, path, se, false);

	if (memchr(pat, '/', pe - pat) == NULL && strstr(pat, "**") == NULL) {
		/* A name: the last component, at any depth. */
		s = memrchr(path, '/', path_len);
		s = s == NULL ? path : s + 1;
		return match_glob(pat, pe, s, se, false);
	}
	/* A path: the whole of it, or any tail from a component on. */
	return match_glob(pat, pe, path, se, true);
}

bool
exclude_match(char *const *patterns, size_t n, const char *relpath,
    bool is_dir)
{
	size_t i, len = strlen(relpath);

	for (i = 0; i < n; i++)
		if (match_one(patterns[i], relpath, len, is_dir))
			return true;
	return false;
}
