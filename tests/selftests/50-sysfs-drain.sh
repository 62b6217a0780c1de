#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Draining through sysfs: "drain" in state makes acquisitions (and borrows
# from the pool) fail; the pool becomes stopped when the script releases its
# last object; "activate" brings it back. Needs hpool.ko and
# hpool_testdrv.ko loaded; runs as root.
HP=/sys/kernel/hpool
CTL=/sys/kernel/debug/hpool_test/ctl
HERE=$(cd "$(dirname "$0")" && pwd)
WR=$HERE/hpool_write
ROOT=st50
OUT=$(mktemp)
n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n $*" >>"$OUT"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*" >>"$OUT"; }
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 # got '$2', want '$3'"; fi; }
diag() { echo "# $*" >>"$OUT"; }
ctl() { echo "$*" >"$CTL"; }
cleanup() {
	[ -r "$CTL" ] || return 0
	grep -E "^$ROOT(/| )" "$CTL" | tac | while read -r p h; do
		h=${h#held=}
		[ "$h" -gt 0 ] && ctl release "$p" "$h"
		ctl destroy "$p"
	done 2>/dev/null
}
finish() {
	cleanup
	echo "TAP version 13"
	echo "1..$n"
	cat "$OUT"
	rm -f "$OUT"
	[ "$fails" = 0 ]
}
skip_all() { echo "TAP version 13"; echo "1..0 # SKIP $*"; rm -f "$OUT"; exit 4; }

[ "$(id -u)" = 0 ] || skip_all "must run as root"
[ -d "$HP" ] || skip_all "hpool.ko not loaded"
[ -w "$CTL" ] || skip_all "hpool_testdrv.ko not loaded"
[ -x "$WR" ] || skip_all "no $WR"
cleanup

R=$HP/$ROOT
C=$R/children/c
ctl create $ROOT cap=20
ctl create $ROOT/c cap=10 borrow=2

# c borrows 2 from the root and allocates 1 itself.
ctl acquire $ROOT/c 3
eq "drain through state" "$("$WR" "$C/state" 'drain\n')" OK
eq "state draining while 3 are in use" "$(cat "$C/state")" draining
eq "acquire on a draining pool fails" "$("$WR" "$CTL" "acquire $ROOT/c 1")" EAGAIN
eq "counted in fail_state" "$(cat "$C/stats/fail_state")" 1
eq "a second drain is accepted" "$("$WR" "$C/state" drain)" OK
ctl release $ROOT/c 2 && pass "release goes on while draining" ||
	fail "release goes on while draining"
eq "still draining with 1 in use" "$(cat "$C/state") $(cat "$C/nr_in_use")" "draining 1"
ctl release $ROOT/c 1
eq "stopped once the last object is back" "$(cat "$C/state") $(cat "$C/nr_in_use")" "stopped 0"
eq "acquire on a stopped pool fails" "$("$WR" "$CTL" "acquire $ROOT/c 1")" EAGAIN
eq "counted in fail_state" "$(cat "$C/stats/fail_state")" 2
eq "the objects went home" "$(cat "$C/nr_free") $(cat "$R/nr_free")" "1 2"
eq "activate through state" "$("$WR" "$C/state" activate)" OK
eq "state active" "$(cat "$C/state")" active
ctl acquire $ROOT/c 1 && pass "acquire works again" || fail "acquire works again"
eq "from its own free list" "$(cat "$C/stats/local_hits")" 1
ctl release $ROOT/c 1

# A drained parent refuses borrows; the child allocates instead, and the
# parent counts no failure.
eq "drain the root with nothing in use" "$("$WR" "$R/state" drain)" OK
eq "root stopped at once" "$(cat "$R/state")" stopped
ctl acquire $ROOT/c 2 && pass "child acquires while its parent is stopped" ||
	fail "child acquires while its parent is stopped"
eq "child: 1 local hit, 1 allocation, no new borrow" \
	"$(cat "$C/stats/local_hits") $(cat "$C/stats/allocations") $(cat "$C/stats/parent_borrows")" \
	"2 2 2"
eq "root counts no failure for the refused borrow" "$(cat "$R/stats/fail_state")" 0
eq "root's free objects untouched" "$(cat "$R/nr_free")" 2
eq "activate the root" "$("$WR" "$R/state" activate)" OK
ctl release $ROOT/c 2
eq "state of the root" "$(cat "$R/state")" active

finish
