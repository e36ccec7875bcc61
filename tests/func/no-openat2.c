/*
 * no-openat2: runs a command on what looks like a kernel without
 * openat2(2), or one whose seccomp policy refuses it.
 *
 *	no-openat2 ENOSYS|EPERM COMMAND [ARG...]
 *
 * A seccomp filter makes every openat2 of COMMAND (and of its children)
 * fail with the errno named, so that a test can run snap down the path
 * it takes on older kernels and in locked-down containers.  Exits 2 when
 * the filter cannot be installed here (the test then skips), 127 when
 * COMMAND cannot be run.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#endif

int
main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "ENOSYS") != 0 &&
	    strcmp(argv[1], "EPERM") != 0)) {
		fprintf(stderr, "usage: no-openat2 ENOSYS|EPERM COMMAND "
		    "[ARG...]\n");
		return 2;
	}
#if !defined(THIS_ARCH) || !defined(SYS_openat2)
	fprintf(stderr, "no-openat2: not built for this architecture\n");
	return 2;
#else
	{
		int error = strcmp(argv[1], "ENOSYS") == 0 ? ENOSYS : EPERM;
		/* A call of another architecture's numbering is let
		 * through: only this one's openat2 is meant. */
		struct sock_filter code[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 0, 3),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO |
			    (error & SECCOMP_RET_DATA)),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {
			.len = sizeof(code) / sizeof(code[0]),
			.filter = code,
		};

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
			fprintf(stderr, "no-openat2: cannot install the "
			    "filter: %s\n", strerror(errno));
			return 2;
		}
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "no-openat2: cannot run '%s': %s\n", argv[2],
	    strerror(errno));
	return 127;
#endif
}
