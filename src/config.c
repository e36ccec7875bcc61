/*
 * config: the YAML config file -> a validated, immutable struct config.
 *
 * The whole file is read into memory and handed to libyaml's document
 * API, which keeps the position of every node, so each error can name
 * FILE:LINE:COLUMN of the key or value at fault.  The schema is then
 * walked by hand, one function per mapping; each knows its keys and
 * rejects any other.  Loading only reads: it stats the sources but never
 * creates anything.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "exclude.h"
#include "shellwords.h"

#define SUGGEST_MAX_DISTANCE	2
#define SUGGEST_MAX_LEN		32

/* The keys of one mapping of the schema. */
struct keyset {
	const char		*where;	/* appended to "unknown key 'x'" */
	const char		*home;	/* said if known elsewhere */
	const char *const	*names;
	size_t			 n;
};

enum top_key {
	TOP_SNAPSHOT_ROOT, TOP_SOURCES, TOP_RETAIN, TOP_CHECKSUM,
	TOP_REQUIRE_MOUNT, TOP_LOCK_WAIT, TOP_METRICS_FILE, TOP_HOOKS,
	TOP_ALLOW_SHARED_ROOT, TOP_NOTIFY,
	TOP_FILTER, TOP_FILTER_FROM, TOP_EXCLUDE_CACHES, TOP_EXCLUDE_IF_PRESENT,
	TOP_SSH_COMMAND, TOP_RSYNC_PATH, TOP_PARALLEL, TOP_JOBS,
	TOP_REPLICATE_FROM,
	TOP_N
};
static const char *const top_names[TOP_N] = {
	[TOP_SNAPSHOT_ROOT] = "snapshot_root",
	[TOP_SOURCES] = "sources",
	[TOP_RETAIN] = "retain",
	[TOP_CHECKSUM] = "checksum",
	[TOP_REQUIRE_MOUNT] = "require_mount",
	[TOP_LOCK_WAIT] = "lock_wait",
	[TOP_METRICS_FILE] = "metrics_file",
	[TOP_HOOKS] = "hooks",
	[TOP_ALLOW_SHARED_ROOT] = "allow_shared_root",
	[TOP_NOTIFY] = "notify",
	[TOP_FILTER] = "filter",
	[TOP_FILTER_FROM] = "filter_from",
	[TOP_EXCLUDE_CACHES] = "exclude_caches",
	[TOP_EXCLUDE_IF_PRESENT] = "exclude_if_present",
	[TOP_SSH_COMMAND] = "ssh_command",
	[TOP_RSYNC_PATH] = "rsync_path",
	[TOP_PARALLEL] = "parallel",
	[TOP_JOBS] = "jobs",
	[TOP_REPLICATE_FROM] = "replicate_from",
};

enum source_key {
	SRC_PATH, SRC_DEST, SRC_EXCLUDE, SRC_ONE_FS,
	SRC_FILTER, SRC_FILTER_FROM, SRC_EXCLUDE_CACHES, SRC_EXCLUDE_IF_PRESENT,
	SRC_SSH_COMMAND, SRC_RSYNC_PATH, SRC_REQUIRED, SRC_REQUIRE_MOUNT,
	SRC_N
};
static const char *const source_names[SRC_N] = {
	[SRC_PATH] = "path",
	[SRC_DEST] = "dest",
	[SRC_EXCLUDE] = "exclude",
	[SRC_ONE_FS] = "one_file_system",
	[SRC_FILTER] = "filter",
	[SRC_FILTER_FROM] = "filter_from",
	[SRC_EXCLUDE_CACHES] = "exclude_caches",
	[SRC_EXCLUDE_IF_PRESENT] = "exclude_if_present",
	[SRC_SSH_COMMAND] = "ssh_command",
	[SRC_RSYNC_PATH] = "rsync_path",
	[SRC_REQUIRED] = "required",
	[SRC_REQUIRE_MOUNT] = "require_mount",
};

enum retain_key {
	RET_LAST, RET_HOURLY, RET_DAILY, RET_WEEKLY, RET_MONTHLY, RET_YEARLY,
	RET_N
};
static const char *const retain_names[RET_N] = {
	[RET_LAST] = "last",
	[RET_HOURLY] = "hourly",
	[RET_DAILY] = "daily",
	[RET_WEEKLY] = "weekly",
	[RET_MONTHLY] = "monthly",
	[RET_YEARLY] = "yearly",
};

enum hook_key {
	HOOK_BEFORE_CREATE, HOOK_AFTER_CREATE, HOOK_ON_ERROR, HOOK_TIMEOUT,
	HOOK_N
};
static const char *const hook_names[HOOK_N] = {
	[HOOK_BEFORE_CREATE] = "before_create",
	[HOOK_AFTER_CREATE] = "after_create",
	[HOOK_ON_ERROR] = "on_error",
	[HOOK_TIMEOUT] = "timeout",
};

enum notify_key { NOTIFY_START, NOTIFY_SUCCESS, NOTIFY_FAIL, NOTIFY_N };
static const char *const notify_names[NOTIFY_N] = {
	[NOTIFY_START] = "start",
	[NOTIFY_SUCCESS] = "success",
	[NOTIFY_FAIL] = "fail",
};

static const struct keyset top_keys = {
	"", "it is a top-level key", top_names, TOP_N
};
static const struct keyset source_keys = {
	" in a source", "it belongs in a source", source_names, SRC_N
};
static const struct keyset retain_keys = {
	" in 'retain'", "it belongs in 'retain'", retain_names, RET_N
};
static const struct keyset hook_keys = {
	" in 'hooks'", "it belongs in 'hooks'", hook_names, HOOK_N
};
static const struct keyset notify_keys = {
	" in 'notify'", "it belongs in 'notify'", notify_names, NOTIFY_N
};
static const struct keyset *const all_keys[] = {
	&top_keys, &source_keys, &retain_keys, &hook_keys, &notify_keys
};

/*
 * The filter keys of one mapping (a source, or the top level, which
 * applies to every source), each key's rules apart while the mapping is
 * read: YAML keys have no order, and the order of rules matters.
 * filter_parts_join puts them in the order config.h gives.
 */
enum filter_part { PART_FILTER, PART_FILTER_FROM, PART_EXCLUDE, PART_N };
struct filter_parts {
	struct filter	part[PART_N];
};

/* A source while loading; sorting must carry its file position along. */
struct pending_source {
	struct config_source	 src;
	struct filter_parts	 filter;
	size_t			 order;		/* index in the file */
	const yaml_node_t	*dest_node;	/* 'dest', else 'path' */
	const yaml_node_t	*path_node;
};

struct loader {
	const char		*file;	/* as given, for messages */
	char			*dir;	/* its folder, made lazily */
	yaml_document_t		*doc;
	struct config		*cfg;
	struct pending_source	*srcs;
	size_t			 n_srcs;
	struct err		*e;
	/* Where the paths checked against the root were given. */
	const yaml_node_t	**path_nodes;	/* per cfg->sources[i] */
	const yaml_node_t	*metrics_node;
	/* Bytes of text copied out of the document so far (get_string). */
	size_t			 copied;
	struct filter_parts	 top_filter;
};

/*
 * A value from the file may hold a newline (YAML escapes allow any
 * byte); printed as it is, it could forge a second line of output.
 */
