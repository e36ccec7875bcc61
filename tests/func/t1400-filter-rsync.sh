#!/bin/bash
# t1400: filter rules mean what they mean to rsync.
#
# One generated tree (odd names: spaces, '*', '?', '[', a backslash, a
# tab, UTF-8, a leading '#' or '-'; files and folders of the same name at
# several depths; symlinks; an empty folder) and 56 rule sets: anchored,
# folder-only, '*', '?', "**" (leading, inside, trailing), "***",
# character classes, escapes, includes that re-admit a child of an
# excluded folder (and ones that cannot, because its parent is out), and
# rule order.  Each set goes through rsync -a --filter='merge FILE' and
# through snap create, alternately with the rules in a file
# (filter_from) and in the config (filter: [...]); the two trees must
# list the same paths.  Then 'exclude:' against rsync --exclude, and a
# top-level filter put before a source's own rules, as rsync takes
# --filter options in order.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
mkdir -p "$SRC"
cd "$SRC"
mkdir -p build sub/deep/build d1/foo d1/d2 a/b/c/d x/a/b/c log \
	home/ann/Documents/old home/ann/Music home/ann/.cache \
	home/bob/Documents home/bob/Music .config/app empty "sp ace" \
	"br[ack]et" "caf$(printf '\303\251')"
for f in a.tmp b.txt keep.tmp x.tmp.keep build/out.o build/build \
	sub/build sub/deep/build/x sub/b.txt foo d1/foo/foo d1/foo/bar.txt \
	d1/d2/foo d1/foo.txt a/x.log a/b/x.log a/b/c/d/e.log a/b/c/x.log \
	x/a/b/c/z x/a/x.log log/1 home/ann/Documents/d.txt \
	home/ann/Documents/old/o.txt home/ann/Music/m.mp3 home/ann/.cache/c \
	home/ann/notes.txt home/bob/Documents/n.txt home/bob/Music/b.mp3 \
	home/bob/x.tmp .hidden .config/app/conf "sp ace/file with space" \
	"star*name" starXname "q?mark" qXmark "br[ack]et/in" bracket \
	'back\slash' backXslash "$(printf 'tab\tname')" "#hash" ";semi" \
	"dash -x" "caf$(printf '\303\251')/menu" 1.txt 9.txt A.txt c.txt \
	aaaaaaaaaaaaaaaaaaaaaaaab; do
	echo "$f" >"$f"
done
ln -s b.txt link
ln -s home dirlink
cd "$SCRATCH"

# The rule sets, one per element, rules separated by newlines.
sets=(
	'- *.tmp'
	'- build/'
	'- build'
	'- /build'
	'- /build/'
	'- foo'
	'- foo/'
	'- /d1/foo'
	'- d1/foo'
	'- d2/foo'
	'- **/foo'
	'- /**/foo'
	'- d1/**/foo'
	'- /d1/***'
	'- d1/***'
	'- foo/***'
	'- a/**/x.log'
	'- /a/**'
	'- **.log'
	$'+ x.log\n- *.log'
	$'- *.log\n+ x.log'
	'- [ab].*'
	'- [!a-c]*.txt'
	'- [[:digit:]]*'
	'- [[:upper:]]*'
	'- ?.tmp'
	'- sp ace/'
	'- star\*name'
	'- q\?mark'
	'- back\slash'
	'- br[[]ack]et/'
	$'+ /home/\n+ /home/*/\n+ /home/*/Documents/***\n- /home/*/*'
	$'+ /home/\n+ /home/*/\n+ /home/*/Documents/***\n- *'
	$'+ /home/ann/Music/m.mp3\n- /home/ann/Music/'
	$'- /home/*/Music/\n+ /home/ann/Music/***'
	$'+ /home/ann/Music/***\n- /home/*/Music/'
	'- .*'
	$'+ .config/\n- .*'
	'- /a/*/c'
	'- a/b/'
	'- */b/'
	'- /*/'
	$'+ *.txt\n+ */\n- *'
	$'+ */\n+ *.log\n- *'
	$'- link\n- dirlink/'
	'- empty/'
	"- caf$(printf '\303\251')"
	'- tab?name'
	$'# a comment, then a rule\n- #hash\n; another comment\n\n- ;semi'
	$'include /d1/foo/\nexclude /d1/*'
	'- **/b/**'
	'- a**'
	'- *a*a*a*a*a*a*b'
	$'+ /d1/foo/foo\n- /d1/foo/*'
	'- dash -x'
	'-_*.tmp'
)
[ "${#sets[@]}" -ge 40 ] || fail "only ${#sets[@]} rule sets"

