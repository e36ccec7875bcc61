/*
 * Unit tests of rsyncargs: the words for each rsync exit status that
 * remote sources and replicate report, and the argv builder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "rsyncargs.h"

/* The wait status of a process that exited with code. */
#define EXITED(code)	((code) << 8)

static void
test_rsyncargs_status_words(void **state)
{
	static const struct {
		int		 status;
		const char	*want;
	} cases[] = {
		{ EXITED(255), "rsync exit status 255: the connection failed: "
		    "ssh could not connect or log in, or it broke" },
		{ EXITED(12), "rsync exit status 12: the connection failed: "
		    "ssh could not connect or log in, or it broke" },
		{ EXITED(5), "rsync exit status 5: the rsync of the host would "
		    "not start" },
		{ EXITED(23), "rsync exit status 23: some files or the path "
		    "could not be read on the host" },
		{ EXITED(24), "rsync exit status 24: files vanished on the "
		    "host meanwhile" },
		{ EXITED(30), "rsync exit status 30: the host did not answer "
		    "in time" },
		{ EXITED(35), "rsync exit status 35: the host did not answer "
		    "in time" },
		{ EXITED(126), "rsync exit status 126: rsync could not be "
		    "started confined to its folder" },
		{ EXITED(127), "rsync exit status 127: rsync or the ssh command "
		    "was not found" },
		{ EXITED(1), "rsync exit status 1: rsync failed" },
		{ SIGKILL, "rsync was killed by signal 9 (Killed)" },
	};
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(rsync_describe_status(cases[i].status,
		    "the host", out, sizeof(out)), cases[i].want);
	/* The peer is the caller's word. */
	assert_string_equal(rsync_describe_status(EXITED(24), "the primary",
	    out, sizeof(out)), "rsync exit status 24: files vanished on the "
	    "primary meanwhile");
}

/* Words are added in order, formatted, and the argv ends with NULL. */
static void
test_rsyncargs_argv_add(void **state)
{
	struct rsync_argv a = RSYNC_ARGV_INIT;
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		rsync_argv_add(&a, "--w%d", i);
	assert_false(a.failed);
	assert_int_equal(a.n, 40);
	assert_string_equal(a.v[0], "--w0");
	assert_string_equal(a.v[39], "--w39");
	assert_null(a.v[40]);
	rsync_argv_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsyncargs_status_words),
		cmocka_unit_test(test_rsyncargs_argv_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
