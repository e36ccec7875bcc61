/*
 * Unit tests of copy.c in a scratch directory: content, holes, the hash,
 * O_EXCL, and the fallbacks and failures injected through sys_fault.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "copy.h"
#include "sys_fault.h"

#define MIB	(1024 * 1024)

struct scratch {
	char	path[256];
	int	dirfd;
};

/*
 * The faults come from sys_fault.h, wrapped around base_sys: the real
 * calls, but for a ficlone that can "succeed" by copying by hand and a
 * pwrite that can shrink the source first.
 */
static int	fake_clone;	/* ficlone "succeeds" by copying by hand */
static int	shrink_fd = -1;	/* cut at the first pwrite */
static off_t	shrink_to;

static int
base_ficlone(int dstfd, int srcfd)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	if (!fake_clone)
		return sys_real.ficlone(dstfd, srcfd);
	while ((n = pread(srcfd, buf, sizeof(buf), off)) > 0) {
		if (pwrite(dstfd, buf, n, off) != n)
			return -1;
		off += n;
	}
	return n == 0 ? 0 : -1;
}

static ssize_t
base_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (shrink_fd != -1) {
		if (ftruncate(shrink_fd, shrink_to) == -1)
			return -1;
		shrink_fd = -1;
	}
	return sys_real.pwrite(fd, buf, len, off);
}

static struct sys_ops base_sys;
static const struct sys_ops *test_sys;

/* Every call of kind fails with error. */
static void
fail_all(const char *kind, int error)
{
	struct err e;

	if (sys_fault_add(kind, 1, error, SYS_FAULT_FROM, &e) == -1)
		fail_msg("%s", e.msg);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct scratch *s;
	const char *tmp;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	tmp = getenv("TMPDIR");
	snprintf(s->path, sizeof(s->path), "%s/test_copy.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(s->path) == NULL) {
		free(s);
		return -1;
	}
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd == -1)
		return -1;

	base_sys = sys_real;
	base_sys.ficlone = base_ficlone;
	base_sys.pwrite = base_pwrite;
	test_sys = sys_fault_wrap(&base_sys);
	fake_clone = 0;
	shrink_fd = -1;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	close(s->dirfd);
	nftw(s->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

/* Creates name in the scratch directory with len bytes of content. */
static int
make_file(struct scratch *s, const char *name, const unsigned char *buf,
    size_t len)
{
	int fd;

	fd = openat(s->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	assert_int_not_equal(fd, -1);
	if (len > 0)
		assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	return fd;
}

static unsigned char *
pattern(size_t len, uint32_t seed)
{
	unsigned char *buf;
	size_t i;

	buf = malloc(len > 0 ? len : 1);
	assert_non_null(buf);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = seed >> 16;
	}
	return buf;
}

static void
hash_of(const unsigned char *buf, size_t len, unsigned char *out)
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(buf, len));
	memcpy(out, c.digest, ENTRY_HASH_LEN);
}

/* Asserts that the files behind two fds have the same bytes. */
static void
assert_same_content(int a, int b)
{
	static unsigned char ba[MIB], bb[MIB];
	off_t off = 0;
	ssize_t na, nb;

	for (;;) {
		na = pread(a, ba, sizeof(ba), off);
		nb = pread(b, bb, sizeof(bb), off);
		assert_true(na >= 0);
		assert_int_equal(na, nb);
		if (na == 0)
			break;
		assert_memory_equal(ba, bb, na);
		off += na;
	}
}

static int
open_copy(struct scratch *s, const char *name)
{
	int fd;

	fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	return fd;
}

/*
 * Copies a file of len bytes with sys and checks content, size, mode
 * 0600, the hash against XXH3_128bits and copy_hash_fd.
 */
static void
check_copy(struct scratch *s, const struct sys_ops *sys, size_t len,
    enum copy_method *method)
{
	struct copy_result res;
	struct err e;
	unsigned char *buf, want[ENTRY_HASH_LEN], again[ENTRY_HASH_LEN];
	uint64_t size;
	struct stat st;
	int src, dst, cfd;

