/*
 * snap check: is everything in place for the next create?
 *
 * Checks, in order: the config loads; every source is there (source.h:
 * a warning, a problem when it is required or the only one) and can be
 * read; the snapshot root (or, before the first run, its parent) is a
 * writable folder, closed to other users (as is .snap/); the root and
 * its .snap/ are on one filesystem; there is room (a warning below 1 GiB
 * or 5% free); every manifest reads to the end with its checksums right,
 * and every snapshot folder has one; the newest snapshot is not later
 * than the clock; and for a config that a shipped systemd unit runs,
 * that its sandbox lets it write the root and the metrics folder (else
 * the drop-in that does).
 * One line per check on stdout, "OK: ...", "WARNING: ..." or
 * "PROBLEM: ...", or with --json an array of {"status", "check"}.
 * Exit status: 0 all OK, 1 any problem, 2 a bad config, 3 warnings only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "opts.h"
#include "manifest.h"
#include "mountpoint.h"
#include "name.h"
#include "out.h"
#include "retain.h"
#include "source.h"
#include "testhook.h"

#define LOW_SPACE_BYTES (1ULL << 30)
#define LOW_SPACE_PERCENT 5

enum check_status { CHECK_OK, CHECK_WARNING, CHECK_PROBLEM };

struct checker {
	bool		 json;
	struct json	 j;	/* the array begins with the first result */
	size_t		 n;
	unsigned	 problems;
	unsigned	 warnings;
};

static void __attribute__((format(printf, 3, 4)))
result(struct checker *c, enum check_status st, const char *fmt, ...)
{
	static const char *const word[] = { "OK", "WARNING", "PROBLEM" };
	static const char *const json_word[] = { "ok", "warning", "problem" };
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st == CHECK_PROBLEM)
		c->problems++;
	else if (st == CHECK_WARNING)
		c->warnings++;
	if (c->json) {
		if (c->n++ == 0)
			json_begin_array(&c->j);
		json_begin_object(&c->j);
		json_key(&c->j, "status");
		json_string(&c->j, json_word[st]);
		json_key(&c->j, "check");
		json_string(&c->j, msg);
		json_end_object(&c->j);
	} else if (st == CHECK_PROBLEM) {
		/* Problems and warnings print with -q too, and carry their
		 * priority in the journal. */
		out_problem("%s: %s", word[st], msg);
	} else if (st == CHECK_WARNING) {
		out_caution("%s: %s", word[st], msg);
	} else {
		out_info(OUT_NORMAL, "%s: %s\n", word[st], msg);
	}
}

static void
check_sources(struct checker *c, const struct config *cfg)
{
	const struct config_source *s;
	struct stat st;
	struct err why;
	size_t i;
	int fd;

	for (i = 0; i < cfg->n_sources; i++) {
		s = &cfg->sources[i];
		if (s->host != NULL) {
			/* Only a transfer tells whether it can be read. */
			result(c, CHECK_OK, "source '%s:%s' is remote; create "
			    "reaches it with rsync over ssh", s->host,
			    s->path);
			continue;
		}
		/*
		 * Missing (not there, not a folder, not mounted): create
		 * warns and goes on, or fails when it is required or the
		 * only source.
		 */
		if (source_missing(s, &why)) {
			if (s->required || cfg->n_sources == 1)
				result(c, CHECK_PROBLEM, "%s; it is %s, so "
				    "create would fail", why.msg, s->required ?
				    "required" : "the only source");
			else
				result(c, CHECK_WARNING, "%s; create would "
				    "warn and keep its previous copy",
				    why.msg);
			continue;
		}
		/* As the walker opens it: following a symlink at the top. */
		fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1) {
			result(c, CHECK_PROBLEM, "source '%s' cannot be "
			    "opened: %s", s->path, err_explain(errno));
			continue;
		}
		if (fstat(fd, &st) == -1 || faccessat(fd, ".", R_OK | X_OK,
		    AT_EACCESS) == -1)
			result(c, CHECK_PROBLEM, "source '%s' cannot be "
			    "read: %s", s->path, err_explain(errno));
		else
			result(c, CHECK_OK, "source '%s' is readable",
			    s->path);
		close(fd);
	}
}

