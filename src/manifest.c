/*
 * manifest: the streaming, versioned, checksummed per-snapshot index.
 *
 * The file format is described in manifest.h.  A record body is, in this
 * order and little-endian:
 *
 *   offset  size  field
 *        0     1  type (enum entry_type)
 *        1     1  flags (bit 0: has_hash; the others are 0)
 *        2     4  mode
 *        6     4  uid
 *       10     4  gid
 *       14     4  nlink
 *       18     8  size
 *       26     8  mtime seconds (two's complement)
 *       34     4  mtime nanoseconds
 *       38     8  ctime seconds
 *       46     4  ctime nanoseconds
 *       50     8  ino
 *       58     8  rdev
 *       66     8  stored_ino
 *       74     8  xattr_hash
 *       82    16  hash (canonical XXH3-128; zeros without has_hash)
 *       98     4  path_len (at most 1 MiB)
 *      102     4  target_len (at most 1 MiB)
 *      106        path bytes, then target bytes
 *
 * Every integer is written byte by byte, so the file is the same on every
 * host and no field is ever read unaligned.
 *
 * Both sides keep one buffer whose size is bounded by the largest possible
 * record, never by the number of records: the writer flushes it through
 * sys->write, the reader refills it with read(2).  The whole-file checksum
 * is computed over each buffer as it is flushed or discarded, not record by
 * record, which keeps XXH3's streaming overhead off the per-entry path.
 */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "buf.h"
#include "name.h"

#define MAGIC		"SNAPMAN\n"
#define MAGIC_LEN	8
#define HEADER_LEN	16	/* magic, version, flags */
#define TRAILER_MARK	0xFFFFFFFFu	/* in a body length's place */
#define TRAILER_LEN	20	/* mark, record count, file checksum */
#define FIXED_LEN	106	/* body bytes before the path */
#define STR_MAX		(1u << 20)	/* path and target limit */
#define BODY_MAX	(FIXED_LEN + 2 * STR_MAX)
#define REC_OVERHEAD	12	/* body length and body checksum */
#define BUF_SIZE	(256 * 1024)
#define FLAG_HAS_HASH	0x01

struct manifest_writer {
	const struct sys_ops *sys;
	int		 dirfd;		/* the caller's; not closed */
	int		 fd;
	char		*name;
	char		*tmpname;	/* NAME.tmp */
	unsigned char	*buf;
	size_t		 len;		/* bytes in buf */
	size_t		 cap;
	size_t		 hashed;	/* buf[0..hashed) is in state */
	XXH3_state_t	*state;		/* bytes before trailer */
	uint64_t	 count;
	int		 errnum;	/* a write failed: sticky */
	bool		 replaces;	/* manifest_writer_replaces */
};

struct manifest_reader {
	int		 fd;
	char		*name;

	/* The streaming position: buf[pos..end) is read, not consumed. */
	unsigned char	*buf;
	size_t		 cap;
	size_t		 pos;
	size_t		 end;
	size_t		 hashed;	/* buf[0..hashed) is in state */
	uint64_t	 off;		/* file offset of buf[0] */
	bool		 eof;
	XXH3_state_t	*state;
	uint64_t	 count;		/* records returned so far */
	int		 status;	/* 0 reading, 1 done, -1 failed */
	struct err	 failure;	/* repeated after status -1 */
	unsigned char	*str;		/* path NUL target NUL */
	size_t		 strcap;
	struct buf	 last;		/* the previous record's path */

	/* read_at has buffers of its own so the stream stays untouched. */
	unsigned char	*abuf;
	size_t		 acap;
	unsigned char	*astr;
	size_t		 astrcap;
};

static unsigned char *
put_u8(unsigned char *p, uint8_t v)
{
	p[0] = v;
	return p + 1;
}

static unsigned char *
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
	return p + 4;
}

