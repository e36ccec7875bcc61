/*
 * Unit tests of config: every case writes a config into a scratch
 * directory (made by setup, removed by teardown) and loads it.  Errors
 * are compared in full, "FILE:LINE:COLUMN: what", since the position is
 * half of what makes them useful; each failing load is also checked to
 * leave *out alone and the scratch directory as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "exclude.h"

struct scratch {
	char	dir[PATH_MAX];		/* real path, no symlink in it */
	char	file[PATH_MAX + 16];	/* dir/snap.yaml */
};

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int n_entries;

static int
count_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)flag;
	(void)ftw;
	n_entries++;
	return 0;
}

/* The number of entries under the scratch directory, itself included. */
static int
count_tree(const struct scratch *s)
{
	n_entries = 0;
	assert_int_equal(nftw(s->dir, count_entry, 16, FTW_PHYS), 0);
	return n_entries;
}

static void
make_dir(const struct scratch *s, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	char tmpl[] = "/tmp/test_config.XXXXXX";
	char path[PATH_MAX * 2];
	struct scratch *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if (mkdtemp(tmpl) == NULL || realpath(tmpl, s->dir) == NULL) {
		free(s);
		return -1;
	}
	snprintf(s->file, sizeof(s->file), "%s/snap.yaml", s->dir);
	make_dir(s, "src");
	make_dir(s, "src/etc");
	make_dir(s, "src/home");
	make_dir(s, "src/home/ann");
	snprintf(path, sizeof(path), "%s/src/file.txt", s->dir);
	write_text(path, "not a directory\n");
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;
	int rc;

	rc = nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return rc;
}

/*
 * Writes yaml to snap.yaml, loads it and checks that it fails with the
 * message "SCRATCH/snap.yaml:" followed by the formatted rest, leaving
 * *out alone and creating nothing.  Returns the errno it reported.
 */
static int __attribute__((format(printf, 3, 4)))
expect_error(const struct scratch *s, const char *yaml, const char *fmt, ...)
{
	struct config *cfg = NULL;
	struct err e;
	char *want = NULL, *rest = NULL;
	va_list ap;
	int before;

	write_text(s->file, yaml);
	va_start(ap, fmt);
	assert_int_not_equal(vasprintf(&rest, fmt, ap), -1);
	va_end(ap);
	assert_int_not_equal(asprintf(&want, "%s:%s", s->file, rest), -1);
	before = count_tree(s);
	err_clear(&e);
	assert_int_equal(config_load(&cfg, s->file, &e), -1);
	assert_string_equal(e.msg, want);
	assert_null(cfg);
	assert_int_equal(count_tree(s), before);
	free(rest);
	free(want);
	return e.errnum;
}

/* Writes yaml, loads it and returns the config, which must be valid. */
static struct config *
expect_ok(const struct scratch *s, const char *yaml)
{
	struct config *cfg = NULL;
	struct err e;

	write_text(s->file, yaml);
	err_clear(&e);
	if (config_load(&cfg, s->file, &e) == -1)
		fail_msg("unexpected error: %s", e.msg);
	assert_non_null(cfg);
	return cfg;
}

static void
assert_absent(const struct scratch *s, const char *rel)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
assert_path(const struct scratch *s, const char *got, const char *rel)
{
	char want[PATH_MAX * 2];

	snprintf(want, sizeof(want), "%s/%s", s->dir, rel);
	assert_string_equal(got, want);
}