static void
scrub(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Sets l->e to "FILE:LINE:COLUMN: message"; line and col are 0-based. */
static int
vfail_at(struct loader *l, size_t line, size_t col, int errnum,
    const char *fmt, va_list ap)
{
	char what[sizeof(l->e->msg)];

	vsnprintf(what, sizeof(what), fmt, ap);
	err_set(l->e, errnum, "%s:%zu:%zu: %s", l->file, line + 1, col + 1,
	    what);
	scrub(l->e->msg);
	return -1;
}

static int __attribute__((format(printf, 5, 6)))
fail_at(struct loader *l, size_t line, size_t col, int errnum,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(l, line, col, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

/* Fails pointing at node n; returns -1. */
static int __attribute__((format(printf, 4, 5)))
fail(struct loader *l, const yaml_node_t *n, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(l, n->start_mark.line, n->start_mark.column, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_nomem(struct loader *l)
{
	return err_set(l->e, ENOMEM, "cannot load config '%s'", l->file);
}

static const yaml_node_t *
node_at(struct loader *l, int index)
{
	return yaml_document_get_node(l->doc, index);
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool
is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* YAML's null: an empty value, "~" or "null", unquoted. */
static bool
is_null(const yaml_node_t *n)
{
	const char *v;

	if (!is_plain(n))
		return false;
	v = scalar(n);
	return *v == '\0' || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

/* Restricted Damerau-Levenshtein distance, for "did you mean". */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, cost, v;

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/*
 * The complaint about key k, unknown in ks: say where it belongs if it
 * is a key of another mapping, else suggest a near key of this one, else
 * list the keys this mapping knows.
 */
static int
fail_unknown_key(struct loader *l, const yaml_node_t *k,
    const struct keyset *ks)
{
	char known[512];
	const char *name = scalar(k), *best = NULL;
	size_t i, j, d, best_d = SIZE_MAX, len;

	for (i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		if (all_keys[i] == ks)
			continue;
		for (j = 0; j < all_keys[i]->n; j++)
			if (strcmp(name, all_keys[i]->names[j]) == 0)
				return fail(l, k, 0, "unknown key '%s'%s (%s)",
				    name, ks->where, all_keys[i]->home);
	}
	for (i = 0; i < ks->n; i++) {
		d = edit_distance(name, ks->names[i]);
		if (d <= SUGGEST_MAX_DISTANCE && d < best_d) {
			best = ks->names[i];
			best_d = d;
		}
	}
	if (best != NULL)
		return fail(l, k, 0, "unknown key '%s'%s (did you mean '%s'?)",
		    name, ks->where, best);
	known[0] = '\0';
	for (i = 0; i < ks->n; i++) {
		len = strlen(known);
		snprintf(known + len, sizeof(known) - len, "%s%s",
		    i == 0 ? "" : i + 1 == ks->n ? " or " : ", ", ks->names[i]);
	}
	return fail(l, k, 0, "unknown key '%s'%s (expected %s)", name,
	    ks->where, known);
}

/*
 * Checks the key of pair against ks.  Returns its index in ks, or -1
 * with l->e set for a key that is not a name, unknown, or repeated.
 * seen holds ks->n slots, NULL until that key is met.
 */
static int
map_key(struct loader *l, const yaml_node_pair_t *pair,
    const struct keyset *ks, const yaml_node_t **seen)
{
	const yaml_node_t *k = node_at(l, pair->key);
	size_t i;

	if (k->type != YAML_SCALAR_NODE || is_null(k))
		return fail(l, k, 0, "expected a key name");
	for (i = 0; i < ks->n; i++)
		if (strcmp(scalar(k), ks->names[i]) == 0)
			break;
	if (i == ks->n)
		return fail_unknown_key(l, k, ks);
	if (seen[i] != NULL)
		return fail(l, k, 0, "duplicate key '%s' (first at %zu:%zu)",
		    ks->names[i], seen[i]->start_mark.line + 1,
		    seen[i]->start_mark.column + 1);
	seen[i] = k;
	return (int)i;
}

/*
 * Copies the string value n of key into *out.  what names the expected
 * value for messages; in_list says n is an entry of the list 'key'.
 */
static int
get_string(struct loader *l, const yaml_node_t *n, const char *key,
    const char *what, bool in_list, char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail(l, n, 0, in_list ? "expected %s in '%s'" :
		    "expected %s for '%s'", what, key);
	if (n->data.scalar.length == 0 && in_list)
		return fail(l, n, 0, "empty entry in '%s'; expected %s", key,
		    what);
	if (n->data.scalar.length == 0)
		return fail(l, n, 0, "'%s' is empty; expected %s", key, what);
	if (strlen(scalar(n)) != n->data.scalar.length)
		return fail(l, n, 0, "'%s' contains a NUL character", key);
	/*
	 * An alias is the node it names, not a copy, so each use of one is
	 * copied again: a list of aliases of lists of aliases would make a
	 * 16 KiB file gigabytes.  Without aliases the text copied is at most
	 * the file; with them it may not be more than a file could be.
	 */
	l->copied += n->data.scalar.length;
	if (l->copied > CONFIG_MAX_SIZE)
		return fail(l, n, 0, "with its aliases (*name) expanded, the "
		    "config holds more than %d KiB of text; refused",
		    CONFIG_MAX_SIZE / 1024);
	if ((*out = strdup(scalar(n))) == NULL)
		return fail_nomem(l);
	return 0;
}

/*
 * Normalises the absolute path s in place: drops empty and "."
 * components and any trailing '/'.
 */
static void
path_normalise(char *s)
{
	char *w = s;
	const char *r = s, *c;
	size_t n;

	while (*r != '\0') {
		while (*r == '/')
			r++;
		if (*r == '\0')
			break;
		for (c = r; *r != '\0' && *r != '/'; r++)
			continue;
		n = (size_t)(r - c);
		if (n == 1 && c[0] == '.')
			continue;
		*w++ = '/';
		memmove(w, c, n);
		w += n;
	}
	if (w == s)
		*w++ = '/';
	*w = '\0';
}

/*
 * Normalises the absolute, malloc'd path s and returns it or a string
 * that replaces it (NULL when out of memory; s is then freed).
 *
 * Symlinks are not resolved, so a symlinked source root or snapshot
 * root keeps the name the user gave it.  A ".." is the exception: the
 * kernel takes it physically (after a symlink, "link/.." is the link
 * target's parent), so dropping it by text could name another folder,
 * and keeping it would leave "/etc/snap/../data" in every message and
 * in a default dest.  So the part up to the last ".." is resolved with
 * realpath; if that fails (a missing folder), s stays as it is and the
 * check of the path reports the problem.
 */
static char *
path_clean(char *s)
{
	char *c, *last = NULL, *rp, *res, save;
	size_t n;

	path_normalise(s);
	for (c = s; *c != '\0'; c += n) {
		c++;
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			last = c + 2;
	}
	if (last == NULL)
		return s;
	save = *last;
	*last = '\0';
	rp = realpath(s, NULL);
	*last = save;
	if (rp == NULL)
		return s;
	if (asprintf(&res, "%s/%s", rp, last) == -1)
		res = NULL;
	free(rp);
	free(s);
	if (res != NULL)
		path_normalise(res);
	return res;
}

/* The config file's folder, absolute and normalised; made once. */
static const char *
config_dir(struct loader *l)
{
	const char *slash = strrchr(l->file, '/');
	char *cwd = NULL;
	size_t dirlen = slash == NULL ? 0 : (size_t)(slash - l->file);

	if (l->dir != NULL)
		return l->dir;
	if (l->file[0] == '/') {
		/* The leading '/' keeps "/snap.yaml" from giving "". */
		if (asprintf(&l->dir, "/%.*s", (int)dirlen, l->file) == -1)
			l->dir = NULL;
	} else {
		if ((cwd = getcwd(NULL, 0)) == NULL) {
			err_set(l->e, errno, "cannot find the folder of "
			    "config '%s'", l->file);
			return NULL;
		}
		if (asprintf(&l->dir, "%s/%.*s", cwd, (int)dirlen,
		    l->file) == -1)
			l->dir = NULL;
		free(cwd);
	}
	if (l->dir == NULL || (l->dir = path_clean(l->dir)) == NULL) {
		fail_nomem(l);
		return NULL;
	}
	return l->dir;
}

/* A path value: a string, made absolute against the config's folder. */
static int
get_path(struct loader *l, const yaml_node_t *n, const char *key, char **out)
{
	char *raw = NULL, *abs = NULL;
	const char *dir;
	int rc = -1;

	if (get_string(l, n, key, "a path", false, &raw) == -1)
		goto out;
	/* Only a shell expands '~'; taken literally it would name a folder
	 * called "~" next to the config, which nobody means. */
	if (raw[0] == '~') {
		fail(l, n, 0, "'%s' starts with '~', which is not expanded; "
		    "write the full path", key);
		goto out;
	}
	if (raw[0] == '/') {
		abs = raw;
		raw = NULL;
	} else {
		if ((dir = config_dir(l)) == NULL)
			goto out;
		if (asprintf(&abs, "%s/%s", dir, raw) == -1) {
			abs = NULL;
			fail_nomem(l);
			goto out;
		}
	}
	if ((*out = path_clean(abs)) == NULL) {
		fail_nomem(l);
		abs = NULL;
		goto out;
	}
	abs = NULL;
	rc = 0;
out:
	free(raw);
	free(abs);
	return rc;
}

/*
 * YAML 1.1 booleans, case-insensitive.  Quoted, "yes" is a string to
 * YAML, so it is refused, with a hint, rather than guessed at.
 */
static int
get_bool(struct loader *l, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	if (n->type != YAML_SCALAR_NODE)
		return fail(l, n, 0, "expected true or false for '%s'", key);
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(scalar(n), yes[i]) == 0)
			*out = true;
		else if (strcasecmp(scalar(n), no[i]) == 0)
			*out = false;
		else
			continue;
		if (!is_plain(n))
			return fail(l, n, 0, "expected true or false for "
			    "'%s', without quotes", key);
		return 0;
	}
	return fail(l, n, 0, "expected true or false for '%s'", key);
}

/* A whole number from 0 to max, in decimal, unquoted like a boolean. */
static int
get_count(struct loader *l, const yaml_node_t *n, const char *key,
    unsigned long max, unsigned long *out)
{
	const char *p;
	unsigned long v = 0;

	if (n->type != YAML_SCALAR_NODE || *scalar(n) == '\0')
		goto bad;
	for (p = scalar(n); *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (v > (max - (unsigned long)(*p - '0')) / 10)
			return fail(l, n, 0, "'%s' is too large (at most %lu)",
			    key, max);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (!is_plain(n))
		return fail(l, n, 0, "'%s' must be a whole number of 0 or "
		    "more, without quotes", key);
	*out = v;
	return 0;
bad:
	return fail(l, n, 0, "'%s' must be a whole number of 0 or more", key);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * A list of non-empty strings (an absent value is an empty list).  On
 * failure *out and *n_out hold what was read so far, for the caller to
 * free with the rest.
 */
static int
get_strings(struct loader *l, const yaml_node_t *n, const char *key,
    const char *plural, const char *what, char ***out, size_t *n_out)
{
	const yaml_node_item_t *it;
	size_t count;

	*out = NULL;
	*n_out = 0;
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, 0, "expected a list of %s for '%s'", plural,
		    key);
	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (count == 0)
		return 0;
	if ((*out = calloc(count, sizeof(**out))) == NULL)
		return fail_nomem(l);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		if (get_string(l, node_at(l, *it), key, what, true,
		    &(*out)[*n_out]) == -1)
			return -1;
		(*n_out)++;
	}
	return 0;
}

static void
source_free(struct config_source *s)
{
	free(s->path);
	free(s->dest);
	filter_free(&s->filter);
	free(s->host);
	free(s->ssh_command);
	free(s->rsync_path);
}

/*
 * Walk order: component by component, each by its bytes.  Mapping '/'
 * below every other byte gives exactly that in one pass: "a/b" < "a-c".
 */
static int
walk_cmp(const char *a, const char *b)
{
	int ca, cb;

	for (;; a++, b++) {
		ca = *a == '\0' ? 0 : *a == '/' ? 1 : (unsigned char)*a + 1;
		cb = *b == '\0' ? 0 : *b == '/' ? 1 : (unsigned char)*b + 1;
		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

static int
pending_cmp(const void *a, const void *b)
{
	const struct pending_source *pa = a, *pb = b;

	return walk_cmp(pa->src.dest, pb->src.dest);
}

static bool
has_dot_component(const char *s)
{
	const char *c;
	size_t n;

	for (c = s; *c != '\0'; c += n) {
		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' &&
		    c[1] == '.'))
			return true;
	}
	return false;
}

/*
 * The store's own entries beside the snapshots are ".snap/" and
 * "latest"; a snapshot folder of the same name would read as one of
 * them to a person or a script looking at the tree.
 */
static bool
is_reserved(const char *dest)
{
	return strcmp(dest, ".snap") == 0 || strcmp(dest, "latest") == 0 ||
	    strncmp(dest, ".snap/", 6) == 0;
}

/* Checks an explicit dest (the value of n) and normalises it in place. */
static int
check_dest(struct loader *l, const yaml_node_t *n, char *dest)
{
	char *w = dest;
	const char *r = dest;

	if (dest[0] == '/')
		return fail(l, n, 0, "dest '%s' must be relative to the "
		    "snapshot (no leading '/')", dest);
	if (has_dot_component(dest))
		return fail(l, n, 0, "dest '%s' must not contain '.' or '..'",
		    dest);
	/* "a//b/" means "a/b": collapse slashes, drop a trailing one. */
	for (; *r != '\0'; r++)
		if (*r != '/' || (r[1] != '/' && r[1] != '\0'))
			*w++ = *r;
	*w = '\0';
	if (is_reserved(dest))
		return fail(l, n, 0, "dest '%s' is reserved for snap's own use",
		    dest);
	return 0;
}

/* The default dest: the path without its leading '/'. */
static int
default_dest(struct loader *l, const yaml_node_t *path_node,
    struct config_source *s)
{
	const char *d = s->path + 1;

	if (*d == '\0')
		return fail(l, path_node, 0, "source '/' needs a 'dest', the "
		    "folder inside the snapshot to copy it to");
	if (has_dot_component(d))
		return fail(l, path_node, 0, "source '%s' contains '..'; give "
		    "it a 'dest'", s->path);
	if (is_reserved(d))
		return fail(l, path_node, 0, "source '%s' would land at '%s', "
		    "which is reserved for snap's own use; give it a 'dest'",
		    s->path, d);
	if ((s->dest = strdup(d)) == NULL)
		return fail_nomem(l);
	return 0;
}

static int	read_file(const char *path, const char *what, const char *role,
		    char **out, size_t *outlen, struct err *e);

static void
filter_parts_free(struct filter_parts *fp)
{
	size_t i;

	for (i = 0; i < PART_N; i++)
		filter_free(&fp->part[i]);
}

/*
 * Appends the parts to out in their order and frees them.  Returns 0, or
 * -1 with l->e set.
 */
static int
filter_parts_join(struct loader *l, struct filter_parts *fp,
    struct filter *out)
{
	size_t i;

	for (i = 0; i < PART_N; i++)
		if (filter_append(out, &fp->part[i]) == -1)
			return fail_nomem(l);
	filter_parts_free(fp);
	return 0;
}

/* 'filter': a list of rules ("- PATTERN", "+ PATTERN"). */
static int
load_filter_rules(struct loader *l, const yaml_node_t *n, struct filter *out)
{
	const yaml_node_item_t *it;
	const yaml_node_t *item;
	const char *pattern;
	char *rule = NULL, why[512];
	bool include;
	int rc = 0, r;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, 0, "expected a list of rules for 'filter' "
		    "(like ['- *.tmp', '+ /home/'])");
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top && rc == 0; it++) {
		item = node_at(l, *it);
		if ((rc = get_string(l, item, "filter", "a rule", true,
		    &rule)) == -1)
			break;
		if ((r = filter_parse_rule(rule, &include, &pattern, why,
		    sizeof(why))) == -1)
			rc = fail(l, item, 0, "%s", why);
		else if ((r == 1 ? filter_add_merge(out, pattern) :
		    filter_add_rule(out, include, pattern)) == -1)
			rc = fail_nomem(l);
		free(rule);
		rule = NULL;
	}
	return rc;
}

/*
 * 'filter_from': a file of rules, relative to the config's folder.  It
 * decides what is backed up, so it is read with the config's care; an
 * error in it names FILE:LINE.
 */
static int
load_filter_from(struct loader *l, const yaml_node_t *n, struct filter *out)
{
	char *path = NULL, *text = NULL, why[512];
	size_t len, line;
	int rc = -1, errnum;

	if (get_path(l, n, "filter_from", &path) == -1)
		goto out;
	if (read_file(path, "filter file", "it decides what snap backs up",
	    &text, &len, l->e) == -1) {
		/* Where the config names it, then why it cannot be read
		 * (the message has the errno's words already). */
		errnum = l->e->errnum;
		fail(l, n, 0, "%s", l->e->msg);
		l->e->errnum = errnum;
		goto out;
	}
	if (filter_parse_lines(out, text, len, &line, why, sizeof(why)) ==
	    -1) {
		err_set(l->e, 0, "%s:%zu: %s", path, line, why);
		scrub(l->e->msg);
		goto out;
	}
	rc = 0;
out:
	free(path);
	free(text);
	return rc;
}

/*
 * 'exclude': patterns, each a "- PATTERN" rule.  The matcher's cost is
 * bounded by a pattern's length.
 */
static int
load_exclude(struct loader *l, const yaml_node_t *n, struct filter *out)
{
	const yaml_node_item_t *items;
	char **v = NULL;
	size_t nv = 0, i;
	int rc = -1;

	if (get_strings(l, n, "exclude", "patterns", "a pattern", &v,
	    &nv) == -1)
		goto out;
	items = nv > 0 ? n->data.sequence.items.start : NULL;
	for (i = 0; i < nv; i++) {
		if (strlen(v[i]) > EXCLUDE_PATTERN_MAX) {
			fail(l, node_at(l, items[i]), 0, "exclude pattern is "
			    "longer than %d bytes", EXCLUDE_PATTERN_MAX);
			goto out;
		}
		if (filter_add_rule(out, false, v[i]) == -1) {
			fail_nomem(l);
			goto out;
		}
	}
	rc = 0;
out:
	strv_free(v, nv);
	return rc;
}

/* 'exclude_if_present': names of entries that mark a folder. */
static int
load_if_present(struct loader *l, const yaml_node_t *n, struct filter *out)
{
	const yaml_node_item_t *items;
	struct filter names = FILTER_INIT;
	size_t i;
	int rc = -1;

	if (get_strings(l, n, "exclude_if_present", "names", "a file name",
	    &names.if_present, &names.n_if_present) == -1)
		goto out;
	items = names.n_if_present > 0 ? n->data.sequence.items.start : NULL;
	for (i = 0; i < names.n_if_present; i++) {
		if (strchr(names.if_present[i], '/') != NULL ||
		    strcmp(names.if_present[i], ".") == 0 ||
		    strcmp(names.if_present[i], "..") == 0) {
			fail(l, node_at(l, items[i]), 0, "'%s' in "
			    "'exclude_if_present' is not a file name (no '/', "
			    "not '.' or '..')", names.if_present[i]);
			goto out;
		}
	}
	if (filter_append(out, &names) == -1) {
		fail_nomem(l);
		goto out;
	}
	rc = 0;
out:
	filter_free(&names);
	return rc;
}

/*
 * One of the filter keys, known by its name in a source or at the top
 * level alike: reads value n into fp.
 */
static int
load_filter_key(struct loader *l, const char *key, const yaml_node_t *n,
    struct filter_parts *fp)
{
	if (strcmp(key, "filter") == 0)
		return load_filter_rules(l, n, &fp->part[PART_FILTER]);
	if (strcmp(key, "filter_from") == 0)
		return load_filter_from(l, n, &fp->part[PART_FILTER_FROM]);
	if (strcmp(key, "exclude") == 0)
		return load_exclude(l, n, &fp->part[PART_EXCLUDE]);
	if (strcmp(key, "exclude_caches") == 0)
		return get_bool(l, n, key,
		    &fp->part[PART_FILTER].exclude_caches);
	return load_if_present(l, n, &fp->part[PART_FILTER]);
}

/*
 * Puts the top level's filter before each source's own, once the whole
 * file is read (the top-level keys may come after 'sources').
 */
static int
finish_filters(struct loader *l)
{
	struct filter top = FILTER_INIT, joined;
	struct config_source *s;
	size_t i;
	int rc = -1;

	if (filter_parts_join(l, &l->top_filter, &top) == -1)
		goto out;
	for (i = 0; i < l->cfg->n_sources; i++) {
		s = &l->cfg->sources[i];
		joined = (struct filter)FILTER_INIT;
		if (filter_append(&joined, &top) == -1 ||
		    filter_append(&joined, &s->filter) == -1) {
			filter_free(&joined);
			fail_nomem(l);
			goto out;
		}
		filter_free(&s->filter);
		s->filter = joined;
	}
	rc = 0;
out:
	filter_free(&top);
	return rc;
}

/* --- remote sources (remote.h) ------------------------------------ */

/*
 * rsync's rule: a path with a ':' before its first '/' names a host, as
 * in "backup@web1:/var/www".
 */
static bool
is_remote_spec(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE)
		return false;
	v = scalar(n);
	return strchr(v, ':') != NULL &&
	    (strchr(v, '/') == NULL || strchr(v, ':') < strchr(v, '/'));
}

/*
 * Reads "[USER@]HOST:/ABS/PATH" into s->host and s->path (normalised).
 * The host goes to ssh as an argument: one that starts with '-' would be
 * taken for an option, so it is refused.  Returns 0 or -1 (l->e set).
 */
static int
load_remote_path(struct loader *l, const yaml_node_t *n,
    struct config_source *s)
{
	char *raw = NULL, *colon, *p;
	int rc = -1;

	if (get_string(l, n, "path", "a path", false, &raw) == -1)
		return -1;
	colon = strchr(raw, ':');
	*colon = '\0';
	for (p = raw; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			break;
	if (raw[0] == '\0' || raw[0] == '-' || raw[0] == '@' || *p != '\0' ||
	    raw[strlen(raw) - 1] == '@') {
		fail(l, n, 0, "remote source '%s:%s' needs a host name before "
		    "the ':' (like 'backup@web1:/var/www')", raw, colon + 1);
		goto out;
	}
	if (colon[1] != '/') {
		fail(l, n, 0, "remote path '%s' on '%s' must be absolute "
		    "(start with '/')", colon + 1, raw);
		goto out;
	}
	/* Resolved on the host, not here: only the spelling is cleaned. */
	if ((s->host = strdup(raw)) == NULL ||
	    (s->path = strdup(colon + 1)) == NULL) {
		fail_nomem(l);
		goto out;
	}
	path_normalise(s->path);
	rc = 0;
out:
	free(raw);
	return rc;
}

/* The default dest of a remote source: HOST/PATH, without the user. */
static int
remote_default_dest(struct loader *l, const yaml_node_t *path_node,
    struct config_source *s)
{
	const char *at = strrchr(s->host, '@');
	const char *host = at != NULL ? at + 1 : s->host;

	if (asprintf(&s->dest, "%s%s", host, s->path[1] != '\0' ?
	    s->path : "") == -1) {
		s->dest = NULL;
		return fail_nomem(l);
	}
	if (strchr(host, '/') != NULL || has_dot_component(s->dest) ||
	    is_reserved(s->dest))
		return fail(l, path_node, 0, "remote source '%s:%s' would land "
		    "at '%s'; give it a 'dest'", s->host, s->path, s->dest);
	return 0;
}

/*
 * A command line for rsync (ssh_command): split here as rsync will split
 * it, so that a quote left open is an error at its line and column.
 */
static int
get_command(struct loader *l, const yaml_node_t *n, const char *key,
    char **out)
{
	char **argv;
	size_t argc, where;

	if (get_string(l, n, key, "a command", false, out) == -1)
		return -1;
	if (shellwords_split(*out, &argv, &argc, &where) == -1) {
		if (errno == ENOMEM)
			return fail_nomem(l);
		return fail(l, n, 0, "'%s' has a quote or backslash left open "
		    "at byte %zu: '%s'", key, where + 1, *out);
	}
	shellwords_free(argv);
	if (argc == 0)
		return fail(l, n, 0, "'%s' names no command", key);
	return 0;
}

/*
 * Keys that only a remote source has.  Returns 0 when the key was one of
 * them and was read, 1 when it is another key, -1 on error.
 */
static int
load_remote_key(struct loader *l, int key, const yaml_node_t *v,
    struct config_source *s)
{
	switch (key) {
	case SRC_SSH_COMMAND:
		return get_command(l, v, "ssh_command", &s->ssh_command);
	case SRC_RSYNC_PATH:
		return get_string(l, v, "rsync_path", "a command", false,
		    &s->rsync_path);
	case SRC_REQUIRED:
		return get_bool(l, v, "required", &s->required);
	}
	return 1;
}

/*
 * Checks a source's remote-only keys against its path, and gives a
 * remote source the top-level ssh_command and rsync_path it does not set
 * itself (called once the whole file is read).  Returns 0 or -1.
 */
static int
remote_inherit(struct loader *l)
{
	struct config *cfg = l->cfg;
	struct config_source *s;
	const char *merge;
	size_t i;

	for (i = 0; i < cfg->n_sources; i++) {
		s = &cfg->sources[i];
		if (s->host == NULL && (s->ssh_command != NULL ||
		    s->rsync_path != NULL))
			return fail(l, l->path_nodes[i], 0, "source '%s' is "
			    "local; 'ssh_command' and 'rsync_path' are for "
			    "remote sources (HOST:/PATH)", s->path);
		if (s->host == NULL)
			continue;
		if (filter_merge_name(&s->filter, &merge))
			return fail(l, l->path_nodes[i], 0, "source '%s:%s' is "
			    "remote; ': %s' (per-folder filter files) is for "
			    "local sources", s->host, s->path, merge);
		if (s->ssh_command == NULL && (s->ssh_command =
		    strdup(cfg->ssh_command != NULL ? cfg->ssh_command :
		    CONFIG_SSH_COMMAND_DEFAULT)) == NULL)
			return fail_nomem(l);
		if (s->rsync_path == NULL && (s->rsync_path =
		    strdup(cfg->rsync_path != NULL ? cfg->rsync_path :
		    CONFIG_RSYNC_PATH_DEFAULT)) == NULL)
			return fail_nomem(l);
	}
	return 0;
}

static int
load_source(struct loader *l, const yaml_node_t *n, struct pending_source *ps)
{
	const yaml_node_t *seen[SRC_N] = { NULL };
	const yaml_node_t *v, *path_node = NULL, *dest_node = NULL;
	const yaml_node_t *mount_node = NULL;
	const yaml_node_pair_t *pair;
	struct config_source *s = &ps->src;
	int key;

	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, 0, "expected a source, a mapping with 'path' "
		    "(like '- path: /etc')");
	s->line = (int)n->start_mark.line + 1;
	s->column = (int)n->start_mark.column + 1;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		v = node_at(l, pair->value);
		switch ((key = map_key(l, pair, &source_keys, seen))) {
		case -1:
			return -1;
		case SRC_PATH:
			if ((is_remote_spec(v) ? load_remote_path(l, v, s) :
			    get_path(l, v, "path", &s->path)) == -1)
				return -1;
			path_node = v;
			break;
		case SRC_DEST:
			if (get_string(l, v, "dest", "a path inside the "
			    "snapshot", false, &s->dest) == -1)
				return -1;
			dest_node = v;
			break;
		case SRC_EXCLUDE:
		case SRC_FILTER:
		case SRC_FILTER_FROM:
		case SRC_EXCLUDE_CACHES:
		case SRC_EXCLUDE_IF_PRESENT:
			if (load_filter_key(l, scalar(node_at(l, pair->key)), v,
			    &ps->filter) == -1)
				return -1;
			break;
		case SRC_ONE_FS:
			if (get_bool(l, v, "one_file_system",
			    &s->one_file_system) == -1)
				return -1;
			break;
		case SRC_REQUIRE_MOUNT:
			if (get_bool(l, v, "require_mount",
			    &s->require_mount) == -1)
				return -1;
			mount_node = v;
			break;
		default:
			if (load_remote_key(l, key, v, s) == -1)
				return -1;
			break;
		}
	}
	if (path_node == NULL)
		return fail(l, n, 0, "missing required key 'path' in a source");
	if (filter_parts_join(l, &ps->filter, &s->filter) == -1)
		return -1;
	ps->path_node = path_node;
	/*
	 * A source is not looked at here: one that is missing when a run
	 * starts (a disk not plugged in) is that run's business (source.h),
	 * a warning or, with 'required', its failure; never a config that
	 * stops every command.
	 */
	if (s->host != NULL && mount_node != NULL)
		return fail(l, mount_node, 0, "source '%s:%s' is remote; "
		    "'require_mount' is for local sources", s->host, s->path);
	if (dest_node != NULL) {
		if (check_dest(l, dest_node, s->dest) == -1)
			return -1;
		ps->dest_node = dest_node;
	} else {
		if ((s->host != NULL ? remote_default_dest(l, path_node, s) :
		    default_dest(l, path_node, s)) == -1)
			return -1;
		ps->dest_node = path_node;
	}
	return 0;
}

/*
 * Two sources writing into one folder of the snapshot would mix their
 * trees (and their manifest entries), so dests must be disjoint.  In
 * walk order a dest's subtree follows it directly, so any overlap shows
 * between neighbours.  The message points at the later one in the file.
 */
static int
check_overlap(struct loader *l)
{
	const struct pending_source *a, *b, *first, *second;
	size_t i, alen;

	for (i = 1; i < l->n_srcs; i++) {
		a = &l->srcs[i - 1];
		b = &l->srcs[i];
		alen = strlen(a->src.dest);
		if (strncmp(a->src.dest, b->src.dest, alen) != 0 ||
		    (b->src.dest[alen] != '\0' && b->src.dest[alen] != '/'))
			continue;
		first = a->order < b->order ? a : b;
		second = a->order < b->order ? b : a;
		if (b->src.dest[alen] == '\0')
			return fail(l, second->dest_node, 0, "dest '%s' of "
			    "source '%s' is also the dest of source '%s' at "
			    "%zu:%zu", second->src.dest, second->src.path,
			    first->src.path,
			    first->dest_node->start_mark.line + 1,
			    first->dest_node->start_mark.column + 1);
		return fail(l, second->dest_node, 0, "dest '%s' of source '%s' "
		    "%s dest '%s' of source '%s' at %zu:%zu", second->src.dest,
		    second->src.path, second == b ? "lies inside" : "contains",
		    first->src.dest, first->src.path,
		    first->dest_node->start_mark.line + 1,
		    first->dest_node->start_mark.column + 1);
	}
	return 0;
}

static int
load_sources(struct loader *l, const yaml_node_t *n)
{
	const yaml_node_item_t *it;
	size_t count, i;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, 0, "expected a list of sources");
	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (count == 0)
		return fail(l, n, 0, "'sources' is empty; expected at least "
		    "one source");
	if ((l->srcs = calloc(count, sizeof(*l->srcs))) == NULL)
		return fail_nomem(l);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		/* Counted first, so that cleanup frees a half-read one. */
		l->srcs[l->n_srcs].order = l->n_srcs;
		if (load_source(l, node_at(l, *it), &l->srcs[l->n_srcs++]) ==
		    -1)
			return -1;
	}
	qsort(l->srcs, l->n_srcs, sizeof(*l->srcs), pending_cmp);
	if (check_overlap(l) == -1)
		return -1;
	if ((l->cfg->sources = calloc(l->n_srcs,
	    sizeof(*l->cfg->sources))) == NULL ||
	    (l->path_nodes = calloc(l->n_srcs,
	    sizeof(*l->path_nodes))) == NULL)
		return fail_nomem(l);
	for (i = 0; i < l->n_srcs; i++) {
		l->cfg->sources[i] = l->srcs[i].src;
		l->path_nodes[i] = l->srcs[i].path_node;
	}
	l->cfg->n_sources = l->n_srcs;
	free(l->srcs);
	l->srcs = NULL;
	l->n_srcs = 0;
	return 0;
}

