/*
 * content: the content index of the previous snapshot.
 *
 * It answers "is a file with this content and metadata already stored?"
 * so a renamed folder, a reverted edit or a duplicate is linked instead
 * of copied.  To stay small on a million-file snapshot (32 bytes a file)
 * it keeps no paths: only size, the metadata key (diff_meta_key), 64 bits
 * of the hash and the manifest offset of the record, which the caller
 * re-reads with manifest_reader_read_at to get the path and check the
 * whole hash.
 *
 *   content_index_add(...) for each stored regular file
 *   content_index_seal(...) once
 *   content_index_has(...) / content_index_next(...) per lookup
 *   content_index_free(...)
 */
#ifndef SNAP_CONTENT_H
#define SNAP_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"

struct content_slot {
	uint64_t	size;
	uint64_t	meta_key;
	uint64_t	hash_prefix;	/* first 8 canonical hash bytes */
	uint64_t	offset;		/* of the manifest record */
};

struct content_index {
	struct content_slot *slots;
	size_t		 n;
	size_t		 cap;
};

/* Adds a stored regular file (with a hash).  Returns 0, or -1 (ENOMEM). */
int	content_index_add(struct content_index *ci, const struct entry *ent,
	    uint64_t offset);

/* Sorts the index; call once after the last add. */
void	content_index_seal(struct content_index *ci);

/* True when some stored file has this size and metadata key. */
bool	content_index_has(const struct content_index *ci, uint64_t size,
	    uint64_t meta_key);

/*
 * Walks the stored files that may match ent (size, metadata key and hash
 * prefix; ent->has_hash must be set).  Start with *pos = 0; each call
 * returns 1 and sets *offset, or 0 when there are no more.
 */
int	content_index_next(const struct content_index *ci,
	    const struct entry *ent, uint64_t meta_key, size_t *pos,
	    uint64_t *offset);

void	content_index_free(struct content_index *ci);

#endif
