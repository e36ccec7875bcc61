/*
 * fuzz_manifest: the manifest reader (manifest.c) on any bytes.
 *
 * The first input byte steers the harness, the rest is the file.  Most
 * inputs would die at the first record checksum, so for three values of
 * its low two bits out of four the harness first recomputes every record
 * checksum it can find and the trailer's file checksum (and, for two of
 * them, the trailer's record count): the reader itself checks as hard as
 * ever, the fuzzer just gets to the decoding behind the checksums.
 *
 * Properties checked besides "no crash, no leak": every entry read has a
 * path that manifest.h promises (relative, no empty, "." or ".."
 * component, in walk order); a failure is repeated and the end is final;
 * read_at at an offset next gave reads the same record back; a file read
 * to its end also skims clean (manifest_reader_skim).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "fuzz.h"
#include "manifest.h"
#include "name.h"

#define HEADER_LEN	16
#define TRAILER_MARK	0xFFFFFFFFu
#define REC_OVERHEAD	12
#define MAX_OFFSETS	64

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Rewrites the checksums (and with count, the trailer's count) of f. */
static void
fix_checksums(uint8_t *f, size_t len, bool count)
{
	size_t pos = HEADER_LEN;
	uint64_t records = 0;
	uint32_t n;

	while (pos + 4 <= len) {
		n = get_u32(f + pos);
		if (n == TRAILER_MARK) {
			if (len - pos >= 20) {
				if (count)
					put_u64(f + pos + 4, records);
				put_u64(f + pos + 12, XXH3_64bits(f, pos));
			}
			return;
		}
		if (len - pos < REC_OVERHEAD || n > len - pos - REC_OVERHEAD)
			return;
		put_u64(f + pos + 4 + n, XXH3_64bits(f + pos + 4, n));
		pos += REC_OVERHEAD + n;
		records++;
	}
}

/* What manifest.h promises about a path a reader hands out. */
static void
check_path(const struct entry *ent, const char *prev, size_t prev_len,
    bool first)
{
	const char *c, *end, *slash;
	size_t n;

	fuzz_assert(ent->path != NULL);
	fuzz_assert(strlen(ent->path) == ent->path_len);
	fuzz_assert(ent->path_len == 0 || ent->path[0] != '/');
	for (c = ent->path, end = c + ent->path_len;
	    ent->path_len > 0 && c <= end; c = slash + 1) {
		slash = memchr(c, '/', (size_t)(end - c));
		if (slash == NULL)
			slash = end;
		n = (size_t)(slash - c);
		fuzz_assert(n > 0);
		fuzz_assert(!(n == 1 && c[0] == '.'));
		fuzz_assert(!(n == 2 && c[0] == '.' && c[1] == '.'));
	}
	if (!first)
		fuzz_assert(name_pathcmp(prev, prev_len, ent->path,
		    ent->path_len) < 0);
	if (ent->type == ENTRY_SYMLINK)
		fuzz_assert(ent->target != NULL);
	if (ent->target != NULL)
		fuzz_assert(ent->target[ent->target_len] == '\0');
}

/* Reads every record at the noted offsets again and compares. */
static void
check_read_at(struct manifest_reader *r, const uint64_t *offsets,
    char *const *paths, size_t n, uint8_t control)
{
	struct entry ent;
	struct err e;
	size_t i;

	for (i = 0; i < n; i++) {
		fuzz_assert(manifest_reader_read_at(r, offsets[i], &ent, &e) ==
		    0);
		fuzz_assert(strcmp(ent.path, paths[i]) == 0);
		/* One byte off must fail cleanly, not crash. */
		(void)manifest_reader_read_at(r, offsets[i] + 1, &ent, &e);
	}
	/* And anywhere the fuzzer likes, past the end included. */
	(void)manifest_reader_read_at(r, control >> 2, &ent, &e);
	(void)manifest_reader_read_at(r, UINT64_MAX - 3, &ent, &e);
}

/*
 * Skims the same bytes: a file the reader read to its end skims clean,
 * and a skim's failure is final too.
 */
static void
check_skim(const uint8_t *file, size_t len, bool read_whole)
{
	struct manifest_reader *r = NULL;
	struct err e;
	int rc;

	if (manifest_reader_fdopen(&r, fuzz_memfd(file, len), "fuzz", &e) ==
	    -1)
		return;
	rc = manifest_reader_skim(r, &e);
	if (read_whole)
		fuzz_assert(rc == 0);
	fuzz_assert(manifest_reader_skim(r, &e) == rc);
	manifest_reader_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest_reader *r = NULL;
	struct entry ent;
	struct err e;
	uint64_t offsets[MAX_OFFSETS], off;
	char *paths[MAX_OFFSETS], *prev = NULL;
	size_t n_off = 0, prev_len = 0, i;
	uint8_t control, *file;
	bool first = true;
	int rc;

	if (size == 0)
		return 0;
	control = data[0];
	file = malloc(size);
	fuzz_assert(file != NULL);
	memcpy(file, data + 1, size - 1);
	if ((control & 3) != 0)
		fix_checksums(file, size - 1, (control & 2) != 0);

	if (manifest_reader_fdopen(&r, fuzz_memfd(file, size - 1), "fuzz",
	    &e) == -1) {
		fuzz_assert(r == NULL && e.msg[0] != '\0');
		free(file);
		return 0;
	}
	while ((rc = manifest_reader_next(r, &ent, &off, &e)) == 1) {
		check_path(&ent, prev, prev_len, first);
		first = false;
		free(prev);
		prev = fuzz_strndup((const uint8_t *)ent.path, ent.path_len);
		prev_len = ent.path_len;
		if (n_off < MAX_OFFSETS) {
			offsets[n_off] = off;
			paths[n_off++] = fuzz_strndup(
			    (const uint8_t *)ent.path, ent.path_len);
		}
	}
	/* The end, and a failure, are final. */
	fuzz_assert(manifest_reader_next(r, &ent, NULL, &e) == rc);
	check_read_at(r, offsets, paths, n_off, control);
	manifest_reader_close(r);
	check_skim(file, size - 1, rc == 0);
	for (i = 0; i < n_off; i++)
		free(paths[i]);
	free(prev);
	free(file);
	return 0;
}