static void
test_config_full_good(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg;
	char dest[PATH_MAX * 2], *yaml = NULL;

	assert_int_not_equal(asprintf(&yaml,
	    "# every key\n"
	    "snapshot_root: ./backups//snap/\n"
	    "sources:\n"
	    "  - path: src/home\n"
	    "    dest: a-b\n"
	    "    exclude: [\"*/.cache/\", \"*.tmp\"]\n"
	    "    one_file_system: yes\n"
	    "  - path: %s/src/etc/\n"
	    "  - dest: a//b/\n"
	    "    path: ./src/./etc\n"
	    "    one_file_system: Off\n"
	    "retain: {last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, "
	    "yearly: 0}\n"
	    "checksum: TRUE\n"
	    "require_mount: on\n"
	    "lock_wait: 30\n"
	    "allow_shared_root: true\n"
	    "metrics_file: metrics/snap.prom\n"
	    "hooks:\n"
	    "  before_create: [\"/usr/local/sbin/dump-databases\", sync]\n"
	    "  after_create: []\n"
	    "  on_error:\n"
	    "    - logger -t snap failed\n"
	    "  timeout: 120\n", s->dir), -1);
	cfg = expect_ok(s, yaml);
	free(yaml);

	assert_string_equal(cfg->file, s->file);
	assert_path(s, cfg->snapshot_root, "backups/snap");

	/* Walk order puts "a/b" before "a-b" although '-' < '/'. */
	assert_int_equal(cfg->n_sources, 3);
	assert_path(s, cfg->sources[0].path, "src/etc");
	assert_string_equal(cfg->sources[0].dest, "a/b");
	assert_int_equal(cfg->sources[0].line, 9);
	assert_int_equal(cfg->sources[0].column, 5);
	assert_false(cfg->sources[0].one_file_system);
	assert_int_equal(cfg->sources[0].filter.n_rules, 0);
	assert_null(cfg->sources[0].filter.rules);

	assert_path(s, cfg->sources[1].path, "src/home");
	assert_string_equal(cfg->sources[1].dest, "a-b");
	assert_int_equal(cfg->sources[1].line, 4);
	assert_int_equal(cfg->sources[1].column, 5);
	assert_true(cfg->sources[1].one_file_system);
	assert_int_equal(cfg->sources[1].filter.n_rules, 2);
	assert_string_equal(cfg->sources[1].filter.rules[0].pattern,
	    "*/.cache/");
	assert_false(cfg->sources[1].filter.rules[0].include);
	assert_string_equal(cfg->sources[1].filter.rules[1].pattern, "*.tmp");
	assert_false(cfg->sources[1].filter.rules[1].include);

	/* No dest: the path without its leading '/'. */
	assert_path(s, cfg->sources[2].path, "src/etc");
	snprintf(dest, sizeof(dest), "%s/src/etc", s->dir + 1);
	assert_string_equal(cfg->sources[2].dest, dest);
	assert_int_equal(cfg->sources[2].line, 8);

	assert_int_equal(cfg->retain.last, 3);
	assert_int_equal(cfg->retain.hourly, 24);
	assert_int_equal(cfg->retain.daily, 7);
	assert_int_equal(cfg->retain.weekly, 4);
	assert_int_equal(cfg->retain.monthly, 12);
	assert_int_equal(cfg->retain.yearly, 0);
	assert_true(cfg->checksum);
	assert_true(cfg->require_mount);
	assert_int_equal(cfg->lock_wait, 30);
	assert_true(cfg->allow_shared_root);
	assert_path(s, cfg->metrics_file, "metrics/snap.prom");

	assert_int_equal(cfg->hooks.n_before_create, 2);
	assert_string_equal(cfg->hooks.before_create[0],
	    "/usr/local/sbin/dump-databases");
	assert_string_equal(cfg->hooks.before_create[1], "sync");
	assert_int_equal(cfg->hooks.n_after_create, 0);
	assert_int_equal(cfg->hooks.n_on_error, 1);
	assert_string_equal(cfg->hooks.on_error[0], "logger -t snap failed");
	assert_int_equal(cfg->hooks.timeout, 120);

	/* Loading only reads. */
	assert_absent(s, "backups");
	assert_absent(s, "metrics");
	config_free(cfg);
}

static void
test_config_defaults(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg;

	cfg = expect_ok(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: etc\n");
	assert_path(s, cfg->snapshot_root, "backups");
	assert_int_equal(cfg->n_sources, 1);
	assert_string_equal(cfg->sources[0].dest, "etc");
	assert_false(cfg->sources[0].one_file_system);
	assert_null(cfg->sources[0].filter.rules);
	assert_false(cfg->sources[0].filter.exclude_caches);
	assert_int_equal(cfg->sources[0].filter.n_if_present, 0);
	assert_int_equal(cfg->retain.last, -1);
	assert_int_equal(cfg->retain.hourly, -1);
	assert_int_equal(cfg->retain.daily, -1);
	assert_int_equal(cfg->retain.weekly, -1);
	assert_int_equal(cfg->retain.monthly, -1);
	assert_int_equal(cfg->retain.yearly, -1);
	assert_false(cfg->checksum);
	assert_false(cfg->require_mount);
	assert_int_equal(cfg->lock_wait, 0);
	assert_int_equal(cfg->parallel, 1);
	assert_false(cfg->allow_shared_root);
	assert_null(cfg->metrics_file);
	assert_int_equal(cfg->hooks.n_before_create, 0);
	assert_null(cfg->hooks.before_create);
	assert_int_equal(cfg->hooks.n_after_create, 0);
	assert_int_equal(cfg->hooks.n_on_error, 0);
	assert_int_equal(cfg->hooks.timeout, CONFIG_HOOK_TIMEOUT_DEFAULT);
	assert_absent(s, "backups");
	config_free(cfg);
}

/* A relative config path: relative values still land beside the file. */
static void
test_config_relative_file_path(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg = NULL;
	struct err e;
	char *cwd;

	write_text(s->file,
	    "snapshot_root: src/home/../../backups\n"
	    "sources:\n"
	    "  - path: ./src/home/../etc\n");
	cwd = getcwd(NULL, 0);
	assert_non_null(cwd);
	make_dir(s, "sub");
	assert_int_equal(chdir(s->dir), 0);
	assert_int_equal(chdir("sub"), 0);
	if (config_load(&cfg, "../snap.yaml", &e) == -1)
		fail_msg("unexpected error: %s", e.msg);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	assert_string_equal(cfg->file, "../snap.yaml");
	/* ".." is resolved (as the kernel would), not kept. */
	assert_path(s, cfg->snapshot_root, "backups");
	assert_path(s, cfg->sources[0].path, "src/etc");
	config_free(cfg);
}

static void
test_config_root_source_with_dest(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg;

	cfg = expect_ok(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: /\n"
	    "    dest: root\n");
	assert_string_equal(cfg->sources[0].path, "/");
	assert_string_equal(cfg->sources[0].dest, "root");
	config_free(cfg);
}

/* "home" and "homes" share bytes, not a component: no overlap. */
static void
test_config_similar_dests_do_not_overlap(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg;

	cfg = expect_ok(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - {path: src/home, dest: homes}\n"
	    "  - {path: src/home, dest: home-x}\n"
	    "  - {path: src/etc, dest: home}\n"
	    "  - {path: src/etc, dest: a/b/c}\n"
	    "  - {path: src/etc, dest: a/bc}\n");
	assert_int_equal(cfg->n_sources, 5);
	assert_string_equal(cfg->sources[0].dest, "a/b/c");
	assert_string_equal(cfg->sources[1].dest, "a/bc");
	assert_string_equal(cfg->sources[2].dest, "home");
	assert_string_equal(cfg->sources[3].dest, "home-x");
	assert_string_equal(cfg->sources[4].dest, "homes");
	config_free(cfg);
}

static void
test_config_unknown_key_suggests(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "retian: {daily: 7}\n",
	    "4:1: unknown key 'retian' (did you mean 'retain'?)");
}

