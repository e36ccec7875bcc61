#!/bin/bash
# t1005: several sources in one snapshot, each at its dest.
#
# Three sources: one at a nested dest ("host/home") with an exclude, one at
# "host/etc" (listed after it in the config), one without dest (lands at
# its path minus the leading '/').  Proves: each tree lands at its place and
# equals its source (the home one minus its excluded files, as rsync
# --exclude makes it), one source's exclude does not apply to another,
# nothing else is at the top of the snapshot, and a second run links every
# file of every source.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

ROOT=$SCRATCH/root
HOME_SRC=$SCRATCH/home-like
ETC_SRC=$SCRATCH/etc-like
VAR_SRC=$SCRATCH/var-like
make_sample_tree "$HOME_SRC"
echo junk >"$HOME_SRC/a/junk.tmp"
mkdir -p "$ETC_SRC/conf.d" "$VAR_SRC/lib/db"
echo "etc" >"$ETC_SRC/conf.d/main.conf"
echo "kept: the exclude is home's" >"$ETC_SRC/conf.d/keep.tmp"
head -c 20000 /dev/urandom >"$VAR_SRC/lib/db/data"
cat >"$CONFIG" <<EOF
snapshot_root: $(yaml_str "$ROOT")
sources:
  - path: $(yaml_str "$HOME_SRC")
    dest: host/home
    exclude: ["*.tmp"]
  - path: $(yaml_str "$ETC_SRC")
    dest: host/etc
  - path: $(yaml_str "$VAR_SRC")
EOF

create_snapshot N1
rsync -aHXA --modify-window=-1 --exclude='*.tmp' "$HOME_SRC/" "$SCRATCH/home-expect/"
compare_trees "$SCRATCH/home-expect" "$ROOT/$N1/host/home"
compare_trees "$ETC_SRC" "$ROOT/$N1/host/etc"
compare_trees "$VAR_SRC" "$ROOT/$N1/${VAR_SRC#/}"
assert_missing "$ROOT/$N1/host/home/a/junk.tmp"
[ -f "$ROOT/$N1/host/etc/conf.d/keep.tmp" ] || fail "home's exclude applied to etc"
top=${SCRATCH#/}
assert_eq "$(list_dir "$ROOT/$N1")" \
	"$(printf '%s\n' host "${top%%/*}" | LC_ALL=C sort | tr '\n' ' ')" "top of the snapshot"
assert_eq "$(list_dir "$ROOT/$N1/host")" "etc home " "entries of host/"

say "a second run links every file of every source"
create_snapshot N2 "$N1"
n=0
while IFS= read -r -d '' f; do
	same_inode "$ROOT/$N1/$f" "$ROOT/$N2/$f"
	n=$((n + 1))
done < <(regular_files "$ROOT/$N2")
echo "$n files linked"
[ "$n" -ge 43 ] || fail "only $n files in snapshot 2"
compare_trees "$SCRATCH/home-expect" "$ROOT/$N2/host/home"
compare_trees "$ETC_SRC" "$ROOT/$N2/host/etc"
compare_trees "$VAR_SRC" "$ROOT/$N2/${VAR_SRC#/}"

echo "ok"
