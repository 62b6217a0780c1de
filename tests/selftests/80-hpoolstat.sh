#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hpoolstat (tools/hpoolstat, built here from the hpoolstat.c symlink): a
# tree made through the test driver is printed, as a table (-1) and as JSON
# (-j), with the numbers sysfs has; the name column as wide as the deepest
# name, the TOTAL row, -s, -p, -w -j as one object per line; --help,
# --version, the usage errors, found before anything is read; and the "not
# loaded" message (exit 2) for a missing directory (-r). Needs hpool.ko and
# hpool_testdrv.ko loaded; runs as root.
HERE=$(cd "$(dirname "$0")" && pwd)
STAT=$HERE/hpoolstat
ROOT=st80
. "$(dirname "$0")/hpool_lib"
[ -x "$STAT" ] || skip_all "no $STAT"
cleanup

R=$HP/$ROOT
ctl create $ROOT cap=100
ctl create $ROOT/svc cap=40 borrow=5 prio=high
ctl create $ROOT/svc/leaf cap=10 borrow=3
ctl create $ROOT/cold cap=20
ctl create $ROOT/svc/req cap=4 grow hidden
ctl create $ROOT/svc/leaf/deep cap=2
ctl create $ROOT/svc/aaa cap=1
ctl create $ROOT/svc/leaf/deep/a_name_of_twenty_six_chars cap=1
# leaf: 3 borrowed + 4 own; svc: lends 3; cold: 6 held, 2 back; one failure.
ctl acquire $ROOT/svc/leaf 7
ctl acquire $ROOT/cold 8
ctl release $ROOT/cold 2
echo 6 >"$R/children/cold/capacity"
ctl acquire $ROOT/cold 1 2>/dev/null

# The table: one row per pool, name indented by depth.
T=$(mktemp)
"$STAT" -1 -i 0 >"$T"
rc=$?
eq "hpoolstat -1 exit status" "$rc" 0
head -n 1 "$T" | grep -q '^POOL  *STATE  *HEALTH  *CAP  *OBJS  *FREE  *INUSE  *BORROW  *UTIL  *HIT/s  *BRW/s  *FAIL/s' &&
	pass "table header" || fail "table header # $(head -n 1 "$T")"
grep -q "^$ROOT " "$T" && pass "root at depth 0" || fail "root at depth 0"
grep -q "^  svc " "$T" && pass "child indented by 2" || fail "child indented by 2"
grep -q "^    leaf " "$T" && pass "grandchild indented by 4" ||
	fail "grandchild indented by 4"
grep -q "(+1 hidden children)" "$T" && pass "hidden child counted" ||
	fail "hidden child counted"
grep -q "^        a_name_of_twenty_six_chars active " "$T" &&
	pass "depth 4 indented by 8, one space after the longest name" ||
	fail "depth 4 indented by 8, one space after the longest name"
# Where the second column starts, in the header and every pool row.
cols=$(grep -v '(+' "$T" | awk '{ match($0, /^ *[^ ]+ +/); print RLENGTH }' | sort -u)
eq "every row's STATE column lines up with the header's" "$cols" \
	"$(head -n 1 "$T" | awk '{ match($0, /^ *[^ ]+ +/); print RLENGTH }')"