static void
test_config_unknown_key_in_retain_suggests(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "retain:\n"
	    "  daily: 7\n"
	    "  wekly: 4\n",
	    "6:3: unknown key 'wekly' in 'retain' (did you mean 'weekly'?)");
}

static void
test_config_unknown_key_lists_known(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    compress: true\n",
	    "4:5: unknown key 'compress' in a source (expected path, dest, "
	    "exclude, one_file_system, filter, filter_from, exclude_caches, "
	    "exclude_if_present, ssh_command, rsync_path, required or "
	    "require_mount)");
}

static void
test_config_unknown_key_says_where_it_belongs(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "exclude: ['*.tmp']\n"
	    "sources:\n"
	    "  - path: src/etc\n",
	    "2:1: unknown key 'exclude' (it belongs in a source)");
}

static void
test_config_wrong_type_sources(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources: /etc\n",
	    "2:10: expected a list of sources");
}

static void
test_config_wrong_type_source_entry(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - /etc\n",
	    "3:5: expected a source, a mapping with 'path' "
	    "(like '- path: /etc')");
}

static void
test_config_wrong_type_bool(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "checksum: maybe\n",
	    "4:11: expected true or false for 'checksum'");
}

static void
test_config_quoted_bool_is_a_string(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    one_file_system: \"yes\"\n",
	    "4:22: expected true or false for 'one_file_system', "
	    "without quotes");
}

static void
test_config_quoted_number_is_a_string(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "retain: {daily: '7'}\n",
	    "4:17: 'daily' must be a whole number of 0 or more, without "
	    "quotes");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "checksum: 'perhaps'\n",
	    "4:11: expected true or false for 'checksum'");
}

static void
test_config_wrong_type_exclude(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    exclude: '*.tmp'\n",
	    "4:14: expected a list of patterns for 'exclude'");
}

static void
test_config_empty_hook_command(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "hooks:\n"
	    "  on_error: [logger, '']\n",
	    "5:22: empty entry in 'on_error'; expected a command");
}

static void
test_config_zero_hook_timeout(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "hooks:\n"
	    "  timeout: 0\n",
	    "5:12: 'timeout' must be at least 1 (seconds)");
}

/*
 * notify: one URL gives healthchecks.io's three, the suffix before the
 * query string; a mapping names each event's URL and leaves the others
 * out.
 */
static void
test_config_notify_url_derives_events(void **state)
{
	struct config *cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "notify: https://hc.example/ping/abc?create=1\n");

	assert_string_equal(cfg->notify.start,
	    "https://hc.example/ping/abc/start?create=1");
	assert_string_equal(cfg->notify.success,
	    "https://hc.example/ping/abc?create=1");
	assert_string_equal(cfg->notify.fail,
	    "https://hc.example/ping/abc/fail?create=1");
	config_free(cfg);
}

static void
test_config_notify_mapping(void **state)
{
	struct config *cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "notify:\n"
	    "  fail: http://ntfy.example/backups\n");

	assert_null(cfg->notify.start);
	assert_null(cfg->notify.success);
	assert_string_equal(cfg->notify.fail, "http://ntfy.example/backups");
	config_free(cfg);
	cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n");
	assert_null(cfg->notify.start);
	assert_null(cfg->notify.success);
	assert_null(cfg->notify.fail);
	config_free(cfg);
}