static int
load_retain(struct loader *l, const yaml_node_t *n)
{
	const yaml_node_t *seen[RET_N] = { NULL };
	const yaml_node_pair_t *pair;
	struct config_retain *r = &l->cfg->retain;
	int *field[RET_N] = {
		[RET_LAST] = &r->last, [RET_HOURLY] = &r->hourly,
		[RET_DAILY] = &r->daily, [RET_WEEKLY] = &r->weekly,
		[RET_MONTHLY] = &r->monthly, [RET_YEARLY] = &r->yearly,
	};
	unsigned long v;
	int k;

	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, 0, "expected a mapping for 'retain' (with "
		    "last, hourly, daily, weekly, monthly or yearly)");
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		if ((k = map_key(l, pair, &retain_keys, seen)) == -1)
			return -1;
		if (get_count(l, node_at(l, pair->value), retain_names[k],
		    INT_MAX, &v) == -1)
			return -1;
		*field[k] = (int)v;
	}
	return 0;
}

static int
load_hooks(struct loader *l, const yaml_node_t *n)
{
	const yaml_node_t *seen[HOOK_N] = { NULL };
	const yaml_node_pair_t *pair;
	struct config_hooks *h = &l->cfg->hooks;
	char ***list[HOOK_N] = {
		[HOOK_BEFORE_CREATE] = &h->before_create,
		[HOOK_AFTER_CREATE] = &h->after_create,
		[HOOK_ON_ERROR] = &h->on_error,
	};
	size_t *count[HOOK_N] = {
		[HOOK_BEFORE_CREATE] = &h->n_before_create,
		[HOOK_AFTER_CREATE] = &h->n_after_create,
		[HOOK_ON_ERROR] = &h->n_on_error,
	};
	unsigned long timeout;
	int k;

	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, 0, "expected a mapping for 'hooks' (with "
		    "before_create, after_create, on_error or timeout)");
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		if ((k = map_key(l, pair, &hook_keys, seen)) == -1)
			return -1;
		if (k == HOOK_TIMEOUT) {
			if (get_count(l, node_at(l, pair->value), "timeout",
			    CONFIG_HOOK_TIMEOUT_MAX, &timeout) == -1)
				return -1;
			if (timeout == 0)
				return fail(l, node_at(l, pair->value), 0,
				    "'timeout' must be at least 1 (seconds)");
			h->timeout = (unsigned int)timeout;
			continue;
		}
		if (get_strings(l, node_at(l, pair->value), hook_names[k],
		    "commands", "a command", list[k], count[k]) == -1)
			return -1;
	}
	return 0;
}

