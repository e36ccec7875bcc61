/*
 * out: what snap says to the person or the journal.
 *
 * Results go to stdout (out_info, out_problem, out_caution); warnings and errors to
 * stderr (out_warning, out_error).  The verbosity is set once by main
 * from -q / -v and read by everyone.
 *
 * Where each stream goes is decided once, by out_init (main may call it
 * first; every function here calls it when nobody did):
 *
 *  - To the journal: systemd puts "DEV:INO" of the stream it connected in
 *    $JOURNAL_STREAM (systemd.exec(5)).  A stream whose fstat matches it
 *    (one a wrapper redirected elsewhere does not) gets its syslog
 *    priority at the start of every line: "<3>" errors and problems
 *    (out_problem), "<4>" warnings (out_warning, out_caution), "<6>"
 *    information (out_info).
 *    journald takes that as the priority (SyslogLevelPrefix=yes, the
 *    default), so `journalctl -p warning -u snap` shows only problems.
 *    There "snap: " is left out, since the journal names the unit:
 *    "<3>error: cannot lock ...", "<4>warning: 'a' vanished ...".
 *  - Anywhere else: plain lines, "snap: error: ...", "snap: warning: ...".
 *
 * out_info may be given pieces of a line over several calls; the
 * priority goes at the start of each line (a multi-line message gets it
 * on every line), tracked per stream.  A line left open on stdout is
 * ended before an error or warning goes to the same file.
 *
 * progress.c may draw an updating line on stderr when it is a terminal.
 * It registers an eraser with out_set_erase; every function here erases
 * that line before it writes to stderr, or to stdout when stdout is a
 * terminal.  Code that writes to stdout or stderr itself (usage texts)
 * calls out_clear first.
 */
#ifndef SNAP_OUT_H
#define SNAP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum out_level {
	OUT_QUIET = -1,		/* -q: problems only */
	OUT_NORMAL = 0,
	OUT_VERBOSE = 1,	/* -v: every copied file too */
};

extern enum out_level out_level;

/* Looks at stdout and stderr and $JOURNAL_STREAM; later calls do nothing. */
void	out_init(void);

void	out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	out_warning(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* To stdout when the level is at least `level`; "<6>" in the journal. */
void	out_info(enum out_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * A result line that is a problem (verify's "changed: ..."): to stdout
 * at every level, even -q, and "<3>" in the journal.  fmt ends without
 * "\n"; one is added.
 */
void	out_problem(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* The same for a result that is a warning (check's "WARNING: ..."): "<4>". */
void	out_caution(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* True if stderr goes to the journal. */
bool	out_stderr_journal(void);
/* True if a line printed to stdout has not been ended yet. */
bool	out_stdout_open_line(void);

/*
 * Registers erase(arg) to be called before output (see above); NULL
 * unregisters.  out_clear calls it now.
 */
void	out_set_erase(void (*erase)(void *), void *arg);
void	out_clear(void);

/*
 * From now on results (out_info, out_problem, out_caution) go where
 * warnings and errors go, so that stdout holds a JSON document alone
 * (replicate --json, whose progress lines and findings are still worth
 * reading).
 */
void	out_results_to_stderr(void);

/*
 * Test seam: use these streams instead of stdout and stderr, with the
 * journal decision given (no terminal, no $JOURNAL_STREAM look-up).
 * The streams are the same file when out == err.
 */
void	out_set_streams(FILE *out, bool out_journal, FILE *err,
	    bool err_journal);

/*
 * True if env (the value of $JOURNAL_STREAM, may be NULL) names the
 * device and inode given, in systemd's form "DEV:INO" (decimal).
 */
bool	out_journal_match(const char *env, unsigned long long dev,
	    unsigned long long ino);

/*
 * Writes the len bytes at s to f, with prio (e.g. "<4>"; NULL: none)
 * before each line: before the first byte when at_start, and after every
 * "\n" that more bytes follow.  Returns whether f is then at the start
 * of a line (s ended with "\n", or was empty and at_start).
 */
bool	out_write_lines(FILE *f, const char *prio, const char *s, size_t len,
	    bool at_start);

/* one when n is 1, else many: "1 file", "2 files", "0 files". */
const char *out_plural(unsigned long long n, const char *one,
	    const char *many);

/* "1.5 MiB" and the like, into buf of at least 32 bytes. */
char	*out_bytes(char *buf, unsigned long long bytes);

#endif
