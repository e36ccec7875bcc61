/*
 * race-swapper: the hostile user of the race test t3050.  Run as an
 * unprivileged user, it changes the tree below DIR (a source that user owns,
 * or a restore target) as fast as it can until SIGTERM:
 *
 *	race-swapper DIR DECOY_DIR DECOY_FILE COUNT_FILE
 *
 * Each round it lists the tree (a few levels deep) and does one of these to
 * each name it found, in turn:
 *
 *   - exchange it (renameat2 RENAME_EXCHANGE) with NAME~, a symlink to
 *     DECOY_DIR, a symlink to DECOY_FILE, a FIFO or an empty folder, made
 *     when absent, so that a reader sees either at any instant;
 *   - exchange it with another name of the tree (a folder for another
 *     folder or a file, in another folder too);
 *   - rename it away to NAME~ and put a symlink to DECOY_DIR in its place
 *     (plain rename, then symlink: a gap where the name is missing);
 *   - hard-link it to NAME~ and rename a symlink to DECOY_FILE over it
 *     (an atomic replace without renameat2);
 *   - put back what a rename moved to NAME~ over the symlink left there.
 *
 * Between rounds it exchanges a few of the names with their NAME~, in
 * turn, many times (an even number of times each).
 *
 * Every change keeps the original entry (at NAME or NAME~), so the tree
 * stays full for the next run.  Once it catches SIGTERM it makes
 * COUNT_FILE.ready (the test starts snap only then: a SIGTERM sent before
 * would be lost in the shell's child that has not become this program
 * yet, and this one would never stop).  On SIGTERM it writes the number
 * of changes that succeeded to COUNT_FILE and exits 0.  Nothing here is careful about
 * symlinks: this process is the attacker and runs without privileges.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MAX_NAMES 4096
#define MAX_DEPTH 4
#define HOT_NAMES 16		/* names hammered after each sweep */
#define HOT_SWAPS 2000		/* exchanges of each, an even number */

static volatile sig_atomic_t stop;
static char *names[MAX_NAMES];
static size_t nnames;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
exchange(const char *a, const char *b)
{
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b,
	    RENAME_EXCHANGE);
}

/* Whether a name is one of the swapper's own side names. */
static int
is_side_name(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '~';
}

/* Whether PATH is a symlink the swapper made (to a decoy). */
static int
is_decoy(const char *path, const char *decoy_dir, const char *decoy_file)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, decoy_dir) == 0 ||
	    strcmp(target, decoy_file) == 0;
}

/* Collects the names below DIR (not the side names), a few levels deep. */
static void
collect(const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	char path[4096];

	if (depth > MAX_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && nnames < MAX_NAMES) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || is_side_name(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		names[nnames++] = strdup(path);
		if (de->d_type == DT_DIR)
			collect(path, depth + 1);
	}
	closedir(d);
}

/* Makes SIDE (NAME~) as kind K when nothing is there. */
static void
make_side(const char *side, int k, const char *decoy_dir,
    const char *decoy_file)
{
	struct stat st;

	if (lstat(side, &st) == 0)
		return;
	switch (k) {
	case 0:
		(void)symlink(decoy_dir, side);
		break;
	case 1:
		(void)symlink(decoy_file, side);
		break;
	case 2:
		(void)mkfifo(side, 0666);
		break;
	default:
		(void)mkdir(side, 0777);
		break;
	}
}

int
main(int argc, char **argv)
{
	const char *dir, *decoy_dir, *decoy_file;
	unsigned long count = 0, round = 0;
	char side[4200], tmp[4200];
	struct sigaction sa;
	FILE *f;
	size_t i, hot;
	unsigned j;

	if (argc != 5) {
		fprintf(stderr, "usage: race-swapper DIR DECOY_DIR "
		    "DECOY_FILE COUNT_FILE\n");
		return 2;
	}
	dir = argv[1];
	decoy_dir = argv[2];
	decoy_file = argv[3];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	snprintf(tmp, sizeof(tmp), "%s.ready", argv[4]);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return 1;
	}
	fclose(f);
	umask(0);

	while (!stop) {
		/* A few names, each exchanged back and forth with its side
		 * name, in turn, many times: a reader's stat and open of one
		 * of them then see different things about half the time. */
		hot = nnames < HOT_NAMES ? nnames : HOT_NAMES;
		for (i = 0; i < hot; i++) {
			const char *name = names[(round * 31 + i * 17) % nnames];

			snprintf(side, sizeof(side), "%s~", name);
			/* Half of them with a symlink to the decoy file. */
			make_side(side, i % 2 ? 1 : (int)(round % 4),
			    decoy_dir, decoy_file);
		}
		for (j = 0; j < HOT_SWAPS && !stop; j++)
			for (i = 0; i < hot; i++) {
				const char *name =
				    names[(round * 31 + i * 17) % nnames];

				snprintf(side, sizeof(side), "%s~", name);
				if (exchange(name, side) == 0)
					count++;
			}
		for (i = 0; i < nnames; i++)
			free(names[i]);
		nnames = 0;
		collect(dir, 0);
		round++;
		for (i = 0; i < nnames && !stop; i++) {
			const char *name = names[i];
			const char *other = names[(i * 7 + round) % nnames];
			int op = (int)((i + round) % 8);

			snprintf(side, sizeof(side), "%s~", name);
			snprintf(tmp, sizeof(tmp), "%s.%lu~", name, count);
			switch (op) {
			case 0: case 1: case 2: case 3:
				make_side(side, op, decoy_dir, decoy_file);
				if (exchange(name, side) == 0)
					count++;
				break;
			case 4:
				if (other != name && exchange(name, other) == 0)
					count++;
				break;
			case 5:
				if (rename(name, side) == 0 &&
				    symlink(decoy_dir, name) == 0)
					count++;
				break;
			case 6:
				/* A second name keeps the file. */
				if (link(name, side) != 0)
					break;
				if (symlink(decoy_file, tmp) == 0 &&
				    rename(tmp, name) == 0)
					count++;
				else
					(void)unlink(tmp);
				break;
			default:
				if (is_decoy(name, decoy_dir, decoy_file) &&
				    !is_decoy(side, decoy_dir, decoy_file) &&
				    rename(side, name) == 0)
					count++;
				break;
			}
		}
	}
	if ((f = fopen(argv[4], "w")) != NULL) {
		fprintf(f, "%lu\n", count);
		fclose(f);
	}
	return 0;
}