static unsigned char *
put_u64(unsigned char *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
	return p + 8;
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/*
 * Grows *bufp to hold at least need bytes (buf.c's growth, on a buffer
 * whose bytes this file tracks itself).  Returns 0, or -1 (ENOMEM)
 * leaving the old buffer in place.
 */
static int
grow(unsigned char **bufp, size_t *cap, size_t need)
{
	struct buf b = { (char *)*bufp, 0, *cap };

	if (*cap >= need)
		return 0;
	if (buf_reserve(&b, need) == -1)
		return -1;
	*bufp = (unsigned char *)b.p;
	*cap = b.cap;
	return 0;
}

/* Writes the body of ent at p, which has room for FIXED_LEN + strings. */
static void
encode_body(unsigned char *p, const struct entry *ent, size_t tlen)
{
	p = put_u8(p, (uint8_t)ent->type);
	p = put_u8(p, ent->has_hash ? FLAG_HAS_HASH : 0);
	p = put_u32(p, ent->mode);
	p = put_u32(p, ent->uid);
	p = put_u32(p, ent->gid);
	p = put_u32(p, ent->nlink);
	p = put_u64(p, ent->size);
	p = put_u64(p, (uint64_t)ent->mtime.sec);
	p = put_u32(p, ent->mtime.nsec);
	p = put_u64(p, (uint64_t)ent->ctime.sec);
	p = put_u32(p, ent->ctime.nsec);
	p = put_u64(p, ent->ino);
	p = put_u64(p, ent->rdev);
	p = put_u64(p, ent->stored_ino);
	p = put_u64(p, ent->xattr_hash);
	/* Zeros rather than stale bytes, so equal entries give equal files. */
	if (ent->has_hash)
		memcpy(p, ent->hash, ENTRY_HASH_LEN);
	else
		memset(p, 0, ENTRY_HASH_LEN);
	p += ENTRY_HASH_LEN;
	p = put_u32(p, (uint32_t)ent->path_len);
	p = put_u32(p, (uint32_t)tlen);
	if (ent->path_len > 0)
		memcpy(p, ent->path, ent->path_len);
	if (tlen > 0)
		memcpy(p + ent->path_len, ent->target, tlen);
}

/*
 * Fills ent from the body b of len bytes (its checksum already verified),
 * copying the strings into *str so that they are NUL-terminated; *str must
 * hold len - FIXED_LEN + 2 bytes.  Returns NULL, or what is wrong with the
 * record.  A record that passed its checksum but fails here was written by
 * something that is not this snap.
 */
static const char *
decode_body(const unsigned char *b, size_t len, struct entry *ent,
    unsigned char *str)
{
	const unsigned char *s;
	uint32_t plen, tlen;
	uint8_t type, flags;

	type = b[0];
	flags = b[1];
	if (type < ENTRY_REG || type > ENTRY_SOCK)
		return "unknown entry type";
	if ((flags & ~FLAG_HAS_HASH) != 0)
		return "unknown record flags";
	plen = get_u32(b + 98);
	tlen = get_u32(b + 102);
	if (plen > STR_MAX || tlen > STR_MAX ||
	    FIXED_LEN + (size_t)plen + tlen != len)
		return "string lengths do not match the record length";
	s = b + FIXED_LEN;
	if (memchr(s, '\0', plen) != NULL)
		return "NUL byte in a path";

	memset(ent, 0, sizeof(*ent));
	ent->type = (enum entry_type)type;
	ent->has_hash = (flags & FLAG_HAS_HASH) != 0;
	ent->mode = get_u32(b + 2);
	ent->uid = get_u32(b + 6);
	ent->gid = get_u32(b + 10);
	ent->nlink = get_u32(b + 14);
	ent->size = get_u64(b + 18);
	ent->mtime.sec = (int64_t)get_u64(b + 26);
	ent->mtime.nsec = get_u32(b + 34);
	ent->ctime.sec = (int64_t)get_u64(b + 38);
	ent->ctime.nsec = get_u32(b + 46);
	ent->ino = get_u64(b + 50);
	ent->rdev = get_u64(b + 58);
	ent->stored_ino = get_u64(b + 66);
	ent->xattr_hash = get_u64(b + 74);
	memcpy(ent->hash, b + 82, ENTRY_HASH_LEN);

	memcpy(str, s, plen);
	str[plen] = '\0';
	ent->path = (const char *)str;
	ent->path_len = plen;
	/* entry.h: target is NULL for anything but a symlink. */
	if (tlen > 0 || type == ENTRY_SYMLINK) {
		memcpy(str + plen + 1, s + plen, tlen);
		str[plen + 1 + tlen] = '\0';
		ent->target = (const char *)str + plen + 1;
		ent->target_len = tlen;
	}
	return NULL;
}

/*
 * Returns NULL if the record path p (len bytes) is one a walk could have
 * produced, else what is wrong with it.  Readers open and create paths
 * from records below a folder of theirs (restore below DEST), so a forged
 * record must not be able to name anything outside it.
 */
static const char *
path_problem(const char *p, size_t len)
{
	const char *end = p + len, *c, *slash;
	size_t n;

	/* The snapshot's own folder; the order check keeps it first. */
	if (len == 0)
		return NULL;
	if (p[0] == '/')
		return "is absolute";
	for (c = p; c <= end; c = slash + 1) {
		slash = memchr(c, '/', (size_t)(end - c));
		if (slash == NULL)
			slash = end;
		n = (size_t)(slash - c);
		if (n == 0)
			return "has an empty component";
		if (n == 1 && c[0] == '.')
			return "has a '.' component";
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "has a '..' component";
	}
	return NULL;
}

/* Writes all n bytes at p.  Returns 0, or an errno. */
static int
write_all(const struct sys_ops *sys, int fd, const unsigned char *p,
    size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = sys->write(fd, p, n);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		/* A regular file only returns 0 for a count of 0. */
		if (r == 0)
			return EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
writer_hash_pending(struct manifest_writer *w)
{
	XXH3_64bits_update(w->state, w->buf + w->hashed, w->len - w->hashed);
	w->hashed = w->len;
}

/*
 * Writes out the buffer (already hashed).  A failure is sticky: the file
 * has a hole in it now, so nothing more may be appended.
 */
static int
writer_write_buf(struct manifest_writer *w, struct err *e)
{
	int errnum;

	if (w->len > 0 &&
	    (errnum = write_all(w->sys, w->fd, w->buf, w->len)) != 0) {
		w->errnum = errnum;
		return err_set(e, errnum, "cannot write manifest '%s'",
		    w->name);
	}
	w->len = 0;
	w->hashed = 0;
	return 0;
}

static void
writer_free(struct manifest_writer *w)
{
	if (w->fd != -1)
		close(w->fd);
	XXH3_freeState(w->state);
	free(w->buf);
	free(w->tmpname);
	free(w->name);
	free(w);
}

int
manifest_writer_open(struct manifest_writer **out, int dirfd,
    const char *name, const struct sys_ops *sys, struct err *e)
{
	struct manifest_writer *w;
	unsigned char *p;
	size_t n;

	*out = NULL;
	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return err_set(e, EINVAL, "cannot create manifest '%s'", name);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return err_set(e, ENOMEM, "cannot create manifest '%s'", name);
	w->sys = sys;
	w->dirfd = dirfd;
	w->fd = -1;
	n = strlen(name);
	w->name = strdup(name);
	w->tmpname = malloc(n + sizeof(".tmp"));
	w->buf = malloc(BUF_SIZE);
	w->cap = BUF_SIZE;
	w->state = XXH3_createState();
	if (w->name == NULL || w->tmpname == NULL || w->buf == NULL ||
	    w->state == NULL) {
		writer_free(w);
		return err_set(e, ENOMEM, "cannot create manifest '%s'", name);
	}
	memcpy(w->tmpname, name, n);
	memcpy(w->tmpname + n, ".tmp", sizeof(".tmp"));
	XXH3_64bits_reset(w->state);

	/* O_TRUNC: a NAME.tmp left by a crashed run is simply replaced. */
	w->fd = sys->openat(dirfd, w->tmpname,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd == -1) {
		err_set(e, errno, "cannot create manifest '%s'", w->tmpname);
		writer_free(w);
		return -1;
	}

	p = w->buf;
	memcpy(p, MAGIC, MAGIC_LEN);
	p = put_u32(p + MAGIC_LEN, MANIFEST_VERSION);
	p = put_u32(p, 0);
	w->len = HEADER_LEN;
	*out = w;
	return 0;
}

int
manifest_writer_add(struct manifest_writer *w, const struct entry *ent,
    struct err *e)
{
	unsigned char *p;
	size_t tlen, body, rec;

	if (w->errnum != 0)
		return err_set(e, w->errnum, "cannot write manifest '%s'",
		    w->name);
	tlen = ent->target != NULL ? ent->target_len : 0;
	if (ent->type < ENTRY_REG || ent->type > ENTRY_SOCK)
		return err_set(e, EINVAL, "cannot write manifest '%s': "
		    "entry of unknown type %d", w->name, (int)ent->type);
	if (ent->path_len > STR_MAX || tlen > STR_MAX)
		return err_set(e, ENAMETOOLONG, "cannot write manifest '%s': "
		    "a path or symlink target of %zu bytes is over the "
		    "limit of %u", w->name,
		    ent->path_len > tlen ? ent->path_len : tlen, STR_MAX);

	body = FIXED_LEN + ent->path_len + tlen;
	rec = REC_OVERHEAD + body;
	if (w->cap - w->len < rec) {
		writer_hash_pending(w);
		if (writer_write_buf(w, e) == -1)
			return -1;
		/* Only a record with a path of about 256 KiB gets here. */
		if (grow(&w->buf, &w->cap, rec) == -1)
			return err_set(e, ENOMEM, "cannot write manifest '%s'",
			    w->name);
	}
	p = w->buf + w->len;
	put_u32(p, (uint32_t)body);
	encode_body(p + 4, ent, tlen);
	put_u64(p + 4 + body, XXH3_64bits(p + 4, body));
	w->len += rec;
	w->count++;
	return 0;
}

int
manifest_writer_commit(struct manifest_writer *w, struct err *e)
{
	unsigned char *p;
	bool renamed = false;
	int rc = -1;

	if (w->errnum != 0) {
		err_set(e, w->errnum, "cannot write manifest '%s'", w->name);
		goto out;
	}
	writer_hash_pending(w);
	if (w->cap - w->len < TRAILER_LEN && writer_write_buf(w, e) == -1)
		goto out;
	p = w->buf + w->len;
	p = put_u32(p, TRAILER_MARK);
	p = put_u64(p, w->count);
	put_u64(p, XXH3_64bits_digest(w->state));
	w->len += TRAILER_LEN;
	if (writer_write_buf(w, e) == -1)
		goto out;

	if (w->sys->fsync(w->fd) == -1) {
		err_set(e, errno, "cannot write manifest '%s'", w->name);
		goto out;
	}
	/* close reports delayed write errors on some file systems (NFS). */
	if (close(w->fd) == -1 && errno != EINTR) {
		w->fd = -1;
		err_set(e, errno, "cannot write manifest '%s'", w->name);
		goto out;
	}
	w->fd = -1;
	if (w->sys->renameat(w->dirfd, w->tmpname, w->dirfd, w->name) == -1) {
		err_set(e, errno, "cannot rename manifest '%s' to '%s'",
		    w->tmpname, w->name);
		goto out;
	}
	renamed = true;
	if (w->sys->fsync(w->dirfd) == -1) {
		err_set(e, errno, "cannot write manifest '%s'", w->name);
		goto out;
	}
	rc = 0;
out:
	/*
	 * A failed commit leaves neither name behind, even when only the
	 * directory fsync failed: the caller treats the snapshot as not
	 * made, and a manifest without its snapshot would only confuse the
	 * next run.  A rewrite of an existing snapshot's manifest is the
	 * exception: the rename replaced the old one, so the new one (whole
	 * and synced) is all that snapshot has.
	 */
	if (rc == -1 && !(renamed && w->replaces))
		w->sys->unlinkat(w->dirfd, renamed ? w->name : w->tmpname, 0);
	writer_free(w);
	return rc;
}

void
manifest_writer_replaces(struct manifest_writer *w)
{
	w->replaces = true;
}

void
manifest_writer_abort(struct manifest_writer *w)
{
	if (w == NULL)
		return;
	w->sys->unlinkat(w->dirfd, w->tmpname, 0);
	writer_free(w);
}

/*
 * Makes r->buf[pos..end) hold at least need bytes, reading as much as fits.
 * Returns 1, 0 if the file ends first, or -1 with e set on a read error.
 */
static int
reader_fill(struct manifest_reader *r, size_t need, struct err *e)
{
	ssize_t n;

	if (r->end - r->pos >= need)
		return 1;
	if (r->pos > 0) {
		/* Consumed bytes leave the buffer: hash them first. */
		XXH3_64bits_update(r->state, r->buf + r->hashed,
		    r->pos - r->hashed);
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->off += r->pos;
		r->end -= r->pos;
		r->pos = 0;
		r->hashed = 0;
	}
	if (grow(&r->buf, &r->cap, need) == -1)
		return err_set(e, ENOMEM, "cannot read manifest '%s'",
		    r->name);
	while (r->end < need && !r->eof) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return err_set(e, errno, "cannot read manifest '%s'",
			    r->name);
		}
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
	}
	return r->end >= need;
}

