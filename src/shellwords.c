/*
 * shellwords: sh-like word splitting without a shell (shellwords.h).
 */
#include "shellwords.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Appends the word in w to *argv.  Returns 0, or -1 (ENOMEM). */
static int
push_word(char ***argv, size_t *argc, struct buf *w)
{
	char **v = realloc(*argv, (*argc + 2) * sizeof(*v));

	if (v == NULL)
		return -1;
	*argv = v;
	if ((v[*argc] = strndup(w->p != NULL ? w->p : "", w->len)) == NULL)
		return -1;
	v[++*argc] = NULL;
	buf_setlen(w, 0);
	return 0;
}

int
shellwords_split(const char *s, char ***argv, size_t *argc, size_t *where)
{
	struct buf w = BUF_INIT;
	char **v = NULL, quote = 0;
	size_t n = 0, i, open_at = 0;
	bool in_word = false;
	int rc = -1;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else if (buf_append(&w, &c, 1) == -1)
				goto out;
			continue;
		}
		if (quote == '"') {
			if (c == '"') {
				quote = 0;
				continue;
			}
			/* In double quotes a backslash escapes only these. */
			if (c == '\\' && s[i + 1] != '\0' &&
			    strchr("\"\\$`", s[i + 1]) != NULL)
				c = s[++i];
			if (buf_append(&w, &c, 1) == -1)
				goto out;
			continue;
		}
		if (is_blank(c)) {
			if (in_word && push_word(&v, &n, &w) == -1)
				goto out;
			in_word = false;
			continue;
		}
		in_word = true;
		if (c == '\'' || c == '"') {
			quote = c;
			open_at = i;
			continue;
		}
		if (c == '\\') {
			if (s[i + 1] == '\0') {
				*where = i;
				errno = EINVAL;
				goto out;
			}
			c = s[++i];
		}
		if (buf_append(&w, &c, 1) == -1)
			goto out;
	}
	if (quote != 0) {
		*where = open_at;
		errno = EINVAL;
		goto out;
	}
	if (in_word && push_word(&v, &n, &w) == -1)
		goto out;
	*argv = v;
	*argc = n;
	v = NULL;
	rc = 0;
out:
	shellwords_free(v);
	buf_free(&w);
	return rc;
}

void
shellwords_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}
