/*
 * snap log PATH: every snapshot in which PATH appeared, changed or
 * vanished, with size, mtime and a short content hash.
 *
 * PATH is snapshot-relative ("src/a/x"; a leading '/' is dropped).  Each
 * manifest is streamed in walk order only up to PATH's place: the first
 * entry that sorts after PATH (name_pathcmp) ends the search, so memory
 * stays constant and a path near the start of a large manifest is quick.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cmd.h"
#include "entry.h"
#include "json.h"
#include "manifest.h"
#include "name.h"
#include "opts.h"
#include "out.h"
#include "restore.h"

/* What log compares of one version of PATH (an entry's fields, copied). */
struct version {
	bool		 present;
	enum entry_type	 type;
	uint32_t	 mode, uid, gid;
	uint64_t	 size, rdev, xattr_hash, stored_ino;
	struct timens	 mtime;
	bool		 has_hash;
	unsigned char	 hash[ENTRY_HASH_LEN];
	char		 target[4096];
	size_t		 target_len;
	bool		 target_long;	/* cut short: compare by size */
};

static void
copy_version(struct version *v, const struct entry *ent)
{
	v->present = true;
	v->type = ent->type;
	v->mode = ent->mode;
	v->uid = ent->uid;
	v->gid = ent->gid;
	v->size = ent->size;
	v->rdev = ent->rdev;
	v->xattr_hash = ent->xattr_hash;
	v->stored_ino = ent->stored_ino;
	v->mtime = ent->mtime;
	v->has_hash = ent->has_hash;
	memcpy(v->hash, ent->hash, sizeof(v->hash));
	v->target_len = 0;
	v->target_long = false;
	if (ent->target != NULL) {
		v->target_long = ent->target_len > sizeof(v->target);
		v->target_len = v->target_long ? sizeof(v->target) :
		    ent->target_len;
		memcpy(v->target, ent->target, v->target_len);
	}
}

/*
 * Finds path in the manifest of snapshot name.  Returns 0 with *v filled
 * (v->present false when the snapshot does not hold path), or -1 with e
 * set.
 */
static int
find_version(int manifests_fd, const char *name, const char *path,
    size_t len, struct version *v, struct err *e)
{
	struct manifest_reader *r = NULL;
	struct entry ent;
	int rc, c;

	v->present = false;
	if (manifest_reader_open(&r, manifests_fd, name, e) == -1)
		return -1;
	while ((rc = manifest_reader_next(r, &ent, NULL, e)) == 1) {
		c = name_pathcmp(ent.path, ent.path_len, path, len);
		if (c == 0)
			copy_version(v, &ent);
		if (c >= 0)
			break;
	}
	manifest_reader_close(r);
	return rc == -1 ? -1 : 0;
}

/* Same content: the hashes when both have one, else the stored inode. */
static bool
same_content(const struct version *a, const struct version *b)
{
	switch (a->type) {
	case ENTRY_REG:
		if (a->size != b->size)
			return false;
		if (a->has_hash && b->has_hash)
			return memcmp(a->hash, b->hash, ENTRY_HASH_LEN) == 0;
		return a->stored_ino == b->stored_ino;
	case ENTRY_SYMLINK:
		return a->size == b->size && a->target_len == b->target_len &&
		    memcmp(a->target, b->target, a->target_len) == 0;
	case ENTRY_CHR:
	case ENTRY_BLK:
		return a->rdev == b->rdev;
	default:
		return true;
	}
}

/*
 * The marker for the step from prev to cur, or 0 when nothing changed.
 * ctime and the stored inode are left out: a copy made for EXDEV or
 * EMLINK is not a change of the file.
 */
static char
change_marker(const struct version *prev, const struct version *cur)
{
	if (!prev->present)
		return cur->present ? '+' : 0;
	if (!cur->present)
		return '-';
	if (prev->type != cur->type)
		return 'T';
	if (!same_content(prev, cur))
		return 'M';
	if (prev->mode != cur->mode || prev->uid != cur->uid ||
	    prev->gid != cur->gid || prev->mtime.sec != cur->mtime.sec ||
	    prev->mtime.nsec != cur->mtime.nsec ||
	    prev->xattr_hash != cur->xattr_hash)
		return 'm';
	return 0;
}

static void
format_mtime(char *buf, size_t size, const struct timens *t)
{
	struct tm tm;
	time_t sec = (time_t)t->sec;

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t->sec);
}

static void
format_hash(char *buf, const struct version *v, size_t bytes)
{
	size_t i;

	if (!v->has_hash || v->type != ENTRY_REG) {
		strcpy(buf, "-");
		return;
	}
	for (i = 0; i < bytes; i++)
		sprintf(buf + 2 * i, "%02x", v->hash[i]);
}