/* Records a failure so that later calls report it again.  Returns -1. */
static int
reader_fail(struct manifest_reader *r, struct err *e)
{
	r->status = -1;
	if (e != NULL)
		r->failure = *e;
	else
		err_set(&r->failure, 0, "manifest '%s' could not be read",
		    r->name);
	return -1;
}

static int
reader_truncated(struct manifest_reader *r, struct err *e)
{
	err_set(e, 0, "manifest '%s' is truncated", r->name);
	return reader_fail(r, e);
}

static void
reader_free(struct manifest_reader *r)
{
	if (r->fd != -1)
		close(r->fd);
	XXH3_freeState(r->state);
	free(r->buf);
	free(r->str);
	buf_free(&r->last);
	free(r->abuf);
	free(r->astr);
	free(r->name);
	free(r);
}

int
manifest_reader_open(struct manifest_reader **out, int dirfd,
    const char *name, struct err *e)
{
	int fd;

	*out = NULL;
	/*
	 * O_NONBLOCK: a FIFO planted in its place must not block the run in
	 * open(2); manifest_reader_fdopen then refuses it.  It means
	 * nothing for a regular file.
	 */
	fd = openat(dirfd, name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return err_set(e, errno, "cannot open manifest '%s'", name);
	return manifest_reader_fdopen(out, fd, name, e);
}

int
manifest_reader_fdopen(struct manifest_reader **out, int fd,
    const char *name, struct err *e)
{
	struct manifest_reader *r;
	struct stat st;
	uint32_t version, flags;
	int rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		close(fd);
		return err_set(e, ENOMEM, "cannot open manifest '%s'", name);
	}
	r->fd = fd;
	r->name = strdup(name);
	r->state = XXH3_createState();
	if (r->name == NULL || r->state == NULL) {
		err_set(e, ENOMEM, "cannot open manifest '%s'", name);
		goto fail;
	}
	XXH3_64bits_reset(r->state);

	if (fstat(r->fd, &st) == -1) {
		err_set(e, errno, "cannot open manifest '%s'", name);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, 0, "manifest '%s' is not a regular file", name);
		goto fail;
	}
	/*
	 * The whole file, and one byte to see its end, when it is smaller
	 * than BUF_SIZE: list, log and du open every manifest, most of them
	 * small, and a buffer that large for each costs an mmap and munmap
	 * of its own.  A file that grows meanwhile makes reader_fill grow
	 * the buffer.
	 */
	r->cap = st.st_size < BUF_SIZE ? (size_t)st.st_size + 1 : BUF_SIZE;
	if (r->cap < HEADER_LEN + TRAILER_LEN)
		r->cap = HEADER_LEN + TRAILER_LEN;
	if ((r->buf = malloc(r->cap)) == NULL) {
		err_set(e, ENOMEM, "cannot open manifest '%s'", name);
		goto fail;
	}
	(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	if ((rc = reader_fill(r, HEADER_LEN, e)) == -1)
		goto fail;
	if (rc == 0 || memcmp(r->buf, MAGIC, MAGIC_LEN) != 0) {
		/*
		 * A short file that starts like a manifest was cut off while
		 * being written; anything else is some other file.
		 */
		if (rc == 0 && memcmp(r->buf, MAGIC,
		    r->end < MAGIC_LEN ? r->end : MAGIC_LEN) == 0)
			err_set(e, 0, "manifest '%s' is truncated", name);
		else
			err_set(e, 0, "manifest '%s' is corrupt: "
			    "not a snap manifest", name);
		goto fail;
	}
	version = get_u32(r->buf + MAGIC_LEN);
	flags = get_u32(r->buf + MAGIC_LEN + 4);
	if (version != MANIFEST_VERSION) {
		err_set(e, 0, "manifest '%s' has version %" PRIu32
		    "; this snap reads version %d", name, version,
		    MANIFEST_VERSION);
		goto fail;
	}
	if (flags != 0) {
		err_set(e, 0, "manifest '%s' is corrupt: unknown header "
		    "flags 0x%" PRIx32, name, flags);
		goto fail;
	}
	r->pos = HEADER_LEN;
	*out = r;
	return 0;
fail:
	reader_free(r);
	return -1;
}

