#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"

/* The reason names as keys: no spaces. */
static const char *const reason_keys[REASON_COUNT] = {
	[REASON_NONE] = "none",
	[REASON_NEW] = "new",
	[REASON_CONTENT] = "content",
	[REASON_MODE] = "mode",
	[REASON_OWNER] = "owner",
	[REASON_TIMES] = "times",
	[REASON_XATTRS] = "xattrs",
	[REASON_EXDEV] = "exdev",
	[REASON_EMLINK] = "emlink",
	[REASON_SEPARATE] = "separate",
};

static int
format(char *buf, size_t size, const struct create_stats *s)
{
	const char *p, *end;
	size_t off;
	int i, n;

	n = snprintf(buf, size,
	    "snap-summary 1\n"
	    "name %s\n"
	    "prev %s\n"
	    "entries %llu\n"
	    "dirs %llu\n"
	    "files %llu\n"
	    "symlinks %llu\n"
	    "nodes %llu\n"
	    "skipped %llu\n"
	    "total_bytes %llu\n"
	    "linked %llu\n"
	    "linked_content %llu\n"
	    "hardlinked %llu\n"
	    "reused %llu\n"
	    "copied %llu\n"
	    "copied_bytes %llu\n"
	    "received_bytes %llu\n"
	    "warnings %llu\n"
	    "seconds %.3f\n",
	    s->name, s->prev[0] ? s->prev : "-",
	    (unsigned long long)s->entries, (unsigned long long)s->dirs,
	    (unsigned long long)s->files, (unsigned long long)s->symlinks,
	    (unsigned long long)s->nodes, (unsigned long long)s->skipped,
	    (unsigned long long)s->total_bytes,
	    (unsigned long long)s->linked,
	    (unsigned long long)s->linked_content,
	    (unsigned long long)s->hardlinked,
	    (unsigned long long)s->reused, (unsigned long long)s->copied,
	    (unsigned long long)s->copied_bytes,
	    (unsigned long long)s->received_bytes,
	    (unsigned long long)s->warnings, s->seconds);
	if (n < 0 || (size_t)n >= size)
		return -1;
	off = n;
	/* create_check_label vouches that it is one line. */
	if (s->label[0] != '\0') {
		n = snprintf(buf + off, size - off, "label %s\n", s->label);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += n;
	}
	for (i = REASON_NEW; i < REASON_COUNT; i++) {
		n = snprintf(buf + off, size - off,
		    "copied.%s %llu\ncopied_bytes.%s %llu\n", reason_keys[i],
		    (unsigned long long)s->copied_by[i], reason_keys[i],
		    (unsigned long long)s->bytes_by[i]);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += n;
	}
	/* Each is quoted, so one line; the '\n' that ends it is there. */
	for (p = s->missing; *p != '\0'; p = end + 1) {
		end = strchr(p, '\n');
		if (end == NULL)
			break;
		n = snprintf(buf + off, size - off, "missing %.*s\n",
		    (int)(end - p), p);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += n;
	}
	if (s->n_missing > 0) {
		n = snprintf(buf + off, size - off, "n_missing %llu\n",
		    (unsigned long long)s->n_missing);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += n;
	}
	return (int)off;
}

/* Appends a quoted line to s->missing when it fits. */
static void
missing_append(struct create_stats *s, const char *quoted)
{
	size_t have = strlen(s->missing), len = strlen(quoted);

	if (have + len + 2 <= sizeof(s->missing)) {
		memcpy(s->missing + have, quoted, len);
		s->missing[have + len] = '\n';
		s->missing[have + len + 1] = '\0';
	}
}

void
summary_add_missing(struct create_stats *s, const char *dest)
{
	char q[SUMMARY_MISSING_MAX];

	name_quote(q, sizeof(q), dest, strlen(dest));
	missing_append(s, q);
	s->n_missing++;
}

bool
summary_has_missing(const struct create_stats *s, const char *dest)
{
	char q[SUMMARY_MISSING_MAX];
	const char *p, *end;
	size_t len;

	name_quote(q, sizeof(q), dest, strlen(dest));
	len = strlen(q);
	for (p = s->missing; (end = strchr(p, '\n')) != NULL; p = end + 1)
		if ((size_t)(end - p) == len && memcmp(p, q, len) == 0)
			return true;
	return false;
}

int
summary_write(int dirfd, const struct create_stats *s,
    const struct sys_ops *sys, struct err *e)
{
	char buf[4096], tmp[64], final[64];
	ssize_t w;
	int fd, len;

	snprintf(final, sizeof(final), "%s.summary", s->name);
	snprintf(tmp, sizeof(tmp), "%s.summary.tmp", s->name);
	if ((len = format(buf, sizeof(buf), s)) == -1)
		return err_set(e, EOVERFLOW, "cannot write summary '%s'",
		    final);
	fd = sys->openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		return err_set(e, errno, "cannot write summary '%s'", final);
	w = sys->write(fd, buf, len);
	if (w != len || sys->fsync(fd) == -1) {
		int saved = w == -1 || w == len ? errno : ENOSPC;

		close(fd);
		sys->unlinkat(dirfd, tmp, 0);
		return err_set(e, saved, "cannot write summary '%s'", final);
	}
	close(fd);
	if (sys->renameat(dirfd, tmp, dirfd, final) == -1) {
		int saved = errno;

		sys->unlinkat(dirfd, tmp, 0);
		return err_set(e, saved, "cannot write summary '%s'", final);
	}
	return 0;
}