/* --- the systemd unit's sandbox ---------------------------------- */

/*
 * What the shipped units may write (systemd/units.cmake, which makes
 * them; keep the two in step).  snap.service: ProtectSystem=strict with
 * these ReadWritePaths=; snap@NAME.service: ProtectSystem=full.  Both:
 * ProtectHome=read-only and PrivateTmp=yes.
 */
static const char *const unit_rw_paths[] = {
	"/var/backups/snap", "/var/lib/prometheus/node-exporter",
};
static const char *const unit_full_ro[] = { "/usr", "/etc", "/boot", "/efi" };
static const char *const unit_home_ro[] = { "/home", "/root", "/run/user" };
static const char *const unit_private[] = { "/tmp", "/var/tmp" };

/* True when path is dir or lies below it (both absolute, resolved). */
static bool
path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

static bool
below_any(const char *path, const char *const *dirs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (path_below(path, dirs[i]))
			return true;
	return false;
}

/*
 * path with symlinks resolved as far as it exists (the rest appended as
 * it is), into out (PATH_MAX bytes).  Returns out.
 */
static char *
resolve_partly(const char *path, char *out)
{
	char head[PATH_MAX], real[PATH_MAX];
	char *slash;

	snprintf(head, sizeof(head), "%s", path);
	for (;;) {
		if (realpath(head, real) != NULL) {
			snprintf(out, PATH_MAX, "%s%s", strcmp(real, "/") == 0 ?
			    "" : real, path + strlen(head));
			if (out[0] == '\0')
				snprintf(out, PATH_MAX, "/");
			return out;
		}
		if ((slash = strrchr(head, '/')) == NULL || slash == head)
			break;
		*slash = '\0';
	}
	snprintf(out, PATH_MAX, "%s", path);
	return out;
}

/*
 * Why the unit (strict: snap.service) cannot write path: "ProtectSystem=
 * strict", ... or NULL when it can.  *private is set when path is in the
 * unit's private /tmp, which no ReadWritePaths= reaches.
 */
static const char *
unit_blocks(const char *path, bool strict, bool *private)
{
	*private = below_any(path, unit_private, 2);
	if (*private)
		return "PrivateTmp=yes: it writes to a /tmp of its own, "
		    "removed after the run";
	if (below_any(path, unit_home_ro, 3))
		return "ProtectHome=read-only";
	if (strict && !below_any(path, unit_rw_paths, 2))
		return "ProtectSystem=strict";
	if (!strict && below_any(path, unit_full_ro, 4))
		return "ProtectSystem=full";
	return NULL;
}

/*
 * For a config that a shipped unit runs (CONFIGDIR/snap.yaml for
 * snap.service, CONFIGDIR/NAME.yaml for snap@NAME.service): whether that
 * unit's sandbox lets it write the snapshot root and the metrics file's
 * folder, and if not, the exact drop-in that does.  Configs elsewhere are
 * not run by the units, and get no line.
 */
