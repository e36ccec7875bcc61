#!/bin/bash
# install-deps.sh: installs, with apt-get, the Debian packages snap needs to
# build and test that are not installed yet.  Uses sudo when not root.
set -euo pipefail

# systemd: systemd-analyze, and systemd.pc for the unit folder (t4000,
# t4020); man-db and groff-base: man -l and groff for the man page (t4010);
# libcap2-bin: setcap, e2fsprogs: mkfs.ext4, chattr (fidelity tests, t13xx);
# bash-completion (its completionsdir, t4020) and zsh: the shell
# completions (t2630); clang: libFuzzer for the fuzz harnesses (tests/fuzz,
# run-all's third stage); curl: what "snap notify" sends its pings with
# (t4300); xfsprogs, btrfs-progs: reflink images (t1510); tar: GNU tar's
# --exclude-caches-all as the model of exclude_caches (t1410);
# openssh-server and -client: a private sshd for remote sources (t50xx).
packages=(build-essential cmake pkg-config libyaml-dev libxxhash-dev
	libcmocka-dev rsync attr acl python3 strace systemd man-db groff-base
	libcap2-bin e2fsprogs bash-completion zsh clang curl xfsprogs btrfs-progs
	tar openssh-server openssh-client)
missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y \
	--no-install-recommends "${missing[@]}"
