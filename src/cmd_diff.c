/*
 * snap diff: what changed between two snapshots, or between a snapshot
 * and the live sources (what the next create would change).  Snapshots
 * are compared by a merge-join of their manifests (compare.c); no tree is
 * walked.  Output is one "M\tpath" line per changed path, in walk order,
 * with the markers of compare.h; --json prints an array of objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "compare.h"
#include "copy.h"
#include "diff.h"
#include "json.h"
#include "manifest.h"
#include "meta.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "walk.h"

struct printer {
	bool		 json;
	struct json	 j;	/* the array begins with the first change */
	size_t		 n;	/* changes printed */
	struct buf	 quoted;	/* name_quote's output, grown */
};

static int
print_change(void *arg, enum compare_change change, const struct entry *old,
    const struct entry *new, struct err *e)
{
	struct printer *p = arg;
	const struct entry *ent = new != NULL ? new : old;
	char marker = (char)change;
	size_t need;

	if (p->json) {
		if (p->n == 0)
			json_begin_array(&p->j);
		json_begin_object(&p->j);
		json_key(&p->j, "change");
		json_string_len(&p->j, &marker, 1);
		json_name(&p->j, "path", ent->path, ent->path_len);
		json_end_object(&p->j);
	} else {
		/* \xHH is the longest form of one byte. */
		need = 4 * ent->path_len + 1;
		if (buf_reserve(&p->quoted, need) == -1)
			return err_set(e, ENOMEM, "cannot print the changes");
		name_quote(p->quoted.p, p->quoted.cap, ent->path,
		    ent->path_len);
		printf("%c\t%s\n", (int)change, p->quoted.p);
	}
	p->n++;
	return 0;
}

/* Ends the output; returns CMD_OK, or CMD_FAILED if stdout failed. */
static int
print_end(struct printer *p)
{
	if (p->json) {
		if (p->n == 0)
			json_begin_array(&p->j);
		json_end_array(&p->j);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		out_error("cannot write the changes: %s", strerror(errno));
		return CMD_FAILED;
	}
	return CMD_OK;
}

static int
diff_snapshots(struct cmd_ctx *ctx, const char *old, const char *new,
    struct printer *p)
{
	struct manifest_reader *a = NULL, *b = NULL;
	struct err e;
	int status = CMD_FAILED;

	if (manifest_reader_open(&a, ctx->store.manifests_fd, old, &e) == -1 ||
	    manifest_reader_open(&b, ctx->store.manifests_fd, new, &e) == -1) {
		out_error("%s", e.msg);
		goto out;
	}
	if (compare_manifests(a, b, print_change, p, &e) == -1) {
		/* What was printed is a prefix of the answer; the error
		 * (and the exit status) says it is not all of it. */
		fflush(stdout);
		out_error("%s", e.msg);
		goto out;
	}
	status = print_end(p);
out:
	if (a != NULL)
		manifest_reader_close(a);
	if (b != NULL)
		manifest_reader_close(b);
	return status;
}

/* The live sources as a compare_stream: the entries create would store. */
struct source_stream {
	struct walk	*w;
	struct walk_item it;		/* the last entry handed out */
	unsigned	 warnings;
};

/*
 * A node's xattrs, as create records them: read through an O_PATH
 * descriptor, which follows no symlink.  A node that vanished since the
 * walk has none.
 */
static void
node_xattrs(struct source_stream *s, struct entry *ent)
{
	int fd = openat(s->it.dirfd, s->it.name,
	    O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd != -1) {
		ent->xattr_hash = meta_xattr_hash(fd);
		close(fd);
	}
}

static int
source_next(void *arg, struct entry *ent, struct err *e)
{
	struct source_stream *s = arg;
	int r;

	while ((r = walk_next(s->w, &s->it, e)) == 1) {
		if (s->it.event == WALK_WARNING) {
			out_warning("%s", s->it.warning);
			s->warnings++;
			continue;
		}
		if (s->it.event == WALK_ENTRY) {
			*ent = *s->it.ent;
			if (ent->type != ENTRY_REG && ent->type != ENTRY_DIR)
				node_xattrs(s, ent);
			return 1;
		}
	}
	return r;
}

/*
 * Fills in what the walker leaves out of cur, a regular file that failed
 * the quick check against old: its content hash and xattrs, read from
 * the file itself, so that a file touched but not changed is not
 * reported and "M" can be told from "m".  A file that cannot be read is
 * a warning and is compared by size and mtime alone.
 */
