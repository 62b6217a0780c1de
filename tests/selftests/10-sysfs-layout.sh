#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysfs layout: every file documented in sysfs-kernel-hpool (next to this
# script) exists in every pool directory with its documented mode, nothing
# undocumented exists, roots-only files only on roots, hidden children have
# no directory. Needs hpool.ko and hpool_testdrv.ko loaded; runs as root.

HERE=$(cd "$(dirname "$0")" && pwd)
WR=$HERE/hpool_write
ABI=$HERE/sysfs-kernel-hpool
ROOT=st10
. "$(dirname "$0")/hpool_lib"

cleanup

# The ABI file, as "<scope> <relative path> <mode>" lines, scope pool or root.
spec=$(mktemp)
if [ -r "$ABI" ]; then
	awk '
	/^What:/ { what = $2; desc = 0; next }
	/^Description:/ { if (NF > 1) { tag = $2 } else { desc = 1; next } }
	desc && NF { tag = $1; desc = 0 }
	tag != "" {
		mode = tag == "(RO)" ? "444" : tag == "(RW)" ? "644" : \
		       tag == "(WO)" ? "200" : "?" tag
		if (what ~ /\/$/) mode = "dir"
		sub(/\/$/, "", what)
		if (sub(/^\/sys\/kernel\/hpool\/<pool>\//, "", what))
			print "pool", what, mode
		else if (sub(/^\/sys\/kernel\/hpool\/<root>\//, "", what))
			print "root", what, mode
		else if (what != "/sys/kernel/hpool")
			print "bad", what, mode
		tag = ""
	}' "$ABI" >"$spec"
	pass "ABI file $ABI readable"
else
	fail "ABI file $ABI readable # not found: the harness must copy Documentation/ABI/testing/sysfs-kernel-hpool next to the selftests"
fi
eq "ABI file: every What: is under <pool>/ or <root>/ with a (RO)/(RW)/(WO) mode" \
	"$(grep -c -v -E '^(pool|root) [a-z_/]+ (444|644|200|dir)$' "$spec")" 0
eq "ABI file: documents 39 paths under <pool>/ and <root>/" "$(wc -l <"$spec" | tr -d ' ')" 39

# check_dir DIR SCOPES: the live directory against the spec lines of SCOPES.
check_dir() {
	d=$1 scopes=$2 bad=0
	want=$(mktemp)
	awk -v s="$scopes" 'index(" " s " ", " " $1 " ") { print $2, $3 }' \
		"$spec" | sort >"$want"
	while read -r rel mode; do
		if [ "$mode" = dir ]; then
			[ -d "$d/$rel" ] || { diag "$d/$rel: missing directory"; bad=1; }
		elif [ ! -f "$d/$rel" ]; then
			diag "$d/$rel: missing"
			bad=1
		else
			m=$(stat -c %a "$d/$rel")
			[ "$m" = "$mode" ] || { diag "$d/$rel: mode $m, documented $mode"; bad=1; }
		fi
	done <"$want"
	# Everything live, but the child pool directories, must be documented.
	for e in $(ls -A "$d") $(ls -A "$d/stats" 2>/dev/null | sed 's|^|stats/|'); do
		grep -q "^$e " "$want" || { diag "$d/$e: not documented"; bad=1; }
	done
	rm -f "$want"
	return $bad
}

ctl create $ROOT cap=100 obj=48
ctl create $ROOT/c cap=50 borrow=5
ctl create $ROOT/c/g cap=20 borrow=2 prio=high
ctl create $ROOT/h cap=5 hidden
ctl create $ROOT/h/hc cap=5
ctl create $ROOT/c/g/x.y-z_0 cap=1
R=$HP/$ROOT
C=$R/children/c
G=$C/children/g
X=$G/children/x.y-z_0

if [ -s "$spec" ]; then
	if check_dir "$R" "pool root"; then
		pass "root: files and modes match the ABI file"
	else
		fail "root: files and modes match the ABI file"
	fi
	for p in "$C" "$G" "$X"; do
		what="${p#"$HP"/}: files and modes match the ABI file (no roots-only files)"
		if check_dir "$p" "pool"; then pass "$what"; else fail "$what"; fi
	done
fi

eq "children of the root: only the visible child" "$(ls -A "$R/children" | tr '\n' ' ')" "c "
eq "hidden child has no directory" "$(ls -d "$R/children/h" 2>/dev/null)" ""
eq "root nr_children_hidden" "$(cat "$R/nr_children_hidden")" 1
eq "child nr_children_hidden" "$(cat "$C/nr_children_hidden")" 0
eq "no directory for the hidden child's child" "$(find "$HP" -name hc)" ""
eq "grandchild children/ holds x.y-z_0" "$(ls -A "$G/children")" "x.y-z_0"
eq "depths 0 1 2 3" "$(cat "$R/depth" "$C/depth" "$G/depth" "$X/depth" | tr '\n' ' ')" "0 1 2 3 "
eq "obj_size inherited" "$(cat "$R/obj_size" "$C/obj_size" "$X/obj_size" | tr '\n' ' ')" "48 48 48 "
eq "grandchild priority" "$(cat "$G/priority")" high
# ids: decimal, distinct, in creation order; a pool made again gets a new one.
ids=$(cat "$R/id" "$C/id" "$G/id" "$X/id")
eq "ids are decimal" "$(echo "$ids" | grep -c -v -E '^[0-9]+$')" 0
eq "ids grow in creation order" "$(echo "$ids" | sort -n -u | tr '\n' ' ')" "$(echo "$ids" | tr '\n' ' ')"
eq "ids are distinct" "$(echo "$ids" | sort -u | wc -l | tr -d ' ')" 4
eq "child borrow_limit" "$(cat "$C/borrow_limit")" 5
eq "root borrow_limit reads 0" "$(cat "$R/borrow_limit")" 0
eq "new pool state" "$(cat "$R/state")" active
eq "new pool health" "$(cat "$R/health")" good
eq "rebalance_threshold default" "$(cat "$R/rebalance_threshold")" 80
eq "rebalance_interval_ms default" "$(cat "$R/rebalance_interval_ms")" 0
eq "no group- or world-writable file" "$(find "$HP" -perm -020 -o -perm -002 | grep -v '^$' | head -n 3)" ""

# Every readable file reads; no read-only file can be written, even by root.
bad=
files=$(find "$R" -type f)
for f in $files; do
	case $(stat -c %a "$f") in
	200) "$WR" "$f" 1 >/dev/null || bad="$bad ${f#"$R"/}"
	     cat "$f" >/dev/null 2>&1 && bad="$bad read:${f#"$R"/}" ;;
	444) cat "$f" >/dev/null || bad="$bad ${f#"$R"/}"
	     [ "$("$WR" "$f" 1)" = EACCES ] || bad="$bad write:${f#"$R"/}" ;;
	*) cat "$f" >/dev/null || bad="$bad ${f#"$R"/}" ;;
	esac
done
eq "every file reads (or, 0200, writes) and 0444 files refuse writes (EACCES)" "$bad" ""

# Destroy removes the directory at once (DEBUG_KOBJECT_RELEASE delays the
# release, not the removal), and the name can be reused right away.
ctl destroy $ROOT/c/g/x.y-z_0
eq "destroyed pool's directory is gone" "$(ls -A "$G/children")" ""
ctl create $ROOT/c/g/x.y-z_0 cap=1 && pass "name reusable at once" || fail "name reusable at once"
xid=$(echo "$ids" | tail -n 1)
nid=$(cat "$X/id")
[ "$nid" -gt "$xid" ] && pass "a pool made again has a new id ($xid, then $nid)" ||
	fail "a pool made again has a new id # $xid, then $nid"
ctl destroy $ROOT/c/g/x.y-z_0
cleanup
eq "cleanup removed the root" "$(ls -d "$R" 2>/dev/null)" ""
ctl create $ROOT cap=1 && ctl destroy $ROOT && pass "root name reusable at once" ||
	fail "root name reusable at once"

rm -f "$spec"
finish