static void
check_unit(struct checker *c, const struct config *cfg)
{
	const char *dir = testhook_unit_config_dir();
	char unit_dir[PATH_MAX], cfg_dir[PATH_MAX], copy[PATH_MAX];
	char unit[NAME_MAX + 32], root[PATH_MAX], metrics[PATH_MAX];
	char dropin[3 * PATH_MAX + 256], why[256];
	const char *base, *dot, *r1 = NULL, *r2 = NULL;
	bool strict, priv1 = false, priv2 = false;
	size_t len;

	if (dir == NULL)
		dir = SNAP_CONFIG_DIR;
	snprintf(copy, sizeof(copy), "%s", cfg->file);
	base = strrchr(cfg->file, '/') ? strrchr(cfg->file, '/') + 1 :
	    cfg->file;
	dot = strrchr(base, '.');
	if (realpath(dir, unit_dir) == NULL ||
	    realpath(dirname(copy), cfg_dir) == NULL ||
	    strcmp(unit_dir, cfg_dir) != 0 || dot == NULL || dot == base ||
	    strcmp(dot, ".yaml") != 0)
		return;
	len = (size_t)(dot - base);
	strict = len == 4 && strncmp(base, "snap", 4) == 0;
	if (strict)
		snprintf(unit, sizeof(unit), "snap.service");
	else
		snprintf(unit, sizeof(unit), "snap@%.*s.service", (int)len,
		    base);

	resolve_partly(cfg->snapshot_root, root);
	r1 = unit_blocks(root, strict, &priv1);
	metrics[0] = '\0';
	if (cfg->metrics_file != NULL) {
		snprintf(copy, sizeof(copy), "%s", cfg->metrics_file);
		resolve_partly(dirname(copy), metrics);
		r2 = unit_blocks(metrics, strict, &priv2);
	}
	if (r1 == NULL && r2 == NULL) {
		result(c, CHECK_OK, "%s may write snapshot root '%s'%s%s%s",
		    unit, cfg->snapshot_root, metrics[0] ? " and the metrics "
		    "folder '" : "", metrics, metrics[0] ? "'" : "");
		return;
	}
	/*
	 * The drop-in: for snap.service an empty ReadWritePaths= first
	 * would drop the unit's own two; they are named again instead, so
	 * adding it never takes a place away.  A metrics folder may be
	 * missing for a run (the "-"); the root must be there, or the run
	 * fails rather than write into an empty mount point.
	 */
	len = (size_t)snprintf(dropin, sizeof(dropin), "    [Service]\n");
	if (r1 != NULL && !priv1)
		len += (size_t)snprintf(dropin + len, sizeof(dropin) - len,
		    "    ReadWritePaths=%s\n", root);
	if (r2 != NULL && !priv2)
		len += (size_t)snprintf(dropin + len, sizeof(dropin) - len,
		    "    ReadWritePaths=-%s\n", metrics);
	if (priv1 || priv2)
		snprintf(dropin + len, sizeof(dropin) - len,
		    "    PrivateTmp=no\n");
	snprintf(why, sizeof(why), "%s", r1 != NULL ? r1 : r2);
	result(c, CHECK_WARNING, "%s cannot write %s '%s' (%s); add this "
	    "drop-in with 'systemctl edit %s':\n%.*s", unit, r1 != NULL ?
	    "snapshot root" : "the metrics folder", r1 != NULL ?
	    cfg->snapshot_root : metrics, why, unit,
	    (int)strlen(dropin) - 1, dropin);
}

/*
 * The root, or its parent before the first run.  Returns the folder to
 * measure free space on (the root or its parent; the caller frees it),
 * or NULL when neither is usable.  *exists says whether the root is there.
 */