/* Checks the trailer at r->pos and that nothing follows it. */
static int
reader_finish(struct manifest_reader *r, struct err *e)
{
	const unsigned char *t;
	uint64_t count, sum;
	int rc;

	/* Everything before the trailer, and nothing of it, is summed. */
	XXH3_64bits_update(r->state, r->buf + r->hashed, r->pos - r->hashed);
	r->hashed = r->pos;
	if ((rc = reader_fill(r, TRAILER_LEN, e)) == -1)
		return reader_fail(r, e);
	if (rc == 0)
		return reader_truncated(r, e);
	t = r->buf + r->pos;
	count = get_u64(t + 4);
	sum = get_u64(t + 12);
	if (count != r->count) {
		err_set(e, 0, "manifest '%s' is corrupt: the trailer counts "
		    "%" PRIu64 " records, the file holds %" PRIu64, r->name,
		    count, r->count);
		return reader_fail(r, e);
	}
	if (sum != XXH3_64bits_digest(r->state)) {
		err_set(e, 0, "manifest '%s' is corrupt: file checksum "
		    "mismatch", r->name);
		return reader_fail(r, e);
	}
	r->pos += TRAILER_LEN;
	r->hashed = r->pos;
	if ((rc = reader_fill(r, 1, e)) == -1)
		return reader_fail(r, e);
	if (rc == 1) {
		err_set(e, 0, "manifest '%s' is corrupt: data after the "
		    "trailer", r->name);
		return reader_fail(r, e);
	}
	r->status = 1;
	return 0;
}

