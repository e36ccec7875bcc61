/*
 * test_json: the writer's layout, commas and escapes, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

struct capture {
	FILE	*f;
	char	*p;
	size_t	 len;
};

static void
start(struct capture *c, struct json *j)
{
	c->p = NULL;
	c->f = open_memstream(&c->p, &c->len);
	assert_non_null(c->f);
	json_init(j, c->f);
}

/* Ends the capture and checks what was written. */
static void
expect(struct capture *c, const char *want)
{
	assert_int_equal(fclose(c->f), 0);
	assert_string_equal(c->p, want);
	free(c->p);
}

static void
test_json_empty_containers(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_array(&j);
	json_end_array(&j);
	json_begin_object(&j);
	json_end_object(&j);
	expect(&c, "[]\n{}\n");
}

/* Objects in an array: each on a line of its own, as list prints. */
static void
test_json_array_of_objects_on_lines(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_array(&j);
	json_begin_object(&j);
	json_key(&j, "name");
	json_string(&j, "a");
	json_key(&j, "label");
	json_null(&j);
	json_key(&j, "files");
	json_uint(&j, 3);
	json_end_object(&j);
	json_begin_object(&j);
	json_key(&j, "name");
	json_string(&j, "b");
	json_key(&j, "ok");
	json_bool(&j, true);
	json_key(&j, "bad");
	json_bool(&j, false);
	json_key(&j, "delta");
	json_int(&j, -5);
	json_end_object(&j);
	json_end_array(&j);
	expect(&c, "[\n"
	    "  {\"name\": \"a\", \"label\": null, \"files\": 3},\n"
	    "  {\"name\": \"b\", \"ok\": true, \"bad\": false, \"delta\": -5}\n"
	    "]\n");
}

/* Arrays of plain values stay on the line, as delete and prune print. */
static void
test_json_inline_arrays(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_array(&j);
	json_string(&j, "x");
	json_string(&j, "y");
	json_end_array(&j);
	json_begin_object(&j);
	json_key(&j, "reasons");
	json_begin_array(&j);
	json_string(&j, "daily");
	json_string(&j, "weekly");
	json_end_array(&j);
	json_key(&j, "what");
	json_begin_array(&j);
	json_end_array(&j);
	json_end_object(&j);
	expect(&c, "[\"x\", \"y\"]\n"
	    "{\"reasons\": [\"daily\", \"weekly\"], \"what\": []}\n");
}

/* An object holding an array of objects, as du prints. */
static void
test_json_nested_array_of_objects(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_object(&j);
	json_key(&j, "snapshots");
	json_begin_array(&j);
	json_begin_object(&j);
	json_key(&j, "alone");
	json_uint(&j, UINT64_MAX);
	json_end_object(&j);
	json_end_array(&j);
	json_key(&j, "total");
	json_uint(&j, 0);
	json_end_object(&j);
	json_begin_object(&j);
	json_key(&j, "snapshots");
	json_begin_array(&j);
	json_end_array(&j);
	json_end_object(&j);
	expect(&c, "{\"snapshots\": [\n"
	    "  {\"alone\": 18446744073709551615}\n"
	    "], \"total\": 0}\n"
	    "{\"snapshots\": []}\n");
}

static void
test_json_string_escapes(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_string(&j, "q\"b\\n\nt\tc\001d\177");
	expect(&c, "\"q\\\"b\\\\n\\nt\\tc\\u0001d\\u007f\"\n");
}

/* File names are bytes: invalid UTF-8 still gives a string that parses. */
static void
test_json_string_bytes(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_array(&j);
	/* Valid two-, three- and four-byte sequences pass as they are. */
	json_string(&j, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* A lone continuation byte, a cut sequence, an overlong form,
	 * a surrogate and 0xff. */
	json_string(&j, "\x80");
	json_string(&j, "a\xc3");
	json_string(&j, "\xc0\xaf");
	json_string(&j, "\xed\xa0\x80");
	json_string(&j, "\xff");
	/* A NUL inside the given length. */
	json_string_len(&j, "a\0b", 3);
	json_end_array(&j);
	expect(&c, "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\\u0080\", "
	    "\"a\\u00c3\", \"\\u00c0\\u00af\", \"\\u00ed\\u00a0\\u0080\", "
	    "\"\\u00ff\", \"a\\u0000b\"]\n");
}

static void
test_json_keys_are_escaped(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_object(&j);
	json_key(&j, "a\"b");
	json_uint(&j, 1);
	json_end_object(&j);
	expect(&c, "{\"a\\\"b\": 1}\n");
}

/*
 * A name that is not UTF-8 and its look-alike that is never read the
 * same: "path" for UTF-8 (controls escaped, nothing lost), "path_bytes"
 * in base64 otherwise, with each padding length.
 */
static void
test_json_name_keeps_every_byte(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	start(&c, &j);
	json_begin_object(&j);
	json_name(&j, "path", "a\xff", 2);
	json_name(&j, "path", "a\xc3\xbf", 3);
	json_name(&j, "path", "\x01\n", 2);
	json_name(&j, "path", "", 0);
	json_name(&j, "label", "\xe9", 1);
	json_name(&j, "p", "ab\xc3", 3);
	json_name(&j, "p", "\xed\xa0\x80z", 4);
	json_end_object(&j);
	expect(&c, "{\"path_bytes\": \"Yf8=\", \"path\": \"a\xc3\xbf\", "
	    "\"path\": \"\\u0001\\n\", \"path\": \"\", "
	    "\"label_bytes\": \"6Q==\", \"p_bytes\": \"YWLD\", "
	    "\"p_bytes\": \"7aCAeg==\"}\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_empty_containers),
		cmocka_unit_test(test_json_array_of_objects_on_lines),
		cmocka_unit_test(test_json_inline_arrays),
		cmocka_unit_test(test_json_nested_array_of_objects),
		cmocka_unit_test(test_json_string_escapes),
		cmocka_unit_test(test_json_string_bytes),
		cmocka_unit_test(test_json_keys_are_escaped),
		cmocka_unit_test(test_json_name_keeps_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
