#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"

/* rsync's other rule names: recognised, so that the error can say they
 * are rsync's but not snap's, rather than "unknown". */
static const char *const unsupported[] = {
	"merge", "hide", "show", "protect", "risk", "clear",
	".", "H", "S", "P", "R", "!",
};

/* The length of the rule name at the start of text: a word, or one
 * punctuation character. */
static size_t
rule_name_len(const char *text)
{
	if (text[0] < 'a' || text[0] > 'z')
		return text[0] != '\0';
	return strspn(text, "abcdefghijklmnopqrstuvwxyz-");
}

int
filter_parse_rule(const char *text, bool *include, const char **pattern,
    char *why, size_t whylen)
{
	size_t n = rule_name_len(text), i;
	bool merge = false;

	if ((n == 1 && text[0] == ':') ||
	    (n == 9 && strncmp(text, "dir-merge", n) == 0))
		merge = true;
	else if (n == 1 && (text[0] == '-' || text[0] == '+'))
		*include = text[0] == '+';
	else if (n == 7 && strncmp(text, "exclude", n) == 0)
		*include = false;
	else if (n == 7 && strncmp(text, "include", n) == 0)
		*include = true;
	else {
		for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]);
		    i++)
			if (strlen(unsupported[i]) == n &&
			    strncmp(text, unsupported[i], n) == 0)
				break;
		if (i < sizeof(unsupported) / sizeof(unsupported[0]))
			snprintf(why, whylen, "rsync's '%s' rules are not "
			    "supported; snap takes '- PATTERN' and "
			    "'+ PATTERN' (also 'exclude PATTERN', "
			    "'include PATTERN') and ': NAME'",
			    unsupported[i]);
		else
			snprintf(why, whylen, "unknown filter rule '%s'; "
			    "expected '- PATTERN' or '+ PATTERN' (also "
			    "'exclude PATTERN', 'include PATTERN')", text);
		return -1;
	}
	/* rsync's modifiers ("-/", "+!", "exclude,s") change what a rule
	 * means; taking them as part of the pattern would silently keep
	 * what was meant to go. */
	if (text[n] != ' ' && text[n] != '_') {
		snprintf(why, whylen, "'%s' needs one space between the rule "
		    "and its pattern (rule modifiers are not supported)",
		    text);
		return -1;
	}
	*pattern = text + n + 1;
	if (**pattern == '\0') {
		snprintf(why, whylen, "'%s' has no pattern", text);
		return -1;
	}
	if (strlen(*pattern) > EXCLUDE_PATTERN_MAX) {
		snprintf(why, whylen, "the pattern is longer than %d bytes",
		    EXCLUDE_PATTERN_MAX);
		return -1;
	}
	if (!merge)
		return 0;
	*include = false;
	/* A file in each folder: one name, read below the open folder. */
	if (strchr(*pattern, '/') != NULL || strcmp(*pattern, ".") == 0 ||
	    strcmp(*pattern, "..") == 0) {
		snprintf(why, whylen, "'%s' names a file of each folder: one "
		    "name without '/' (and not '.' or '..')", text);
		return -1;
	}
	return 1;
}

/*
 * Makes *arr, holding n elements of size each, room for one more: the
 * array doubles when n reaches a power of two (one more slot each time
 * made a config of many aliased patterns quadratic).  -1 (ENOMEM) with
 * *arr unchanged.
 */
