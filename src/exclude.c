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
/* A pattern this short with this few brackets needs no allocation:
 * the common case ("*.[oa]", "[Cc]ache/"), matched for every entry. */
#define BRACKETS_SHORT_PATTERN	128
#define BRACKETS_FEW		8

struct brackets {
	uint16_t	*slot;	/* per pattern byte: 0, or 1 + index in b */
	struct bracket	*b;
	size_t		 used;
	bool		 heap;	/* slot and b were allocated */
	uint16_t	 short_slot[BRACKETS_SHORT_PATTERN];
	struct bracket	 few[BRACKETS_FEW];
};

static void
brackets_free(struct brackets *bs)
{
	if (bs->heap) {
		free(bs->slot);
		free(bs->b);
		bs->heap = false;
	}
}

/*
 * Sets up *bs for the pattern [pb, pe).  Allocates only for a long
 * pattern or one with many '['; when that fails, bs->slot stays NULL
 * and every step parses again (slow, still right).
 */
static void
brackets_init(struct brackets *bs, const char *pb, const char *pe)
{
	size_t n = (size_t)(pe - pb), k = 0;
	const char *p;

	bs->slot = NULL;
	bs->b = NULL;
	bs->used = 0;
	bs->heap = false;
	for (p = pb; (p = memchr(p, '[', (size_t)(pe - p))) != NULL; p++)
		k++;
	if (k == 0)
		return;
	if (n <= BRACKETS_SHORT_PATTERN && k <= BRACKETS_FEW) {
		memset(bs->short_slot, 0, n * sizeof(bs->short_slot[0]));
		bs->slot = bs->short_slot;
		bs->b = bs->few;
		return;
	}
	bs->slot = calloc(n, sizeof(*bs->slot));
	bs->b = malloc(k * sizeof(*bs->b));
	bs->heap = true;
	if (bs->slot == NULL || bs->b == NULL) {
		brackets_free(bs);
		bs->slot = NULL;
	}
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
 * the bytes of the path, one pass, rather than retrying each '*' at
 * every length: with backtracking, "*a*a*a*a*a*a*b" against 100 a's
 * takes minutes, and each '*' more multiplies that.  Here a byte costs
 * one step per position at most, so a match is O(pattern x path).
 *
 * Position i stands for "the pattern from byte i on is still to match".
 * A run of '*' is entered at its first byte and left, taking no byte,
 * to the byte after it; that move always goes to a byte that is not a
 * '*', so one pass closes a set under it.
 */
struct posset {
	/* For a pattern of n bytes, position i at bit i, i <= n. */
	uint64_t	w[EXCLUDE_PATTERN_MAX / 64 + 1];
};

/* The words a set for a pattern of n bytes uses: clearing only those
 * keeps a short pattern cheap. */
static size_t
words(size_t n)
{
	return n / 64 + 1;
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

/*
 * What a match needs to know of the pattern [pb, pe) at each step,
 * worked out once: where '*' are, and for each one the end of its run
 * (so neither the closure nor a step walks a long run of '*' again for
 * every byte of the path).
 */
struct stars {
	struct posset	 at;	/* bit i: pb[i] is '*' */
	uint16_t	 run_end[EXCLUDE_PATTERN_MAX];	/* for a '*' */
};

static void
stars_init(struct stars *st, const char *pb, const char *pe, bool wild)
{
	size_t i, n = (size_t)(pe - pb), end = n;

	memset(st->at.w, 0, words(n) * sizeof(st->at.w[0]));
	if (!wild)
		return;
	/* Backwards, so each '*' finds its run's end from the next one. */
	for (i = n; i-- > 0;) {
		if (pb[i] != '*') {
			end = i;
			continue;
		}
		pos_add(&st->at, i);
		st->run_end[i] = (uint16_t)end;
	}
}

/* Adds to set what its positions reach without taking a byte: past a
 * run of '*' that stands for nothing. */
static void
pos_close(struct posset *set, const struct stars *st, size_t n)
{
	size_t w, i;
	uint64_t bits;

	for (w = 0; w < words(n); w++) {
		bits = set->w[w] & st->at.w[w];
		while (bits != 0) {
			i = w * 64 + (size_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			/* The run's end is no '*': nothing more to close
			 * from it, whichever word it is in. */
			pos_add(set, st->run_end[i]);
		}
	}
}

/*
 * Adds to next the positions that position i of the pattern reaches by
 * taking byte c.  A '*' stays where it is, and a run of two or more
 * ("**", also "***") takes '/' too; '?' and a bracket expression never
 * take a '/'.  In a pattern without wildcards (wild false) rsync
 * compares bytes, so a '\' there is itself.
 */
static void
pos_step(struct posset *next, struct brackets *bs, const struct stars *st,
    const char *pb, const char *pe, size_t i, unsigned char c, bool wild)
{
	const char *p = pb + i;
	const struct bracket *br;
	struct bracket tmp;

	switch (wild ? *p : '\0') {
	case '*':
		if (c != '/' || st->run_end[i] - i >= 2)
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
			if (c == '[')	/* not closed: an ordinary '[' */
				pos_add(next, i + 1);
		} else if ((br->member[c / 64] >> (c % 64)) & 1) {
			pos_add(next, (size_t)(br->next - pb));
		}
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
 * The string a pattern is matched against: a range of the path, with
 * the '/' rsync puts before it (for a pattern that starts with "**")
 * or after it (for a folder and a pattern that ends with "***").
 */
struct subject {
	const char	*s, *se;
	bool		 lead_slash, trail_slash;
};

static size_t
subject_len(const struct subject *sub)
{
	return (size_t)(sub->se - sub->s) + sub->lead_slash + sub->trail_slash;
}

static unsigned char
subject_byte(const struct subject *sub, size_t k)
{
	if (sub->lead_slash && k-- == 0)
		return '/';
	if (k < (size_t)(sub->se - sub->s))
		return (unsigned char)sub->s[k];
	return '/';
}

/*
 * Matches the subject against the pattern [pb, pe), at most
 * EXCLUDE_PATTERN_MAX bytes long.  With tails, a match may also start
 * after any '/' of the subject: the pattern matches a tail of the path
 * that begins at a component (the start position joins the set there).
 */
static bool
match_glob(const char *pb, const char *pe, const struct subject *sub,
    bool tails, bool wild)
{
	struct posset sets[2], *cur = &sets[0], *next = &sets[1], *tmp;
	struct brackets bs;
	struct stars st;
	size_t i, k, w, n = (size_t)(pe - pb), len = subject_len(sub);
	uint64_t bits;
	unsigned char c;
	bool any, matched;

	/* Without wildcards a '[' is a byte: nothing to cache. */
	brackets_init(&bs, pb, wild ? pe : pb);
	stars_init(&st, pb, pe, wild);
	memset(cur->w, 0, words(n) * sizeof(cur->w[0]));
	pos_add(cur, 0);
	pos_close(cur, &st, n);
	for (k = 0; k < len; k++) {
		c = subject_byte(sub, k);
		memset(next->w, 0, words(n) * sizeof(next->w[0]));
		any = false;
		/* Only the positions in the set: a byte costs the few that
		 * are live, not the whole pattern. */
		for (w = 0; w < words(n); w++) {
			for (bits = cur->w[w]; bits != 0; bits &= bits - 1) {
				i = w * 64 + (size_t)__builtin_ctzll(bits);
				if (i >= n)
					break;	/* the end takes no byte */
				pos_step(next, &bs, &st, pb, pe, i, c, wild);
				any = true;
			}
		}
		if (tails && c == '/')
			pos_add(next, 0);
		else if (!any && !tails)
			break;	/* nothing left to match from */
		pos_close(next, &st, n);
		tmp = cur;
		cur = next;
		next = tmp;
	}
	matched = k == len && pos_has(cur, n);
	brackets_free(&bs);
	return matched;
}

/*
 * rsync's reading of one pattern ("INCLUDE/EXCLUDE PATTERN RULES" in
 * rsync(1)): which part of the path it is matched against, and how.
 */
bool
exclude_match_pattern(const char *pat, const char *path, size_t path_len,
    bool is_dir)
{
	const char *pe = pat + strlen(pat), *s, *first_wild;
	struct subject sub = { path, path + path_len, false, false };
	bool anchored = false, wild, has_slash, star2;

	/* Longer than any path: the config refuses it (exclude.h). */
	if (pe - pat > EXCLUDE_PATTERN_MAX)
		return false;
	/* "cache/" is "cache", for folders only (one '/', as rsync). */
	if (pe - pat > 1 && pe[-1] == '/') {
		if (!is_dir)
			return false;
		pe--;
	}
	if (pat < pe && *pat == '/') {
		anchored = true;
		pat++;
	}
	if (pat == pe)
		return false;
	first_wild = strpbrk(pat, "*?[");
	wild = first_wild != NULL && first_wild < pe;
	has_slash = memchr(pat, '/', (size_t)(pe - pat)) != NULL;
	star2 = memmem(pat, (size_t)(pe - pat), "**", 2) != NULL;

	/* A pattern ending in "***" (as "dir/" then "***") is the folder
	 * itself as well as all below it: a folder is matched with a '/'
	 * after it, which the "**" takes as empty. */
	if (is_dir && pe - pat >= 3 && memcmp(pe - 3, "***", 3) == 0)
		sub.trail_slash = true;
	if (anchored)
		return match_glob(pat, pe, &sub, false, wild);
	if (!has_slash && !star2) {
		/* A name: the last component, at any depth. */
		s = memrchr(path, '/', path_len);
		sub.s = s == NULL ? path : s + 1;
		return match_glob(pat, pe, &sub, false, wild);
	}
	/* A leading "**" already reaches any depth; the '/' put before
	 * the path lets "**" then "/x" match "x" at the top too. */
	if (pat[0] == '*' && pat[1] == '*') {
		sub.lead_slash = true;
		return match_glob(pat, pe, &sub, false, wild);
	}
	/* Anything else with a '/' or "**": the whole path, or any tail of
	 * it from a component on ("sub/foo" finds "x/sub/foo"). */
	return match_glob(pat, pe, &sub, true, wild);
}

bool
exclude_match(char *const *patterns, size_t n, const char *relpath,
    bool is_dir)
{
	size_t i, len = strlen(relpath);

	for (i = 0; i < n; i++)
		if (exclude_match_pattern(patterns[i], relpath, len, is_dir))
			return true;
	return false;
}
