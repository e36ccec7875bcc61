/*
 * entry: one file, directory, symlink or node as snap records it.
 *
 * The walker fills an entry from the source, the differ compares it with
 * the previous snapshot's entry for the same path, and the manifest stores
 * it.  Strings are not owned: path and target point into a buffer of
 * whoever produced the entry (the walker's path buffer, the manifest
 * reader's record buffer) and stay valid until that producer's next call.
 *
 * Paths are relative to the snapshot directory ("etc/fstab"), are raw
 * bytes (any byte but NUL; '/' only as separator) and are not
 * NUL-terminated in general: always use path_len.
 */
#ifndef SNAP_ENTRY_H
#define SNAP_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum entry_type {
	ENTRY_REG = 1,
	ENTRY_DIR,
	ENTRY_SYMLINK,
	ENTRY_FIFO,
	ENTRY_CHR,
	ENTRY_BLK,
	ENTRY_SOCK,
};

struct timens {
	int64_t		sec;
	uint32_t	nsec;
};

#define ENTRY_HASH_LEN 16	/* XXH128 in canonical (big-endian) bytes */

struct entry {
	const char	*path;
	size_t		 path_len;
	enum entry_type	 type;
	uint32_t	 mode;		/* st_mode: type and permission bits */
	uint32_t	 uid;
	uint32_t	 gid;
	uint32_t	 nlink;		/* source link count */
	uint64_t	 size;		/* bytes; symlink: target length */
	struct timens	 mtime;
	struct timens	 ctime;
	uint64_t	 ino;		/* source inode */
	uint64_t	 rdev;		/* device nodes */
	uint64_t	 stored_ino;	/* inode of the copy in the snapshot */
	uint64_t	 xattr_hash;	/* 0: no xattrs; see meta_xattr_hash */
	bool		 has_hash;	/* hash is valid (regular files) */
	unsigned char	 hash[ENTRY_HASH_LEN];
	const char	*target;	/* symlink target, else NULL */
	size_t		 target_len;
};

/*
 * What users read for a type, in every output (verify's "type file ->
 * folder", log's "type" in JSON): "file", "folder", "symlink", "fifo",
 * "char device", "block device", "socket"; "unknown" for a value that is
 * none of these.
 */
const char	*entry_type_name(enum entry_type type);

#endif
