#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make demo" (tests/vm/demo runs it in the test VM, as a
# selftest next to hpool.ko, hpool_demo.ko and a static hpoolstat). It loads
# hpool and the demo driver, shows the live tree, drains a service, tightens
# a limit, unloads everything, and ends with a TAP summary of what it
# checked on the way. Everything it prints is meant for a human reader.
HP=/sys/kernel/hpool
WEB=$HP/web-app
API=$WEB/children/api-service
AUTH=$WEB/children/auth-service
GAME=$HP/game-engine
HERE=$(cd "$(dirname "$0")" && pwd)
STAT=$HERE/hpoolstat
OUT=$(mktemp)
n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n $*" >>"$OUT"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*" >>"$OUT"; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
say() { printf '%s\n' "$*"; }
# Kernel messages of the demo driver since the last call.
seen=0
klog() {
	dmesg | grep 'hpool_demo:' >/tmp/klog
	total=$(wc -l </tmp/klog)
	tail -n $((total - seen)) /tmp/klog | sed 's/^\[[ 0-9.]*\] /   kernel: /'
	seen=$total
}
# wait_for SECONDS COMMAND...: poll every second until COMMAND succeeds.
wait_for() {
	t=$1
	shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		t=$((t - 1))
	done
	return 1
}
ge() { [ "$(cat "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
finish() {
	say ""
	say "== what the demo checked (TAP)"
	echo "TAP version 13"
	echo "1..$n"
	cat "$OUT"
	rm -f "$OUT"
	[ "$fails" = 0 ]
}

say "== loading hpool.ko (the pool library): /sys/kernel/hpool/ appears"
check "insmod hpool.ko" insmod "$HERE/hpool.ko"
say "== loading hpool_demo.ko: it builds two trees and starts their load"
say "   web-app: 2 worker kthreads; each request logs in on auth-service, then"
say "   creates a request pool (capacity 10, auto-grow, no sysfs) under"
say "   api-service, takes 2-16 buffers, releases them and destroys it."
say "   game-engine: a frame loop; rendering (high priority) loads 33000"
say "   textures, the rebalancer feeds it, a level fills the root, critical"
say "   requests steal from ai (low priority)."
check "insmod hpool_demo.ko" insmod "$HERE/hpool_demo.ko"
check "web-app and game-engine in sysfs" test -d "$API" -a -d "$GAME/children/ai"
klog
say ""
say "== the sysfs tree: one directory per pool (request pools have none)"
(cd "$HP" && find . -type d ! -name stats ! -name children | sed 's|^\./|   |' | grep -v '^\.$' | sort)
say ""
say "== hpoolstat -w 2 -n 3: the live tree, three refreshes 2 s apart"
say "   (UTIL = in use / capacity; HIT/s, BRW/s, FAIL/s = local hits, parent"
say "   borrows and failed acquisitions per second since the previous refresh)"
"$STAT" -w 2 -n 3

say "== waiting for the game engine's critical requests (up to 180 s)"
wait_for 180 ge "$GAME/children/ai/stats/stolen" 1
klog
check "rendering got free objects from the rebalancer" ge "$GAME/children/rendering/stats/rebalanced_in" 1
check "a critical request stole from ai" ge "$GAME/children/ai/stats/stolen" 1
say "   rendering: rebalanced_in=$(cat "$GAME/children/rendering/stats/rebalanced_in")" \
	"(from physics: $(cat "$GAME/children/physics/stats/rebalanced_out")," \
	"from ai: $(cat "$GAME/children/ai/stats/rebalanced_out"))"
say "   game-engine: steals=$(cat "$GAME/stats/steals")," \
	"fail_limit=$(cat "$GAME/stats/fail_limit") (the root is full);" \
	"ai: stolen=$(cat "$GAME/children/ai/stats/stolen"), reserve=$(cat "$GAME/children/ai/reserve") (never stolen)"
"$STAT" -i 1

say ""
say "== draining api-service through $API/state"
say "   (new acquisitions and request pools on it are refused; what is in use"
say "   comes back; then it is 'stopped'. Requests are rerouted to auth-service)"
echo drain >"$API/state"
say "   state: $(cat "$API/state"), nr_in_use: $(cat "$API/nr_in_use")"
if wait_for 30 grep -qx stopped "$API/state"; then
	pass "api-service drained to stopped"
else
	fail "api-service drained to stopped # state $(cat "$API/state")"
fi
say "   state: $(cat "$API/state"), nr_in_use: $(cat "$API/nr_in_use")," \
	"fail_state: $(cat "$API/stats/fail_state")"
sleep 1
"$STAT" -i 1
say "== activating api-service again: echo activate > $API/state"
echo activate >"$API/state"
check "api-service active again" grep -qx active "$API/state"
say "   state: $(cat "$API/state")"

say ""
say "== tightening auth-service: borrow_limit 100 -> 10, capacity 1000 -> 60"
say "   (each web worker keeps 60 sessions on it: 120 in use will no longer fit)"
f0=$(cat "$AUTH/stats/fail_limit")
# Capacity first: a write below what its own objects in use need is EBUSY.
wait_for 20 sh -c "echo 60 >$AUTH/capacity" 2>/dev/null
echo 10 >"$AUTH/borrow_limit"
say "   borrow_limit=$(cat "$AUTH/borrow_limit") capacity=$(cat "$AUTH/capacity")"
sleep 4
f1=$(cat "$AUTH/stats/fail_limit")
say "   auth-service fail_limit: $f0 -> $f1 in 4 s (logins refused at the limit)"
check "tightened auth-service fails on its limit" test "$f1" -gt "$f0"
"$STAT" -i 1
say "== restoring auth-service: capacity 1000, borrow_limit 100"
echo 1000 >"$AUTH/capacity"
echo 100 >"$AUTH/borrow_limit"
sleep 2
f2=$(cat "$AUTH/stats/fail_limit")
sleep 3
f3=$(cat "$AUTH/stats/fail_limit")
say "   auth-service fail_limit over the next 3 s: $f2 -> $f3"
check "no more failures once restored" test "$f3" = "$f2"

say ""
say "== unloading hpool_demo.ko: its threads stop, every object goes back, every pool is destroyed"
check "rmmod hpool_demo" rmmod hpool_demo
klog
say "== unloading hpool.ko"
check "rmmod hpool" rmmod hpool
say "== hpoolstat after the unload:"
"$STAT" -i 0
rc=$?
say "   (exit status $rc)"
check "hpoolstat says hpool is not loaded (exit 2)" test "$rc" = 2
finish
