/*
 * Unit tests of notify: the curl config a ping is sent with (the URL and
 * the body quoted so that nothing in a log can add an option or make
 * curl read a file) and the tail of a log that goes along.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "notify.h"

static void
test_notify_curl_config_quotes(void **state)
{
	struct buf b = BUF_INIT;
	const char body[] = "@/etc/shadow \"q\" b\\s\ttab\r\x1b[1m\nurl = x\n";

	(void)state;
	assert_int_equal(notify_curl_config(&b, "https://h/p?a=\"1\"", body,
	    sizeof(body) - 1), 0);
	assert_string_equal(b.p,
	    "url = \"https://h/p?a=\\\"1\\\"\"\n"
	    "header = \"Content-Type: text/plain; charset=utf-8\"\n"
	    "data-raw = \"@/etc/shadow \\\"q\\\" b\\\\s\\ttab??[1m\\n"
	    "url = x\\n\"\n");
	buf_free(&b);
}

static void
test_notify_curl_config_empty_body(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(notify_curl_config(&b, "http://h/", "", 0), 0);
	assert_non_null(strstr(b.p, "\ndata-raw = \"\"\n"));
	buf_free(&b);
}

/* The tail of text, read through a file descriptor. */
static char *
tail_of(const char *text, size_t len)
{
	struct buf b = BUF_INIT;
	struct err e;
	int fd = memfd_create("t", 0);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(notify_tail_fd(fd, "the log", &b, &e), 0);
	close(fd);
	return b.p;
}

static void
test_notify_tail_last_lines(void **state)
{
	char text[4096], want[1024], *got;
	size_t len = 0, wl = 0;
	int i;

	(void)state;
	for (i = 1; i <= 50; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "line %d\n", i);
	for (i = 51 - NOTIFY_TAIL_LINES; i <= 50; i++)
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl,
		    "line %d\n", i);
	got = tail_of(text, len);
	assert_string_equal(got, want);
	free(got);
	/* A last line without its newline gets one. */
	got = tail_of("a\nb", 3);
	assert_string_equal(got, "a\nb\n");
	free(got);
	got = tail_of("", 0);
	assert_true(got == NULL || *got == '\0');
	free(got);
}

/* A long log keeps whole lines within NOTIFY_TAIL_BYTES. */
static void
test_notify_tail_bounded(void **state)
{
	static char text[200000];
	size_t len = 0;
	char *got;

	(void)state;
	while (len + 1000 < sizeof(text)) {
		memset(text + len, 'x', 999);
		text[len + 999] = '\n';
		len += 1000;
	}
	memcpy(text + len, "end\n", 4);
	len += 4;
	got = tail_of(text, len);
	assert_true(strlen(got) <= NOTIFY_TAIL_BYTES);
	assert_int_equal(got[0], 'x');
	assert_int_equal(strcspn(got, "\n"), 999);
	assert_string_equal(got + strlen(got) - 4, "end\n");
	free(got);
}

static void
test_notify_events(void **state)
{
	struct config_notify nt = { "s", NULL, "f" };
	enum notify_event ev;

	(void)state;
	assert_int_equal(notify_event_parse("success", &ev), 0);
	assert_int_equal(ev, NOTIFY_EVENT_SUCCESS);
	assert_null(notify_url(&nt, ev));
	assert_int_equal(notify_event_parse("fail", &ev), 0);
	assert_string_equal(notify_url(&nt, ev), "f");
	assert_string_equal(notify_event_name(NOTIFY_EVENT_START), "start");
	assert_int_equal(notify_event_parse("failure", &ev), -1);
}

/* A heading longer than a line's room is cut and still ends the line. */
static void
test_notify_heading_cut(void **state)
{
	static char config[3000];
	struct buf b = BUF_INIT;

	(void)state;
	memset(config, 'c', sizeof(config) - 1);
	assert_int_equal(notify_heading(&b, NOTIFY_EVENT_FAIL, config), 0);
	assert_int_equal(b.len, 1023);
	assert_memory_equal(b.p, "snap fail on ", 13);
	assert_int_equal(b.p[b.len - 1], '\n');
	assert_ptr_equal(memchr(b.p, '\n', b.len), b.p + b.len - 1);
	buf_free(&b);
}

/* A log that cannot be read (a folder) is an error naming it. */
static void
test_notify_tail_unreadable(void **state)
{
	struct buf b = BUF_INIT;
	struct err e;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(notify_tail_fd(fd, "the log", &b, &e), -1);
	assert_int_equal(e.errnum, EISDIR);
	assert_non_null(strstr(e.msg, "cannot read the log: Is a directory"));
	assert_int_equal(b.len, 0);
	close(fd);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_curl_config_quotes),
		cmocka_unit_test(test_notify_curl_config_empty_body),
		cmocka_unit_test(test_notify_tail_last_lines),
		cmocka_unit_test(test_notify_tail_bounded),
		cmocka_unit_test(test_notify_events),
		cmocka_unit_test(test_notify_heading_cut),
		cmocka_unit_test(test_notify_tail_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