static char *
check_root(struct checker *c, const struct config *cfg, bool *exists)
{
	const char *root = cfg->snapshot_root;
	char *copy = NULL, *parent = NULL;
	struct stat st, pst;

	*exists = false;
	if (lstat(root, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			result(c, CHECK_PROBLEM, "snapshot root '%s' is not a "
			    "folder", root);
			return NULL;
		}
		*exists = true;
		if (access(root, W_OK | X_OK) == -1)
			result(c, CHECK_PROBLEM, "snapshot root '%s' is not "
			    "writable: %s", root, err_explain(errno));
		else
			result(c, CHECK_OK, "snapshot root '%s' is writable",
			    root);
		return strdup(root);
	}
	if (errno != ENOENT) {
		result(c, CHECK_PROBLEM, "snapshot root '%s' cannot be "
		    "reached: %s", root, err_explain(errno));
		return NULL;
	}
	if ((copy = strdup(root)) == NULL ||
	    (parent = strdup(dirname(copy))) == NULL) {
		free(copy);
		result(c, CHECK_PROBLEM, "cannot check '%s': out of memory",
		    root);
		return NULL;
	}
	free(copy);
	if (stat(parent, &pst) == -1 || !S_ISDIR(pst.st_mode)) {
		result(c, CHECK_PROBLEM, "snapshot root '%s' does not exist, "
		    "nor does its parent folder '%s' (is the backup disk "
		    "mounted?)", root, parent);
		free(parent);
		return NULL;
	}
	if (access(parent, W_OK | X_OK) == -1)
		result(c, CHECK_PROBLEM, "snapshot root '%s' does not exist "
		    "and its parent '%s' is not writable: %s", root, parent,
		    err_explain(errno));
	else
		result(c, CHECK_OK, "snapshot root '%s' does not exist yet; "
		    "the first create makes it in '%s'", root, parent);
	return parent;
}

/*
 * require_mount: the root must be a mount point (the disk plugged in).
 * The same test as create's (mountpoint.h), so that the two agree.
 */
static void
check_mount(struct checker *c, const struct config *cfg)
{
	bool mounted;

	if (!cfg->require_mount)
		return;
	if (mountpoint_is(AT_FDCWD, cfg->snapshot_root, 0, &mounted) == -1)
		result(c, CHECK_PROBLEM, "snapshot root '%s' must be a mount "
		    "point (require_mount) but cannot be checked: %s",
		    cfg->snapshot_root, err_explain(errno));
	else if (!mounted)
		result(c, CHECK_PROBLEM, "snapshot root '%s' is not a mount "
		    "point (require_mount): is the backup disk mounted?",
		    cfg->snapshot_root);
	else
		result(c, CHECK_OK, "snapshot root '%s' is a mount point",
		    cfg->snapshot_root);
}

/* .snap and its folders must live on the root's filesystem: commit
 * renames from .snap/incomplete into the root. */
static void
check_one_fs(struct checker *c, const char *root, int root_fd)
{
	static const char *const dirs[] = {
		".snap", ".snap/manifests", ".snap/incomplete",
	};
	struct stat rst, st;
	size_t i;
	bool ok = true;

	if (fstat(root_fd, &rst) == -1)
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (fstatat(root_fd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* made by the next create */
			result(c, CHECK_PROBLEM, "cannot reach '%s/%s': %s",
			    root, dirs[i], err_explain(errno));
			ok = false;
		} else if (!S_ISDIR(st.st_mode)) {
			result(c, CHECK_PROBLEM, "'%s/%s' is not a folder",
			    root, dirs[i]);
			ok = false;
		} else if (st.st_dev != rst.st_dev) {
			result(c, CHECK_PROBLEM, "'%s/%s' is on another "
			    "filesystem than '%s': snapshots could not be "
			    "renamed into place", root, dirs[i], root);
			ok = false;
		}
	}
	if (ok)
		result(c, CHECK_OK, "'%s' and its .snap/ are on one "
		    "filesystem", root);
}