/* Only http(s), and nothing that could end curl's config line. */
static void
test_config_notify_bad_urls(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "notify: file:///etc/shadow\n",
	    "4:9: 'notify' is not an http:// or https:// URL without spaces");
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "notify: {success: \"https://x/a\\nurl = file:///\"}\n",
	    "4:19: 'success' is not an http:// or https:// URL without spaces");
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "notify: {sucess: https://x/}\n",
	    "4:10: unknown key 'sucess' in 'notify' (did you mean "
	    "'success'?)");
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "notify: [https://x/]\n",
	    "4:9: expected a URL for 'notify', or a mapping with start, "
	    "success or fail");
}

/*
 * A YAML loader spends time growing with the square of the nesting
 * (a 240 KB file of brackets kept check busy for minutes): anything
 * deeper than CONFIG_MAX_DEPTH is refused where it gets too deep,
 * before the document is built.  A schema needs four levels at most.
 */
static void
test_config_too_deep(void **state)
{
	char yaml[64 + 2 * 120000], *p;

	p = yaml + sprintf(yaml, "snapshot_root: backups\nsources: ");
	memset(p, '[', 120000);
	memset(p + 120000, ']', 120000);
	p[2 * 120000] = '\0';
	/* The top mapping is level 1, so the 32nd '[' is level 33. */
	expect_error(*state, yaml, "2:41: nested more than %d levels deep "
	    "(a config needs 4)", CONFIG_MAX_DEPTH);
	expect_error(*state, "a: {b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]}\n", "1:38: nested more than %d levels "
	    "deep (a config needs 4)", CONFIG_MAX_DEPTH);
}

/* Exactly CONFIG_MAX_DEPTH levels are still YAML the schema judges. */
static void
test_config_deep_but_allowed(void **state)
{
	char yaml[256], *p;

	p = yaml + sprintf(yaml, "snapshot_root: backups\nsources: ");
	memset(p, '[', CONFIG_MAX_DEPTH - 1);
	memset(p + CONFIG_MAX_DEPTH - 1, ']', CONFIG_MAX_DEPTH - 1);
	strcpy(p + 2 * (CONFIG_MAX_DEPTH - 1), "\n");
	expect_error(*state, yaml, "2:11: expected a source, a mapping with "
	    "'path' (like '- path: /etc')");
}

/* A file past CONFIG_MAX_SIZE is not read at all, and says why. */
static void
test_config_too_large(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg = NULL;
	struct err e;
	char *want = NULL;
	FILE *f;
	size_t i;

	assert_non_null(f = fopen(s->file, "w"));
	fputs("snapshot_root: backups\nsources: [{path: src/etc}]\n", f);
	/* One byte more than the limit. */
	for (i = (size_t)ftell(f); i <= CONFIG_MAX_SIZE; i++)
		fputc(i % 64 == 63 ? '\n' : '#', f);
	assert_int_equal(fclose(f), 0);
	err_clear(&e);
	assert_int_equal(config_load(&cfg, s->file, &e), -1);
	assert_null(cfg);
	assert_int_not_equal(asprintf(&want, "config '%s' is larger than %d "
	    "KiB, far beyond any real config; refused (is it the right "
	    "file?)", s->file, CONFIG_MAX_SIZE / 1024), -1);
	assert_string_equal(e.msg, want);
	free(want);
}

/*
 * Every use of an alias is copied again, so aliases of lists of aliases
 * could make a 16 KiB file gigabytes (found reading the loader for
 * fuzz_config).  The text
 * copied, aliases expanded, is held to what a file may hold: here the
 * 257th copy of a pattern of 4 KiB is one byte too many.  The message
 * points at the anchor: each alias of it is that node.
 */
static void
test_config_alias_expansion_limited(void **state)
{
	char *yaml, *p;
	int i;

	assert_non_null(yaml = malloc(8192));
	p = yaml + sprintf(yaml, "snapshot_root: backups\nsources:\n"
	    "  - path: src/etc\n    exclude: [&p '");
	memset(p, 'x', 4096);
	p += sprintf(p + 4096, "'") + 4096;
	for (i = 0; i < 300; i++)
		p += sprintf(p, ", *p");
	strcpy(p, "]\n");
	expect_error(*state, yaml, "4:15: with its aliases (*name) expanded, "
	    "the config holds more than %d KiB of text; refused",
	    CONFIG_MAX_SIZE / 1024);
	free(yaml);
}

/* A pattern longer than any path is refused; it could match nothing. */
static void
test_config_exclude_too_long(void **state)
{
	char yaml[8192], *p;

	p = yaml + sprintf(yaml, "snapshot_root: backups\nsources:\n"
	    "  - path: src/etc\n    exclude: ['*.tmp', ");
	memset(p, 'x', EXCLUDE_PATTERN_MAX + 1);
	strcpy(p + EXCLUDE_PATTERN_MAX + 1, "]\n");
	expect_error(*state, yaml, "4:24: exclude pattern is longer than %d "
	    "bytes", EXCLUDE_PATTERN_MAX);
}

