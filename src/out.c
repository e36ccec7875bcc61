#include "out.h"

#include <stdarg.h>
#include <stdio.h>

enum out_level out_level = OUT_NORMAL;

void
out_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("snap: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
out_warning(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("snap: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
out_info(enum out_level level, const char *fmt, ...)
{
	va_list ap;

	if (out_level < level)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

char *
out_bytes(char *buf, unsigned long long bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, 32, "%llu B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.1f %s", v, units[u]);
	return buf;
}
