/*
 * Unit tests of diff.c: every rule of the differ, without a disk.  Each
 * case starts from two equal regular-file entries (the source now and the
 * previous snapshot's record) and changes one field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>

#include "diff.h"

/* A regular file as the walker and the manifest would both describe it. */
static struct entry
reg_entry(void)
{
	struct entry ent;
	int i;

	memset(&ent, 0, sizeof(ent));
	ent.path = "etc/fstab";
	ent.path_len = strlen(ent.path);
	ent.type = ENTRY_REG;
	ent.mode = S_IFREG | 0644;
	ent.uid = 1000;
	ent.gid = 100;
	ent.nlink = 1;
	ent.size = 4096;
	ent.mtime.sec = 1764000000;
	ent.mtime.nsec = 123456789;
	ent.ctime.sec = 1764000100;
	ent.ctime.nsec = 987654321;
	ent.ino = 424242;
	ent.stored_ino = 777;
	ent.xattr_hash = 0;
	for (i = 0; i < ENTRY_HASH_LEN; i++)
		ent.hash[i] = (unsigned char)(0xa0 + i);
	return ent;
}

/* The same, with the content hash known. */
static struct entry
hashed_entry(void)
{
	struct entry ent = reg_entry();

	ent.has_hash = true;
	return ent;
}

/*
 * The plan once everything there is to know is known: the file hashed
 * when it has a hash, match the stored file the content index found.
 */
static struct diff_plan
decide(const struct entry *cur, const struct entry *prev,
    const struct entry *match, bool checksum)
{
	struct diff_input in;

	memset(&in, 0, sizeof(in));
	in.cur = cur;
	in.prev = prev;
	in.match = match;
	in.checksum = checksum;
	in.hashed = true;
	return diff_plan(&in);
}

/* Asserts that cur against prev is a copy for reason. */
static void
assert_copy(const struct entry *cur, const struct entry *prev,
    enum diff_reason reason)
{
	struct diff_plan d = decide(cur, prev, NULL, false);

	assert_false(diff_quick_same(cur, prev));
	assert_int_equal(d.action, ACT_COPY);
	assert_int_equal(d.reason, reason);
	assert_int_equal(diff_copy_reason(cur, prev), reason);
}

/* --- the quick check ---------------------------------------------- */

static void
test_diff_unchanged_links_prev(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_plan d;

	(void)state;
	/* The stored inode and the path are no part of the check. */
	prev.stored_ino = 1;
	prev.nlink = 3;
	assert_true(diff_quick_same(&cur, &prev));
	d = decide(&cur, &prev, NULL, false);
	assert_int_equal(d.action, ACT_LINK_PREV);
	assert_int_equal(d.reason, REASON_NONE);
}

static void
test_diff_unchanged_links_prev_over_match(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();
	struct entry match = hashed_entry();

	(void)state;
	assert_int_equal(decide(&cur, &prev, &match, false).action,
	    ACT_LINK_PREV);
}

static void
test_diff_size_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.size++;
	assert_copy(&cur, &prev, REASON_CONTENT);
	/* Even with equal hashes a size change is content. */
	cur.has_hash = prev.has_hash = true;
	assert_copy(&cur, &prev, REASON_CONTENT);
}

static void
test_diff_mtime_sec_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.mtime.sec++;
	/* Not hashed: the content may have changed. */
	assert_copy(&cur, &prev, REASON_CONTENT);
	cur.has_hash = prev.has_hash = true;
	assert_copy(&cur, &prev, REASON_TIMES);
}

static void
test_diff_mtime_nsec_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.mtime.nsec++;
	assert_copy(&cur, &prev, REASON_CONTENT);
	cur.has_hash = prev.has_hash = true;
	assert_copy(&cur, &prev, REASON_TIMES);
}

static void
test_diff_mtime_change_with_new_content_is_content(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();

	(void)state;
	cur.mtime.sec++;
	cur.hash[5] ^= 0xff;
	assert_copy(&cur, &prev, REASON_CONTENT);
}

static void
test_diff_ctime_sec_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.ctime.sec++;
	assert_copy(&cur, &prev, REASON_CONTENT);
}

static void
test_diff_ctime_nsec_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.ctime.nsec--;
	assert_copy(&cur, &prev, REASON_CONTENT);
}