/*
 * Checks the path of ent, record r->count + 1, on its own and against
 * the record before it: every reader merge-joins or stops early on walk
 * order (name_pathcmp), so a record out of order, or listed twice, would
 * make them report made-up changes or miss entries.  Returns 0, or -1
 * with e set naming the manifest and the record.
 */
static int
reader_check_path(struct manifest_reader *r, const struct entry *ent,
    struct err *e)
{
	char qp[256], ql[256];
	const char *why;

	if ((why = path_problem(ent->path, ent->path_len)) != NULL)
		return err_set(e, 0, "manifest '%s' is corrupt: record %"
		    PRIu64 ": path '%s' %s", r->name, r->count + 1,
		    name_quote(qp, sizeof(qp), ent->path, ent->path_len), why);
	if (r->count > 0 && name_pathcmp(r->last.p, r->last.len, ent->path,
	    ent->path_len) >= 0)
		return err_set(e, 0, "manifest '%s' is corrupt: record %"
		    PRIu64 ": path '%s' is not in walk order (it follows "
		    "'%s')", r->name, r->count + 1,
		    name_quote(qp, sizeof(qp), ent->path, ent->path_len),
		    name_quote(ql, sizeof(ql), r->last.p, r->last.len));
	if (buf_set(&r->last, ent->path, ent->path_len) == -1)
		return err_set(e, ENOMEM, "cannot read manifest '%s'",
		    r->name);
	return 0;
}

