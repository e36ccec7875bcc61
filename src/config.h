/*
 * config: the YAML config file, parsed with libyaml into a validated,
 * immutable struct config.
 *
 *   struct config *cfg;
 *   if (config_load(&cfg, path, &e) == -1) -> print e.msg, exit 2
 *   ... use cfg, read-only ...
 *   config_free(cfg);
 *
 * Every error message starts with "FILE:LINE:COLUMN: " (1-based, pointing
 * at the offending key or value) and says what was expected.  Loading has
 * no side effect on disk: nothing is created.  Relative paths in the file
 * are made absolute against the config file's folder.
 */
#ifndef SNAP_CONFIG_H
#define SNAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "filter.h"

struct config_source {
	char	*path;		/* absolute, normalised, no trailing '/' */
	char	*dest;		/* snapshot-relative, no leading '/' */
	/* The top-level filter, then the source's own: its 'filter'
	 * rules, its 'filter_from' rules, its 'exclude' patterns as
	 * "- PATTERN" rules; exclude_caches and exclude_if_present from
	 * both (filter.h). */
	struct filter filter;
	bool	 one_file_system;
	/*
	 * A remote source, "[USER@]HOST:/ABS/PATH" in the file (remote.h):
	 * host is "[USER@]HOST" and path the absolute path there.  NULL
	 * host: a local source, and the three below are unset.
	 */
	char	*host;
	char	*ssh_command;	/* rsync's -e: ssh_command, or the top one */
	char	*rsync_path;	/* rsync's --rsync-path, likewise */
	bool	 required;	/* a failure of this source fails the run;
				 * for a local one: its being missing */
	bool	 require_mount;	/* local: missing unless path is a mount
				 * point (a disk not plugged in) */
	int	 line;		/* where the entry starts, for messages */
	int	 column;
};

struct config_retain {
	/* -1: the key is absent; 0..N: keep that many */
	int	last, hourly, daily, weekly, monthly, yearly;
};

#define CONFIG_JOBS_MAX			64

#define CONFIG_SSH_COMMAND_DEFAULT	"ssh -o BatchMode=yes"
#define CONFIG_RSYNC_PATH_DEFAULT	"rsync"
/* parallel: how many remote sources are fetched at once, at most. */
#define CONFIG_PARALLEL_MAX		64

/*
 * The folder of the configs, from the build: SYSCONFDIR/snap, so
 * /etc/snap for an install to /usr and /usr/local/etc/snap for one to
 * /usr/local.  The units and the installed example follow it.
 */
#ifndef SNAP_CONFIG_DIR
#define SNAP_CONFIG_DIR		"/etc/snap"
#endif
#define CONFIG_DEFAULT_PATH	SNAP_CONFIG_DIR "/snap.yaml"

/*
 * Limits on the file itself, far beyond any real config: a larger or
 * deeper one is refused before YAML builds it (in time that grows with
 * the square of the depth).  The text the loader copies out of it, with
 * every use of an alias copied again, is held to CONFIG_MAX_SIZE too.
 */
#define CONFIG_MAX_SIZE		(1024 * 1024)	/* bytes */
#define CONFIG_MAX_DEPTH	32	/* nested lists and mappings */

/* Seconds a hook may run before it is killed (hooks: timeout:). */
#define CONFIG_HOOK_TIMEOUT_DEFAULT	3600
#define CONFIG_HOOK_TIMEOUT_MAX		(7 * 24 * 3600)

/* Shell commands (run with /bin/sh -c), in the order given. */
struct config_hooks {
	char	**before_create;
	size_t	  n_before_create;
	char	**after_create;
	size_t	  n_after_create;
	char	**on_error;
	size_t	  n_on_error;
	unsigned int timeout;	/* seconds, per command */
};

/*
 * Where "snap notify EVENT" sends its ping (notify:); NULL: no ping for
 * that event.  Each is an http:// or https:// URL without spaces.
 */
struct config_notify {
	char	*start;		/* a run begins */
	char	*success;	/* a snapshot was made (exit 0 or 3) */
	char	*fail;		/* no snapshot (exit 1, 2, 130, 143) */
};

struct config {
	char			*file;		/* the path it was loaded from */
	char			*snapshot_root;	/* absolute */
	struct config_source	*sources;	/* sorted by dest (walk order) */
	size_t			 n_sources;
	struct config_retain	 retain;
	bool			 checksum;
	bool			 require_mount;
	/* Let group and others enter the root and .snap (store.h). */
	bool			 allow_shared_root;
	unsigned int		 lock_wait;	/* seconds */
	/* Threads of a create (create.h); 0: the number of online CPUs. */
	unsigned int		 jobs;
	char			*metrics_file;	/* NULL if absent */
	/* Remote sources: the defaults of their ssh_command, rsync_path. */
	char			*ssh_command;
	char			*rsync_path;
	unsigned int		 parallel;	/* transfers at once, >= 1 */
	struct config_hooks	 hooks;
	struct config_notify	 notify;
	/*
	 * replicate_from (replicate.h), which a config names instead of
	 * sources: the snapshot root this one is a replica of, absolute
	 * (on replicate_host, "[USER@]HOST", or here when that is NULL).
	 * NULL: a root of its own sources (then n_sources > 0).
	 */
	char			*replicate_from;
	char			*replicate_host;
};

/*
 * Loads and validates the config file at path.  Returns 0 and sets *out
 * (free with config_free), or -1 with e set and *out untouched.
 */
int	config_load(struct config **out, const char *path, struct err *e);

/*
 * The config path to use: opt (from -c) if not NULL, else $SNAP_CONFIG if
 * set and not empty, else CONFIG_DEFAULT_PATH.
 */
const char *config_default_path(const char *opt);

void	config_free(struct config *cfg);

#endif