# listing DIR: every path below DIR, sorted.
listing() {
	(cd "$1" && find . | LC_ALL=C sort)
}

# The rules of set i as the keys of a source: in a file (filter_from)
# for even i, in the config (filter: [...]) for odd i.
source_keys() {
	local i=$1 rules=$SCRATCH/rules$1 line how
	if [ $((i % 2)) = 0 ]; then
		echo "    filter_from: $(yaml_str "$rules")"
		return
	fi
	how="filter: ["
	while IFS= read -r line; do
		case $line in '' | '#'* | ';'*) continue ;; esac
		how+="$(yaml_str "$line"), "
	done <"$rules"
	echo "    ${how%, }]"
}

# snap_tree N SOURCE_YAML [TOP_YAML]: a snapshot of $SRC made with the
# given source keys (and top-level keys); prints the path of its tree.
snap_tree() {
	local n=$1 root=$SCRATCH/root$1
	CONFIG=$SCRATCH/snap$n.yaml
	write_config "$root" "$SRC" "$2"
	[ $# -lt 3 ] || printf '%s\n' "$3" >>"$CONFIG"
	run_snap create -q >/dev/null
	[ "$STATUS" = 0 ] || { show_output >&2; fail "set $n: snap exited $STATUS"; }
	echo "$root/$(newest_snapshot "$root")/src"
}

# All sets in one run: one source per set, the same folder each time,
# stored at "setN".
ROOT=$SCRATCH/root
CONFIG=$SCRATCH/snap.yaml
{
	printf 'snapshot_root: %s\nsources:\n' "$(yaml_str "$ROOT")"
	for i in "${!sets[@]}"; do
		printf '%s\n' "${sets[$i]}" >"$SCRATCH/rules$i"
		printf '  - path: %s\n    dest: set%s\n' "$(yaml_str "$SRC")" "$i"
		source_keys "$i"
	done
} >"$CONFIG"
create_snapshot -q N
failed=0
for i in "${!sets[@]}"; do
	rules=$SCRATCH/rules$i
	rm -rf "$SCRATCH/expect"
	rsync -a --filter="merge $rules" "$SRC/" "$SCRATCH/expect/" ||
		fail "set $i: rsync refused the rules: ${sets[$i]}"
	if ! diff -u <(listing "$SCRATCH/expect") <(listing "$ROOT/$N/set$i") \
		>"$SCRATCH/diff$i"; then
		echo "FAIL: set $i ($(source_keys "$i")):"
		sed 's/^/    rule: /' "$rules"
		sed 's/^/    /' "$SCRATCH/diff$i"
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ] || fail "$failed of ${#sets[@]} rule sets differ from rsync"
say "${#sets[@]} rule sets: snap's trees list what rsync's list"

say "exclude: is rsync --exclude"
pats=('*.tmp' 'build/' '*/b/' '/d1/***' 'a/**/x.log' '[[:digit:]]*')
rm -rf "$SCRATCH/expect"
rsync -a "${pats[@]/#/--exclude=}" "$SRC/" "$SCRATCH/expect/"
how="exclude: ["
for p in "${pats[@]}"; do
	how+="$(yaml_str "$p"), "
done
got=$(snap_tree ex "    ${how%, }]")
diff -u <(listing "$SCRATCH/expect") <(listing "$got") ||
	fail "exclude: differs from rsync --exclude"

say "the top-level filter comes first, then the source's filter, then exclude"
rm -rf "$SCRATCH/expect"
echo '+ /home/bob/' >"$SCRATCH/rules-top"
rsync -a --filter='+ keep.tmp' --filter='- /home/bob/' --filter='+ x.tmp' \
	--filter='+ /home/bob/' --exclude='*.tmp' "$SRC/" "$SCRATCH/expect/"
got=$(snap_tree top "    filter: ['+ x.tmp']
    exclude: ['*.tmp']
    filter_from: rules-top" "filter: ['+ keep.tmp', '- /home/bob/']")
listing "$got" | grep -qx './keep.tmp' || fail "the top-level include did not come first"
listing "$got" | grep -q '^./home/bob' && fail "the top-level exclude did not come first"
diff -u <(listing "$SCRATCH/expect") <(listing "$got") ||
	fail "top-level and source rules differ from rsync's order"
echo ok