/* One version as a JSON object; a vanished one has nulls. */
static void
print_json(struct json *j, const char *name, char marker,
    const struct version *v)
{
	char mtime[64], hash[2 * ENTRY_HASH_LEN + 1];

	json_begin_object(j);
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "change");
	json_string_len(j, &marker, 1);
	if (!v->present) {
		json_key(j, "type");
		json_null(j);
		json_key(j, "size");
		json_null(j);
		json_key(j, "mtime");
		json_null(j);
		json_key(j, "hash");
		json_null(j);
		json_end_object(j);
		return;
	}
	format_mtime(mtime, sizeof(mtime), &v->mtime);
	format_hash(hash, v, ENTRY_HASH_LEN);
	json_key(j, "type");
	json_string(j, entry_type_name(v->type));
	json_key(j, "size");
	json_uint(j, v->size);
	json_key(j, "mtime");
	json_string(j, mtime);
	json_key(j, "hash");
	if (hash[0] == '-')
		json_null(j);
	else
		json_string(j, hash);
	json_end_object(j);
}

/* One version as a table row. */
static void
print_row(const char *name, char marker, const struct version *v)
{
	char mtime[64], hash[2 * ENTRY_HASH_LEN + 1];

	if (!v->present) {
		printf("%-20s %c %12s %-20s %s\n", name, marker, "-", "-",
		    "-");
		return;
	}
	format_mtime(mtime, sizeof(mtime), &v->mtime);
	format_hash(hash, v, 4);
	printf("%-20s %c %12llu %-20s %s\n", name, marker,
	    (unsigned long long)v->size, mtime, hash);
}

/* Runs the log over every snapshot.  Returns the exit status. */
static int
log_path(struct cmd_ctx *ctx, const char *path, size_t len, bool json)
{
	static struct version versions[2];
	struct version *prev = &versions[0], *cur = &versions[1], *tmp;
	struct json j;
	struct err e;
	size_t i, shown = 0, held = 0, skipped = 0;
	char marker, quoted[1024];

	prev->present = false;
	json_init(&j, stdout);
	if (json)
		json_begin_array(&j);
	for (i = 0; i < ctx->list.n; i++) {
		if (find_version(ctx->store.manifests_fd, ctx->list.names[i],
		    path, len, cur, &e) == -1) {
			cmd_warn_damaged(ctx->list.names[i], &e);
			skipped++;
			continue;
		}
		held += cur->present;
		marker = change_marker(prev, cur);
		if (marker != 0 && !json && shown == 0)
			printf("%-20s %c %12s %-20s %s\n", "NAME", ' ',
			    "SIZE", "MTIME", "HASH");
		if (marker != 0 && json)
			print_json(&j, ctx->list.names[i], marker, cur);
		else if (marker != 0)
			print_row(ctx->list.names[i], marker, cur);
		shown += marker != 0;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	if (json)
		json_end_array(&j);
	if (held == 0) {
		out_error("no snapshot holds '%s'%s", name_quote(quoted,
		    sizeof(quoted), path, len), ctx->list.n ? " (paths are "
		    "relative to the snapshot, like 'etc/fstab')" : "");
		/* Not found, as for restore and an unknown snapshot. */
		return CMD_USAGE;
	}
	return skipped > 0 ? CMD_WARNINGS : CMD_OK;
}

int
cmd_log(int argc, char **argv, struct cmd_globals *g)
{
	struct cmd_ctx ctx;
	struct err e;
	char *path;
	size_t len;
	const struct opts_option options[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	int nargs, rc;

	if ((rc = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return rc == OPTS_HELP ? CMD_OK : CMD_USAGE;
	if (nargs != 1) {
		out_error("log takes one PATH");
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	/* The manifest's form: no leading, repeated or trailing '/'
	 * ("//etc//fstab" is "etc/fstab"), the one restore uses. */
	if ((path = malloc(strlen(argv[1]) + 1)) == NULL) {
		out_error("cannot log '%s': %s", argv[1], strerror(ENOMEM));
		return CMD_FAILED;
	}
	if (restore_clean_path(argv[1], path, &e) == -1) {
		out_error("%s", e.msg);
		free(path);
		return CMD_USAGE;
	}
	len = strlen(path);
	if (len == 0) {
		out_error("log needs a path inside the snapshots, like "
		    "'etc/fstab'");
		free(path);
		return CMD_USAGE;
	}
	if ((rc = cmd_open(&ctx, g, STORE_READ)) == CMD_OK)
		rc = log_path(&ctx, path, len, g->json);
	cmd_close(&ctx);
	free(path);
	return rc;
}
