#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
err_explain(int errnum)
{
	switch (errnum) {
	case ENOSPC:
		return "No space left on device (the backup disk is full: "
		    "free space or delete old snapshots, then run again)";
	case EDQUOT:
		return "Disk quota exceeded (raise the quota of the backup "
		    "user or delete old snapshots)";
	case EROFS:
		return "Read-only file system (the backup disk is mounted "
		    "read-only; remount it read-write)";
	case EACCES:
	case EPERM:
		return errnum == EACCES ? "Permission denied (run snap as a "
		    "user that can read the sources and write the snapshot "
		    "root, usually root)" : "Operation not permitted (run snap "
		    "as root to keep owners and device nodes)";
	default:
		return strerror(errnum);
	}
}

int
err_set(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e == NULL)
		return -1;
	e->errnum = errnum;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum != 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s",
		    err_explain(errnum));
	return -1;
}

void
err_clear(struct err *e)
{
	e->errnum = 0;
	e->msg[0] = '\0';
}