/* A config anyone but its owner may write is refused, like sudoers. */
static void
test_config_writable_by_others_refused(void **state)
{
	static const mode_t modes[] = { 0664, 0646, 0666 };
	const struct scratch *s = *state;
	struct config *cfg = NULL;
	char want[PATH_MAX * 3];
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_text(s->file, "snapshot_root: backups\n"
		    "sources:\n"
		    "  - path: src/etc\n");
		assert_int_equal(chmod(s->file, modes[i]), 0);
		assert_int_equal(config_load(&cfg, s->file, &e), -1);
		assert_null(cfg);
		snprintf(want, sizeof(want), "config '%s' is writable by %s "
		    "(mode %04o), and it names commands snap runs; refused: "
		    "make it writable by its owner only (chmod go-w '%s')",
		    s->file, modes[i] & S_IWOTH ? "anyone" : "its group",
		    (unsigned int)modes[i], s->file);
		assert_string_equal(e.msg, want);
	}
	assert_int_equal(chmod(s->file, 0644), 0);
	assert_int_equal(config_load(&cfg, s->file, &e), 0);
	config_free(cfg);
}

/* As root, the owner must be root too (skipped as another user). */
static void
test_config_not_owned_by_root_refused(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg = NULL;
	struct err e;

	if (geteuid() != 0)
		skip();
	write_text(s->file, "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n");
	assert_int_equal(chown(s->file, 65534, 0), 0);
	assert_int_equal(config_load(&cfg, s->file, &e), -1);
	assert_null(cfg);
	assert_non_null(strstr(e.msg, "is owned by uid 65534, not root"));
	assert_int_equal(chown(s->file, 0, 0), 0);
	assert_int_equal(config_load(&cfg, s->file, &e), 0);
	config_free(cfg);
}

static void
test_config_negative_retain(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "retain:\n"
	    "  daily: -1\n",
	    "5:10: 'daily' must be a whole number of 0 or more");
}

static void
test_config_lock_wait_too_large(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "lock_wait: 99999999999\n",
	    "4:12: 'lock_wait' is too large (at most 2147483647)");
}

/* parallel: how many remote sources at once, 1 to CONFIG_PARALLEL_MAX. */
static void
test_config_parallel(void **state)
{
	struct config *cfg;

	cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "parallel: 4\n");
	assert_int_equal(cfg->parallel, 4);
	config_free(cfg);
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "parallel: 0\n",
	    "4:11: 'parallel' is the number of remote sources fetched at "
	    "once: 1 or more");
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "parallel: 65\n",
	    "4:11: 'parallel' is too large (at most 64)");
}

/*
 * A source that is missing or not a folder loads: it is each run's
 * business (source.h), which may find the disk mounted by then.
 */
static void
test_config_missing_source_loads(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg;

	cfg = expect_ok(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "  - path: src/nope\n"
	    "    required: true\n"
	    "  - path: src/file.txt\n"
	    "    require_mount: true\n");
	assert_int_equal(cfg->n_sources, 3);
	assert_true(cfg->sources[2].required);
	assert_false(cfg->sources[2].require_mount);
	assert_true(cfg->sources[1].require_mount);
	config_free(cfg);
}

static void
test_config_require_mount_is_local(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: web1:/var/www\n"
	    "    require_mount: true\n",
	    "4:20: source 'web1:/var/www' is remote; 'require_mount' is for "
	    "local sources");
}

static void
test_config_overlapping_dests(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/home\n"
	    "    dest: home\n"
	    "  - path: src/home/ann\n"
	    "    dest: home/ann\n",
	    "6:11: dest 'home/ann' of source '%s/src/home/ann' lies inside "
	    "dest 'home' of source '%s/src/home' at 4:11", s->dir, s->dir);
}

/* The message points at the later entry, whichever sorts first. */
static void
test_config_overlapping_dests_outer_second(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/home/ann\n"
	    "    dest: home/ann\n"
	    "  - path: src/etc\n"
	    "  - path: src/home\n"
	    "    dest: home/\n",
	    "7:11: dest 'home' of source '%s/src/home' contains dest "
	    "'home/ann' of source '%s/src/home/ann' at 4:11", s->dir, s->dir);
}

static void
test_config_equal_dests(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: data\n"
	    "  - path: src/home\n"
	    "    dest: data\n",
	    "6:11: dest 'data' of source '%s/src/home' is also the dest of "
	    "source '%s/src/etc' at 4:11", s->dir, s->dir);
}

static void
test_config_empty_file(void **state)
{
	expect_error(*state, "",
	    "1:1: the config is empty; expected a mapping with "
	    "'snapshot_root' and 'sources'");
}

static void
test_config_comments_only(void **state)
{
	expect_error(*state, "# snapshot_root: /backup\n\n",
	    "1:1: the config is empty; expected a mapping with "
	    "'snapshot_root' and 'sources'");
}

static void
test_config_top_not_a_mapping(void **state)
{
	expect_error(*state, "- snapshot_root: backups\n",
	    "1:1: expected a mapping with 'snapshot_root' and 'sources'");
}

static void
test_config_yaml_syntax_error(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    " sources:\n"
	    "  - path: src/etc\n",
	    "2:9: YAML syntax error: mapping values are not allowed in this "
	    "context");
}

