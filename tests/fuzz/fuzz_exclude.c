/*
 * fuzz_exclude: the exclude matcher's public API (exclude.h).
 *
 * Input: a first byte (bit 0: the entry is a directory), then patterns,
 * one a line, and the relative path after the last newline.  A pattern
 * may be of any length, the path too.  The matcher promises to cost at
 * most (pattern x path) steps; libFuzzer's -timeout catches one that
 * does not.  Property: matching does not depend on the order of the
 * patterns (it is "any of them").
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"
#include "fuzz.h"

#define MAX_PATTERNS 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *pats[MAX_PATTERNS], *rev[MAX_PATTERNS], *p, *nl, *path;
	size_t n = 0, i;
	bool is_dir, hit;

	if (size == 0)
		return 0;
	is_dir = (data[0] & 1) != 0;
	text = fuzz_strndup(data + 1, size - 1);
	path = strrchr(text, '\n');
	if (path != NULL) {
		*path++ = '\0';
		for (p = text; n < MAX_PATTERNS; p = nl + 1) {
			pats[n++] = p;
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			*nl = '\0';
		}
	} else
		path = text;
	hit = exclude_match(pats, n, path, is_dir);
	for (i = 0; i < n; i++)
		rev[i] = pats[n - 1 - i];
	fuzz_assert(exclude_match(rev, n, path, is_dir) == hit);
	/* Any single pattern that matches makes the set match. */
	for (i = 0; i < n; i++)
		if (exclude_match(&pats[i], 1, path, is_dir))
			fuzz_assert(hit);
	free(text);
	return 0;
}
