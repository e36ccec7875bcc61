#!/bin/bash
# quickstart.sh: the README's first command.  Installs what is missing,
# builds snap, and takes two snapshots with the demo config
# (config/demo.yaml: this project's src/ and tests/ and a small work
# folder, into build/demo-snapshots/), changing one file and adding one
# in between.  Then `snap list` shows that the second snapshot cost next
# to nothing and `snap diff` shows what changed.
set -euo pipefail
cd "$(dirname "$0")"

# The build's pages of progress go to a log, shown only when it fails:
# what this script is for is the demo below.
mkdir -p build
log=build/quickstart-build.log
echo "=== building snap (the output goes to $log)"
if ! { scripts/install-deps.sh && cmake -B build &&
	cmake --build build -j"$(nproc)"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "quickstart: the build failed; its output is above and in $log" >&2
	exit 1
fi
echo

# snap refuses a config that others may write (it names commands to run);
# a checkout made under umask 002 would be group-writable.
chmod go-w config/demo.yaml
snap() { build/snap -c config/demo.yaml "$@"; }

mkdir -p build/demo-work
echo "first draft" >build/demo-work/notes.txt

echo "=== snap create: the first snapshot copies everything"
snap create
echo
echo "=== (changing build/demo-work/notes.txt and adding todo.txt)"
echo "second draft" >>build/demo-work/notes.txt
echo "try snap restore" >build/demo-work/todo.txt
echo
echo "=== snap create: the second links every unchanged file and copies two"
snap create
echo
echo "=== snap list: 'new' is the space each snapshot added"
snap list
echo
echo "=== snap diff: what changed between the last two"
snap diff
echo
echo "Snapshots are plain folders: ls build/demo-snapshots/latest/"
