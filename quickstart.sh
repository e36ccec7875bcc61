#!/bin/bash
# quickstart.sh: the README's first command.  Installs what is missing,
# builds snap, and takes two snapshots with the demo config
# (config/demo.yaml: this project's src/ and tests/ into
# build/demo-snapshots/), so you can see the second one link everything.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
cmake -B build
cmake --build build -j"$(nproc)"

echo "=== first snapshot: everything is new, so everything is copied"
build/snap -c config/demo.yaml create
echo "=== second snapshot: nothing changed, so everything is linked"
build/snap -c config/demo.yaml create
echo "=== build/demo-snapshots now holds:"
ls -l build/demo-snapshots
