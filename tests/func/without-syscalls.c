/*
 * without-syscalls: runs a command on what looks like an older kernel,
 * one without openat2(2) (before Linux 5.6) or fchmodat2(2) (before
 * 6.6), or under a seccomp policy that refuses them.
 *
 *	without-syscalls ENOSYS|EPERM NAME[,NAME] COMMAND [ARG...]
 *
 * NAME is openat2 or fchmodat2.  A seccomp filter makes every call of
 * each named system call by COMMAND (and by its children) fail with the
 * errno given, so that a test can run snap down the paths it takes on
 * such kernels.  Exits 2 when the filter cannot be installed here (the
 * test then skips), 127 when COMMAND cannot be run.
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

/* The same numbers on every architecture (the unified table). */
#define NR_OPENAT2	437
#define NR_FCHMODAT2	452

static void
usage(void)
{
	fprintf(stderr, "usage: without-syscalls ENOSYS|EPERM "
	    "openat2|fchmodat2[,...] COMMAND [ARG...]\n");
}

int
main(int argc, char **argv)
{
#ifdef THIS_ARCH
	struct sock_filter code[8];
	struct sock_fprog prog;
	unsigned int nrs[2], n = 0, i, k = 0, ret;
	char *name, *save = NULL;

	if (argc < 4 || (strcmp(argv[1], "ENOSYS") != 0 &&
	    strcmp(argv[1], "EPERM") != 0)) {
		usage();
		return 2;
	}
	for (name = strtok_r(argv[2], ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		if (n == 2 || (strcmp(name, "openat2") != 0 &&
		    strcmp(name, "fchmodat2") != 0)) {
			usage();
			return 2;
		}
		nrs[n++] = strcmp(name, "openat2") == 0 ? NR_OPENAT2 :
		    NR_FCHMODAT2;
	}
	if (n == 0) {
		usage();
		return 2;
	}
	ret = SECCOMP_RET_ERRNO |
	    ((strcmp(argv[1], "ENOSYS") == 0 ? ENOSYS : EPERM) &
	    SECCOMP_RET_DATA);
	/* A call of another architecture's numbering is let through:
	 * only this one's are meant. */
	code[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	code[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    THIS_ARCH, 0, (unsigned char)(n + 1));
	code[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	/* Each match jumps to the errno return after the last test. */
	for (i = 0; i < n; i++)
		code[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, nrs[i], (unsigned char)(n - i), 0);
	code[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	code[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	prog.len = (unsigned short)k;
	prog.filter = code;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
		fprintf(stderr, "without-syscalls: cannot install the filter: "
		    "%s\n", strerror(errno));
		return 2;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "without-syscalls: cannot run '%s': %s\n", argv[3],
	    strerror(errno));
	return 127;
#else
	(void)argc;
	(void)argv;
	usage();
	fprintf(stderr, "without-syscalls: not built for this architecture\n");
	return 2;
#endif
}
