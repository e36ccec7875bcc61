#include "exclude.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * A small glob matcher of its own rather than fnmatch(3): patterns here
 * are matched against byte ranges (a pattern without its trailing '/',
 * a tail or the last component of a path) without copying, and "**"
 * has to cross '/' where FNM_PATHNAME would stop it.
 */

/* A bracket expression, parsed: the bytes it matches, where it ends. */
struct bracket {
	uint64_t	 member[4];	/* bit c: byte c is in the set */
	const char	*next;		/* past the ']'; NULL: not closed */
};

static void
member_add(uint64_t member[4], unsigned int c)
{
	member[c / 64] |= UINT64_C(1) << (c % 64);
}

/*
 * Parses the bracket expression starting after '[' at p into *br; an
 * expression that is not closed leaves br->next NULL (then '[' is an
 * ordinary character).  Costs the expression's length (times 256 for a
 * "[:name:]"), so a match parses each at most once (struct brackets).
 */
static void
parse_class(const char *p, const char *pe, struct bracket *br)
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
	unsigned int lo, hi, c;
	bool negate = false, first = true;
	size_t i, len;

	memset(br, 0, sizeof(*br));
	if (p < pe && (*p == '!' || *p == '^')) {
		negate = true;
		p++;
	}
	for (;; first = false) {
		if (p >= pe)
			return;
		if (*p == ']' && !first)
			break;
		if (*p == '[' && p + 1 < pe && p[1] == ':') {
			for (q = p + 2; q + 1 < pe; q++)
				if (q[0] == ':' && q[1] == ']')
					break;
			if (q + 1 < pe) {
				len = q - (p + 2);
				for (i = 0; i < sizeof(classes) /
				    sizeof(classes[0]); i++) {
					if (strlen(classes[i].name) != len ||
					    memcmp(classes[i].name, p + 2,
					    len) != 0)
						continue;
					for (c = 0; c < 256; c++)
						if (classes[i].test((int)c))
							member_add(br->member,
							    c);
				}
				p = q + 2;
				continue;
			}
		}
		if (*p == '\\' && p + 1 < pe)
			p++;
		lo = hi = (unsigned char)*p++;
		if (p + 1 < pe && *p == '-' && p[1] != ']') {
			p++;
			if (*p == '\\' && p + 1 < pe)
				p++;
			hi = (unsigned char)*p++;
		}
		for (c = lo; c <= hi; c++)
			member_add(br->member, c);
	}
	if (negate)
		for (i = 0; i < 4; i++)
			br->member[i] = ~br->member[i];
	br->next = p + 1;
}

/*
 * The bracket expressions of the pattern one match runs, each parsed the
 * first time the match reaches it.  Parsing at every step instead costs
 * the expression's length each time, and expressions can overlap: "*"
 * and thousands of '[' against a path of '[' took minutes, not the
 * (pattern x path) that exclude.h promises.
 */
struct brackets {
	uint16_t	*slot;	/* per pattern byte: 0, or 1 + index in b */
	struct bracket	*b;
	size_t		 used;
};

/*
 * Sets up *bs for the pattern [pb, pe).  Allocates only for a pattern
 * with a '['; when that fails, bs->slot stays NULL and every step parses
 * again (slow, still right).
 */
static void
brackets_init(struct brackets *bs, const char *pb, const char *pe)
{
	size_t n = (size_t)(pe - pb), k = 0;
	const char *p;

	memset(bs, 0, sizeof(*bs));
	for (p = pb; (p = memchr(p, '[', (size_t)(pe - p))) != NULL; p++)
		k++;
	if (k == 0)
		return;
	bs->slot = calloc(n, sizeof(*bs->slot));
	bs->b = malloc(k * sizeof(*bs->b));
	if (bs->slot == NULL || bs->b == NULL) {
		free(bs->slot);
		free(bs->b);
		memset(bs, 0, sizeof(*bs));
	}
}

static void
brackets_free(struct brackets *bs)
{
	free(bs->slot);
	free(bs->b);
}

/* The parsed expression after the '[' at position i (tmp if uncached). */
static const struct bracket *
bracket_at(struct brackets *bs, const char *pb, const char *pe, size_t i,
    struct bracket *tmp)
{
	if (bs->slot == NULL) {
		parse_class(pb + i + 1, pe, tmp);
		return tmp;
	}
	if (bs->slot[i] == 0) {
		parse_class(pb + i + 1, pe, &bs->b[bs->used]);
		bs->slot[i] = (uint16_t)++bs->used;
	}
	return &bs->b[bs->slot[i] - 1];
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
pos_step(struct posset *next, struct brackets *bs, const char *pb,
    const char *pe, size_t i, unsigned char c)
{
	const struct bracket *br;
	struct bracket tmp;
	const char *p = pb + i;

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
		br = bracket_at(bs, pb, pe, i, &tmp);
		if (br->next == NULL) {
			if (c == '[')	/* an ordinary '[' */
				pos_add(next, i + 1);
		} else if ((br->member[c / 64] >> (c % 64)) & 1)
			pos_add(next, (size_t)(br->next - pb));
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
	struct brackets bs;
	size_t i, n = (size_t)(pe - pb);
	bool any, match = false;

	brackets_init(&bs, pb, pe);
	memset(cur->w, 0, words(n) * sizeof(cur->w[0]));
	pos_add(cur, 0);
	pos_close(cur, pb, pe);
	for (; s < se; s++) {
		memset(next->w, 0, words(n) * sizeof(next->w[0]));
		any = false;
		for (i = 0; i < n; i++) {
			if (pos_has(cur, i)) {
				pos_step(next, &bs, pb, pe, i,
				    (unsigned char)*s);
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
			goto out;	/* nothing left to match from */
		pos_close(next, pb, pe);
		tmp = cur;
		cur = next;
		next = tmp;
	}
	match = pos_has(cur, n);
out:
	brackets_free(&bs);
	return match;
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