static void
test_diff_inode_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.ino++;
	assert_copy(&cur, &prev, REASON_CONTENT);
}

/* The stat of a stored inode that holds what rec records. */
static struct stat
stored_stat(const struct entry *rec)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_ino = (ino_t)rec->stored_ino;
	st.st_mode = rec->mode;
	st.st_size = (off_t)rec->size;
	st.st_mtim.tv_sec = rec->mtime.sec;
	st.st_mtim.tv_nsec = rec->mtime.nsec;
	return st;
}

/*
 * The stored inode is a hint: a store copied with cp -a has new inode
 * numbers for the same files, and they still stand for their records.
 * Size, mtime (ns) and mode are what must agree.
 */
static void
test_diff_stored_fits_inode_is_a_hint(void **state)
{
	struct entry rec = reg_entry();
	struct stat st = stored_stat(&rec);

	(void)state;
	assert_true(diff_stored_fits(&rec, &st));
	st.st_ino++;
	assert_true(diff_stored_fits(&rec, &st));
	st.st_ctim.tv_sec++;		/* cp -a makes a new ctime too */
	assert_true(diff_stored_fits(&rec, &st));
	st = stored_stat(&rec);
	st.st_size++;
	assert_false(diff_stored_fits(&rec, &st));
	st = stored_stat(&rec);
	st.st_mtim.tv_nsec++;
	assert_false(diff_stored_fits(&rec, &st));
	st = stored_stat(&rec);
	st.st_mode = S_IFREG | 0600;
	assert_false(diff_stored_fits(&rec, &st));
	st = stored_stat(&rec);
	st.st_mode = S_IFLNK | 0644;
	assert_false(diff_stored_fits(&rec, &st));
}

static void
test_diff_mode_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.mode = S_IFREG | 0600;
	assert_copy(&cur, &prev, REASON_MODE);
	cur.has_hash = prev.has_hash = true;
	assert_copy(&cur, &prev, REASON_MODE);
}

static void
test_diff_uid_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.uid = 0;
	assert_copy(&cur, &prev, REASON_OWNER);
}

static void
test_diff_gid_change_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.gid = 0;
	assert_copy(&cur, &prev, REASON_OWNER);
}

static void
test_diff_mode_before_owner(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.mode = S_IFREG | 0600;
	cur.uid = 0;
	assert_copy(&cur, &prev, REASON_MODE);
}

static void
test_diff_xattr_change_copies(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();

	(void)state;
	/* setxattr moves the ctime only. */
	cur.ctime.sec++;
	cur.xattr_hash = 0x1234;
	assert_copy(&cur, &prev, REASON_XATTRS);
}

static void
test_diff_hash_change_copies(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();

	(void)state;
	/* Rewritten in place with the same size and the old times. */
	cur.ctime.sec++;
	cur.hash[ENTRY_HASH_LEN - 1] ^= 1;
	assert_copy(&cur, &prev, REASON_CONTENT);
}

static void
test_diff_no_prev_is_new(void **state)
{
	struct entry cur = reg_entry();

	(void)state;
	assert_false(diff_quick_same(&cur, NULL));
	assert_copy(&cur, NULL, REASON_NEW);
	cur.has_hash = true;
	assert_copy(&cur, NULL, REASON_NEW);
}

static void
test_diff_prev_dir_is_new(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	prev.type = ENTRY_DIR;
	prev.mode = S_IFDIR | 0644;
	assert_copy(&cur, &prev, REASON_NEW);
	/* Even with every other field equal. */
	prev.mode = cur.mode;
	assert_copy(&cur, &prev, REASON_NEW);
	prev.type = ENTRY_SYMLINK;
	assert_copy(&cur, &prev, REASON_NEW);
}

static void
test_diff_quick_same_needs_regular_files(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();

	(void)state;
	cur.type = ENTRY_SYMLINK;
	assert_false(diff_quick_same(&cur, &prev));
	cur.type = ENTRY_REG;
	prev.type = ENTRY_FIFO;
	assert_false(diff_quick_same(&cur, &prev));
}

/* --- checksum: true ----------------------------------------------- */

