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
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "total");
	json_uint(&j, u->total_bytes);
	json_key(&j, "total_inodes");
	json_uint(&j, u->total_inodes);
	json_end_object(&j);
}

static void
print_table(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	char alone[32], shared[32];
	size_t i;

	printf("%-20s %10s %10s\n", "NAME", "ALONE", "SHARED");
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		printf("%-20s %10s %10s\n", ctx->list.names[i],
		    out_bytes(alone, s->alone_bytes),
		    out_bytes(shared, s->shared_bytes));
	}
	printf("%-20s %10s  (%llu file%s stored)\n", "total",
	    out_bytes(alone, u->total_bytes),
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
