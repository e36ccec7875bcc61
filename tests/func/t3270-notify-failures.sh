#!/bin/bash
# t3270: snap notify when the ping or its body cannot be had.
#
# Proves, against notify-server.py: a server that closes mid-answer is
# exit 1 with curl's exit status 18; a server answering 500 is asked
# again (curl's --retry: 4 requests) and then exit 1 with status 22;
# an unreachable server is exit 1 with status 7; a curl killed by a
# signal is named so; a URL with user:password@ shows only the host; a
# --log that cannot be opened, a journalctl that fails or is not
# installed, are warnings (exit 3) and the ping still goes, with its
# heading; notify --help is exit 0 with the usage, and two events are a
# usage error.  Skips without curl or python3.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd curl python3

start_notify_server
BASE=http://127.0.0.1:$PORT

mkdir "$SCRATCH/src"
write_config "$SCRATCH/root" "$SCRATCH/src"
cp "$CONFIG" "$SCRATCH/plain.yaml"

# with_url URL: $CONFIG is the plain config with notify: URL.
with_url() {
	cp "$SCRATCH/plain.yaml" "$CONFIG"
	echo "notify: $1" >>"$CONFIG"
}
nreqs() {
	wc -l <"$REQS"
}
# last_path: the path of the last request the server recorded.
last_path() {
	tail -n 1 "$REQS" | "$PYTHON3" -c 'import json, sys
print(json.loads(sys.stdin.read())["path"])'
}
last_body() {
	tail -n 1 "$REQS" | "$PYTHON3" -c 'import json, sys
sys.stdout.write(json.loads(sys.stdin.read())["body"])'
}

say "a server that closes mid-answer: exit 1, curl's status 18"
with_url "$BASE/close-mid-answer/k1"
run_snap notify start
expect_status 1
assert_grep "^snap: error: cannot send the 'start' ping to '127.0.0.1:$PORT': curl failed \\(exit status 18\\)$" "$ERR"
assert_eq "$(last_path)" /close-mid-answer/k1/start "the request made"
assert_grep "transfer closed" "$ERR" "curl's own message"
assert_not_grep k1 "$ERR"

say "a server error is asked again, then exit 1"
before=$(nreqs)
with_url "$BASE/status-500/k2"
run_snap notify success
expect_status 1
assert_grep "cannot send the 'success' ping to '127.0.0.1:$PORT': curl failed \\(exit status 22\\)" "$ERR"
assert_eq "$(($(nreqs) - before))" 4 "requests for a 500 (one and 3 retries)"

say "an unreachable server: exit 1, curl's status 7"
# A port that was free a moment ago and that nobody listens on.
dead=$("$PYTHON3" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
with_url "http://127.0.0.1:$dead/k3"
run_snap notify fail
expect_status 1
assert_grep "cannot send the 'fail' ping to '127.0.0.1:$dead': curl failed \\(exit status 7\\)" "$ERR"

say "a URL's user and password are not shown"
before=$(nreqs)
with_url "http://user:s3cret@127.0.0.1:$PORT/k4"
run_snap notify start
expect_status 0
assert_grep "^sent the 'start' ping to '127.0.0.1:$PORT'$" "$OUT"
assert_not_grep 's3cret|user' "$OUT"
assert_eq "$(($(nreqs) - before))" 1 "requests"
assert_eq "$(last_path)" /k4/start "the request made"

say "a curl killed by a signal is named so"
mkdir "$SCRATCH/bin"
cat >"$SCRATCH/bin/curl" <<'EOF'
#!/bin/sh
kill -KILL $$
EOF
chmod +x "$SCRATCH/bin/curl"
PATH=$SCRATCH/bin:$PATH run_snap notify start
expect_status 1
assert_grep "cannot send the 'start' ping to '127.0.0.1:$PORT': curl was killed by signal 9$" "$ERR"

say "a log that cannot be opened: a warning, the ping goes with its heading"
before=$(nreqs)
run_snap notify success --log "$SCRATCH/no-such.log"
expect_status 3
assert_grep "^snap: warning: cannot open log '$SCRATCH/no-such.log': No such file or directory.*; the ping goes without it$" "$ERR"
assert_eq "$(($(nreqs) - before))" 1 "requests"
assert_eq "$(last_path)" /k4 "the success request"
last_body >"$SCRATCH/body"
assert_grep "^snap success on .* \\(config $CONFIG\\)$" "$SCRATCH/body"
assert_eq "$(wc -l <"$SCRATCH/body")" 1 "lines of the body"

say "a journalctl that fails: a warning, the ping goes"
cat >"$SCRATCH/bin/journalctl" <<'EOF'
#!/bin/sh
echo "-- No entries --"
exit 1
EOF
chmod +x "$SCRATCH/bin/journalctl"
rm "$SCRATCH/bin/curl"
ln -s "$(command -v curl)" "$SCRATCH/bin/curl"
before=$(nreqs)
ID=0123456789abcdef0123456789abcdef
MONITOR_INVOCATION_ID=$ID PATH=$SCRATCH/bin:$PATH run_snap notify fail
expect_status 3
assert_grep "^snap: warning: journalctl failed \\(exit status 1\\); the ping goes without it$" "$ERR"
assert_eq "$(($(nreqs) - before))" 1 "requests"
assert_eq "$(last_path)" /k4/fail "the fail request"

say "journalctl not installed: a warning saying so, the ping goes"
rm "$SCRATCH/bin/journalctl"
before=$(nreqs)
ln -s "$(command -v timeout)" "$SCRATCH/bin/timeout"
SNAP_PREFIX=(env PATH="$SCRATCH/bin" MONITOR_INVOCATION_ID=$ID)
run_snap notify fail
SNAP_PREFIX=()
expect_status 3
assert_grep "^snap: warning: cannot run 'journalctl': it is not installed .*; the ping goes without it$" "$ERR"
assert_eq "$(($(nreqs) - before))" 1 "requests"

say "notify --help and a usage error"
run_snap notify --help
expect_status 0
assert_grep '^usage: snap .*notify' "$OUT"
run_snap notify start fail
expect_status 2
assert_grep 'notify takes one event: start, success or fail' "$ERR"
echo "ok"