static void
test_diff_checksum_quick_check_alone_never_links(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_plan d;

	(void)state;
	assert_true(diff_quick_same(&cur, &prev));
	d = decide(&cur, &prev, NULL, true);
	assert_int_not_equal(d.action, ACT_LINK_PREV);
	assert_int_equal(d.action, ACT_COPY);
	/* Only one side hashed is not enough either. */
	cur.has_hash = true;
	assert_int_equal(decide(&cur, &prev, NULL, true).action,
	    ACT_COPY);
	cur.has_hash = false;
	prev.has_hash = true;
	assert_int_equal(decide(&cur, &prev, NULL, true).action,
	    ACT_COPY);
}

static void
test_diff_checksum_equal_hash_links(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();
	struct diff_plan d;

	(void)state;
	d = decide(&cur, &prev, NULL, true);
	assert_int_equal(d.action, ACT_LINK_PREV);
	/* A new inode or ctime with equal content and metadata too. */
	cur.ino++;
	cur.ctime.sec++;
	d = decide(&cur, &prev, NULL, true);
	assert_int_equal(d.action, ACT_LINK_PREV);
}

static void
test_diff_checksum_hash_change_copies(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();
	struct diff_plan d;

	(void)state;
	/* Every stat field equal: only the hash tells. */
	cur.hash[0] ^= 0x80;
	assert_true(diff_quick_same(&cur, &prev));
	d = decide(&cur, &prev, NULL, true);
	assert_int_equal(d.action, ACT_COPY);
	assert_int_equal(d.reason, REASON_CONTENT);
}

static void
test_diff_checksum_meta_change_copies(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();
	struct diff_plan d;

	(void)state;
	cur.mode = S_IFREG | 0755;
	d = decide(&cur, &prev, NULL, true);
	assert_int_equal(d.action, ACT_COPY);
	assert_int_equal(d.reason, REASON_MODE);
}

/* --- a stored file with the same content -------------------------- */

static void
test_diff_match_links_same_content(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();
	struct diff_plan d;

	(void)state;
	/* Elsewhere, another inode, another ctime: still shareable. */
	match.path = "old/place/fstab";
	match.path_len = strlen(match.path);
	match.ino = 1;
	match.ctime.sec = 5;
	assert_true(diff_can_share(&cur, &match));
	d = decide(&cur, NULL, &match, false);
	assert_int_equal(d.action, ACT_LINK_SAME_CONTENT);
	d = decide(&cur, NULL, &match, true);
	assert_int_equal(d.action, ACT_LINK_SAME_CONTENT);
}

static void
test_diff_match_with_changed_prev_links_same_content(void **state)
{
	struct entry cur = hashed_entry(), prev = hashed_entry();
	struct entry match = hashed_entry();

	(void)state;
	prev.size = 1;
	assert_int_equal(decide(&cur, &prev, &match, false).action,
	    ACT_LINK_SAME_CONTENT);
}

/* The match differs in one field: a copy, counted as new (no prev). */
static void
assert_match_refused(const struct entry *cur, const struct entry *match)
{
	struct diff_plan d;

	assert_false(diff_can_share(cur, match));
	d = decide(cur, NULL, match, false);
	assert_int_equal(d.action, ACT_COPY);
	assert_int_equal(d.reason, REASON_NEW);
}

static void
test_diff_match_other_mode_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.mode = S_IFREG | 0444;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_other_owner_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.uid++;
	assert_match_refused(&cur, &match);
	match = hashed_entry();
	match.gid++;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_other_mtime_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.mtime.sec--;
	assert_match_refused(&cur, &match);
	match = hashed_entry();
	match.mtime.nsec++;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_other_xattrs_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.xattr_hash = 99;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_other_hash_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.hash[9] ^= 1;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_other_size_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.size++;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_unhashed_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.has_hash = false;
	assert_match_refused(&cur, &match);
	match.has_hash = true;
	cur.has_hash = false;
	assert_match_refused(&cur, &match);
}

static void
test_diff_match_not_regular_copies(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();

	(void)state;
	match.type = ENTRY_SYMLINK;
	assert_match_refused(&cur, &match);
	assert_false(diff_can_share(&cur, NULL));
}


/* --- the plan ladder, rung by rung ------------------------------- */

