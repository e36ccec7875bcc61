#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation: most paths and names fit, few waste much. */
#define BUF_MIN 64

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > SIZE_MAX - b->len - 1) {
		errno = ENOMEM;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap > BUF_MIN ? b->cap : BUF_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	/* n may be 0 with p NULL: memcpy must not see that. */
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_set(struct buf *b, const void *p, size_t n)
{
	size_t old = b->len;

	b->len = 0;
	if (buf_append(b, p, n) == -1) {
		b->len = old;
		return -1;
	}
	return 0;
}

void
buf_setlen(struct buf *b, size_t len)
{
	/* An empty buffer that never allocated has nowhere to put a NUL. */
	if (b->p == NULL)
		return;
	b->len = len;
	b->p[len] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}
