/*
 * name: pure helpers for snapshot names and snapshot-relative paths.
 */
#include "name.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SNAPSHOT_CHARS	18	/* strlen("2026-11-24T030012Z") */

int
name_pathcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	size_t i, n;

	n = alen < blen ? alen : blen;
	for (i = 0; i < n && x[i] == y[i]; i++)
		continue;
	if (i == n)
		return alen < blen ? -1 : alen > blen;
	/*
	 * At the first difference, the side that ends its component here
	 * comes first: that is what makes a directory's children follow it
	 * directly, before a sibling like "a-c" or "a.txt".
	 */
	if (x[i] == '/')
		return -1;
	if (y[i] == '/')
		return 1;
	return x[i] < y[i] ? -1 : 1;
}

char *
name_snapshot(char *buf, time_t t)
{
	struct tm tm;

	/*
	 * Out of range only for a clock set beyond the year 9999; an empty
	 * name then fails every later use loudly instead of being
	 * half-written.
	 */
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, NAME_SNAPSHOT_LEN, "%Y-%m-%dT%H%M%SZ", &tm) !=
	    SNAPSHOT_CHARS)
		buf[0] = '\0';
	return buf;
}

/* Parses n digits at s into *v.  Returns 1, or 0 if one is not a digit. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

static int
days_in_month(int year, int month)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool leap;

	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

int
name_is_snapshot(const char *s)
{
	int year, mon, day, hour, min, sec;

	if (s == NULL || strnlen(s, SNAPSHOT_CHARS + 1) != SNAPSHOT_CHARS)
		return 0;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[17] != 'Z')
		return 0;
	if (!digits(s, 4, &year) || !digits(s + 5, 2, &mon) ||
	    !digits(s + 8, 2, &day) || !digits(s + 11, 2, &hour) ||
	    !digits(s + 13, 2, &min) || !digits(s + 15, 2, &sec))
		return 0;
	/* name_snapshot never makes a name before the epoch or a second 60. */
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hour > 23 || min > 59 ||
	    sec > 59)
		return 0;
	return 1;
}

size_t
name_utf8_len(const unsigned char *p, size_t len)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

char *
name_quote(char *out, size_t outsz, const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	char esc[8];
	size_t i, o, n, k;

	if (outsz == 0)
		return out;
	o = 0;
	for (i = 0; i < len; i += n) {
		n = name_utf8_len(s + i, len - i);
		k = 0;
		if (n == 1 && s[i] >= 0x20 && s[i] != 0x7f && s[i] != '\\')
			esc[k++] = (char)s[i];
		else if (n == 1 && (s[i] == '\n' || s[i] == '\t' ||
		    s[i] == '\r' || s[i] == '\\')) {
			esc[k++] = '\\';
			esc[k++] = s[i] == '\n' ? 'n' : s[i] == '\t' ? 't' :
			    s[i] == '\r' ? 'r' : '\\';
		} else if (n == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0) {
			/*
			 * U+0080..U+009F are control codes too: some
			 * terminals take U+0085 as a newline and U+009B as
			 * an escape sequence.  Show their two bytes.
			 */
			n = 1;
			memcpy(esc, "\\xc2", 4);
			k = 4;
		} else if (n <= 1) {
			/* A control byte, or a byte that is not UTF-8. */
			n = 1;
			esc[k++] = '\\';
			esc[k++] = 'x';
			esc[k++] = hex[s[i] >> 4];
			esc[k++] = hex[s[i] & 0xf];
		} else {
			memcpy(esc, s + i, n);
			k = n;
		}
		/* Never a half escape or half a character: stop whole. */
		if (o + k > outsz - 1)
			break;
		memcpy(out + o, esc, k);
		o += k;
	}
	out[o] = '\0';
	return out;
}