/* What the driver knows before it has read anything. */
static struct diff_input
fresh_input(const struct entry *cur, const struct entry *prev)
{
	struct diff_input in;

	memset(&in, 0, sizeof(in));
	in.cur = cur;
	in.prev = prev;
	return in;
}

static void
test_plan_unchanged_links_prev_without_reading(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_input in = fresh_input(&cur, &prev);
	struct diff_plan p;

	(void)state;
	in.index_has = true;	/* the quick check wins before any hash */
	p = diff_plan(&in);
	assert_int_equal(p.action, ACT_LINK_PREV);
	assert_ptr_equal(p.from, &prev);
}

static void
test_plan_changed_file_hashes_only_when_it_can_pay(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_input in = fresh_input(&cur, &prev);

	(void)state;
	cur.mtime.sec++;
	/* No stored file could stand for it: copy without a read. */
	assert_int_equal(diff_plan(&in).action, ACT_COPY);
	in.index_has = true;
	assert_int_equal(diff_plan(&in).action, ACT_HASH);
	in.hashed = true;
	assert_int_equal(diff_plan(&in).action, ACT_COPY);
}

static void
test_plan_checksum_hashes_first(void **state)
{
	struct entry cur = reg_entry(), prev = hashed_entry();
	struct diff_input in = fresh_input(&cur, &prev);

	(void)state;
	in.checksum = true;
	assert_int_equal(diff_plan(&in).action, ACT_HASH);
	cur.has_hash = true;
	in.hashed = true;
	assert_int_equal(diff_plan(&in).action, ACT_LINK_PREV);
}

static void
test_plan_hash_that_failed_is_not_asked_again(void **state)
{
	struct entry cur = reg_entry(), prev = hashed_entry();
	struct diff_input in = fresh_input(&cur, &prev);

	(void)state;
	in.checksum = true;
	in.hashed = true;	/* it grew while read: no hash */
	assert_int_equal(diff_plan(&in).action, ACT_COPY);
}

static void
test_plan_group_member_links_to_first_name(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_input in = fresh_input(&cur, &prev);

	(void)state;
	in.group_stored = true;
	assert_int_equal(diff_plan(&in).action, ACT_HARDLINK);
	/* The first name is gone or replaced: the usual ladder. */
	in.group_failed = true;
	assert_int_equal(diff_plan(&in).action, ACT_LINK_PREV);
}

static void
test_plan_link_fallback_copies_with_its_reason(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_input in = fresh_input(&cur, &prev);
	struct diff_plan p;

	(void)state;
	in.group_stored = true;
	in.link_fallback = REASON_EMLINK;
	p = diff_plan(&in);
	assert_int_equal(p.action, ACT_COPY);
	assert_int_equal(p.reason, REASON_EMLINK);
	in.link_fallback = REASON_EXDEV;
	p = diff_plan(&in);
	assert_int_equal(p.action, ACT_COPY);
	assert_int_equal(p.reason, REASON_EXDEV);
}

static void
test_plan_prev_taken_by_other_file_copies_separate(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_input in = fresh_input(&cur, &prev);
	struct diff_plan p;

	(void)state;
	in.prev_taken = true;
	p = diff_plan(&in);
	assert_int_equal(p.action, ACT_COPY);
	assert_int_equal(p.reason, REASON_SEPARATE);
}

static void
test_plan_prev_unusable_copies(void **state)
{
	struct entry cur = reg_entry(), prev = reg_entry();
	struct diff_input in = fresh_input(&cur, &prev);

	(void)state;
	in.prev_unusable = true;
	assert_int_equal(diff_plan(&in).action, ACT_COPY);
}

static void
test_plan_match_links_by_content(void **state)
{
	struct entry cur = hashed_entry(), match = hashed_entry();
	struct diff_input in = fresh_input(&cur, NULL);
	struct diff_plan p;

	(void)state;
	in.index_has = true;
	assert_int_equal(diff_plan(&in).action, ACT_HASH);
	in.hashed = true;
	in.match = &match;
	p = diff_plan(&in);
	assert_int_equal(p.action, ACT_LINK_SAME_CONTENT);
	assert_ptr_equal(p.from, &match);
	/* Without a match (none, or each one another file's): a copy. */
	in.match = NULL;
	p = diff_plan(&in);
	assert_int_equal(p.action, ACT_COPY);
	assert_int_equal(p.reason, REASON_NEW);
}