/*
 * The checks that need no decoding: a length the format allows and a
 * record that is all there.  Returns the record's length with its
 * overhead, 0 at the trailer, or -1 with e set (r failed).
 */
static int64_t
reader_frame(struct manifest_reader *r, struct err *e)
{
	uint32_t len;
	int rc;

	if ((rc = reader_fill(r, 4, e)) == -1)
		return reader_fail(r, e);
	if (rc == 0)
		return reader_truncated(r, e);
	len = get_u32(r->buf + r->pos);
	if (len == TRAILER_MARK)
		return 0;
	/* Checked before the read so a flipped bit cannot ask for 4 GiB. */
	if (len < FIXED_LEN || len > BODY_MAX) {
		err_set(e, 0, "manifest '%s' is corrupt: record %" PRIu64
		    " has an impossible length %" PRIu32, r->name,
		    r->count + 1, len);
		return reader_fail(r, e);
	}
	if ((rc = reader_fill(r, REC_OVERHEAD + (size_t)len, e)) == -1)
		return reader_fail(r, e);
	if (rc == 0)
		return reader_truncated(r, e);
	return REC_OVERHEAD + (int64_t)len;
}

int
manifest_reader_next(struct manifest_reader *r, struct entry *ent,
    uint64_t *offset, struct err *e)
{
	const unsigned char *body;
	const char *why;
	uint32_t len;
	int64_t frame;

	if (r->status == 1)
		return 0;
	if (r->status == -1) {
		if (e != NULL)
			*e = r->failure;
		return -1;
	}
	if ((frame = reader_frame(r, e)) == -1)
		return -1;
	if (frame == 0)
		return reader_finish(r, e);
	len = (uint32_t)(frame - REC_OVERHEAD);
	body = r->buf + r->pos + 4;
	if (XXH3_64bits(body, len) != get_u64(body + len)) {
		err_set(e, 0, "manifest '%s' is corrupt: record %" PRIu64
		    " checksum mismatch", r->name, r->count + 1);
		return reader_fail(r, e);
	}
	if (grow(&r->str, &r->strcap, len - FIXED_LEN + 2) == -1) {
		err_set(e, ENOMEM, "cannot read manifest '%s'", r->name);
		return reader_fail(r, e);
	}
	if ((why = decode_body(body, len, ent, r->str)) != NULL) {
		err_set(e, 0, "manifest '%s' is corrupt: record %" PRIu64
		    ": %s", r->name, r->count + 1, why);
		return reader_fail(r, e);
	}
	if (reader_check_path(r, ent, e) == -1)
		return reader_fail(r, e);
	if (offset != NULL)
		*offset = r->off + r->pos;
	r->pos += REC_OVERHEAD + len;
	r->count++;
	return 1;
}

