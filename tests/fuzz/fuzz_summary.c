/*
 * fuzz_summary: the summary parser (summary_parse, the pure half of
 * summary_read) on any text.  summary_read hands it at most 8191 bytes,
 * NUL-terminated; so does this harness.  Properties: the names it keeps
 * fit, and the label stays one NUL-terminated string.
 */
#include <string.h>
#include <stdlib.h>

#include "fuzz.h"
#include "summary.h"

#define SUMMARY_READ_MAX 8191	/* what summary_read reads */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct create_stats s;
	char *text;

	if (size > SUMMARY_READ_MAX)
		size = SUMMARY_READ_MAX;
	text = fuzz_strndup(data, size);
	if (summary_parse(text, &s) == 0) {
		fuzz_assert(memchr(s.name, '\0', sizeof(s.name)) != NULL);
		fuzz_assert(memchr(s.prev, '\0', sizeof(s.prev)) != NULL);
		fuzz_assert(memchr(s.label, '\0', sizeof(s.label)) != NULL);
	}
	free(text);
	return 0;
}
