/*
 * shellwords: a command line split into words the way sh would split it,
 * without a shell: no expansion, no variables, no globbing.
 *
 *   char **argv; size_t argc, where;
 *   if (shellwords_split("ssh -i '/k y'", &argv, &argc, &where) == -1)
 *       ... bad quoting at byte `where` (errno EINVAL), or ENOMEM ...
 *   shellwords_free(argv);
 *
 * Words are separated by blanks (space, tab, newline).  'single quotes'
 * keep every byte; "double quotes" keep every byte but a backslash before
 * '"', '\\', '$' or '`'; a backslash outside quotes keeps the next byte.
 * The config's ssh_command is checked with it, so that a quoting mistake
 * is a config error at its line and column, not a failed run at night.
 */
#ifndef SNAP_SHELLWORDS_H
#define SNAP_SHELLWORDS_H

#include <stddef.h>

/*
 * Splits s.  Returns 0 and sets *argv (NULL-ended, free with
 * shellwords_free) and *argc; or -1 with errno EINVAL and *where the
 * byte offset of the quote or backslash left open, or ENOMEM.
 */
int	shellwords_split(const char *s, char ***argv, size_t *argc,
	    size_t *where);

void	shellwords_free(char **argv);

#endif
