/*
 * outtail: the last bytes a child printed (outtail.h).
 */
#include "outtail.h"

#include <stdio.h>
#include <string.h>

void
outtail_take(struct outtail *t, const char *p, size_t n)
{
	size_t drop;

	if (n >= sizeof(t->tail)) {
		memcpy(t->tail, p + n - sizeof(t->tail), sizeof(t->tail));
		t->len = sizeof(t->tail);
		t->cut = true;
		return;
	}
	if (t->len + n > sizeof(t->tail)) {
		drop = t->len + n - sizeof(t->tail);
		memmove(t->tail, t->tail + drop, t->len - drop);
		t->len -= drop;
		t->cut = true;
	}
	memcpy(t->tail + t->len, p, n);
	t->len += n;
}

void
outtail_describe(const struct outtail *t, char *buf, size_t size)
{
	size_t i = 0, len = 0;
	unsigned char c;

	buf[0] = '\0';
	if (t->len == 0 || size < 8)
		return;
	/* A cut tail starts mid-line: begin at the next line. */
	if (t->cut) {
		while (i < t->len && t->tail[i] != '\n')
			i++;
		i++;
	}
	len = (size_t)snprintf(buf, size, "%s", t->cut ? "\n  ..." : "");
	for (; i < t->len && len + 4 < size; i++) {
		c = (unsigned char)t->tail[i];
		/* ssh ends its lines with "\r\n". */
		if (c == '\n' || c == '\r')
			continue;
		/* Each line on a line of its own, indented. */
		if (len == 0 || t->tail[i - 1] == '\n') {
			memcpy(buf + len, "\n  ", 3);
			len += 3;
		}
		buf[len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[len] = '\0';
}
