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
#include "out.h"
#include "usage.h"

static const char usage_text[] = "usage: snap [-c FILE] [--json] du "
    "[--json]\n";

static void
print_json(struct cmd_ctx *ctx, const struct usage *u)
{
	const struct usage_snapshot *s;
	size_t i;

	fputs("{\"snapshots\": [", stdout);
	for (i = 0; i < ctx->list.n; i++) {
		s = &u->snaps[i];
		fputs(i ? ",\n  " : "\n  ", stdout);
		fputs("{\"name\": ", stdout);
		out_json_string(stdout, ctx->list.names[i],
		    strlen(ctx->list.names[i]));
		printf(", \"alone\": %llu, \"shared\": %llu, \"held\": %llu, "
		    "\"inodes\": %llu}", (unsigned long long)s->alone_bytes,
		    (unsigned long long)s->shared_bytes,
		    (unsigned long long)s->held_bytes,
		    (unsigned long long)s->inodes);
	}
	printf("%s], \"total\": %llu, \"total_inodes\": %llu}\n",
	    ctx->list.n ? "\n" : "", (unsigned long long)u->total_bytes,
	    (unsigned long long)u->total_inodes);
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
cmd_du(int argc, char **argv, const struct cmd_globals *g)
{
	static const struct cmd_report report = {
		usage_text, print_table, print_json,
	};

	return cmd_usage_report(argc, argv, g, &report);
}
