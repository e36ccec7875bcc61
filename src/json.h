/*
 * json: a small streaming JSON writer for every --json output.
 *
 *   struct json j;
 *
 *   json_init(&j, stdout);
 *   json_begin_array(&j);
 *   for (...) {
 *           json_begin_object(&j);
 *           json_key(&j, "name");
 *           json_string(&j, name);
 *           json_key(&j, "size");
 *           json_uint(&j, size);
 *           json_end_object(&j);
 *   }
 *   json_end_array(&j);
 *
 * The writer puts the commas, colons and spaces; the caller says only
 * what comes next.  Nothing is buffered: each call writes to the FILE at
 * once, so a long listing streams, and a command that fails midway
 * leaves a prefix of the document (it says so on stderr and in its exit
 * status).  Write errors are the FILE's (ferror).
 *
 * The layout is snap's, the same for every command:
 *
 *   [
 *     {"name": "2026-11-24T030012Z", "reasons": ["daily", "weekly"]},
 *     {"name": "2026-11-25T030009Z", "reasons": []}
 *   ]
 *
 * Members and elements are separated by ", ", keys from values by ": ";
 * an object that is an element of an array starts a line of its own,
 * indented by two spaces, and such an array ends with "\n]"; every other
 * value stays on the line.  When the outermost value is complete, a
 * newline ends the document.
 *
 * Strings are bytes (file names are): they are written as JSON strings
 * that always parse.  '"', '\\', newline and tab get their short escapes,
 * other control characters and DEL \u00XX, and a byte that is not part
 * of valid UTF-8 becomes \u00XX as well (the code point of the same
 * number: lossy, but the output stays text).  Names (paths, labels) are
 * never written so: json_name writes them losslessly.
 *
 * Calls must nest properly (a key only inside an object, then exactly
 * one value); at most JSON_DEPTH_MAX containers may be open.
 */
#ifndef SNAP_JSON_H
#define SNAP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json_level {
	bool	array;		/* else an object */
	bool	first;		/* nothing written in it yet */
	bool	lines;		/* an array whose objects went on lines */
};

struct json {
	FILE			*f;
	int			 depth;		/* containers open */
	bool			 after_key;	/* a value completes a member */
	struct json_level	 level[JSON_DEPTH_MAX];
};

void	json_init(struct json *j, FILE *f);

void	json_begin_object(struct json *j);
void	json_end_object(struct json *j);
void	json_begin_array(struct json *j);
void	json_end_array(struct json *j);

/* The key of the next member of the open object (NUL-terminated). */
void	json_key(struct json *j, const char *key);

/* A string value: NUL-terminated, or the len bytes at p (any bytes). */
void	json_string(struct json *j, const char *s);
void	json_string_len(struct json *j, const char *p, size_t len);
/*
 * A member of the open object whose value is a name given as bytes (a
 * path, a label): "KEY": "the name" when the bytes are valid UTF-8
 * (control characters are escaped, so nothing is lost), else
 * "KEY_bytes": "base64 of the bytes" (RFC 4648).  So a name that is not
 * UTF-8 ("a\xff") never reads as the one that is ("a\u00ff").  key is
 * at most 50 bytes.
 */
void	json_name(struct json *j, const char *key, const char *p, size_t len);
void	json_uint(struct json *j, uint64_t v);
void	json_int(struct json *j, int64_t v);
void	json_bool(struct json *j, bool v);
void	json_null(struct json *j);

/* A member of the open object whose value is a count: key, then v. */
void	json_member_uint(struct json *j, const char *key, uint64_t v);

#endif