/* --- other types -------------------------------------------------- */

static void
test_diff_type_dispatch(void **state)
{
	static const struct {
		enum entry_type	 type;
		uint32_t	 fmt;
		enum diff_action action;
	} cases[] = {
		{ ENTRY_DIR, S_IFDIR, ACT_MKDIR },
		{ ENTRY_SYMLINK, S_IFLNK, ACT_SYMLINK },
		{ ENTRY_FIFO, S_IFIFO, ACT_MKNOD },
		{ ENTRY_CHR, S_IFCHR, ACT_MKNOD },
		{ ENTRY_BLK, S_IFBLK, ACT_MKNOD },
		{ ENTRY_SOCK, S_IFSOCK, ACT_MKNOD },
	};
	struct entry cur, prev;
	struct diff_plan d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cur = hashed_entry();
		cur.type = cases[i].type;
		cur.mode = cases[i].fmt | 0644;
		prev = cur;
		/* Same with or without prev, match or checksum. */
		d = decide(&cur, NULL, NULL, false);
		assert_int_equal(d.action, cases[i].action);
		assert_int_equal(d.reason, REASON_NONE);
		d = decide(&cur, &prev, &prev, true);
		assert_int_equal(d.action, cases[i].action);
		assert_int_equal(d.reason, REASON_NONE);
	}
}

/* --- the metadata key --------------------------------------------- */

static void
test_diff_meta_key_equal_for_equal_meta(void **state)
{
	struct entry a = hashed_entry(), b = hashed_entry();

	(void)state;
	assert_true(diff_meta_key(&a) == diff_meta_key(&b));
	/* Fields a shared inode need not agree on stay out of the key. */
	b.path = "somewhere/else";
	b.path_len = strlen(b.path);
	b.size = 1;
	b.ino++;
	b.ctime.sec++;
	b.ctime.nsec++;
	b.nlink = 9;
	b.stored_ino = 5;
	b.hash[0] ^= 1;
	b.has_hash = false;
	assert_true(diff_meta_key(&a) == diff_meta_key(&b));
}

static void
test_diff_meta_key_differs_per_field(void **state)
{
	struct entry a = hashed_entry(), b[8];
	uint64_t key = diff_meta_key(&a);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		b[i] = a;
	b[0].mode ^= 0001;
	b[1].uid++;
	b[2].gid++;
	b[3].mtime.sec++;
	b[4].mtime.nsec++;
	b[5].xattr_hash = 1;
	b[6].xattr_hash = a.xattr_hash ^ (1ULL << 63);
	/* uid and gid are not interchangeable. */
	b[7].uid = a.gid;
	b[7].gid = a.uid;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		assert_true(diff_meta_key(&b[i]) != key);
}

/* --- names -------------------------------------------------------- */

static void
test_diff_reason_names(void **state)
{
	int i, j;

	(void)state;
	assert_string_equal(diff_reason_name(REASON_NEW), "new path");
	assert_string_equal(diff_reason_name(REASON_CONTENT),
	    "content changed");
	assert_string_equal(diff_reason_name(REASON_MODE), "mode");
	assert_string_equal(diff_reason_name(REASON_OWNER), "owner");
	assert_string_equal(diff_reason_name(REASON_TIMES), "times");
	assert_string_equal(diff_reason_name(REASON_XATTRS), "xattrs");
	assert_string_equal(diff_reason_name(REASON_EXDEV), "EXDEV");
	assert_string_equal(diff_reason_name(REASON_EMLINK), "EMLINK");
	assert_string_equal(diff_reason_name(REASON_COUNT), "unknown");
	assert_string_equal(diff_reason_name((enum diff_reason)-1),
	    "unknown");
	/* Every reason has its own non-empty word. */
	for (i = REASON_NONE; i < REASON_COUNT; i++) {
		assert_non_null(diff_reason_name(i));
		assert_true(diff_reason_name(i)[0] != '\0');
		for (j = i + 1; j < REASON_COUNT; j++)
			assert_string_not_equal(diff_reason_name(i),
			    diff_reason_name(j));
	}
}

