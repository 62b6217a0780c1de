#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# poll() on health and state wakes up when they change, and not when they
# do not (hpool_poll, built from hpool_poll.c, reads the file, runs a command
# and polls for POLLPRI). Needs hpool.ko and hpool_testdrv.ko loaded; runs
# as root.
HERE=$(cd "$(dirname "$0")" && pwd)
POLL=$HERE/hpool_poll
ROOT=st40
. "$(dirname "$0")/hpool_lib"

[ -x "$POLL" ] || skip_all "no $POLL"
cleanup

# wakes DESC EXPECTED FILE CMD: polling FILE while CMD runs prints EXPECTED.
wakes() {
	eq "$1" "$("$POLL" -t 3000 "$3" "$4" 2>&1)" "$2"
}
# quiet DESC FILE CMD: polling FILE while CMD runs times out (no change).
# A change made less than 10 ms after the one before is notified up to 10 ms
# late (hpool.rst, "Health notifications"): let the last one come first.
quiet() {
	sleep 0.1
	v=$(cat "$2")
	eq "$1" "$("$POLL" -t 300 "$2" "$3" 2>&1)" "timeout $v"
}

R=$HP/$ROOT
C=$R/children/c
ctl create $ROOT cap=100
ctl create $ROOT/c cap=10

wakes "health good -> warning on acquire" "woke good -> warning" \
	"$C/health" "echo acquire $ROOT/c 5 >$CTL"
quiet "no wake-up while health stays warning" "$C/health" "echo acquire $ROOT/c 1 >$CTL"
wakes "health warning -> critical on acquire" "woke warning -> critical" \
	"$C/health" "echo acquire $ROOT/c 2 >$CTL"
wakes "health critical -> good on release" "woke critical -> good" \
	"$C/health" "echo release $ROOT/c 8 >$CTL"
quiet "no wake-up without a change" "$C/health" "true"
ctl acquire $ROOT/c 5
wakes "health warning -> good on a capacity write" "woke warning -> good" \
	"$C/health" "echo 20 >$C/capacity"
ctl release $ROOT/c 5

wakes "state active -> stopped on drain with nothing in use" "woke active -> stopped" \
	"$C/state" "echo drain >$C/state"
wakes "state stopped -> active on activate" "woke stopped -> active" \
	"$C/state" "echo activate >$C/state"
ctl acquire $ROOT/c 1
wakes "state active -> draining on drain" "woke active -> draining" \
	"$C/state" "echo drain >$C/state"
wakes "state draining -> stopped on the last release" "woke draining -> stopped" \
	"$C/state" "echo release $ROOT/c 1 >$CTL"
quiet "no wake-up on a second drain" "$C/state" "echo drain >$C/state"
wakes "state of the root: active -> stopped" "woke active -> stopped" \
	"$R/state" "echo drain >$R/state"
echo activate >"$R/state"
echo activate >"$C/state"

# A child's borrows raise its parent's health too.
ctl create $ROOT/c/g cap=10 borrow=10
echo 10 >"$C/capacity"
wakes "parent health changes through a child's borrows" "woke good -> critical" \
	"$C/health" "echo acquire $ROOT/c/g 9 >$CTL"
ctl release $ROOT/c/g 9

finish