static int
room_for_one(void *arr, size_t n, size_t size)
{
	void **p = arr, *grown;

	if (n != 0 && (n & (n - 1)) != 0)
		return 0;
	if ((grown = realloc(*p, (n ? 2 * n : 1) * size)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*p = grown;
	return 0;
}

int
filter_add_rule(struct filter *f, bool include, const char *pattern)
{
	struct filter_rule *r;
	char *copy;

	if ((copy = strdup(pattern)) == NULL)
		return -1;
	if (room_for_one(&f->rules, f->n_rules, sizeof(*r)) == -1) {
		free(copy);
		return -1;
	}
	r = f->rules;
	r[f->n_rules].pattern = copy;
	r[f->n_rules].include = include;
	r[f->n_rules].merge = false;
	f->n_rules++;
	return 0;
}

int
filter_add_merge(struct filter *f, const char *name)
{
	if (filter_add_rule(f, false, name) == -1)
		return -1;
	f->rules[f->n_rules - 1].merge = true;
	return 0;
}

bool
filter_merge_name(const struct filter *f, const char **name)
{
	size_t i;

	for (i = 0; i < f->n_rules; i++)
		if (f->rules[i].merge) {
			*name = f->rules[i].pattern;
			return true;
		}
	return false;
}

int
filter_parse_lines(struct filter *f, const char *text, size_t len,
    size_t *line, char *why, size_t whylen)
{
	const char *p = text, *end = text + len, *nl, *pattern;
	char *copy = NULL;
	size_t n;
	bool include;
	int rc = -1, r;

	for (*line = 1; p < end; (*line)++, p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '#' || p[0] == ';')
			continue;
		if (memchr(p, '\0', n) != NULL) {
			snprintf(why, whylen, "a NUL byte in a rule");
			goto out;
		}
		free(copy);
		if ((copy = strndup(p, n)) == NULL)
			goto nomem;
		if ((r = filter_parse_rule(copy, &include, &pattern, why,
		    whylen)) == -1)
			goto out;
		if ((r == 1 ? filter_add_merge(f, pattern) :
		    filter_add_rule(f, include, pattern)) == -1)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(why, whylen, "%s", strerror(ENOMEM));
out:
	free(copy);
	return rc;
}

int
filter_append(struct filter *dst, const struct filter *src)
{
	char **v, *copy;
	size_t i;

	for (i = 0; i < src->n_rules; i++)
		if ((src->rules[i].merge ? filter_add_merge(dst,
		    src->rules[i].pattern) : filter_add_rule(dst,
		    src->rules[i].include, src->rules[i].pattern)) == -1)
			return -1;
	for (i = 0; i < src->n_if_present; i++) {
		if ((copy = strdup(src->if_present[i])) == NULL)
			return -1;
		if (room_for_one(&dst->if_present, dst->n_if_present,
		    sizeof(*v)) == -1) {
			free(copy);
			return -1;
		}
		v = dst->if_present;
		v[dst->n_if_present++] = copy;
	}
	dst->exclude_caches = dst->exclude_caches || src->exclude_caches;
	return 0;
}

bool
filter_excludes(const struct filter *f, const char *relpath,
    size_t relpath_len, bool is_dir)
{
	return filter_excludes_merged(f, NULL, 0, relpath, relpath_len,
	    is_dir);
}

bool
filter_excludes_merged(const struct filter *f,
    const struct filter_layer *layers, size_t n, const char *relpath,
    size_t relpath_len, bool is_dir)
{
	const struct filter *l;
	size_t i, j, k;

	for (i = 0; i < f->n_rules; i++) {
		if (!f->rules[i].merge) {
			if (exclude_match_pattern(f->rules[i].pattern, relpath,
			    relpath_len, is_dir))
				return !f->rules[i].include;
			continue;
		}
		/* rsync: a deeper folder's rules come before its parent's. */
		for (k = n; k > 0; k--) {
			l = layers[k - 1].rules;
			if (layers[k - 1].off >= relpath_len)
				continue;
			for (j = 0; j < l->n_rules; j++)
				if (!l->rules[j].merge &&
				    exclude_match_pattern(l->rules[j].pattern,
				    relpath + layers[k - 1].off, relpath_len -
				    layers[k - 1].off, is_dir))
					return !l->rules[j].include;
		}
	}
	return false;
}

void
filter_free(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->n_rules; i++)
		free(f->rules[i].pattern);
	free(f->rules);
	for (i = 0; i < f->n_if_present; i++)
		free(f->if_present[i]);
	free(f->if_present);
	*f = (struct filter)FILTER_INIT;
}