	buf = pattern(len, (uint32_t)len);
	src = make_file(s, "src", buf, len);
	err_clear(&e);
	assert_int_equal(copy_file(sys, src, NULL, s->dirfd, "dst", "a/src", &dst,
	    &res, &e), 0);
	assert_int_not_equal(dst, -1);
	assert_int_equal(res.bytes, len);
	hash_of(buf, len, want);
	assert_memory_equal(res.hash, want, ENTRY_HASH_LEN);
	assert_int_equal(copy_hash_fd(src, "a/src", again, &size, &e), 0);
	assert_int_equal(size, len);
	assert_memory_equal(again, want, ENTRY_HASH_LEN);

	assert_int_equal(fstat(dst, &st), 0);
	assert_int_equal(st.st_size, (off_t)len);
	assert_int_equal(st.st_mode & 07777, 0600);
	cfd = open_copy(s, "dst");
	assert_same_content(src, cfd);
	*method = res.method;
	close(cfd);
	close(dst);
	close(src);
	free(buf);
}

static void
test_copy_small(void **state)
{
	enum copy_method m;

	check_copy(*state, &sys_real, 1000, &m);
}

static void
test_copy_empty(void **state)
{
	enum copy_method m;

	check_copy(*state, &sys_real, 0, &m);
}

static void
test_copy_5mib(void **state)
{
	enum copy_method m;

	check_copy(*state, &sys_real, 5 * MIB + 17, &m);
}

static void
test_copy_sparse_keeps_holes(void **state)
{
	struct scratch *s = *state;
	struct copy_result res;
	struct err e;
	unsigned char *data, h[ENTRY_HASH_LEN];
	uint64_t size;
	struct stat st;
	int src, dst, cfd;
	const off_t total = 80 * (off_t)MIB;

	data = pattern(4096, 7);
	src = make_file(s, "sparse", NULL, 0);
	assert_int_equal(pwrite(src, data, 4096, 0), 4096);
	assert_int_equal(pwrite(src, data, 4096, 16 * MIB + 5), 4096);
	assert_int_equal(pwrite(src, data, 4096, 64 * MIB - 4096), 4096);
	/* A trailing hole: only ftruncate can make it in the copy. */
	assert_int_equal(ftruncate(src, total), 0);

	assert_int_equal(copy_file(&sys_real, src, NULL, s->dirfd, "copy", "sparse",
	    &dst, &res, &e), 0);
	assert_int_equal(res.bytes, total);
	assert_int_equal(fstat(dst, &st), 0);
	assert_int_equal(st.st_size, total);
	/* Three 4 KiB runs, one across two blocks: far below 1 MiB. */
	assert_true(st.st_blocks * 512 < MIB);
	cfd = open_copy(s, "copy");
	assert_same_content(src, cfd);
	assert_int_equal(copy_hash_fd(cfd, "copy", h, &size, &e), 0);
	assert_int_equal(size, total);
	assert_memory_equal(h, res.hash, ENTRY_HASH_LEN);
	close(cfd);
	close(dst);
	close(src);
	free(data);
}

static void
test_copy_sparse_all_hole(void **state)
{
	struct scratch *s = *state;
	struct copy_result res;
	struct err e;
	unsigned char *zeros, want[ENTRY_HASH_LEN];
	struct stat st;
	int src, dst;

	src = make_file(s, "holes", NULL, 0);
	assert_int_equal(ftruncate(src, 3 * MIB), 0);
	assert_int_equal(copy_file(&sys_real, src, NULL, s->dirfd, "copy", "holes",
	    &dst, &res, &e), 0);
	zeros = calloc(1, 3 * MIB);
	assert_non_null(zeros);
	hash_of(zeros, 3 * MIB, want);
	assert_memory_equal(res.hash, want, ENTRY_HASH_LEN);
	assert_int_equal(fstat(dst, &st), 0);
	assert_int_equal(st.st_size, 3 * MIB);
	assert_int_equal(st.st_blocks, 0);
	free(zeros);
	close(dst);
	close(src);
}