/*
 * Checks that the URL value n of key is http:// or https:// and holds
 * no space or control character (it goes into curl's config, one
 * quoted line).  Returns 0 with *out a copy, or -1 with l->e set.
 */
static int
get_url(struct loader *l, const yaml_node_t *n, const char *key, char **out)
{
	const char *v;

	if (get_string(l, n, key, "an http:// or https:// URL", false,
	    out) == -1)
		return -1;
	if (strncasecmp(*out, "http://", 7) != 0 &&
	    strncasecmp(*out, "https://", 8) != 0)
		goto bad;
	for (v = *out; *v != '\0'; v++)
		if ((unsigned char)*v <= 0x20 || *v == 0x7f)
			goto bad;
	return 0;
bad:
	free(*out);
	*out = NULL;
	return fail(l, n, 0, "'%s' is not an http:// or https:// URL without "
	    "spaces", key);
}

/*
 * The healthchecks.io convention: URL/start, URL, URL/fail, the suffix
 * before any query string ("?...").  Returns 0, or -1 with l->e set.
 */
static int
derive_notify_urls(struct loader *l, const char *url)
{
	struct config_notify *nt = &l->cfg->notify;
	size_t at = strcspn(url, "?#");

	if (asprintf(&nt->start, "%.*s/start%s", (int)at, url, url + at) ==
	    -1) {
		nt->start = NULL;
		return fail_nomem(l);
	}
	if (asprintf(&nt->fail, "%.*s/fail%s", (int)at, url, url + at) == -1) {
		nt->fail = NULL;
		return fail_nomem(l);
	}
	if ((nt->success = strdup(url)) == NULL)
		return fail_nomem(l);
	return 0;
}

