/*
 * fuzz_restore_path: restore's handling of what it is told (restore.h):
 * the PATH argument (restore_clean_path), the DEST argument
 * (restore_split_dest) and which manifest paths are in PATH's subtree
 * (restore_in_subtree).
 *
 * Input: lines; the first is PATH, the second DEST, the others manifest
 * paths.  Properties: a cleaned PATH has no empty, "." or ".." component
 * and cleaning it again changes nothing; a refused one had a "." or ".."
 * component; DEST's base is one name that is not "." or ".." and DEST
 * is its folder, base and '/'s; and, what restore_run's early stop
 * relies on, the subtree is one run of paths in walk order.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "name.h"
#include "restore.h"

#define MAX_PATHS 32

/* True if the '/'-separated s has a "." or ".." component. */
static bool
has_dot_component(const char *s)
{
	const char *c = s, *end;
	size_t n;

	for (;;) {
		end = strchr(c, '/');
		n = end != NULL ? (size_t)(end - c) : strlen(c);
		if ((n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return true;
		if (end == NULL)
			return false;
		c = end + 1;
	}
}

static void
check_clean(const char *path, const char *clean)
{
	struct err e;
	char *again;
	size_t len = strlen(clean);

	fuzz_assert(len <= strlen(path));
	fuzz_assert(len == 0 || (clean[0] != '/' && clean[len - 1] != '/'));
	fuzz_assert(strstr(clean, "//") == NULL);
	fuzz_assert(!has_dot_component(clean));
	again = malloc(len + 1);
	fuzz_assert(again != NULL);
	fuzz_assert(restore_clean_path(clean, again, &e) == 0);
	fuzz_assert(strcmp(again, clean) == 0);
	free(again);
}

static void
check_dest(const char *dest)
{
	char base[NAME_MAX + 1];
	struct err e;
	size_t plen, blen, i;

	if (restore_split_dest(dest, base, sizeof(base), &plen, &e) == -1) {
		fuzz_assert(e.msg[0] != '\0');
		return;
	}
	blen = strlen(base);
	fuzz_assert(blen > 0 && strchr(base, '/') == NULL);
	fuzz_assert(strcmp(base, ".") != 0 && strcmp(base, "..") != 0);
	fuzz_assert(plen == 0 || dest[plen - 1] == '/');
	fuzz_assert(strncmp(dest + plen, base, blen) == 0);
	for (i = plen + blen; dest[i] != '\0'; i++)
		fuzz_assert(dest[i] == '/');
}

static int
cmp_walk(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return name_pathcmp(x, strlen(x), y, strlen(y));
}

/* The paths in the subtree of prefix are one run in walk order. */
static void
check_subtree(const char *prefix, char **paths, size_t n)
{
	size_t plen = strlen(prefix), i;
	int in, state = 0;	/* 0 before the run, 1 in it, 2 after */

	qsort(paths, n, sizeof(*paths), cmp_walk);
	for (i = 0; i < n; i++) {
		in = restore_in_subtree(prefix, plen, paths[i],
		    strlen(paths[i]));
		if (in) {
			fuzz_assert(state != 2);
			fuzz_assert(name_pathcmp(paths[i], strlen(paths[i]),
			    prefix, plen) >= 0);
			state = 1;
		} else if (state == 1)
			state = 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *lines[MAX_PATHS + 2], *nl, *clean;
	size_t n = 0;
	struct err e;

	text = fuzz_strndup(data, size);
	for (lines[n++] = text; n < MAX_PATHS + 2; lines[n++] = nl + 1) {
		if ((nl = strchr(lines[n - 1], '\n')) == NULL)
			break;
		*nl = '\0';
	}
	clean = malloc(strlen(lines[0]) + 1);
	fuzz_assert(clean != NULL);
	if (restore_clean_path(lines[0], clean, &e) == 0) {
		check_clean(lines[0], clean);
		if (n > 2)
			check_subtree(clean, lines + 2, n - 2);
	} else
		fuzz_assert(has_dot_component(lines[0]));
	if (n > 1)
		check_dest(lines[1]);
	free(clean);
	free(text);
	return 0;
}