# TOTAL: the roots' objects (they hold all), every free list.
objs=0
for f in "$HP"/*/nr_objects; do objs=$((objs + $(cat "$f"))); done
free=$(find "$HP" -name nr_free | while read -r f; do cat "$f"; done |
	awk '{ s += $1 } END { print s + 0 }')
eq "TOTAL row last: roots' objects, every free list" \
	"$(tail -n 1 "$T" | awk '{ print $1, $5, $6 }')" "TOTAL $objs $free"

# row NAME: the row of that pool (names are unique in this tree).
row() { awk -v n="$1" '$1 == n { print; exit }' "$T"; }
# Columns: name state health cap objs free inuse borrow util bar hit brw fail.
for p in "$ROOT:$R" "svc:$R/children/svc" "leaf:$R/children/svc/children/leaf" \
	"cold:$R/children/cold"; do
	name=${p%%:*}
	d=${p#*:}
	want="$name $(cat "$d/state") $(cat "$d/health") $(cat "$d/capacity")"
	want="$want $(cat "$d/nr_objects") $(cat "$d/nr_free") $(cat "$d/nr_in_use")"
	want="$want $(cat "$d/nr_borrowed") $(cat "$d/utilization")% - - -"
	got=$(row "$name" | awk '{ print $1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $12, $13 }')
	eq "table row of $name matches sysfs" "$got" "$want"
done
u=$(cat "$R/children/svc/children/leaf/utilization")
bar=$(row leaf | awk '{ print $10 }')
hashes=$(printf '%s' "$bar" | tr -cd '#' | wc -c)
eq "leaf's bar has one hash per 10 percent ($u)" "$hashes" $(((u * 10 + 50) / 100))
rm -f "$T"

# JSON: one object on one line, with the sysfs numbers and every counter.
J=$(mktemp)
"$STAT" -j -i 0 >"$J"
eq "hpoolstat -j exit status" "$?" 0
eq "hpoolstat -j: one line" "$(wc -l <"$J")" 1
grep -q '^{"root": "/sys/kernel/hpool", "interval": 0.000, "pools": \[{"path": ' "$J" &&
	pass "JSON header" || fail "JSON header # $(cut -c 1-80 "$J")"
grep -q '], "totals": {"pools": [0-9]*, "nr_objects": [0-9]*, "nr_free": [0-9]*, "rates": null}}$' "$J" &&
	pass "JSON trailer: the totals" || fail "JSON trailer: the totals"
# One pool a line, to grep.
jrows() { awk '{ gsub(/}, [{]"path"/, "}\n{\"path\""); print }' "$J"; }
jrow() { jrows | grep "\"path\": \"$1\""; }
jval() { jrow "$1" | sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p"; }
L=$ROOT/children/svc/children/leaf
D=$HP/$L
for f in capacity borrow_limit nr_objects nr_free nr_in_use nr_borrowed utilization; do
	eq "JSON leaf $f" "$(jval "$L" "$f")" "$(cat "$D/$f")"
done
eq "JSON leaf state" "$(jval "$L" state)" "\"$(cat "$D/state")\""
eq "JSON leaf depth" "$(jval "$L" depth)" 2
eq "JSON svc priority" "$(jval "$ROOT/children/svc" priority)" '"high"'
eq "JSON svc nr_children_hidden" "$(jval "$ROOT/children/svc" nr_children_hidden)" 1
C=$ROOT/children/cold
for f in local_hits parent_borrows allocations releases fail_limit frees; do
	eq "JSON cold stats.$f" "$(jval "$C" "$f")" "$(cat "$HP/$C/stats/$f")"
done
eq "JSON without rates" "$(jval "$L" rates)" null
eq "JSON pools of $ROOT" "$(jrows | grep -c "\"path\": \"${ROOT}[/\"]")" 7
rm -f "$J"

# Rates over an interval: 5 local hits on cold while hpoolstat samples.
ctl release $ROOT/cold 5
( sleep 1; ctl acquire $ROOT/cold 5 ) &
J=$(mktemp)
"$STAT" -j -i 3 >"$J"
wait
hits=$(jrow "$C" | sed -n 's/.*"rates": {"hits": \([0-9.]*\),.*/\1/p')
# The rate is over the interval measured, which a loaded host stretches past
# 3 s: hits x interval must give back the 5 hits.
ival=$(head -n 1 "$J" | sed -n 's/.*"interval": \([0-9.]*\),.*/\1/p')
nhits=$(awk -v r="$hits" -v t="$ival" 'BEGIN { if (r == "" || t < 3) print "bad"; else printf "%.0f", r * t }')
eq "rate of hits x interval ($hits/s over $ival s)" "$nhits" 5
rm -f "$J"