static void
check_space(struct checker *c, const char *dir)
{
	struct statvfs vfs;
	unsigned long long avail, total;
	char a[32], t[32];
	double pct;

	if (statvfs(dir, &vfs) == -1) {
		result(c, CHECK_PROBLEM, "cannot measure the free space on "
		    "'%s': %s", dir, err_explain(errno));
		return;
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	total = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
	pct = total ? 100.0 * avail / total : 0;
	if (avail < LOW_SPACE_BYTES || pct < LOW_SPACE_PERCENT)
		result(c, CHECK_WARNING, "only %s free of %s (%.1f%%) on "
		    "'%s': below %s or %d%%", out_bytes(a, avail),
		    out_bytes(t, total), pct, dir, "1 GiB", LOW_SPACE_PERCENT);
	else
		result(c, CHECK_OK, "%s free of %s (%.1f%%) on '%s'",
		    out_bytes(a, avail), out_bytes(t, total), pct, dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The snapshot-named entries of dirfd, sorted; NULL on failure. */
static char **
snapshot_names(int dirfd, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, **p;
	size_t cap = 0;
	int fd;

	*n = 0;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!name_is_snapshot(de->d_name))
			continue;
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL)
				break;
			names = p;
		}
		if ((names[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (names == NULL)
		names = calloc(1, sizeof(*names));
	if (names != NULL && *n > 1)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

/* Did a delete rename NAME to .snap/deleting/NAME and stop there? */
static bool
is_being_deleted(int root_fd, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), ".snap/deleting/%s", name);
	return fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * The root and .snap must be closed to group and others (store.h), as
 * every command but check refuses to run otherwise.
 */
static void
check_private(struct checker *c, const struct config *cfg, int root_fd)
{
	char path[PATH_MAX + 8];
	struct stat st;
	struct err e;
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", cfg->snapshot_root,
		    i == 0 ? "" : "/.snap");
		if (fstatat(root_fd, i == 0 ? "." : ".snap", &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;	/* no .snap before the first create */
		if (store_check_private(path, st.st_mode, &e) == 0)
			result(c, CHECK_OK, "'%s' is closed to other users",
			    path);
		else if (cfg->allow_shared_root)
			result(c, CHECK_OK, "'%s' is mode %04o, open to other "
			    "users, as allow_shared_root allows", path,
			    (unsigned int)(st.st_mode & 07777));
		else
			result(c, CHECK_PROBLEM, "%s", e.msg);
	}
}

/*
 * A newest snapshot later than the clock means the clock is wrong, or
 * was when it was made: create then names each snapshot one second
 * after the newest (and warns) until the clock passes it.
 */
static void
check_clock(struct checker *c, char **names, size_t n)
{
	char clock[NAME_SNAPSHOT_LEN];
	time_t now, newest;

	if (n == 0 || retain_name_time(names[n - 1], &newest) == -1)
		return;
	if (!testhook_now(&now))
		now = time(NULL);
	if (newest > now)
		result(c, CHECK_WARNING, "the newest snapshot '%s' is later "
		    "than the clock (%s): the clock is wrong, or was when it "
		    "was made; until the clock passes it, create names each "
		    "snapshot one second after the newest and warns",
		    names[n - 1], name_snapshot(clock, now));
}

/*
 * Every manifest must read to its trailer (checksums, count), and every
 * snapshot folder must have a manifest (else snap does not see it).
 */
static void
check_manifests(struct checker *c, const char *root, int root_fd)
{
	struct manifest_reader *r;
	struct entry ent;
	struct stat st, rst;
	struct err e;
	char **names = NULL, **dirs = NULL;
	size_t n = 0, nd = 0, i, good = 0;
	unsigned long long entries;
	int mfd, rc;

	mfd = openat(root_fd, ".snap/manifests", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (mfd == -1) {
		if (errno == ENOENT)
			result(c, CHECK_OK, "no snapshots yet in '%s'", root);
		else
			result(c, CHECK_PROBLEM, "cannot open '%s/.snap/"
			    "manifests': %s", root, err_explain(errno));
		return;
	}
	if ((names = snapshot_names(mfd, &n)) == NULL ||
	    (dirs = snapshot_names(root_fd, &nd)) == NULL) {
		result(c, CHECK_PROBLEM, "cannot list the manifests in '%s': "
		    "%s", root, err_explain(errno));
		goto out;
	}
	(void)fstat(root_fd, &rst);
	for (i = 0; i < n; i++) {
		if (fstatat(mfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (fstatat(root_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode)) {
			if (is_being_deleted(root_fd, names[i])) {
				result(c, CHECK_WARNING, "snapshot '%s' is "
				    "half deleted; the next create or prune "
				    "finishes that", names[i]);
				continue;
			}
			result(c, CHECK_PROBLEM, "manifest '%s' has no snapshot "
			    "folder '%s/%s'", names[i], root, names[i]);
			continue;
		}
		if (st.st_dev != rst.st_dev)
			result(c, CHECK_PROBLEM, "snapshot '%s' is on another "
			    "filesystem than '%s'", names[i], root);
		if (manifest_reader_open(&r, mfd, names[i], &e) == -1) {
			result(c, CHECK_PROBLEM, "%s; run 'snap repair %s' to "
			    "rebuild it from the snapshot", e.msg, names[i]);
			continue;
		}
		entries = 0;
		while ((rc = manifest_reader_next(r, &ent, NULL, &e)) == 1)
			entries++;
		manifest_reader_close(r);
		if (rc == -1)
			result(c, CHECK_PROBLEM, "%s; run 'snap repair %s' to "
			    "rebuild it from the snapshot", e.msg, names[i]);
		else {
			good++;
			out_info(OUT_VERBOSE, "  manifest '%s': %llu entries\n",
			    names[i], entries);
		}
	}
	for (i = 0; i < nd; i++) {
		if (fstatat(root_fd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode) && (fstatat(mfd, dirs[i], &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode)))
			result(c, CHECK_PROBLEM, "snapshot folder '%s/%s' has "
			    "no manifest, so snap does not see it (run 'snap "
			    "repair %s' to rebuild one)", root, dirs[i],
			    dirs[i]);
	}
	if (good == n)
		result(c, CHECK_OK, "%zu manifest%s read to the end", n,
		    n == 1 ? "" : "s");
	check_clock(c, names, n);
out:
	free_names(names, n);
	free_names(dirs, nd);
	close(mfd);
}

int
cmd_check(int argc, char **argv, struct cmd_globals *g)
{
	struct checker c;
	struct config *cfg = NULL;
	const struct opts_option options[] = {
		{ NULL, 0, false, NULL, NULL },
	};
	char *space_dir;
	bool exists;
	int nargs, r, root_fd;

	memset(&c, 0, sizeof(c));
	json_init(&c.j, stdout);
	if ((r = cmd_parse(argc, argv, options, g, &nargs)) != OPTS_OK)
		return r == OPTS_HELP ? CMD_OK : CMD_USAGE;
	c.json = g->json;
	if (nargs != 0) {
		out_error("check takes no arguments ('%s')", argv[1]);
		cmd_print_usage(argv[0], stderr);
		return CMD_USAGE;
	}
	if ((r = cmd_load_config(g, &cfg)) != CMD_OK)
		return r;
	result(&c, CHECK_OK, "config '%s' is valid", cfg->file);
	check_sources(&c, cfg);
	check_unit(&c, cfg);
	space_dir = check_root(&c, cfg, &exists);
	if (exists)
		check_mount(&c, cfg);
	if (exists && (root_fd = open(cfg->snapshot_root, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) != -1) {
		check_private(&c, cfg, root_fd);
		check_one_fs(&c, cfg->snapshot_root, root_fd);
		check_manifests(&c, cfg->snapshot_root, root_fd);
		close(root_fd);
	} else if (exists)
		result(&c, CHECK_PROBLEM, "cannot open snapshot root '%s': %s",
		    cfg->snapshot_root, err_explain(errno));
	if (space_dir != NULL)
		check_space(&c, space_dir);
	free(space_dir);
	config_free(cfg);

	if (c.json) {
		if (c.n == 0)
			json_begin_array(&c.j);
		json_end_array(&c.j);
	} else if (c.problems > 0)
		out_problem("%u problem%s found", c.problems,
		    c.problems == 1 ? "" : "s");
	if (c.problems > 0)
		return CMD_FAILED;
	return c.warnings > 0 ? CMD_WARNINGS : CMD_OK;
}
