/*
 * name: pure helpers for snapshot names and snapshot-relative paths.
 */
#ifndef SNAP_NAME_H
#define SNAP_NAME_H

#include <stddef.h>
#include <time.h>

/*
 * Compares two snapshot-relative paths in walk order: component by
 * component, each component by its bytes (unsigned), a parent before its
 * children.  This is byte order with '/' sorting below every other byte,
 * so "a/b" < "a-c" although '-' < '/'.  Returns <0, 0 or >0.
 */
int	name_pathcmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Writes the snapshot name for time t (UTC, ISO 8601 basic format,
 * "2026-11-24T030012Z") into buf, which holds at least NAME_SNAPSHOT_LEN
 * bytes.  Returns buf.
 */
#define NAME_SNAPSHOT_LEN 20	/* 18 characters, the NUL, one spare */
char	*name_snapshot(char *buf, time_t t);

/* Returns 1 if s is a well-formed snapshot name, else 0. */
int	name_is_snapshot(const char *s);

/*
 * Writes a printable, one-line form of the len bytes at p to out (at most
 * outsz bytes, always NUL-terminated): control bytes, backslash and bytes
 * that are not valid UTF-8 become \n, \t, \\ or \xHH, so that a name with a
 * newline in it cannot forge a second line of output.  Returns out.
 */
/*
 * Returns the length of the well-formed UTF-8 sequence at p (at most len
 * bytes, len > 0), or 0 if p does not start one: overlong forms,
 * surrogates and code points above U+10FFFF are not well-formed (Unicode
 * table 3-7).
 */
size_t	name_utf8_len(const unsigned char *p, size_t len);

char	*name_quote(char *out, size_t outsz, const char *p, size_t len);

#endif