static void
test_copy_refuses_existing_name(void **state)
{
	struct scratch *s = *state;
	struct copy_result res;
	struct err e;
	struct stat st;
	int src, old, dst = 42;

	src = make_file(s, "src", (const unsigned char *)"new", 3);
	old = make_file(s, "dst", (const unsigned char *)"old!", 4);
	assert_int_equal(copy_file(&sys_real, src, NULL, s->dirfd, "dst", "x/dst",
	    &dst, &res, &e), -1);
	assert_int_equal(e.errnum, EEXIST);
	assert_int_equal(dst, -1);
	assert_non_null(strstr(e.msg, "'x/dst'"));
	/* The name it met is left alone. */
	assert_int_equal(fstatat(s->dirfd, "dst", &st, 0), 0);
	assert_int_equal(st.st_size, 4);

	/* Nor does it write through a symlink. */
	assert_int_equal(symlinkat("dst", s->dirfd, "link"), 0);
	assert_int_equal(copy_file(&sys_real, src, NULL, s->dirfd, "link", "x/link",
	    &dst, &res, &e), -1);
	assert_int_equal(e.errnum, EEXIST);
	assert_int_equal(fstatat(s->dirfd, "dst", &st, 0), 0);
	assert_int_equal(st.st_size, 4);
	close(old);
	close(src);
}