static void
test_config_yaml_unclosed_list(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources: [{path: src/etc}\n"
	    "checksum: true\n",
	    "3:1: YAML syntax error: did not find expected ',' or ']' "
	    "(while parsing a flow sequence that starts at 2:10)");
}

static void
test_config_yaml_bad_utf8(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: caf\xe9\n",
	    "3:14: incomplete UTF-8 octet sequence (a config is UTF-8 "
	    "text)");
}

static void
test_config_second_document(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "---\n"
	    "checksum: true\n",
	    "4:1: a second YAML document; a config holds one");
}

static void
test_config_duplicate_key(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "checksum: true\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "checksum: false\n",
	    "5:1: duplicate key 'checksum' (first at 2:1)");
}

static void
test_config_missing_snapshot_root(void **state)
{
	expect_error(*state,
	    "sources:\n"
	    "  - path: src/etc\n",
	    "1:1: missing required key 'snapshot_root'");
}

static void
test_config_missing_sources(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n",
	    "1:1: missing required key 'sources' (or 'replicate_from', for a "
	    "replica of another snapshot root)");
}

static void
test_config_empty_sources(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources: []\n",
	    "2:10: 'sources' is empty; expected at least one source");
}

static void
test_config_missing_path(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - dest: etc\n",
	    "3:5: missing required key 'path' in a source");
}

static void
test_config_empty_snapshot_root(void **state)
{
	expect_error(*state,
	    "snapshot_root: ''\n"
	    "sources:\n"
	    "  - path: src/etc\n",
	    "1:16: 'snapshot_root' is empty; expected a path");
}

static void
test_config_root_source_needs_dest(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: /\n",
	    "3:11: source '/' needs a 'dest', the folder inside the snapshot "
	    "to copy it to");
}

static void
test_config_dest_dotdot(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: etc/../../outside\n",
	    "4:11: dest 'etc/../../outside' must not contain '.' or '..'");
}

static void
test_config_dest_dot(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: ./etc\n",
	    "4:11: dest './etc' must not contain '.' or '..'");
}

static void
test_config_dest_absolute(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: /etc\n",
	    "4:11: dest '/etc' must be relative to the snapshot "
	    "(no leading '/')");
}

static void
test_config_dest_empty(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: \"\"\n",
	    "4:11: 'dest' is empty; expected a path inside the snapshot");
}

static void
test_config_dest_reserved(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: .snap\n",
	    "4:11: dest '.snap' is reserved for snap's own use");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: .snap//lock\n",
	    "4:11: dest '.snap/lock' is reserved for snap's own use");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    dest: latest/\n",
	    "4:11: dest 'latest' is reserved for snap's own use");
}

/*
 * A source without a dest lands at its own path (a remote one at
 * HOST/PATH): one that would land on snap's own names is refused at its
 * path, and told to give a dest.
 */
static void
test_config_default_dest_reserved(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: /latest\n",
	    "3:11: source '/latest' would land at 'latest', which is "
	    "reserved for snap's own use; give it a 'dest'");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: /.snap/manifests\n",
	    "3:11: source '/.snap/manifests' would land at "
	    "'.snap/manifests', which is reserved for snap's own use; give "
	    "it a 'dest'");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: backup@latest:/\n",
	    "3:11: remote source 'backup@latest:/' would land at 'latest'; "
	    "give it a 'dest'");
}

/*
 * A YAML escape puts any byte in a key; in a message it is shown as '?',
 * so that an error cannot forge a second line or move the cursor.
 */
static void
test_config_message_hides_control_chars(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "\"ret\\nsnap: error: x\\e[2J\": 1\n",
	    "4:1: unknown key 'ret?snap: error: x?[2J' (expected "
	    "snapshot_root, sources, retain, checksum, require_mount, "
	    "lock_wait, metrics_file, hooks, allow_shared_root, notify, "
	    "filter, filter_from, exclude_caches, exclude_if_present, "
	    "ssh_command, rsync_path, parallel, jobs or replicate_from)");
}

static void
test_config_tilde_not_expanded(void **state)
{
	expect_error(*state,
	    "snapshot_root: ~/backups\n"
	    "sources:\n"
	    "  - path: src/etc\n",
	    "1:16: 'snapshot_root' starts with '~', which is not expanded; "
	    "write the full path");
}

static void
test_config_missing_file(void **state)
{
	const struct scratch *s = *state;
	struct config *cfg = NULL;
	struct err e;
	char *path = NULL, *want = NULL;

	assert_int_not_equal(asprintf(&path, "%s/nope.yaml", s->dir), -1);
	assert_int_not_equal(asprintf(&want, "cannot read config '%s': No "
	    "such file or directory", path), -1);
	assert_int_equal(config_load(&cfg, path, &e), -1);
	assert_string_equal(e.msg, want);
	free(path);
	free(want);
	assert_int_equal(e.errnum, ENOENT);
	assert_null(cfg);
	assert_absent(s, "nope.yaml");
}