/*
 * notify: one URL, pinged healthchecks.io's way (derive_notify_urls),
 * or a mapping of start, success and fail to a URL each (Uptime Kuma's
 * push URLs with ?status=up or down, an ntfy topic for fail only); an
 * event left out sends nothing.
 */
static int
load_notify(struct loader *l, const yaml_node_t *n)
{
	const yaml_node_t *seen[NOTIFY_N] = { NULL };
	const yaml_node_pair_t *pair;
	struct config_notify *nt = &l->cfg->notify;
	char **url[NOTIFY_N] = {
		[NOTIFY_START] = &nt->start,
		[NOTIFY_SUCCESS] = &nt->success,
		[NOTIFY_FAIL] = &nt->fail,
	};
	char *base;
	int k, rc;

	if (is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		if (get_url(l, n, "notify", &base) == -1)
			return -1;
		rc = derive_notify_urls(l, base);
		free(base);
		return rc;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, 0, "expected a URL for 'notify', or a "
		    "mapping with start, success or fail");
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		if ((k = map_key(l, pair, &notify_keys, seen)) == -1)
			return -1;
		if (get_url(l, node_at(l, pair->value), notify_names[k],
		    url[k]) == -1)
			return -1;
	}
	return 0;
}

/*
 * The path as the kernel would take it: symlinks resolved for the part
 * that exists (realpath of its longest existing ancestor), the rest as
 * written with "." and ".." applied by text, since nothing there can be
 * a symlink yet.  path is absolute.  Returns a malloc'd string, or NULL
 * when out of memory.
 */
