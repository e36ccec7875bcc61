/*
 * snap du: per snapshot, the space it holds alone (what deleting it
 * frees) and the space it shares with others; the total of all distinct
 * stored files at the bottom.  From manifests and stored inode numbers
 * (usage.c), never a walk of the trees.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "out.h"
#include "usage.h"

static void
print_json(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "snapshots");
	json_begin_array(&j);
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, ctx->list.names[i]);
		json_key(&j, "alone");
		json_uint(&j, s->alone_bytes);
		json_key(&j, "shared");
		json_uint(&j, s->shared_bytes);
		json_key(&j, "held");
		json_uint(&j, s->held_bytes);
		json_key(&j, "inodes");
		json_uint(&j, s->inodes);
		json_key(&j, "alone_disk");
		json_uint(&j, s->alone_disk);
		json_key(&j, "shared_disk");
		json_uint(&j, s->shared_disk);
		json_key(&j, "held_disk");
		json_uint(&j, s->held_disk);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "total");
	json_uint(&j, u->total_bytes);
	json_key(&j, "total_inodes");
	json_uint(&j, u->total_inodes);
	json_key(&j, "total_disk");
	json_uint(&j, u->total_disk);
	json_end_object(&j);
}

static void
print_table(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	char alone[32], shared[32], alone_disk[32], shared_disk[32];
	size_t i;

	/* Sizes as ls shows them, and the blocks they take (as du(1)):
	 * a sparse or reflinked file takes less than its size. */
	printf("%-20s %10s %10s %10s %10s\n", "NAME", "ALONE", "ON DISK",
	    "SHARED", "ON DISK");
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		printf("%-20s %10s %10s %10s %10s\n", ctx->list.names[i],
		    out_bytes(alone, s->alone_bytes),
		    out_bytes(alone_disk, s->alone_disk),
		    out_bytes(shared, s->shared_bytes),
		    out_bytes(shared_disk, s->shared_disk));
	}
	printf("%-20s %10s %10s  (%llu file%s stored)\n", "total",
	    out_bytes(alone, u->total_bytes),
	    out_bytes(alone_disk, u->total_disk),
	    (unsigned long long)u->total_inodes,
	    u->total_inodes == 1 ? "" : "s");
}

int
cmd_du(int argc, char **argv, struct cmd_globals *g)
{
	static const struct cmd_report report = {
		false, print_table, print_json,
	};

	return cmd_usage_report(argc, argv, g, &report);
}
