#!/bin/bash
# t1150: an exclude pattern that makes a backtracking matcher take
# exponential time ("*a*a*a*...*b" against a long name of a's; issue 9.17)
# costs create no more than any other pattern.
#
# Proves: create with such patterns (a single '*' and a "**" one) against
# a 200-byte name and a deep path of a's finishes within a bound far below
# what backtracking needs (minutes for 100 bytes, years for these), the
# names the patterns do not match are stored and the one they do is not.
# The same for filter rules: chains of "**" between '/' (which a
# backtracking matcher retries at every folder of the path), "***", and
# an include rule that has to be tried, and fail, before the exclude.
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

say "filter rules: '**' chains, '***', an include tried first"
echo gone >"$SRC/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"
write_config "$ROOT" "$SRC" \
	"    filter: ['+ a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/x', '- a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/*b', '- /**a**a**a**a**a**a**a**a**a**a**a**a**c/***', '+ *a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*x', '- **/**/**/**/**/**/**/**/**/**/**/**/*c']"
create_snapshot N2 "$N1"
assert_exists "$ROOT/$N2/src/$long"
assert_exists "$ROOT/$N2/src/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
assert_missing "$ROOT/$N2/src/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
assert_missing "$ROOT/$N2/src/${deep}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"
say "passed"
