#!/bin/bash
# t1150: an exclude pattern that makes a backtracking matcher take
# exponential time ("*a*a*a*...*b" against a long name of a's; issue 9.17)
# costs create no more than any other pattern.
#
# Proves: create with such patterns (a single '*' and a "**" one) against
# a 200-byte name and a deep path of a's finishes within a bound far below
# what backtracking needs (minutes for 100 bytes, years for these), the
# names the patterns do not match are stored and the one they do is not.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
long=$(printf 'a%.0s' $(seq 1 200))
deep=$(printf 'a/%.0s' $(seq 1 60))
mkdir -p "$SRC/$deep"
echo kept >"$SRC/$long"
echo kept >"$SRC/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
echo gone >"$SRC/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"

write_config "$ROOT" "$SRC" \
	"    exclude: ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', '**a**a**a**a**a**a**a**a**a**a**a**a**c']"
SNAP_TIMEOUT=60
create_snapshot N1
assert_exists "$ROOT/$N1/src/$long"
assert_exists "$ROOT/$N1/src/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
assert_missing "$ROOT/$N1/src/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
say "passed"