static void
test_config_default_path(void **state)
{
	(void)state;
	assert_string_equal(config_default_path("/x/y.yaml"), "/x/y.yaml");
	assert_int_equal(setenv("SNAP_CONFIG", "/env/snap.yaml", 1), 0);
	assert_string_equal(config_default_path("opt.yaml"), "opt.yaml");
	assert_string_equal(config_default_path(NULL), "/env/snap.yaml");
	assert_int_equal(setenv("SNAP_CONFIG", "", 1), 0);
	assert_string_equal(config_default_path(NULL),
	    SNAP_CONFIG_DIR "/snap.yaml");
	assert_int_equal(unsetenv("SNAP_CONFIG"), 0);
	assert_string_equal(config_default_path(NULL),
	    SNAP_CONFIG_DIR "/snap.yaml");
}

/* A key that is a list, not a name. */
static void
test_config_key_not_a_name(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "? [a, b]\n"
	    ": c\n",
	    "4:3: expected a key name");
}

/* A NUL in a string would cut the path short where C reads it. */
static void
test_config_nul_in_string(void **state)
{
	expect_error(*state,
	    "snapshot_root: \"back\\0ups\"\n"
	    "sources:\n"
	    "  - path: src/etc\n",
	    "1:16: 'snapshot_root' contains a NUL character");
}

static void
test_config_bool_that_is_a_list(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "checksum: [true]\n",
	    "4:11: expected true or false for 'checksum'");
}

static void
test_config_mappings_of_the_wrong_type(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "retain: 3\n",
	    "4:9: expected a mapping for 'retain' (with last, hourly, daily, "
	    "weekly, monthly or yearly)");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "hooks: [a]\n",
	    "4:8: expected a mapping for 'hooks' (with before_create, "
	    "after_create, on_error or timeout)");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    filter: '- *.tmp'\n",
	    "4:13: expected a list of rules for 'filter' (like "
	    "['- *.tmp', '+ /home/'])");
}

/*
 * Errors inside the hooks mapping and a source: a timeout that is not a
 * count, a pattern that is a list, a require_mount that is not a bool.
 */
static void
test_config_errors_inside_hooks_and_sources(void **state)
{
	const struct scratch *s = *state;

	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "hooks:\n"
	    "  timeout: soon\n",
	    "5:12: 'timeout' must be a whole number of 0 or more");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    exclude: [[a]]\n",
	    "4:15: expected a pattern in 'exclude'");
	expect_error(s,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    require_mount: [yes]\n",
	    "4:20: expected true or false for 'require_mount'");
}

/* A top-level rsync_path is the default of the remote sources. */
static void
test_config_top_rsync_path(void **state)
{
	struct config *cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "rsync_path: 'sudo rsync'\n"
	    "sources:\n"
	    "  - path: src/etc\n");

	assert_non_null(cfg->rsync_path);
	assert_string_equal(cfg->rsync_path, "sudo rsync");
	config_free(cfg);
}

/* An ssh_command of blanks names no program to run. */
static void
test_config_ssh_command_of_blanks(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "ssh_command: '  '\n"
	    "sources:\n"
	    "  - path: src/etc\n",
	    "2:14: 'ssh_command' names no command");
}

/* A key given with no value (null) means its default. */
static void
test_config_null_values_are_defaults(void **state)
{
	struct config *cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    filter:\n"
	    "retain:\n"
	    "hooks:\n"
	    "notify:\n");

	assert_int_equal(cfg->retain.last, -1);
	assert_int_equal(cfg->hooks.n_before_create, 0);
	assert_int_equal(cfg->hooks.timeout, CONFIG_HOOK_TIMEOUT_DEFAULT);
	assert_null(cfg->notify.fail);
	config_free(cfg);
}

static void
test_config_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)


/* --- remote sources ------------------------------------------------ */

static void
test_config_remote_source_defaults(void **state)
{
	struct config *cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "ssh_command: ssh -i '/k y' -p 2222\n"
	    "sources:\n"
	    "  - path: backup@web1:/var//www/\n"
	    "  - path: db:/\n"
	    "    dest: db\n"
	    "    rsync_path: sudo rsync\n"
	    "    required: true\n"
	    "  - path: src/etc\n");

	assert_int_equal(cfg->n_sources, 3);
	/* In walk order of their dests: db, etc, web1/var/www. */
	assert_string_equal(cfg->sources[0].dest, "db");
	assert_string_equal(cfg->sources[0].host, "db");
	assert_string_equal(cfg->sources[0].path, "/");
	assert_string_equal(cfg->sources[0].rsync_path, "sudo rsync");
	assert_string_equal(cfg->sources[0].ssh_command,
	    "ssh -i '/k y' -p 2222");
	assert_true(cfg->sources[0].required);
	assert_null(cfg->sources[1].host);
	assert_string_equal(cfg->sources[2].dest, "web1/var/www");
	assert_string_equal(cfg->sources[2].host, "backup@web1");
	assert_string_equal(cfg->sources[2].path, "/var/www");
	assert_string_equal(cfg->sources[2].rsync_path,
	    CONFIG_RSYNC_PATH_DEFAULT);
	assert_false(cfg->sources[2].required);
	config_free(cfg);
}