# -w COUNT tables, then exits.
eq "-w 0.2 -n 2 prints two tables" "$("$STAT" -w 0.2 -n 2 | grep -c '^POOL')" 2
# -w -j: one object per line, each whole: its brackets balance on the line.
"$STAT" -w 0.2 -n 2 -j >"$J"
eq "-w 0.2 -n 2 -j: two lines" "$(wc -l <"$J")" 2
bad=$(awk '!/^[{]"root".*[}][}]$/ { print NR; next }
	{ o = gsub(/[{[]/, "&"); c = gsub(/[]}]/, "&"); if (o != c) print NR }' "$J")
eq "-w -j: each line one balanced object" "$bad" ""
rm -f "$J"

# -s: siblings sorted, children kept under their parent.
order() {
	"$STAT" -i 0 "$@" |
		awk -v r="$ROOT" '/^[^ ]/ { on = ($1 == r) } on && !/\(\+/ { printf "%s ", $1 }'
}
L4=a_name_of_twenty_six_chars
eq "siblings by name (default)" "$(order)" "$ROOT cold svc aaa leaf deep $L4 "
eq "-s name" "$(order -s name)" "$ROOT cold svc aaa leaf deep $L4 "
eq "-s cap: larger capacity first, at every depth, children under their parent" \
	"$(order -s cap)" "$ROOT svc leaf deep $L4 aaa cold "
# -p: only the matching names.
eq "-p 'le*' shows leaf alone" "$("$STAT" -i 0 -p 'le*' | awk 'NR > 1 && $1 != "TOTAL" { print $1 }')" leaf
eq "-p matching nothing" "$("$STAT" -i 0 -p 'zz*' | sed -n 2p)" "(no pools match 'zz*')"

# --help and --version, on stdout, exit 0.
out=$("$STAT" --help)
eq "--help: exit 0" "$?" 0
case $out in usage:*-s\ FIELD*) pass "--help: the usage" ;; *) fail "--help: the usage" ;; esac
out=$("$STAT" --version)
eq "--version: exit 0" "$?" 0
eq "--version: the module's version" "$out" "hpoolstat $(cat /sys/module/hpool/version)"

# Errors: exit 1 and a message naming the option, before anything is read.
"$STAT" -x >/dev/null 2>&1
eq "unknown option: exit 1" "$?" 1
"$STAT" -w 0 >/dev/null 2>&1
eq "-w 0: exit 1" "$?" 1
for a in "-n abc" "-n 0" "-n 2x" "-s nosuch" "-i x" "-r $HERE/hpool_lib"; do
	# shellcheck disable=SC2086 # an option and its argument
	msg=$("$STAT" -w 1 $a 2>&1 >/dev/null)
	rc=$?
	eq "$a: exit 1" "$rc" 1
	case $msg in "hpoolstat: ${a%% *} '"*) pass "$a: the message names it" ;;
	*) fail "$a: the message names it # got '$msg'" ;; esac
done
"$STAT" -n 2 >/dev/null 2>&1
eq "-n without -w: exit 1" "$?" 1
"$STAT" -r /nonexistent/hpool -n abc >/dev/null 2>&1
eq "-n abc with a missing -r DIR: the usage error first (exit 1)" "$?" 1
"$STAT" -r /nonexistent/hpool -1 extra >/dev/null 2>&1
eq "an extra argument: exit 1" "$?" 1
msg=$("$STAT" -r /nonexistent/hpool 2>&1 >/dev/null)
rc=$?
eq "not loaded: exit 2" "$rc" 2
case $msg in
*"hpool is not loaded"*) pass "not loaded: a clear message" ;;
*) fail "not loaded: a clear message # got '$msg'" ;;
esac
E=$(mktemp -d)
eq "empty directory: no pools" "$("$STAT" -r "$E" -i 0 | tail -n 1)" "(no pools)"
rmdir "$E"

finish
