/*
 * Unit tests of metrics_format: the Prometheus text a run and a root
 * turn into, compared line by line, and the escaping of the config label.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* metrics_format's output, as one string (free it). */
static char *
format(const char *config, const struct metrics_run *run,
    const struct metrics_root *root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	metrics_format(f, config, run, root);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* text has the line `line` (whole). */
static void
assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void
test_metrics_successful_run(void **state)
{
	struct create_stats stats = {
		.entries = 120, .linked = 90, .linked_content = 3,
		.hardlinked = 2, .reused = 1, .copied = 4,
		.copied_bytes = 4096, .total_bytes = 1000000, .warnings = 2,
	};
	struct metrics_run run = {
		.ended = 1795693090, .seconds = 1.5, .exit_status = 3,
		.stats = &stats,
	};
	struct metrics_root root = {
		.known = true, .snapshots = 7, .last_success = 1795693089,
		.free_bytes = 5368709120ULL, .size_bytes = 10737418240ULL,
	};
	char *text = format("/etc/snap/snap.yaml", &run, &root);

	(void)state;
	assert_line(text, "# HELP snap_last_run_exit_status Exit status of "
	    "the last run: 0 ok, 1 failed, 3 warnings.");
	assert_line(text, "# TYPE snap_last_run_exit_status gauge");
	assert_line(text, "snap_last_run_timestamp_seconds"
	    "{config=\"/etc/snap/snap.yaml\"} 1795693090");
	assert_line(text, "snap_last_run_duration_seconds"
	    "{config=\"/etc/snap/snap.yaml\"} 1.5");
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"/etc/snap/snap.yaml\"} 3");
	/* Warnings still made a snapshot. */
	assert_line(text, "snap_last_run_success"
	    "{config=\"/etc/snap/snap.yaml\"} 1");
	assert_line(text, "snap_last_run_warnings"
	    "{config=\"/etc/snap/snap.yaml\"} 2");
	assert_line(text, "snap_last_run_entries"
	    "{config=\"/etc/snap/snap.yaml\"} 120");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"linked\"} 90");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"linked_content\"} 3");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"hardlinked\"} 2");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"reused\"} 1");
	assert_line(text, "snap_last_run_files"
	    "{config=\"/etc/snap/snap.yaml\",how=\"copied\"} 4");
	assert_line(text, "snap_last_run_bytes"
	    "{config=\"/etc/snap/snap.yaml\",how=\"linked\"} 995904");
	assert_line(text, "snap_last_run_bytes"
	    "{config=\"/etc/snap/snap.yaml\",how=\"copied\"} 4096");
	assert_line(text, "snap_last_success_timestamp_seconds"
	    "{config=\"/etc/snap/snap.yaml\"} 1795693089");
	assert_line(text, "snap_snapshots{config=\"/etc/snap/snap.yaml\"} 7");
	assert_line(text, "snap_root_free_bytes"
	    "{config=\"/etc/snap/snap.yaml\"} 5368709120");
	assert_line(text, "snap_root_size_bytes"
	    "{config=\"/etc/snap/snap.yaml\"} 10737418240");
	free(text);
}

/* No snapshot, no root: only what is known is said. */
static void
test_metrics_failed_run_unknown_root(void **state)
{
	struct metrics_run run = {
		.ended = 100, .seconds = 0.25, .exit_status = 1, .stats = NULL,
	};
	struct metrics_root root = { .known = false };
	char *text = format("/etc/snap/a.yaml", &run, &root);

	(void)state;
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"/etc/snap/a.yaml\"} 1");
	assert_line(text, "snap_last_run_success{config=\"/etc/snap/a.yaml\"} 0");
	assert_null(strstr(text, "snap_last_run_files"));
	assert_null(strstr(text, "snap_last_run_warnings"));
	assert_null(strstr(text, "snap_snapshots"));
	assert_null(strstr(text, "snap_last_success_timestamp_seconds"));
	free(text);
}

/* A label value escapes backslash, quote and newline (the format's rule). */
static void
test_metrics_label_escaped(void **state)
{
	struct metrics_run run = { .ended = 1, .exit_status = 0 };
	struct metrics_root root = { .known = false };
	char *text = format("/a\\b\"c\nd.yaml", &run, &root);

	(void)state;
	assert_line(text, "snap_last_run_exit_status"
	    "{config=\"/a\\\\b\\\"c\\nd.yaml\"} 0");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_successful_run),
		cmocka_unit_test(test_metrics_failed_run_unknown_root),
		cmocka_unit_test(test_metrics_label_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
