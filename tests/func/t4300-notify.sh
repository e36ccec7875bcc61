#!/bin/bash
# t4300: snap notify, the config's notify: pings, sent with curl.
#
# Proves, against a local HTTP server that records every request
# (notify-server.py): without notify: nothing is sent and the exit
# status is 0; "notify: URL" sends POST URL/start, URL and URL/fail
# (the suffix before the query string) with a text/plain body that has
# a heading naming the event and the config, then the last 20 lines of
# --log FILE (or of stdin with "--log -"); under an OnSuccess=/OnFailure=
# unit ($MONITOR_INVOCATION_ID) the body is that run's journal tail,
# read with journalctl; a mapping sends only the events it names; the
# ping URL never appears in curl's argv (where any user could read it)
# and the output names only the host; an HTTP error is exit 1 naming the
# host; a missing curl is exit 1 with a sentence on installing it; a
# bad event is a usage error.  Skips without curl or python3.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd curl python3

start_notify_server
BASE=http://127.0.0.1:$PORT

mkdir "$SCRATCH/src"
write_config "$SCRATCH/root" "$SCRATCH/src"
cp "$CONFIG" "$SCRATCH/plain.yaml"

# req N FIELD: FIELD of the Nth request (1-based) the server recorded.
req() {
	"$PYTHON3" -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
n = int(sys.argv[2])
v = json.loads(lines[n - 1])[sys.argv[3]] if len(lines) >= n else "<none>"
sys.stdout.write(v if v.endswith("\n") else v + "\n")' \
		"$REQS" "$1" "$2"
}
nreqs() {
	wc -l <"$REQS"
}

say "without notify: nothing is sent"
for ev in start success fail; do
	run_snap -v notify $ev
	expect_status 0
	assert_grep "no notify URL for '$ev'" "$OUT"
done
assert_eq "$(nreqs)" 0 "requests without notify:"

say "notify: URL sends URL/start, URL and URL/fail, query kept"
echo "notify: $BASE/ping/abc123?rid=7" >>"$CONFIG"
run_snap notify start
expect_status 0
assert_grep "^sent the 'start' ping to '127.0.0.1:$PORT'$" "$OUT"
assert_not_grep 'abc123' "$OUT"
assert_eq "$(req 1 method)" POST "method of the start ping"
assert_eq "$(req 1 path)" "/ping/abc123/start?rid=7" "start URL"
assert_eq "$(req 1 type)" "text/plain; charset=utf-8" "Content-Type"
req 1 body >"$SCRATCH/body"
assert_grep "^snap start on .* \\(config $CONFIG\\)$" "$SCRATCH/body"

seq -f 'log line %g' 1 100 >"$SCRATCH/run.log"
printf '@/etc/passwd "quoted" back\\slash\ttab\n' >>"$SCRATCH/run.log"
run_snap notify success --log "$SCRATCH/run.log"
expect_status 0
assert_eq "$(req 2 path)" "/ping/abc123?rid=7" "success URL"
req 2 body >"$SCRATCH/body"
assert_grep "^snap success on .* \\(config $CONFIG\\)$" "$SCRATCH/body"
assert_grep '^log line 100$' "$SCRATCH/body"
assert_grep '^log line 82$' "$SCRATCH/body"
assert_not_grep '^log line 81$' "$SCRATCH/body"
# Sent as it is: no file read for '@', quotes and backslashes kept.
assert_grep "^@/etc/passwd \"quoted\" back\\\\slash	tab$" "$SCRATCH/body"
assert_not_grep '^root:' "$SCRATCH/body"
assert_eq "$(wc -l <"$SCRATCH/body")" 21 "lines in the body"

printf 'error: the disk is full\n' |
	timeout 60 "$SNAP" -c "$CONFIG" notify fail --log - >"$OUT" 2>"$ERR" ||
	fail "notify fail --log - exited $?: $(cat "$ERR")"
assert_eq "$(req 3 path)" "/ping/abc123/fail?rid=7" "fail URL"
req 3 body >"$SCRATCH/body"
assert_grep '^error: the disk is full$' "$SCRATCH/body"

say "under OnFailure= the body is the failed run's journal tail"
mkdir "$SCRATCH/bin"
cat >"$SCRATCH/bin/journalctl" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" >"$SCRATCH/journalctl.args"
echo "2026-12-02T03:00:00+0000 host snap[1]: error: cannot lock"
EOF2
# curl through a wrapper that records its argv.
cat >"$SCRATCH/bin/curl" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" >>"$SCRATCH/curl.args"
exec $(command -v curl) "\$@"
EOF2
chmod +x "$SCRATCH/bin/journalctl" "$SCRATCH/bin/curl"
ID=0123456789abcdef0123456789abcdef
MONITOR_INVOCATION_ID=$ID PATH=$SCRATCH/bin:$PATH run_snap notify fail
expect_status 0
assert_grep "^_SYSTEMD_INVOCATION_ID=$ID$" "$SCRATCH/journalctl.args"
req 4 body >"$SCRATCH/body"
assert_grep 'snap\[1\]: error: cannot lock$' "$SCRATCH/body"
[ -s "$SCRATCH/curl.args" ] || fail "the curl wrapper did not run"
assert_not_grep 'abc123|127\.0\.0\.1' "$SCRATCH/curl.args" "curl's argv"
MONITOR_INVOCATION_ID='x; rm -rf /' PATH=$SCRATCH/bin:$PATH run_snap notify fail
expect_status 3
assert_grep 'is not a systemd invocation id' "$ERR"
assert_eq "$(req 5 path)" "/ping/abc123/fail?rid=7" "fail ping without a body"

say "a mapping sends only the events it names"
cp "$SCRATCH/plain.yaml" "$CONFIG"
printf 'notify:\n  fail: %s/ntfy/backups\n' "$BASE" >>"$CONFIG"
before=$(nreqs)
run_snap notify success
expect_status 0
run_snap notify start
expect_status 0
assert_eq "$(nreqs)" "$before" "requests for events the mapping leaves out"
run_snap notify fail
expect_status 0
assert_eq "$(req $((before + 1)) path)" /ntfy/backups "fail URL of the mapping"

say "an HTTP error is exit 1, naming the host only"
cp "$SCRATCH/plain.yaml" "$CONFIG"
echo "notify: $BASE/status-404/secret" >>"$CONFIG"
run_snap notify success
expect_status 1
assert_grep "cannot send the 'success' ping to '127.0.0.1:$PORT': curl failed \\(exit status 22\\)" "$ERR"
assert_not_grep secret "$ERR"

say "curl missing: exit 1 and how to install it"
# A PATH with only the timeout that run_snap puts before snap.
mkdir "$SCRATCH/nobin"
ln -s "$(command -v timeout)" "$SCRATCH/nobin/timeout"
SNAP_PREFIX=(env PATH="$SCRATCH/nobin")
run_snap notify start
SNAP_PREFIX=()
expect_status 1
assert_grep "cannot run 'curl': it is not installed .*apt-get install curl" "$ERR"

say "a bad event is a usage error"
run_snap notify finish
expect_status 2
assert_grep 'notify takes one event: start, success or fail' "$ERR"