static void
source_hash(struct source_stream *s, struct entry *cur)
{
	char q[512];
	struct stat st;
	struct err e;
	uint64_t size;
	int fd;

	/* O_NONBLOCK: a FIFO swapped in since the walk must not hang us;
	 * O_NOATIME (for the owner or root) leaves no trace of the look. */
	fd = openat(s->it.dirfd, s->it.name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK | O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(s->it.dirfd, s->it.name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		out_warning("cannot read '%s': %s",
		    name_quote(q, sizeof(q), cur->path, cur->path_len),
		    fd == -1 ? strerror(errno) : "it changed while read");
		s->warnings++;
		goto out;
	}
	walk_entry_from_stat(cur, &st);
	cur->xattr_hash = meta_xattr_hash(fd);
	if (copy_hash_fd(fd, s->it.ent->path, cur->hash, &size, &e) == -1) {
		out_warning("%s", e.msg);
		s->warnings++;
		goto out;
	}
	/* A file that grew or shrank while read has no trustworthy hash;
	 * its size already differs from what fstat said. */
	cur->has_hash = size == cur->size;
	if (!cur->has_hash)
		cur->size = size;
out:
	if (fd != -1)
		close(fd);
}

static int
diff_source(struct cmd_ctx *ctx, const char *name, struct printer *p)
{
	struct walk_skip skip = { 0, 0, false };
	struct source_stream s;
	struct manifest_reader *r = NULL;
	struct compare_join j;
	const struct entry *old, *new;
	struct entry cur;
	enum compare_change change;
	struct err e;
	int status = CMD_FAILED, rc;

	memset(&s, 0, sizeof(s));
	if (manifest_reader_open(&r, ctx->store.manifests_fd, name, &e) == -1) {
		out_error("%s", e.msg);
		return CMD_FAILED;
	}
	/* A replica has no sources: what would change is replicate's. */
	if (ctx->cfg->replicate_from != NULL) {
		out_error("diff --source compares with the sources; config "
		    "'%s' is a replica (replicate_from) and has none",
		    ctx->cfg->file);
		manifest_reader_close(r);
		return CMD_USAGE;
	}
	/* A remote source's path names a folder on its host, not here. */
	for (size_t i = 0; i < ctx->cfg->n_sources; i++)
		if (ctx->cfg->sources[i].host != NULL) {
			out_error("diff --source reads local sources only; "
			    "'%s:%s' is remote", ctx->cfg->sources[i].host,
			    ctx->cfg->sources[i].path);
			manifest_reader_close(r);
			return CMD_FAILED;
		}
	/* Leave out the snapshot root, as create does. */
	skip.dev = ctx->store.root_dev;
	skip.ino = ctx->store.root_ino;
	skip.set = true;
	if (walk_open(&s.w, ctx->cfg->sources, ctx->cfg->n_sources, &skip,
	    &e) == -1) {
		out_error("%s", e.msg);
		manifest_reader_close(r);
		return CMD_FAILED;
	}
	compare_join_init(&j, compare_manifest_stream(r),
	    (struct compare_stream){ source_next, &s, "the source walk" });
	while ((rc = compare_join_next(&j, &old, &new, &e)) == 1) {
		if (new != NULL && old != NULL && new->type == ENTRY_REG &&
		    old->type == ENTRY_REG) {
			if (diff_quick_same(new, old))
				continue;
			/* new is the entry the walk handed out last. */
			cur = *new;
			source_hash(&s, &cur);
			new = &cur;
		}
		change = compare_entries(old, new);
		if (change != COMPARE_SAME &&
		    print_change(p, change, old, new, &e) == -1) {
			rc = -1;
			break;
		}
	}
	compare_join_free(&j);
	if (rc == -1) {
		fflush(stdout);
		out_error("%s", e.msg);
		goto out;
	}
	status = print_end(p);
	if (status == CMD_OK && s.warnings > 0)
		status = CMD_WARNINGS;
out:
	walk_close(s.w);
	manifest_reader_close(r);
	return status;
}

int
cmd_diff(int argc, char **argv, struct cmd_globals *g)
{
	struct printer p = { .quoted = BUF_INIT };
	struct cmd_ctx ctx;
	size_t old, new;
	bool source = false;
	/* Options may follow the operands: "diff SNAPSHOT --source". */
	const struct opts_option options[] = {
		{ "source", 0, false, &source, NULL },
		{ NULL, 0, false, NULL, NULL },
	};
	int status, nargs;

	if ((status = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return status == OPTS_HELP ? CMD_OK : CMD_USAGE;
	p.json = g->json;
	json_init(&p.j, stdout);
	if (nargs > (source ? 1 : 2)) {
		out_error("too many arguments ('%s')", argv[1 +
		    (source ? 1 : 2)]);
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((status = cmd_open(&ctx, g, STORE_READ)) != CMD_OK)
		goto out;

	/* Defaults: the newest snapshot against the one before it, or
	 * against the sources; a single OLD against the newest. */
	if (ctx.list.n < (source || nargs > 0 ? 1u : 2u)) {
		out_error("diff needs %s snapshot%s; '%s' has %zu",
		    source || nargs > 0 ? "a" : "two",
		    source || nargs > 0 ? "" : "s", ctx.store.root,
		    ctx.list.n);
		status = CMD_USAGE;
		goto out;
	}
	new = ctx.list.n - 1;
	old = source ? new : new - (nargs == 0);
	if (nargs >= 1 &&
	    (status = cmd_resolve(&ctx, argv[1], &old)) != CMD_OK)
		goto out;
	if (nargs == 2 &&
	    (status = cmd_resolve(&ctx, argv[2], &new)) != CMD_OK)
		goto out;

	if (source)
		status = diff_source(&ctx, ctx.list.names[old], &p);
	else
		status = diff_snapshots(&ctx, ctx.list.names[old],
		    ctx.list.names[new], &p);
out:
	buf_free(&p.quoted);
	cmd_close(&ctx);
	return status;
}
