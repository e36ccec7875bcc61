/*
 * err: one failure, described for a person.
 *
 * A function that can fail returns -1 and fills the caller's struct err
 * with a complete sentence: what failed, the quoted subject, then why.
 * The caller either passes it up unchanged or prints it; it never needs
 * freeing.  errnum keeps the errno (0 when none) so callers can act on
 * ENOSPC, EXDEV and the like.
 */
#ifndef SNAP_ERR_H
#define SNAP_ERR_H

#include <stddef.h>

struct err {
	int	errnum;		/* errno of the failure, 0 if none */
	char	msg[1536];
};

/*
 * Fills e with the printf-style message, followed by ": " and a
 * description of errnum when errnum is not 0.  Returns -1 so that a
 * failure path can read "return err_set(e, errno, ...);".
 */
int	err_set(struct err *e, int errnum, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * The description of errnum that users meet: strerror, plus a sentence
 * on what to do for the errors a backup commonly hits (a full disk, a
 * read-only or missing backup disk, a permission problem).
 */
const char *err_explain(int errnum);

/* Clears e (errnum 0, empty message). */
void	err_clear(struct err *e);

#endif
