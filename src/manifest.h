/*
 * manifest: the per-snapshot index of every entry, in walk order.
 *
 * One file per snapshot, .snap/manifests/NAME.  It is written as a
 * stream while the snapshot is built (memory does not grow with the
 * tree), to "NAME.tmp", and only manifest_writer_commit makes it durable
 * and gives it its name.  Readers stream it back in the same order, so
 * that it can be merge-joined with a walk or another manifest, and can
 * also re-read one record at an offset they noted (the content index keeps
 * offsets instead of paths).
 *
 * Format (all integers little-endian):
 *   header  "SNAPMAN\n", u32 version (MANIFEST_VERSION), u32 flags (0)
 *   record  u32 body length, body, u64 XXH3-64 of the body
 *   trailer u32 0xFFFFFFFF, u64 record count, u64 XXH3-64 of every byte
 *           before the trailer
 * A body holds every field of struct entry (see manifest.c), then the
 * path bytes and the symlink target bytes.  A reader rejects an unknown
 * version, a record whose checksum fails, a missing or wrong trailer, and
 * bytes after the trailer, with "manifest 'PATH' is corrupt: ..." (or
 * "... is truncated").  Since whoever can write the store can forge a
 * manifest with right checksums, it also rejects a record path that is
 * absolute, has an empty, "." or ".." component, or does not sort
 * strictly after the path before it (name_pathcmp), naming the record:
 * every reader may then join paths below a folder of its own.
 */
#ifndef SNAP_MANIFEST_H
#define SNAP_MANIFEST_H

#include <stdint.h>

#include "entry.h"
#include "err.h"
#include "sys.h"

#define MANIFEST_VERSION 1

struct manifest_writer;
struct manifest_reader;

/*
 * Creates dirfd/NAME.tmp (replacing a stale one) and writes the header.
 * Writes go through sys (so ENOSPC can be injected).  Returns 0 and sets
 * *out, or -1 with e set.
 */
int	manifest_writer_open(struct manifest_writer **out, int dirfd,
	    const char *name, const struct sys_ops *sys, struct err *e);

/* Appends one entry (buffered).  Returns 0, or -1 with e set. */
int	manifest_writer_add(struct manifest_writer *w, const struct entry *ent,
	    struct err *e);

/*
 * Writes the trailer, fsyncs the file, renames NAME.tmp to NAME and
 * fsyncs dirfd.  Frees w whether it succeeds or not.  On failure neither
 * NAME.tmp nor NAME is left (a new snapshot's manifest is not half
 * made), except after manifest_writer_replaces when only the fsync of
 * dirfd failed: then the new NAME, whole and synced, stays.  Returns 0,
 * or -1 with e set.
 */
int	manifest_writer_commit(struct manifest_writer *w, struct err *e);

/*
 * Marks w as rewriting the manifest of a snapshot that exists (repair):
 * once the rename has replaced the old manifest, removing the new one
 * would leave the snapshot with none, and so out of every listing.
 */
void	manifest_writer_replaces(struct manifest_writer *w);

/* Removes NAME.tmp and frees w (NULL is fine). */
void	manifest_writer_abort(struct manifest_writer *w);

/*
 * Opens dirfd/name for reading and checks the header.  Returns 0 and sets
 * *out, or -1 with e set (errnum ENOENT if there is no such manifest).
 */
int	manifest_reader_open(struct manifest_reader **out, int dirfd,
	    const char *name, struct err *e);

/*
 * The same for a manifest already open as fd, at offset 0 (name is for
 * messages only): the reader owns fd from now on and closes it, also
 * when it fails.  It refuses anything but a regular file.
 */
int	manifest_reader_fdopen(struct manifest_reader **out, int fd,
	    const char *name, struct err *e);

/*
 * Reads the next entry into *ent (its strings stay valid until the next
 * call on r) and, if offset is not NULL, stores the record's offset for
 * manifest_reader_read_at.  Returns 1 for an entry, 0 at the end once the
 * trailer has been checked (count and whole-file checksum), -1 with e set
 * on corruption or I/O error.
 */
int	manifest_reader_next(struct manifest_reader *r, struct entry *ent,
	    uint64_t *offset, struct err *e);

/*
 * Reads the rest of the file without decoding it: follows the record
 * lengths to the trailer and checks the trailer (count and whole-file
 * checksum), not each record's own checksum, fields or path order.
 * A whole-file check before anything is trusted to the manifest, at the
 * cost of one pass over its bytes; a reader opened again then checks each
 * record as it decodes it.  Returns 0, or -1 with e set on corruption or
 * I/O error; r is at its end either way.
 */
int	manifest_reader_skim(struct manifest_reader *r, struct err *e);

/*
 * Reads the record at offset (from manifest_reader_next) into *ent
 * without disturbing the streaming position.  Its strings stay valid
 * until the next read_at on r.  Returns 0, or -1 with e set.
 */
int	manifest_reader_read_at(struct manifest_reader *r, uint64_t offset,
	    struct entry *ent, struct err *e);

void	manifest_reader_close(struct manifest_reader *r);

#endif
