/*
 * snap list: one line per snapshot: name, files, total size, new space,
 * warnings, label.  Sizes come from the manifests (usage.c), warnings and
 * labels from each snapshot's summary record.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "create.h"
#include "out.h"
#include "summary.h"
#include "usage.h"

static const char usage_text[] = "usage: snap [-c FILE] [--json] list "
    "[--json]\n";

/*
 * Reads the "label" line of NAME.summary into buf (its raw bytes, up to
 * the end of the line).  Returns 1 with *len set, or 0 when there is no
 * summary or no label: labels came after the first summaries, so their
 * absence is normal.
 */
static int
read_label(int dirfd, const char *name, char *buf, size_t size, size_t *len)
{
	char file[64], data[8192], *p, *end;
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "%s.summary", name);
	if ((fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	data[n] = '\0';
	for (p = data; *p != '\0'; p = *end == '\n' ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		if (end - p < 6 || strncmp(p, "label ", 6) != 0)
			continue;
		*len = (size_t)(end - p - 6);
		if (*len > size)
			*len = size;
		memcpy(buf, p + 6, *len);
		return 1;
	}
	return 0;
}

struct row {
	bool		 has_label;
	char		 label[512];
	size_t		 label_len;
	bool		 has_summary;
	uint64_t	 warnings;
};

static void
read_row(struct cmd_ctx *ctx, size_t i, struct row *r)
{
	struct create_stats stats;
	struct err e;

	memset(r, 0, sizeof(*r));
	r->has_label = read_label(ctx->store.manifests_fd, ctx->list.names[i],
	    r->label, sizeof(r->label), &r->label_len) == 1;
	if (summary_read(ctx->store.manifests_fd, ctx->list.names[i], &stats,
	    &e) == 0) {
		r->has_summary = true;
		r->warnings = stats.warnings;
	}
}

static void
print_json(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	struct row r;
	size_t i;

	fputs("[", stdout);
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		read_row(ctx, i, &r);
		fputs(i ? ",\n  " : "\n  ", stdout);
		fputs("{\"name\": ", stdout);
		out_json_string(stdout, ctx->list.names[i],
		    strlen(ctx->list.names[i]));
		fputs(", \"label\": ", stdout);
		if (r.has_label)
			out_json_string(stdout, r.label, r.label_len);
		else
			fputs("null", stdout);
		printf(", \"files\": %llu, \"size\": %llu, \"new\": %llu",
		    (unsigned long long)s->files, (unsigned long long)s->size,
		    (unsigned long long)s->new_bytes);
		if (r.has_summary)
			printf(", \"warnings\": %llu",
			    (unsigned long long)r.warnings);
		else
			fputs(", \"warnings\": null", stdout);
		fputs("}", stdout);
	}
	fputs(ctx->list.n ? "\n]\n" : "]\n", stdout);
}

static void
print_table(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	char size[32], new[32], warn[32], label[2048];
	struct row r;
	size_t i;

	printf("%-20s %10s %10s %10s %-8s %s\n", "NAME", "FILES", "SIZE",
	    "NEW", "WARNINGS", "LABEL");
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		read_row(ctx, i, &r);
		if (!r.has_summary)
			snprintf(warn, sizeof(warn), "?");
		else if (r.warnings > 0)
			snprintf(warn, sizeof(warn), "yes");
		else
			snprintf(warn, sizeof(warn), "no");
		if (r.has_label)
			name_quote(label, sizeof(label), r.label, r.label_len);
		else
			snprintf(label, sizeof(label), "-");
		printf("%-20s %10llu %10s %10s %-8s %s\n", ctx->list.names[i],
		    (unsigned long long)s->files, out_bytes(size, s->size),
		    out_bytes(new, s->new_bytes), warn, label);
	}
}

int
cmd_list(int argc, char **argv, const struct cmd_globals *g)
{
	static const struct cmd_report report = {
		usage_text, print_table, print_json,
	};

	return cmd_usage_report(argc, argv, g, &report);
}
