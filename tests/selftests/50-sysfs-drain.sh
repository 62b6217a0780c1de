#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Draining through sysfs: "drain" in state makes acquisitions (and borrows
# from the pool) fail; the pool becomes stopped when the script releases its
# last object; "activate" brings it back. Needs hpool.ko and
# hpool_testdrv.ko loaded; runs as root.
HERE=$(cd "$(dirname "$0")" && pwd)
WR=$HERE/hpool_write
ROOT=st50
. "$(dirname "$0")/hpool_lib"

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