int
manifest_reader_skim(struct manifest_reader *r, struct err *e)
{
	int64_t n;

	for (;;) {
		if (r->status == 1)
			return 0;
		if (r->status == -1) {
			*e = r->failure;
			return -1;
		}
		if ((n = reader_frame(r, e)) == -1)
			return -1;
		if (n == 0)
			return reader_finish(r, e);
		r->pos += (size_t)n;
		r->count++;
	}
}

/* Reads n bytes at off.  Returns the count read (short at EOF), or -1. */
static ssize_t
pread_full(int fd, unsigned char *p, size_t n, uint64_t off)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = pread(fd, p + done, n - done, (off_t)(off + done));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int
manifest_reader_read_at(struct manifest_reader *r, uint64_t offset,
    struct entry *ent, struct err *e)
{
	const char *why;
	char qp[256];
	ssize_t n;
	size_t rec;
	uint32_t len;

	if (grow(&r->abuf, &r->acap, BUF_SIZE / 64) == -1)
		return err_set(e, ENOMEM, "cannot read manifest '%s'",
		    r->name);
	/*
	 * Read a small record in one call: the length and, most likely, all
	 * of it.  Only a record longer than the buffer needs a second read.
	 */
	if ((n = pread_full(r->fd, r->abuf, r->acap, offset)) == -1)
		return err_set(e, errno, "cannot read manifest '%s'", r->name);
	if (offset < HEADER_LEN || n < 4 ||
	    (len = get_u32(r->abuf)) == TRAILER_MARK)
		return err_set(e, 0, "manifest '%s' has no record at offset "
		    "%" PRIu64, r->name, offset);
	if (len < FIXED_LEN || len > BODY_MAX)
		return err_set(e, 0, "manifest '%s' is corrupt: record at "
		    "offset %" PRIu64 " has an impossible length %" PRIu32,
		    r->name, offset, len);
	rec = REC_OVERHEAD + (size_t)len;
	if ((size_t)n < rec && n == (ssize_t)r->acap) {
		if (grow(&r->abuf, &r->acap, rec) == -1)
			return err_set(e, ENOMEM, "cannot read manifest '%s'",
			    r->name);
		if ((n = pread_full(r->fd, r->abuf, rec, offset)) == -1)
			return err_set(e, errno, "cannot read manifest '%s'",
			    r->name);
	}
	if ((size_t)n < rec)
		return err_set(e, 0, "manifest '%s' is truncated", r->name);
	if (XXH3_64bits(r->abuf + 4, len) != get_u64(r->abuf + 4 + len))
		return err_set(e, 0, "manifest '%s' is corrupt: record at "
		    "offset %" PRIu64 " checksum mismatch", r->name, offset);
	if (grow(&r->astr, &r->astrcap, len - FIXED_LEN + 2) == -1)
		return err_set(e, ENOMEM, "cannot read manifest '%s'",
		    r->name);
	if ((why = decode_body(r->abuf + 4, len, ent, r->astr)) != NULL)
		return err_set(e, 0, "manifest '%s' is corrupt: record at "
		    "offset %" PRIu64 ": %s", r->name, offset, why);
	if ((why = path_problem(ent->path, ent->path_len)) != NULL)
		return err_set(e, 0, "manifest '%s' is corrupt: record at "
		    "offset %" PRIu64 ": path '%s' %s", r->name, offset,
		    name_quote(qp, sizeof(qp), ent->path, ent->path_len), why);
	return 0;
}

void
manifest_reader_close(struct manifest_reader *r)
{
	if (r != NULL)
		reader_free(r);
}
