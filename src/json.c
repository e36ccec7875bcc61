#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "name.h"

void
json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/*
 * What goes before a value: nothing after a key or at the top; else the
 * separator from the previous element, and for an object in an array
 * the start of its own line.
 */
static void
before_value(struct json *j, bool object)
{
	struct json_level *l;

	if (j->after_key || j->depth == 0) {
		j->after_key = false;
		return;
	}
	l = &j->level[j->depth - 1];
	if (l->array && object) {
		fputs(l->first ? "\n  " : ",\n  ", j->f);
		l->lines = true;
	} else if (!l->first)
		fputs(", ", j->f);
	l->first = false;
}

/* After a value: the document ends with a newline once it is whole. */
static void
after_value(struct json *j)
{
	if (j->depth == 0)
		fputc('\n', j->f);
}

static void
begin(struct json *j, bool array)
{
	struct json_level *l;

	before_value(j, !array);
	fputc(array ? '[' : '{', j->f);
	/* Deeper nesting than snap writes is a bug; stay in bounds. */
	if (j->depth == JSON_DEPTH_MAX)
		return;
	l = &j->level[j->depth++];
	l->array = array;
	l->first = true;
	l->lines = false;
}

static void
end(struct json *j)
{
	struct json_level *l;

	if (j->depth == 0)
		return;
	l = &j->level[--j->depth];
	if (l->array)
		fputs(l->lines ? "\n]" : "]", j->f);
	else
		fputc('}', j->f);
	after_value(j);
}

void
json_begin_object(struct json *j)
{
	begin(j, false);
}

void
json_end_object(struct json *j)
{
	end(j);
}

void
json_begin_array(struct json *j)
{
	begin(j, true);
}

void
json_end_array(struct json *j)
{
	end(j);
}

static void
put_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		switch (p[i]) {
		case '"':
			fputs("\\\"", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		case '\n':
			fputs("\\n", f);
			i++;
			continue;
		case '\t':
			fputs("\\t", f);
			i++;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (n = name_utf8_len(p + i, len - i)) == 0) {
			fprintf(f, "\\u%04x", p[i]);
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
	fputc('"', f);
}

void
json_key(struct json *j, const char *key)
{
	struct json_level *l;

	if (j->depth > 0) {
		l = &j->level[j->depth - 1];
		if (!l->first)
			fputs(", ", j->f);
		l->first = false;
	}
	put_string(j->f, key, strlen(key));
	fputs(": ", j->f);
	j->after_key = true;
}

void
json_string_len(struct json *j, const char *p, size_t len)
{
	before_value(j, false);
	put_string(j->f, p, len);
	after_value(j);
}

void
json_string(struct json *j, const char *s)
{
	json_string_len(j, s, strlen(s));
}

void
json_uint(struct json *j, uint64_t v)
{
	before_value(j, false);
	fprintf(j->f, "%" PRIu64, v);
	after_value(j);
}

void
json_member_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void
json_int(struct json *j, int64_t v)
{
	before_value(j, false);
	fprintf(j->f, "%" PRId64, v);
	after_value(j);
}

void
json_bool(struct json *j, bool v)
{
	before_value(j, false);
	fputs(v ? "true" : "false", j->f);
	after_value(j);
}

void
json_null(struct json *j)
{
	before_value(j, false);
	fputs("null", j->f);
	after_value(j);
}

/* True when the len bytes at p are valid UTF-8 throughout. */
static bool
is_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = name_utf8_len(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* The len bytes at p as a base64 string (RFC 4648, padded). */
static void
put_base64(FILE *f, const char *s, size_t len)
{
	static const char digit[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	unsigned long v;
	size_t i;

	fputc('"', f);
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)p[i] << 16 | p[i + 1] << 8 | p[i + 2];
		fputc(digit[v >> 18 & 63], f);
		fputc(digit[v >> 12 & 63], f);
		fputc(digit[v >> 6 & 63], f);
		fputc(digit[v & 63], f);
	}
	if (i < len) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < len)
			v |= p[i + 1] << 8;
		fputc(digit[v >> 18 & 63], f);
		fputc(digit[v >> 12 & 63], f);
		fputc(i + 1 < len ? digit[v >> 6 & 63] : '=', f);
		fputc('=', f);
	}
	fputc('"', f);
}

void
json_name(struct json *j, const char *key, const char *p, size_t len)
{
	char bytes_key[64];

	if (is_utf8(p, len)) {
		json_key(j, key);
		json_string_len(j, p, len);
		return;
	}
	snprintf(bytes_key, sizeof(bytes_key), "%s_bytes", key);
	json_key(j, bytes_key);
	before_value(j, false);
	put_base64(j->f, p, len);
	after_value(j);
}
