# shellcheck shell=bash
# lib-sshd.sh: a private sshd on localhost for the tests of remote
# sources.  Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib-sshd.sh"
#	start_sshd		skips (exit 77) where sshd cannot run
#
# start_sshd makes, in $SCRATCH/ssh, a host key, a client key
# ($SSH_KEY) authorized for the user running the test, and an
# sshd_config, starts sshd on a free port ($SSH_PORT) of 127.0.0.1 with
# start_bg (so lib.sh's cleanup kills it by its pid), and waits until it
# answers.  $SSH_CMD is an ssh_command for snap's config that logs in
# with that key and knows that host key.  closed_port prints a port of
# 127.0.0.1 where nothing listens.  stop_sshd kills it earlier (a host
# that goes down).

SSH_DIR=$SCRATCH/ssh
SSH_PORT=
SSH_KEY=$SSH_DIR/client_key
SSH_CMD=
SSHD_PID=

# A TCP port of 127.0.0.1 that was free a moment ago.
free_port() {
	$PYTHON3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# A port where nothing listens: bound but never listened on while asked.
closed_port() {
	free_port
}

start_sshd() {
	local i
	require_root "sshd logs in as root"
	require_cmd ssh ssh-keygen rsync
	[ -x /usr/sbin/sshd ] || skip "needs /usr/sbin/sshd (openssh-server)"
	rm -rf "$SSH_DIR"
	mkdir -p "$SSH_DIR"
	chmod 700 "$SSH_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" </dev/null ||
		skip "ssh-keygen cannot make a host key"
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_KEY" </dev/null
	cp "$SSH_KEY.pub" "$SSH_DIR/authorized_keys"
	printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$SSH_DIR/host_key.pub")" \
		>"$SSH_DIR/known_hosts_plain"
	# sshd wants its privilege separation folder, even when unused.
	[ -d /run/sshd ] || mkdir -m 755 -p /run/sshd ||
		skip "cannot make /run/sshd"
	SSH_PORT=$(free_port)
	cat >"$SSH_DIR/sshd_config" <<-CONF
	ListenAddress 127.0.0.1
	Port $SSH_PORT
	HostKey $SSH_DIR/host_key
	AuthorizedKeysFile $SSH_DIR/authorized_keys
	PidFile none
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	StrictModes no
	UsePAM no
	Subsystem sftp internal-sftp
	CONF
	# known_hosts with the port: "[127.0.0.1]:PORT key".
	printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" \
		"$(cut -d' ' -f1,2 "$SSH_DIR/host_key.pub")" >"$SSH_DIR/known_hosts"
	/usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" >"$SSH_DIR/sshd_t.out" 2>&1 ||
		skip "sshd refuses its config: $(head -n 3 "$SSH_DIR/sshd_t.out")"
	start_bg SSHD_PID /usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config"
	SSHD_LOG=$BG_ERR
	SSH_CMD="ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i $SSH_KEY -p $SSH_PORT -o UserKnownHostsFile=$SSH_DIR/known_hosts -o StrictHostKeyChecking=yes -o ConnectTimeout=10"
	for i in $(seq 1 100); do
		# shellcheck disable=SC2086
		if $SSH_CMD 127.0.0.1 true </dev/null 2>/dev/null; then
			return 0
		fi
		kill -0 "$SSHD_PID" 2>/dev/null ||
			skip "sshd did not start: $(head -n 3 "$SSHD_LOG")"
		sleep 0.1
	done
	skip "sshd on port $SSH_PORT does not answer: $(tail -n 3 "$SSHD_LOG")"
}

stop_sshd() {
	[ -z "$SSHD_PID" ] || kill_bg "$SSHD_PID"
	SSHD_PID=
}