/* The bytes this process has read so far (rchar of /proc/self/io). */
static unsigned long long
bytes_read(void)
{
	unsigned long long n = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/self/io", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "rchar: %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void
test_copy_reads_each_byte_once(void **state)
{
	struct scratch *s = *state;
	const size_t len = 3 * MIB + 1;
	struct copy_result res;
	struct err e;
	unsigned char *buf, want[ENTRY_HASH_LEN];
	unsigned long long before, read;
	int src, dst, cfd;

	fail_all("ficlone", EOPNOTSUPP);
	buf = pattern(len, 5);
	src = make_file(s, "src", buf, len);
	before = bytes_read();
	assert_int_equal(copy_file(test_sys, src, NULL, s->dirfd, "dst",
	    "a/src", &dst, &res, &e), 0);
	read = bytes_read() - before;
	/* Hashed as it was written: copy_file_range would read it again. */
	assert_true(read >= len);
	assert_true(read < len + len / 8);
	assert_int_equal(res.method, COPY_READWRITE);
	assert_int_equal(sys_fault_count("copy_file_range"), 0);
	assert_true(sys_fault_count("pwrite") >= 4);
	hash_of(buf, len, want);
	assert_memory_equal(res.hash, want, ENTRY_HASH_LEN);
	cfd = open_copy(s, "dst");
	assert_same_content(src, cfd);
	close(cfd);
	close(dst);
	close(src);
	free(buf);
}

static void
test_copy_clone_hashes_source(void **state)
{
	enum copy_method m;

	fake_clone = 1;
	check_copy(*state, test_sys, 2 * MIB + 3, &m);
	assert_int_equal(m, COPY_CLONE);
	assert_int_equal(sys_fault_count("copy_file_range"), 0);
	assert_int_equal(sys_fault_count("pwrite"), 0);
}

static void
test_copy_sparse_with_pwrite(void **state)
{
	struct scratch *s = *state;
	struct copy_result res;
	struct err e;
	unsigned char *data;
	struct stat st;
	int src, dst, cfd;

	fail_all("ficlone", EOPNOTSUPP);
	data = pattern(8192, 3);
	src = make_file(s, "sparse", NULL, 0);
	assert_int_equal(pwrite(src, data, 8192, 10 * MIB), 8192);
	assert_int_equal(ftruncate(src, 20 * MIB), 0);
	assert_int_equal(copy_file(test_sys, src, NULL, s->dirfd, "copy", "sparse",
	    &dst, &res, &e), 0);
	assert_int_equal(res.method, COPY_READWRITE);
	assert_int_equal(fstat(dst, &st), 0);
	assert_int_equal(st.st_size, 20 * MIB);
	assert_true(st.st_blocks * 512 < MIB);
	cfd = open_copy(s, "copy");
	assert_same_content(src, cfd);
	close(cfd);
	close(dst);
	close(src);
	free(data);
}

static void
test_copy_source_shrinks_stops_at_eof(void **state)
{
	struct scratch *s = *state;
	struct copy_result res;
	struct err e;
	unsigned char *buf, want[ENTRY_HASH_LEN];
	struct stat st;
	int src, dst, cfd;

	buf = pattern(5 * MIB, 11);
	src = make_file(s, "src", buf, 5 * MIB);
	fail_all("ficlone", EOPNOTSUPP);
	shrink_fd = src;
	shrink_to = MIB + 10;
	assert_int_equal(copy_file(test_sys, src, NULL, s->dirfd, "dst", "src",
	    &dst, &res, &e), 0);
	/* What the reads saw; the caller's fstat notices the change. */
	assert_int_equal(res.bytes, MIB + 10);
	hash_of(buf, MIB + 10, want);
	assert_memory_equal(res.hash, want, ENTRY_HASH_LEN);
	assert_int_equal(fstat(dst, &st), 0);
	assert_int_equal(st.st_size, MIB + 10);
	cfd = open_copy(s, "dst");
	assert_same_content(src, cfd);
	close(cfd);
	close(dst);
	close(src);
	free(buf);
}

/* Copies a 2 MiB file with the faults set and expects ENOSPC, no name. */
static void
check_enospc(struct scratch *s)
{
	struct copy_result res;
	struct err e;
	unsigned char *buf;
	struct stat st;
	int src, dst = 42;

	buf = pattern(2 * MIB, 9);
	src = make_file(s, "src", buf, 2 * MIB);
	err_clear(&e);
	assert_int_equal(copy_file(test_sys, src, NULL, s->dirfd, "dst", "b/src",
	    &dst, &res, &e), -1);
	assert_int_equal(e.errnum, ENOSPC);
	assert_int_equal(dst, -1);
	assert_non_null(strstr(e.msg, "cannot copy 'b/src'"));
	assert_int_equal(fstatat(s->dirfd, "dst", &st, AT_SYMLINK_NOFOLLOW),
	    -1);
	assert_int_equal(errno, ENOENT);
	close(src);
	free(buf);
}

static void
test_copy_pwrite_enospc_fails(void **state)
{
	fail_all("ficlone", EOPNOTSUPP);
	fail_all("pwrite", ENOSPC);
	check_enospc(*state);
	assert_int_equal(sys_fault_count("pwrite"), 1);
}

/*
 * copy_hash_fd (what verify hashes with) skips the holes of a sparse
 * file with SEEK_DATA / SEEK_HOLE instead of reading gigabytes of zeros,
 * and its hash is that of every byte, holes as zeros.
 */
static void
test_copy_hash_fd_skips_holes(void **state)
{
	struct scratch *s = *state;
	unsigned char *data, *all, h[ENTRY_HASH_LEN], want[ENTRY_HASH_LEN];
	const off_t total = 256 * (off_t)MIB, at = 100 * (off_t)MIB + 3;
	unsigned long long before;
	uint64_t size;
	struct err e;
	int fd;

	data = pattern(8192, 3);
	fd = make_file(s, "sparse", NULL, 0);
	assert_int_equal(pwrite(fd, data, 8192, at), 8192);
	assert_int_equal(pwrite(fd, data, 100, total - 100), 100);
	if (lseek(fd, 0, SEEK_HOLE) == total) {
		skip();		/* a filesystem without holes */
	}
	before = bytes_read();
	assert_int_equal(copy_hash_fd(fd, "sparse", h, &size, &e), 0);
	/* The data, in whole blocks around it: far below the 256 MiB. */
	assert_true(bytes_read() - before < 4 * MIB);
	assert_int_equal(size, total);
	all = calloc(1, (size_t)total);
	assert_non_null(all);
	memcpy(all + at, data, 8192);
	memcpy(all + total - 100, data, 100);
	hash_of(all, (size_t)total, want);
	assert_memory_equal(h, want, ENTRY_HASH_LEN);
	free(all);
	free(data);
	close(fd);
}

static void
test_copy_hash_fd_unreadable(void **state)
{
	struct scratch *s = *state;
	unsigned char h[ENTRY_HASH_LEN];
	uint64_t size;
	struct err e;
	int fd;

	fd = openat(s->dirfd, "wo", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_not_equal(fd, -1);
	assert_int_equal(copy_hash_fd(fd, "c/wo", h, &size, &e), -1);
	assert_int_equal(e.errnum, EBADF);
	assert_non_null(strstr(e.msg, "cannot read 'c/wo'"));
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_small, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_5mib, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_sparse_keeps_holes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_sparse_all_hole,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_copy_refuses_existing_name, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_copy_reads_each_byte_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_clone_hashes_source,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_sparse_with_pwrite,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_copy_source_shrinks_stops_at_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_pwrite_enospc_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_hash_fd_skips_holes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_hash_fd_unreadable,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
