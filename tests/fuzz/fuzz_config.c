/*
 * fuzz_config: the config loader (config.c) on any bytes as the YAML file.
 *
 * The bytes go into a memfd that config_load opens as /proc/self/fd/N, so
 * nothing is written under a name.  Loading only reads (it stats and
 * resolves the paths it is given).  Properties: a load that fails says
 * why and leaves *out alone; one that succeeds gives what config.h
 * promises of paths and sources.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static void
check_config(const struct config *cfg)
{
	size_t i;

	fuzz_assert(cfg->snapshot_root != NULL &&
	    cfg->snapshot_root[0] == '/');
	for (i = 0; i < cfg->n_sources; i++) {
		fuzz_assert(cfg->sources[i].path[0] == '/');
		fuzz_assert(cfg->sources[i].dest[0] != '/');
	}
	fuzz_assert(cfg->hooks.timeout <= CONFIG_HOOK_TIMEOUT_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = (struct config *)&cfg;
	struct config *untouched = cfg;
	struct err e;
	char path[64];
	int fd;

	fd = fuzz_memfd(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (config_load(&cfg, path, &e) == 0) {
		check_config(cfg);
		config_free(cfg);
	} else {
		fuzz_assert(cfg == untouched);
		fuzz_assert(e.msg[0] != '\0');
	}
	close(fd);
	return 0;
}
