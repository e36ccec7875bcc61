/*
 * confine: Landlock for a child process (confine.h).
 */
#include "confine.h"

#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif

/* Every right that changes the filesystem (of ABI 1). */
#define CHANGES (LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM)

/* Allows access (masked to what is handled) beneath path. */
static int
allow(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
	struct landlock_path_beneath_attr pb;
	int fd, r, saved;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd == -1)
		return -1;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	r = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
confine_writes(const char *const *into, size_t n_into,
    const char *const *link_from, size_t n_link_from)
{
	struct landlock_ruleset_attr attr = { 0 };
	uint64_t handled = CHANGES;
	long abi;
	size_t i;
	int ruleset, saved, r = -1;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return -1;
	/* REFER (ABI 2) is what keeps outside files from being linked in;
	 * without it, linking across folders is refused altogether, which
	 * would break --link-dest. */
	if (abi < 2)
		return errno = EOPNOTSUPP, -1;
	handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	attr.handled_access_fs = handled;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (ruleset == -1)
		return -1;
	for (i = 0; i < n_into; i++)
		if (allow(ruleset, into[i], handled, handled) == -1)
			goto out;
	/*
	 * Landlock links a file into a folder only where that gives it no
	 * right it lacked at its old name, so the link sources keep the
	 * file rights (an existing file there could be written in place:
	 * rsync never does, it writes a new file and renames it, and
	 * making or removing a name there stays refused).
	 */
	for (i = 0; i < n_link_from; i++)
		if (allow(ruleset, link_from[i], LANDLOCK_ACCESS_FS_REFER |
		    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE,
		    handled) == -1)
			goto out;
	/* ssh and rsync open these for writing; a missing one is fine. */
	if ((allow(ruleset, "/dev/null", LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_TRUNCATE, handled) == -1 && errno != ENOENT) ||
	    (allow(ruleset, "/dev/tty", LANDLOCK_ACCESS_FS_WRITE_FILE,
	    handled) == -1 && errno != ENOENT && errno != ENXIO))
		goto out;
	/* Without CAP_SYS_ADMIN the kernel wants no_new_privs first; with
	 * it, leave setuid helpers (ssh-keysign) working. */
	r = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
	if (r == -1 && errno == EPERM) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			goto out;
		r = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
	}
out:
	saved = errno;
	close(ruleset);
	errno = saved;
	return r;
}

bool
confine_supported(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION) >= 2;
}