static char *
path_canonical(const char *path)
{
	char *head, *rp, *out, *slash, *w;
	const char *rest, *c;
	size_t n;

	if ((head = strdup(path)) == NULL)
		return NULL;
	while ((rp = realpath(*head != '\0' ? head : "/", NULL)) == NULL) {
		if (errno == ENOMEM || (slash = strrchr(head, '/')) == NULL) {
			free(head);
			return NULL;
		}
		*slash = '\0';
	}
	rest = path + strlen(head);
	free(head);
	if ((out = malloc(strlen(rp) + strlen(rest) + 2)) == NULL) {
		free(rp);
		return NULL;
	}
	strcpy(out, strcmp(rp, "/") == 0 ? "" : rp);
	free(rp);
	w = out + strlen(out);
	for (c = rest; *c != '\0'; c += n) {
		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (w > out && *--w != '/')
				continue;
			continue;
		}
		*w++ = '/';
		memcpy(w, c, n);
		w += n;
	}
	if (w == out)
		*w++ = '/';
	*w = '\0';
	return out;
}

/* Is path the folder dir or below it?  Both are canonical. */
static bool
path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/*
 * Checks the path given at node n, as key, against the canonical root:
 * -1 with l->e set, ending with why, when it is the root or inside it.
 */
static int
check_one_outside(struct loader *l, const yaml_node_t *n, const char *key,
    const char *path, const char *root, const char *why)
{
	char *canon;
	int rc = 0;

	if ((canon = path_canonical(path)) == NULL)
		return fail_nomem(l);
	if (path_within(canon, root))
		rc = fail(l, n, 0, "%s '%s' is %sthe snapshot root '%s': %s",
		    key, path, strcmp(canon, root) == 0 ? "" : "inside ",
		    l->cfg->snapshot_root, why);
	free(canon);
	return rc;
}