static void
test_config_remote_default_ssh_command(void **state)
{
	struct config *cfg = expect_ok(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: web1:/srv\n"
	    "    ssh_command: ssh -p 2222\n"
	    "  - path: web2:/srv\n");

	assert_string_equal(cfg->sources[0].ssh_command, "ssh -p 2222");
	assert_string_equal(cfg->sources[1].ssh_command,
	    CONFIG_SSH_COMMAND_DEFAULT);
	config_free(cfg);
}

static void
test_config_remote_relative_path(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: web1:srv\n",
	    "3:11: remote path 'srv' on 'web1' must be absolute (start with "
	    "'/')");
}

static void
test_config_remote_no_host(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: '-oProxyCommand=x:/srv'\n",
	    "3:11: remote source '-oProxyCommand=x:/srv' needs a host name "
	    "before the ':' (like 'backup@web1:/var/www')");
}

static void
test_config_remote_bad_quoting(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: web1:/srv\n"
	    "    ssh_command: ssh -i '/my key\n",
	    "4:18: 'ssh_command' has a quote or backslash left open at byte "
	    "8: 'ssh -i '/my key'");
}

static void
test_config_remote_keys_on_local_source(void **state)
{
	expect_error(*state,
	    "snapshot_root: backups\n"
	    "sources:\n"
	    "  - path: src/etc\n"
	    "    rsync_path: sudo rsync\n",
	    "3:11: source '%s/src/etc' is local; 'ssh_command' and "
	    "'rsync_path' are for remote sources (HOST:/PATH)",
	    ((struct scratch *)*state)->dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_config_key_not_a_name),
		CASE(test_config_nul_in_string),
		CASE(test_config_bool_that_is_a_list),
		CASE(test_config_mappings_of_the_wrong_type),
		CASE(test_config_ssh_command_of_blanks),
		CASE(test_config_errors_inside_hooks_and_sources),
		CASE(test_config_top_rsync_path),
		CASE(test_config_null_values_are_defaults),
		CASE(test_config_full_good),
		CASE(test_config_defaults),
		CASE(test_config_relative_file_path),
		CASE(test_config_root_source_with_dest),
		CASE(test_config_similar_dests_do_not_overlap),
		CASE(test_config_unknown_key_suggests),
		CASE(test_config_unknown_key_in_retain_suggests),
		CASE(test_config_unknown_key_lists_known),
		CASE(test_config_unknown_key_says_where_it_belongs),
		CASE(test_config_wrong_type_sources),
		CASE(test_config_wrong_type_source_entry),
		CASE(test_config_wrong_type_bool),
		CASE(test_config_quoted_bool_is_a_string),
		CASE(test_config_quoted_number_is_a_string),
		CASE(test_config_wrong_type_exclude),
		CASE(test_config_empty_hook_command),
		CASE(test_config_zero_hook_timeout),
		CASE(test_config_notify_url_derives_events),
		CASE(test_config_notify_mapping),
		CASE(test_config_notify_bad_urls),
		CASE(test_config_writable_by_others_refused),
		CASE(test_config_not_owned_by_root_refused),
		CASE(test_config_negative_retain),
		CASE(test_config_lock_wait_too_large),
		CASE(test_config_parallel),
		CASE(test_config_missing_source_loads),
		CASE(test_config_require_mount_is_local),
		CASE(test_config_overlapping_dests),
		CASE(test_config_overlapping_dests_outer_second),
		CASE(test_config_equal_dests),
		CASE(test_config_empty_file),
		CASE(test_config_comments_only),
		CASE(test_config_top_not_a_mapping),
		CASE(test_config_yaml_syntax_error),
		CASE(test_config_yaml_unclosed_list),
		CASE(test_config_yaml_bad_utf8),
		CASE(test_config_second_document),
		CASE(test_config_duplicate_key),
		CASE(test_config_missing_snapshot_root),
		CASE(test_config_missing_sources),
		CASE(test_config_empty_sources),
		CASE(test_config_missing_path),
		CASE(test_config_empty_snapshot_root),
		CASE(test_config_root_source_needs_dest),
		CASE(test_config_dest_dotdot),
		CASE(test_config_dest_dot),
		CASE(test_config_dest_absolute),
		CASE(test_config_dest_empty),
		CASE(test_config_dest_reserved),
		CASE(test_config_default_dest_reserved),
		CASE(test_config_message_hides_control_chars),
		CASE(test_config_tilde_not_expanded),
		CASE(test_config_missing_file),
		CASE(test_config_default_path),
		CASE(test_config_free_null),
		CASE(test_config_too_deep),
		CASE(test_config_deep_but_allowed),
		CASE(test_config_too_large),
		CASE(test_config_alias_expansion_limited),
		CASE(test_config_exclude_too_long),
		CASE(test_config_remote_source_defaults),
		CASE(test_config_remote_default_ssh_command),
		CASE(test_config_remote_relative_path),
		CASE(test_config_remote_no_host),
		CASE(test_config_remote_bad_quoting),
		CASE(test_config_remote_keys_on_local_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
