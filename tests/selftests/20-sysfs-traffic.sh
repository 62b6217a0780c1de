#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysfs reads after scripted traffic: acquire 7 from a grandchild and check
# every gauge and counter of the three levels against
# hpool.rst#hpool-acquire; release; the health/utilization files; lowering
# capacity frees surplus free objects; a file held open while its pool is
# destroyed. Needs hpool.ko and hpool_testdrv.ko loaded; runs as root.
HERE=$(cd "$(dirname "$0")" && pwd)
WR=$HERE/hpool_write
ROOT=st20
. "$(dirname "$0")/hpool_lib"

cleanup

# expect DIR "file=value ..." : each file of DIR (stats/ names too) reads value.
expect() {
	d=$1 got='' want=''
	for kv in $2; do
		f=${kv%%=*}
		want="$want $kv"
		got="$got $f=$(cat "$d/$f" 2>&1)"
	done
	eq "$3" "$got" "$want"
}

R=$HP/$ROOT
C=$R/children/c
G=$C/children/g
ctl create $ROOT cap=100
ctl create $ROOT/c cap=50 borrow=10
ctl create $ROOT/c/g cap=20 borrow=4

# g borrows 4 (each borrow chains: c borrows from the root, which allocates),
# then, at its borrow_limit, allocates 3 itself (charged to g, c and root).
ctl acquire $ROOT/c/g 7 && pass "acquire 7 from the grandchild" ||
	fail "acquire 7 from the grandchild"
expect "$G" "nr_in_use=7 nr_borrowed=4 nr_objects=3 nr_free=0 utilization=35 health=good
	stats/parent_borrows=4 stats/allocations=3 stats/local_hits=0 stats/grows=0
	stats/releases=0 stats/frees=0 stats/fail_limit=0 stats/fail_nomem=0
	stats/fail_state=0 stats/bad_releases=0 stats/peak_in_use=7" \
	"grandchild after acquire 7"
expect "$C" "nr_in_use=4 nr_borrowed=4 nr_objects=3 nr_free=0 utilization=8 health=good
	stats/parent_borrows=4 stats/allocations=0 stats/local_hits=0 stats/releases=0
	stats/fail_limit=0 stats/fail_state=0 stats/peak_in_use=4" \
	"child after acquire 7"
expect "$R" "nr_in_use=4 nr_borrowed=0 nr_objects=7 nr_free=0 utilization=4 health=good
	stats/parent_borrows=0 stats/allocations=4 stats/local_hits=0 stats/releases=0
	stats/fail_limit=0 stats/fail_state=0 stats/peak_in_use=4" \
	"root after acquire 7"

# Each object goes back to its home: 3 to g, 4 to the root.
ctl release $ROOT/c/g 7 && pass "release 7" || fail "release 7"
expect "$G" "nr_in_use=0 nr_borrowed=0 nr_objects=3 nr_free=3 utilization=0
	stats/releases=7 stats/peak_in_use=7 stats/bad_releases=0" "grandchild after release"
expect "$C" "nr_in_use=0 nr_borrowed=0 nr_objects=3 nr_free=0 stats/releases=0
	stats/peak_in_use=4" "child after release"
expect "$R" "nr_in_use=0 nr_objects=7 nr_free=4 stats/releases=0
	stats/peak_in_use=4" "root after release"

# Again: 3 local hits on g, then 4 borrows served by the root's free list.
ctl acquire $ROOT/c/g 7
expect "$G" "nr_in_use=7 nr_borrowed=4 nr_objects=3 nr_free=0 stats/local_hits=3
	stats/parent_borrows=8 stats/allocations=3" "grandchild after a second acquire 7"
expect "$C" "nr_in_use=4 nr_borrowed=4 stats/parent_borrows=8 stats/local_hits=0" \
	"child after a second acquire 7"
expect "$R" "nr_in_use=4 nr_objects=7 nr_free=0 stats/local_hits=4 stats/allocations=4" \
	"root after a second acquire 7"
ctl release $ROOT/c/g 7

# Limits: g (cap 20) cannot hold more than borrow 4 + 20 of its own.
ctl acquire $ROOT/c/g 24 && pass "acquire up to borrow_limit + capacity" ||
	fail "acquire up to borrow_limit + capacity"
"$WR" "$CTL" "acquire $ROOT/c/g 1" >/dev/null
expect "$G" "nr_in_use=24 nr_objects=20 utilization=100 health=critical stats/fail_limit=1" \
	"grandchild at its limits"
ctl release $ROOT/c/g 24

# Utilization and health: good < 50 <= warning < 80 <= critical.
ctl create $ROOT/hot cap=10
H=$R/children/hot
ctl acquire $ROOT/hot 4
expect "$H" "utilization=40 health=good" "4/10 in use"
ctl acquire $ROOT/hot 1
expect "$H" "utilization=50 health=warning" "5/10 in use"
ctl acquire $ROOT/hot 2
expect "$H" "utilization=70 health=warning" "7/10 in use"
ctl acquire $ROOT/hot 1
expect "$H" "utilization=80 health=critical" "8/10 in use"
ctl acquire $ROOT/hot 2
expect "$H" "utilization=100 health=critical nr_in_use=10" "10/10 in use"

# Lowering capacity frees surplus free objects, up the tree too.
ctl release $ROOT/hot 10
before=$(cat "$R/nr_objects")
expect "$H" "nr_objects=10 nr_free=10 stats/frees=0" "hot holds 10 free objects"
echo 6 >"$H/capacity"
expect "$H" "capacity=6 nr_objects=6 nr_free=6 stats/frees=4" "capacity 10 -> 6 frees 4"
eq "root uncharged by 4" "$(cat "$R/nr_objects")" "$((before - 4))"
ctl acquire $ROOT/hot 5
eq "capacity below what is in use: EBUSY" "$("$WR" "$H/capacity" 4)" EBUSY
expect "$H" "capacity=6 nr_objects=6 nr_in_use=5" "failed capacity write changed nothing"
eq "capacity = in use" "$("$WR" "$H/capacity" 5)" OK
expect "$H" "capacity=5 nr_objects=5 nr_free=0 stats/frees=5 utilization=100 health=critical" \
	"capacity 6 -> 5 frees the last free object"
echo 10 >"$H/capacity"
expect "$H" "utilization=50 health=warning" "raising capacity updates health"
ctl release $ROOT/hot 5

# A reader holding a file open while its pool is destroyed.
exec 5<"$H/nr_free"
exec 6<"$H/stats/frees"
ctl destroy $ROOT/hot && pass "destroy with files held open" ||
	fail "destroy with files held open"
if cat <&5 >/dev/null 2>&1; then fail "read of a destroyed pool's file fails"; else
	pass "read of a destroyed pool's file fails"; fi
exec 5<&- 6<&-
eq "directory gone" "$(ls -A "$R/children")" "c"

finish
