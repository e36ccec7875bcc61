/*
 * fuzz: what the libFuzzer harnesses in this folder share.
 *
 * Each fuzz_*.c defines LLVMFuzzerTestOneInput for one reader or parser
 * of the core library.  A harness never exits: a broken property is a
 * crash (fuzz_assert aborts), so that libFuzzer saves the input.
 */
#ifndef SNAP_FUZZ_H
#define SNAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Aborts, naming the property, if cond is false. */
#define fuzz_assert(cond) \
	((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

void	fuzz_fail(const char *what, const char *file, int line)
	    __attribute__((noreturn));

/*
 * Returns a descriptor of an anonymous in-memory file (memfd) of mode
 * 0600 holding the len bytes at data, positioned at offset 0, so that
 * nothing is ever written under a fixed name.  Aborts if it cannot.
 */
int	fuzz_memfd(const uint8_t *data, size_t len);

/*
 * Returns a NUL-terminated copy of the len bytes at data (malloc; the
 * caller frees).  Aborts if out of memory.
 */
char	*fuzz_strndup(const uint8_t *data, size_t len);

#endif