/* Where key's value goes in *s, or NULL for a key this version lacks. */
static uint64_t *
counter(struct create_stats *s, const char *key)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} fields[] = {
#define FIELD(f) { #f, offsetof(struct create_stats, f) }
		FIELD(entries), FIELD(dirs), FIELD(files), FIELD(symlinks),
		FIELD(nodes), FIELD(skipped), FIELD(total_bytes),
		FIELD(linked), FIELD(linked_content), FIELD(hardlinked),
		FIELD(reused), FIELD(copied), FIELD(copied_bytes),
		FIELD(received_bytes), FIELD(warnings), FIELD(n_missing),
#undef FIELD
	};
	size_t i;
	int r;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(key, fields[i].key) == 0)
			return (uint64_t *)((char *)s + fields[i].off);
	for (r = REASON_NEW; r < REASON_COUNT; r++) {
		if (strncmp(key, "copied.", 7) == 0 &&
		    strcmp(key + 7, reason_keys[r]) == 0)
			return &s->copied_by[r];
		if (strncmp(key, "copied_bytes.", 13) == 0 &&
		    strcmp(key + 13, reason_keys[r]) == 0)
			return &s->bytes_by[r];
	}
	return NULL;
}

int
summary_parse(char *text, struct create_stats *s)
{
	char *line, *next, *value;
	uint64_t *field;

	memset(s, 0, sizeof(*s));
	if (strncmp(text, "snap-summary 1\n", 15) != 0)
		return -1;
	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if ((value = strchr(line, ' ')) == NULL)
			continue;
		*value++ = '\0';
		if (strcmp(line, "name") == 0 || strcmp(line, "prev") == 0) {
			char *dst = line[0] == 'n' ? s->name : s->prev;

			if (strcmp(value, "-") != 0 &&
			    strlen(value) < NAME_SNAPSHOT_LEN)
				strcpy(dst, value);
		} else if (strcmp(line, "label") == 0)
			snprintf(s->label, sizeof(s->label), "%s", value);
		else if (strcmp(line, "missing") == 0)
			missing_append(s, value);
		else if (strcmp(line, "seconds") == 0)
			s->seconds = strtod(value, NULL);
		else if ((field = counter(s, line)) != NULL)
			*field = strtoull(value, NULL, 10);
	}
	return 0;
}

/* A snapshot name, or null for "" (none). */
static void
json_snapshot(struct json *j, const char *key, const char *name)
{
	json_key(j, key);
	if (name[0] != '\0')
		json_string(j, name);
	else
		json_null(j);
}

void
summary_json_missing(struct json *j, const struct create_stats *s)
{
	const char *p, *end;

	/* The lines are quoted already; JSON gets them as they read. */
	json_key(j, "missing");
	json_begin_array(j);
	for (p = s->missing; (end = strchr(p, '\n')) != NULL; p = end + 1)
		json_string_len(j, p, (size_t)(end - p));
	json_end_array(j);
}

void
summary_json(struct json *j, const struct create_stats *s, bool dry_run)
{
	int i;

	json_snapshot(j, "snapshot", dry_run ? "" : s->name);
	json_snapshot(j, "previous", s->prev);
	if (s->label[0] != '\0')
		json_name(j, "label", s->label, strlen(s->label));
	else
		json_snapshot(j, "label", "");
	json_member_uint(j, "entries", s->entries);
	json_member_uint(j, "dirs", s->dirs);
	json_member_uint(j, "files", s->files);
	json_member_uint(j, "symlinks", s->symlinks);
	json_member_uint(j, "nodes", s->nodes);
	json_member_uint(j, "skipped", s->skipped);
	json_member_uint(j, "total_bytes", s->total_bytes);
	json_member_uint(j, "linked", s->linked);
	json_member_uint(j, "linked_content", s->linked_content);
	json_member_uint(j, "hardlinked", s->hardlinked);
	json_member_uint(j, "reused", s->reused);
	json_member_uint(j, "copied", s->copied);
	json_member_uint(j, "copied_bytes", s->copied_bytes);
	json_member_uint(j, "received_bytes", s->received_bytes);
	json_key(j, "copied_by");
	json_begin_object(j);
	for (i = REASON_NEW; i < REASON_COUNT; i++) {
		json_key(j, reason_keys[i]);
		json_begin_object(j);
		json_member_uint(j, "files", s->copied_by[i]);
		json_member_uint(j, "bytes", s->bytes_by[i]);
		json_end_object(j);
	}
	json_end_object(j);
	json_member_uint(j, "warnings", s->warnings);
	summary_json_missing(j, s);
	json_member_uint(j, "milliseconds",
	    (uint64_t)(s->seconds * 1000 + 0.5));
}

int
summary_read(int dirfd, const char *name, struct create_stats *s,
    struct err *e)
{
	char file[64], buf[8192];
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	snprintf(file, sizeof(file), "%s.summary", name);
	if ((fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_set(e, errno, "cannot read summary '%s'", file);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == -1)
		return err_set(e, errno, "cannot read summary '%s'", file);
	buf[n] = '\0';
	if (summary_parse(buf, s) == -1)
		return err_set(e, 0, "summary '%s' is not a snap summary", file);
	return 0;
}