/*
 * Only snapshots live in the root.  A source there would be backed up
 * into itself (create walked into its own incomplete tree until it ran
 * out of descriptors), and a metrics file there would rewrite a
 * completed snapshot after every run.  The other way round is fine: a
 * root inside a source is left out of it by the walker.
 */
static int
check_outside_root(struct loader *l)
{
	const struct config *cfg = l->cfg;
	char *root;
	size_t i;
	int rc = 0;

	if ((root = path_canonical(cfg->snapshot_root)) == NULL)
		return fail_nomem(l);
	for (i = 0; i < cfg->n_sources && rc == 0; i++)
		if (cfg->sources[i].host == NULL)
			rc = check_one_outside(l, l->path_nodes[i], "source",
		    cfg->sources[i].path, root, "snap would back up its own "
		    "snapshots (a root inside a source is fine: it is left "
		    "out)");
	if (rc == 0 && cfg->metrics_file != NULL)
		rc = check_one_outside(l, l->metrics_node, "metrics_file",
		    cfg->metrics_file, root, "it would change a snapshot; put "
		    "it elsewhere");
	free(root);
	return rc;
}

/* --- replicate_from (replicate.h) --------------------------------- */

/*
 * replicate_from: "[USER@]HOST:/ROOT" (copied over ssh, like a remote
 * source's path) or a local path (a second disk).  Returns 0 or -1.
 */
static int
load_replicate_from(struct loader *l, const yaml_node_t *n)
{
	struct config_source s;
	struct config *cfg = l->cfg;

	if (!is_remote_spec(n))
		return get_path(l, n, "replicate_from",
		    &cfg->replicate_from);
	memset(&s, 0, sizeof(s));
	if (load_remote_path(l, n, &s) == -1) {
		free(s.host);
		free(s.path);
		return -1;
	}
	cfg->replicate_host = s.host;
	cfg->replicate_from = s.path;
	return 0;
}

/*
 * A replica copies another root's snapshots; it has no sources, so the
 * keys that describe sources or a create run have no meaning in it.
 * Refused rather than ignored: an on_error hook that never runs is worse
 * than an error.  Returns 0 or -1.
 */
static int
check_replica(struct loader *l, const yaml_node_t *const *seen)
{
	static const int not_in_replica[] = {
		TOP_FILTER, TOP_FILTER_FROM, TOP_EXCLUDE_CACHES,
		TOP_EXCLUDE_IF_PRESENT, TOP_HOOKS,
	};
	struct config *cfg = l->cfg;
	char *root, *from;
	size_t i;
	int rc = 0;

	if (seen[TOP_SOURCES] != NULL)
		return fail(l, seen[TOP_SOURCES], 0, "'sources' and "
		    "'replicate_from' exclude each other: a config either "
		    "takes snapshots of its sources or copies those of "
		    "another snapshot root");
	for (i = 0; i < sizeof(not_in_replica) / sizeof(*not_in_replica);
	    i++)
		if (seen[not_in_replica[i]] != NULL)
			return fail(l, seen[not_in_replica[i]], 0, "'%s' has no "
			    "meaning with 'replicate_from': a replica has no "
			    "sources and runs no create", top_names[
			    not_in_replica[i]]);
	if (cfg->replicate_host != NULL)
		return check_outside_root(l);
	/* One root copied into itself, or into a folder of its own. */
	if ((root = path_canonical(cfg->snapshot_root)) == NULL ||
	    (from = path_canonical(cfg->replicate_from)) == NULL) {
		free(root);
		return fail_nomem(l);
	}
	if (path_within(from, root) || path_within(root, from))
		rc = fail(l, seen[TOP_REPLICATE_FROM], 0, "replicate_from '%s' "
		    "and the snapshot root '%s' %s: a replica is another "
		    "root", cfg->replicate_from, cfg->snapshot_root,
		    strcmp(from, root) == 0 ? "are the same" :
		    "lie one inside the other");
	free(root);
	free(from);
	return rc == 0 ? check_outside_root(l) : rc;
}

static int
load_top(struct loader *l, const yaml_node_t *root)
{
	const yaml_node_t *seen[TOP_N] = { NULL };
	const yaml_node_pair_t *pair;
	const yaml_node_t *v;
	struct config *cfg = l->cfg;
	unsigned long wait;
	int rc = 0;

	if (root->type != YAML_MAPPING_NODE)
		return fail(l, root, 0, "expected a mapping with "
		    "'snapshot_root' and 'sources'");
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top && rc == 0; pair++) {
		v = node_at(l, pair->value);
		switch (map_key(l, pair, &top_keys, seen)) {
		case -1:
			rc = -1;
			break;
		case TOP_SNAPSHOT_ROOT:
			rc = get_path(l, v, "snapshot_root",
			    &cfg->snapshot_root);
			break;
		case TOP_SOURCES:
			rc = load_sources(l, v);
			break;
		case TOP_RETAIN:
			rc = load_retain(l, v);
			break;
		case TOP_CHECKSUM:
			rc = get_bool(l, v, "checksum", &cfg->checksum);
			break;
		case TOP_REQUIRE_MOUNT:
			rc = get_bool(l, v, "require_mount",
			    &cfg->require_mount);
			break;
		case TOP_LOCK_WAIT:
			if ((rc = get_count(l, v, "lock_wait", INT_MAX,
			    &wait)) == 0)
				cfg->lock_wait = (unsigned int)wait;
			break;
		case TOP_JOBS:
			if ((rc = get_count(l, v, "jobs", CONFIG_JOBS_MAX,
			    &wait)) == 0 && wait == 0)
				rc = fail(l, v, 0, "'jobs' must be at least 1");
			else if (rc == 0)
				cfg->jobs = (unsigned int)wait;
			break;
		case TOP_METRICS_FILE:
			rc = get_path(l, v, "metrics_file", &cfg->metrics_file);
			l->metrics_node = v;
			break;
		case TOP_HOOKS:
			rc = load_hooks(l, v);
			break;
		case TOP_ALLOW_SHARED_ROOT:
			rc = get_bool(l, v, "allow_shared_root",
			    &cfg->allow_shared_root);
			break;
		case TOP_NOTIFY:
			rc = load_notify(l, v);
			break;
		case TOP_FILTER:
		case TOP_FILTER_FROM:
		case TOP_EXCLUDE_CACHES:
		case TOP_EXCLUDE_IF_PRESENT:
			rc = load_filter_key(l, scalar(node_at(l, pair->key)),
			    v, &l->top_filter);
			break;
		case TOP_SSH_COMMAND:
			rc = get_command(l, v, "ssh_command",
			    &cfg->ssh_command);
			break;
		case TOP_RSYNC_PATH:
			rc = get_string(l, v, "rsync_path", "a command", false,
			    &cfg->rsync_path);
			break;
		case TOP_PARALLEL:
			if ((rc = get_count(l, v, "parallel", CONFIG_PARALLEL_MAX,
			    &wait)) == 0 && wait == 0)
				rc = fail(l, v, 0, "'parallel' is the number of "
				    "remote sources fetched at once: 1 or more");
			if (rc == 0)
				cfg->parallel = (unsigned int)wait;
			break;
		case TOP_REPLICATE_FROM:
			rc = load_replicate_from(l, v);
			break;
		}
	}
	if (rc == -1)
		return -1;
	if (seen[TOP_SNAPSHOT_ROOT] == NULL)
		return fail(l, root, 0, "missing required key 'snapshot_root'");
	if (seen[TOP_SOURCES] == NULL && seen[TOP_REPLICATE_FROM] == NULL)
		return fail(l, root, 0, "missing required key 'sources' (or "
		    "'replicate_from', for a replica of another snapshot "
		    "root)");
	if (seen[TOP_REPLICATE_FROM] != NULL)
		return check_replica(l, seen);
	if (finish_filters(l) == -1 || remote_inherit(l) == -1)
		return -1;
	return check_outside_root(l);
}

