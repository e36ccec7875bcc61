/*
 * buf: a growable byte buffer, in the manner of git's strbuf.
 *
 *   struct buf b = BUF_INIT;
 *   if (buf_append(&b, name, len) == -1) ... ENOMEM ...
 *   ... b.p holds b.len bytes and a NUL after them ...
 *   buf_setlen(&b, 0);		keep the memory for the next round
 *   buf_free(&b);
 *
 * The owner of the struct owns b.p.  After buf_append, buf_set or
 * buf_setlen, b.p[b.len] is '\0', so a buffer of text is a C string;
 * buf_reserve alone never writes a byte, so code that fills the buffer
 * itself (read(2), flistxattr(2)) may use b.p[0 .. b.cap) freely.  A
 * failed call leaves the buffer as it was.  Pointers into b.p are valid
 * until the next call that may grow it.
 */
#ifndef SNAP_BUF_H
#define SNAP_BUF_H

#include <stddef.h>

struct buf {
	char	*p;		/* NULL until something is reserved */
	size_t	 len;		/* bytes in use */
	size_t	 cap;		/* bytes allocated at p */
};

#define BUF_INIT { NULL, 0, 0 }

/*
 * Makes room for n more bytes after b->len and a NUL after them (cap >=
 * len + n + 1), doubling so that appends cost amortised O(1).  Returns
 * 0, or -1 with errno ENOMEM.
 */
int	buf_reserve(struct buf *b, size_t n);

/* Appends the n bytes at p.  Returns 0, or -1 with errno ENOMEM. */
int	buf_append(struct buf *b, const void *p, size_t n);

/* Replaces the contents by the n bytes at p.  Returns 0 or -1 (ENOMEM). */
int	buf_set(struct buf *b, const void *p, size_t n);

/*
 * Cuts (or, within what was written, restores) the contents to len
 * bytes: len must be less than b->cap, or 0.  The path buffer of a walk
 * grows on the way down and goes back with buf_setlen on the way up.
 */
void	buf_setlen(struct buf *b, size_t len);

/* Frees the memory and leaves an empty buffer, usable again. */
void	buf_free(struct buf *b);

#endif
