/*
 * snap list: one line per snapshot: name, files, total size and new
 * space (each also in bytes on disk), warnings, label; below it a line
 * per source that was missing from its run.  Sizes come from the
 * manifests (usage.c); warnings, labels (and, in --json, the bytes
 * received from remote hosts) from each snapshot's summary record.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "name.h"
#include "out.h"
#include "summary.h"
#include "usage.h"

/*
 * What list shows of a snapshot's summary record.  Labels came after the
 * first summaries, and a snapshot may have no summary at all: both are
 * normal, shown as "-" and "?" (null in JSON).
 */
struct row {
	bool			 has_summary;
	struct create_stats	 stats;
};

static void
read_row(struct cmd_ctx *ctx, size_t i, struct row *r)
{
	struct err e;

	r->has_summary = summary_read(ctx->store.manifests_fd,
	    ctx->list.names[i], &r->stats, &e) == 0;
	if (!r->has_summary)
		memset(&r->stats, 0, sizeof(r->stats));
}

/* A count of the summary record, or null when the snapshot has none. */
static void
json_summary_count(struct json *j, const char *key, const struct row *r,
    uint64_t v)
{
	json_key(j, key);
	if (r->has_summary)
		json_uint(j, v);
	else
		json_null(j);
}

static void
print_json(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	struct json j;
	struct row r;
	size_t i;

	json_init(&j, stdout);
	json_begin_array(&j);
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		read_row(ctx, i, &r);
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, ctx->list.names[i]);
		if (r.stats.label[0] != '\0')
			json_name(&j, "label", r.stats.label,
			    strlen(r.stats.label));
		else {
			json_key(&j, "label");
			json_null(&j);
		}
		json_key(&j, "files");
		json_uint(&j, s->files);
		json_key(&j, "size");
		json_uint(&j, s->size);
		json_key(&j, "new");
		json_uint(&j, s->new_bytes);
		json_key(&j, "size_disk");
		json_uint(&j, s->size_disk);
		json_key(&j, "new_disk");
		json_uint(&j, s->new_disk);
		json_summary_count(&j, "warnings", &r, r.stats.warnings);
		/* What came from remote hosts to make it (0 for a snapshot
		 * of local sources, and for summaries older than the key). */
		json_summary_count(&j, "received_bytes", &r,
		    r.stats.received_bytes);
		if (r.has_summary)
			summary_json_missing(&j, &r.stats);
		else {
			json_key(&j, "missing");
			json_null(&j);
		}
		json_end_object(&j);
	}
	json_end_array(&j);
}

static void
print_table(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	char size[32], new[32], warn[32], label[2048];
	char size_disk[32], new_disk[32];
	const char *p, *end;
	struct row r;
	size_t i;

	/* Each size beside the blocks it takes (du(1)'s figure): a sparse
	 * file of 15 MiB that occupies nothing is no new 15 MiB. */
	printf("%-20s %10s %10s %10s %10s %11s %-8s %s\n", "NAME", "FILES",
	    "SIZE", "ON DISK", "NEW", "NEW ON DISK", "WARNINGS", "LABEL");
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		read_row(ctx, i, &r);
		if (!r.has_summary)
			snprintf(warn, sizeof(warn), "?");
		else if (r.stats.warnings > 0)
			snprintf(warn, sizeof(warn), "yes");
		else
			snprintf(warn, sizeof(warn), "no");
		if (r.stats.label[0] != '\0')
			name_quote(label, sizeof(label), r.stats.label,
			    strlen(r.stats.label));
		else
			snprintf(label, sizeof(label), "-");
		printf("%-20s %10llu %10s %10s %10s %11s %-8s %s\n",
		    ctx->list.names[i], (unsigned long long)s->files,
		    out_bytes(size, s->size),
		    out_bytes(size_disk, s->size_disk),
		    out_bytes(new, s->new_bytes),
		    out_bytes(new_disk, s->new_disk), warn, label);
		/* A source that was missing: no real copy of it here. */
		for (p = r.stats.missing; (end = strchr(p, '\n')) != NULL;
		    p = end + 1)
			printf("  missing source: %.*s (no new copy)\n",
			    (int)(end - p), p);
	}
}

int
cmd_list(int argc, char **argv, struct cmd_globals *g)
{
	static const struct cmd_report report = {
		true, print_table, print_json,
	};

	return cmd_usage_report(argc, argv, g, &report);
}