/*
 * libyaml reports a reader error (bad UTF-8, a control character) as a
 * byte offset only; count lines and characters up to it.
 */
static void
offset_to_mark(const char *buf, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t i;

	*line = 0;
	*col = 0;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int
fail_yaml(struct loader *l, const yaml_parser_t *p, const char *buf,
    size_t len)
{
	size_t line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_nomem(l);
	case YAML_READER_ERROR:
		offset_to_mark(buf, len, p->problem_offset, &line, &col);
		return fail_at(l, line, col, 0, "%s (a config is UTF-8 text)",
		    p->problem);
	default:
		if (p->context != NULL)
			return fail_at(l, p->problem_mark.line,
			    p->problem_mark.column, 0, "YAML syntax error: %s "
			    "(%s that starts at %zu:%zu)", p->problem,
			    p->context, p->context_mark.line + 1,
			    p->context_mark.column + 1);
		return fail_at(l, p->problem_mark.line, p->problem_mark.column,
		    0, "YAML syntax error: %s", p->problem != NULL ?
		    p->problem : "cannot parse");
	}
}

/*
 * libyaml's loader takes time that grows with the square of the nesting
 * depth (240 KB of brackets: minutes), and a schema needs four levels.
 * So the events are counted first, which stops at the first list or
 * mapping nested deeper than CONFIG_MAX_DEPTH, before any document is
 * built.  A syntax error is left to the loader, which reports it.
 */
static int
check_depth(struct loader *l, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool end = false;

	if (!yaml_parser_initialize(&p))
		return fail_nomem(l);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (rc == 0 && !end && yaml_parser_parse(&p, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CONFIG_MAX_DEPTH)
				rc = fail_at(l, ev.start_mark.line,
				    ev.start_mark.column, 0, "nested more than "
				    "%d levels deep (a config needs 4)",
				    CONFIG_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			end = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

/*
 * The config names commands (hooks) that snap runs, usually as root, and
 * files it writes: like sudoers, it must not be writable by anyone but
 * its owner, and when snap runs as root that owner must be root.
 */
static int
check_trust(int fd, const char *path, const char *what, const char *role,
    struct err *e)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return err_set(e, errno, "cannot stat %s '%s'", what, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		err_set(e, 0, "%s '%s' is writable by %s (mode %04o), and "
		    "%s; refused: make it writable by its owner only "
		    "(chmod go-w '%s')", what, path,
		    st.st_mode & S_IWOTH ? "anyone" : "its group",
		    (unsigned int)(st.st_mode & 07777), role, path);
		return -1;
	}
	if (geteuid() == 0 && st.st_uid != 0) {
		err_set(e, 0, "%s '%s' is owned by uid %u, not root, and %s "
		    "(snap runs as root); refused: chown root '%s'", what,
		    path, (unsigned int)st.st_uid, role, path);
		return -1;
	}
	return 0;
}

/*
 * Reads the file at path, refusing one that others could write or that
 * is too large.  what names it in messages ("config"), role says why
 * its writers must be trusted ("it names commands snap runs").
 */
static int
read_file(const char *path, const char *what, const char *role, char **out,
    size_t *outlen, struct err *e)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = -1, rc = -1, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		goto fail_errno;
	if (check_trust(fd, path, what, role, e) == -1) {
		scrub(e->msg);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > CONFIG_MAX_SIZE) {
				err_set(e, 0, "%s '%s' is larger than %d "
				    "KiB, far beyond any real config; refused "
				    "(is it the right file?)", what, path,
				    CONFIG_MAX_SIZE / 1024);
				scrub(e->msg);
				goto out;
			}
			/* One byte past the limit tells a file of
			 * exactly CONFIG_MAX_SIZE from a larger one. */
			cap = cap == 0 ? 4096 : cap * 2 > CONFIG_MAX_SIZE ?
			    CONFIG_MAX_SIZE + 1 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail_errno;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail_errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
	goto out;
fail_errno:
	saved = errno;
	err_set(e, saved, "cannot read %s '%s'", what, path);
	scrub(e->msg);
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

int
config_load(struct config **out, const char *path, struct err *e)
{
	struct loader l = { .file = path, .e = e };
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	const yaml_node_t *root, *extra_root;
	bool have_parser = false, have_doc = false;
	char *buf = NULL;
	size_t len = 0, i;
	int rc = -1;

	if (read_file(path, "config", "it names commands snap runs", &buf,
	    &len, e) == -1)
		goto out;
	if ((l.cfg = calloc(1, sizeof(*l.cfg))) == NULL ||
	    (l.cfg->file = strdup(path)) == NULL) {
		fail_nomem(&l);
		goto out;
	}
	l.cfg->retain = (struct config_retain){ -1, -1, -1, -1, -1, -1 };
	l.cfg->hooks.timeout = CONFIG_HOOK_TIMEOUT_DEFAULT;
	l.cfg->parallel = 1;
	if (check_depth(&l, buf, len) == -1)
		goto out;
	if (!yaml_parser_initialize(&parser)) {
		fail_nomem(&l);
		goto out;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		fail_yaml(&l, &parser, buf, len);
		goto out;
	}
	have_doc = true;
	l.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || is_null(root)) {
		fail_at(&l, 0, 0, 0, "the config is empty; expected a mapping "
		    "with 'snapshot_root' and 'sources'");
		goto out;
	}
	/* A second document would be ignored silently; say so instead. */
	if (!yaml_parser_load(&parser, &extra)) {
		fail_yaml(&l, &parser, buf, len);
		goto out;
	}
	extra_root = yaml_document_get_root_node(&extra);
	if (extra_root != NULL) {
		fail_at(&l, extra.start_mark.line, extra.start_mark.column, 0,
		    "a second YAML document; a config holds one");
		yaml_document_delete(&extra);
		goto out;
	}
	yaml_document_delete(&extra);
	if (load_top(&l, root) == -1)
		goto out;
	*out = l.cfg;
	l.cfg = NULL;
	rc = 0;
out:
	for (i = 0; i < l.n_srcs; i++) {
		source_free(&l.srcs[i].src);
		filter_parts_free(&l.srcs[i].filter);
	}
	filter_parts_free(&l.top_filter);
	free(l.srcs);
	free(l.path_nodes);
	free(l.dir);
	config_free(l.cfg);
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	free(buf);
	return rc;
}

const char *
config_default_path(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return opt;
	env = getenv("SNAP_CONFIG");
	if (env != NULL && *env != '\0')
		return env;
	return CONFIG_DEFAULT_PATH;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->file);
	free(cfg->snapshot_root);
	for (i = 0; i < cfg->n_sources; i++)
		source_free(&cfg->sources[i]);
	free(cfg->sources);
	free(cfg->metrics_file);
	free(cfg->ssh_command);
	free(cfg->rsync_path);
	free(cfg->replicate_from);
	free(cfg->replicate_host);
	strv_free(cfg->hooks.before_create, cfg->hooks.n_before_create);
	strv_free(cfg->hooks.after_create, cfg->hooks.n_after_create);
	strv_free(cfg->hooks.on_error, cfg->hooks.n_on_error);
	free(cfg->notify.start);
	free(cfg->notify.success);
	free(cfg->notify.fail);
	free(cfg);
}
