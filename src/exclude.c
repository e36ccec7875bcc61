#include "exclude.h"

#include <ctype.h>
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
 * Matches the whole of [s, se) against the pattern [p, pe); pb is where
 * the pattern begins, to tell whether "**" starts a component.
 */
static bool
match_glob(const char *pb, const char *p, const char *pe, const char *s,
    const char *se)
{
	const char *q, *t;
	int r;

	while (p < pe) {
		switch (*p) {
		case '*':
			if (p + 1 < pe && p[1] == '*') {
				for (q = p; q < pe && *q == '*'; q++)
					;
				/*
				 * A "**" that is a whole component may also
				 * stand for none, as in gitignore and restic:
				 * the pattern a, **, z joined by '/' matches
				 * "a/z" as well as "a/b/z".
				 */
				if ((p == pb || p[-1] == '/') && q < pe &&
				    *q == '/' && match_glob(pb, q + 1, pe, s,
				    se))
					return true;
				for (t = s;; t++) {
					if (match_glob(pb, q, pe, t, se))
						return true;
					if (t == se)
						return false;
				}
			}
			q = p + 1;
			if (q == pe)
				return memchr(s, '/', se - s) == NULL;
			for (t = s;; t++) {
				if (match_glob(pb, q, pe, t, se))
					return true;
				if (t == se || *t == '/')
					return false;
			}
		case '?':
			if (s == se || *s == '/')
				return false;
			p++;
			s++;
			break;
		case '[':
			if (s == se || *s == '/')
				return false;
			r = match_class(p + 1, pe, (unsigned char)*s, &q);
			if (r == 0)
				return false;
			if (r == 1) {
				p = q;
				s++;
				break;
			}
			/* Not a bracket expression: an ordinary '['. */
			if (*s != '[')
				return false;
			p++;
			s++;
			break;
		case '\\':
			if (p + 1 < pe)
				p++;
			/* FALLTHROUGH */
		default:
			if (s == se || *p != *s)
				return false;
			p++;
			s++;
			break;
		}
	}
	return s == se;
}

static bool
match_one(const char *pat, const char *path, size_t path_len, bool is_dir)
{
	const char *pe = pat + strlen(pat), *s, *se = path + path_len;
	bool anchored = false;

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
		return match_glob(pat, pat, pe, path, se);

	if (memchr(pat, '/', pe - pat) == NULL && strstr(pat, "**") == NULL) {
		/* A name: the last component, at any depth. */
		s = memrchr(path, '/', path_len);
		s = s == NULL ? path : s + 1;
		return match_glob(pat, pat, pe, s, se);
	}
	/* A path: the whole of it, or any tail from a component on. */
	for (s = path;;) {
		if (match_glob(pat, pat, pe, s, se))
			return true;
		s = memchr(s, '/', se - s);
		if (s == NULL)
			return false;
		s++;
	}
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