static void
test_diff_action_names(void **state)
{
	(void)state;
	assert_string_equal(diff_action_name(ACT_LINK_PREV), "link");
	assert_string_equal(diff_action_name(ACT_LINK_SAME_CONTENT),
	    "link-content");
	assert_string_equal(diff_action_name(ACT_HARDLINK), "hardlink");
	assert_string_equal(diff_action_name(ACT_HASH), "hash");
	assert_string_equal(diff_action_name(ACT_COPY), "copy");
	assert_string_equal(diff_action_name(ACT_MKDIR), "mkdir");
	assert_string_equal(diff_action_name(ACT_SYMLINK), "symlink");
	assert_string_equal(diff_action_name(ACT_MKNOD), "mknod");
	assert_string_equal(diff_action_name(ACT_SKIP), "skip");
	assert_string_equal(diff_action_name((enum diff_action)0), "unknown");
	assert_string_equal(diff_action_name((enum diff_action)99),
	    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_unchanged_links_prev),
		cmocka_unit_test(test_diff_unchanged_links_prev_over_match),
		cmocka_unit_test(test_diff_size_change_copies),
		cmocka_unit_test(test_diff_mtime_sec_change_copies),
		cmocka_unit_test(test_diff_mtime_nsec_change_copies),
		cmocka_unit_test(
		    test_diff_mtime_change_with_new_content_is_content),
		cmocka_unit_test(test_diff_ctime_sec_change_copies),
		cmocka_unit_test(test_diff_ctime_nsec_change_copies),
		cmocka_unit_test(test_diff_inode_change_copies),
		cmocka_unit_test(test_diff_stored_fits_inode_is_a_hint),
		cmocka_unit_test(test_diff_mode_change_copies),
		cmocka_unit_test(test_diff_uid_change_copies),
		cmocka_unit_test(test_diff_gid_change_copies),
		cmocka_unit_test(test_diff_mode_before_owner),
		cmocka_unit_test(test_diff_xattr_change_copies),
		cmocka_unit_test(test_diff_hash_change_copies),
		cmocka_unit_test(test_diff_no_prev_is_new),
		cmocka_unit_test(test_diff_prev_dir_is_new),
		cmocka_unit_test(test_diff_quick_same_needs_regular_files),
		cmocka_unit_test(
		    test_diff_checksum_quick_check_alone_never_links),
		cmocka_unit_test(test_diff_checksum_equal_hash_links),
		cmocka_unit_test(test_diff_checksum_hash_change_copies),
		cmocka_unit_test(test_diff_checksum_meta_change_copies),
		cmocka_unit_test(test_diff_match_links_same_content),
		cmocka_unit_test(
		    test_diff_match_with_changed_prev_links_same_content),
		cmocka_unit_test(test_diff_match_other_mode_copies),
		cmocka_unit_test(test_diff_match_other_owner_copies),
		cmocka_unit_test(test_diff_match_other_mtime_copies),
		cmocka_unit_test(test_diff_match_other_xattrs_copies),
		cmocka_unit_test(test_diff_match_other_hash_copies),
		cmocka_unit_test(test_diff_match_other_size_copies),
		cmocka_unit_test(test_diff_match_unhashed_copies),
		cmocka_unit_test(test_diff_match_not_regular_copies),
		cmocka_unit_test(
		    test_plan_unchanged_links_prev_without_reading),
		cmocka_unit_test(
		    test_plan_changed_file_hashes_only_when_it_can_pay),
		cmocka_unit_test(test_plan_checksum_hashes_first),
		cmocka_unit_test(
		    test_plan_hash_that_failed_is_not_asked_again),
		cmocka_unit_test(test_plan_group_member_links_to_first_name),
		cmocka_unit_test(
		    test_plan_link_fallback_copies_with_its_reason),
		cmocka_unit_test(
		    test_plan_prev_taken_by_other_file_copies_separate),
		cmocka_unit_test(test_plan_prev_unusable_copies),
		cmocka_unit_test(test_plan_match_links_by_content),
		cmocka_unit_test(test_diff_type_dispatch),
		cmocka_unit_test(test_diff_meta_key_equal_for_equal_meta),
		cmocka_unit_test(test_diff_meta_key_differs_per_field),
		cmocka_unit_test(test_diff_reason_names),
		cmocka_unit_test(test_diff_action_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
