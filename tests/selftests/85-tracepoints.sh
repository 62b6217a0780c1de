#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hpool's tracepoints (hpool_trace.h): every event is in tracefs under
# events/hpool/, and traffic through the test driver produces each one: a
# failed acquire, a borrow, a steal, a distribute, a reclaim, a rebalancing
# pass and state changes (a drain), and every acquire and release, with the
# object, the pool's id (its sysfs file id), the call site and the step the
# object came from. Needs hpool.ko and hpool_testdrv.ko
# loaded, a kernel with CONFIG_EVENT_TRACING; runs as root.
TR=/sys/kernel/tracing
ROOT=st85
. "$(dirname "$0")/hpool_lib"
if [ ! -d "$TR/events" ]; then
	mount -t tracefs tracefs "$TR" 2>/dev/null ||
		skip_all "no tracefs at $TR"
fi
[ -d "$TR/events/hpool" ] || skip_all "no $TR/events/hpool (CONFIG_EVENT_TRACING?)"
cleanup

EVENTS="hpool_acquire hpool_release hpool_acquire_fail hpool_borrow hpool_steal
	hpool_distribute hpool_reclaim hpool_rebalance hpool_state_change"
for e in $EVENTS; do
	[ -r "$TR/events/hpool/$e/format" ] && pass "event $e in tracefs" ||
		fail "event $e in tracefs"
done

echo 0 >"$TR/tracing_on"
echo >"$TR/trace"
echo 1 >"$TR/events/hpool/enable"
echo 1 >"$TR/tracing_on"

R=$ROOT
ctl create $R cap=64
ctl create $R/mid cap=8 borrow=2
RID=$(cat "$HP/$R/id")
MID=$(cat "$HP/$R/children/mid/id")
# A borrow (leaf borrows from mid), then a failed acquire on a limit.
ctl acquire $R/mid 8
ctl acquire $R/mid 3 2>/dev/null	# 2 borrowed, the third fails on capacity
ctl release $R/mid 10
# Steal: a critical acquire on a full root takes from a low child.
ctl create $R/low cap=20 prio=low
ctl create $R/s cap=8
SID=$(cat "$HP/$R/children/s/id")
LID=$(cat "$HP/$R/children/low/id")
ctl acquire $R/low 10
ctl release $R/low 10			# low: 10 free
ctl acquire $R/s 8
ctl acquire $R/mid 8
ctl acquire $R 38			# the root is full: 64 charged
ctl acquire_prio $R critical 1
ctl release $R 39
ctl release $R/mid 8
ctl release $R/s 8
# Distribute and reclaim.
ctl distribute $R 6
ctl reclaim $R
# A rebalancing pass (mid hot at 100%, s cool with free objects). The
# reclaim left the whole tree's stock on the root, full: mid gets only its
# borrow limit's worth; give back what it got.
ctl acquire $R/mid 8 2>/dev/null
ctl rebalance $R
ctl release $R/mid "$(sed -n "s|^$R/mid held=||p" "$CTL")"
# A drain: active -> draining -> stopped, then active again.
ctl drain $R/s 100
ctl activate $R/s
echo 0 >"$TR/tracing_on"

T=$(mktemp)
cat "$TR/trace" >"$T"
echo 0 >"$TR/events/hpool/enable"
# has NAME PATTERN: the trace has an event NAME whose fields match PATTERN.
has() {
	if grep -E "$1: .*$2" "$T" >/dev/null; then
		pass "$1 traced ($2)"
	else
		fail "$1 traced ($2)"
		diag "$(grep -c "$1:" "$T") $1 event(s); first: $(grep -m1 "$1:" "$T")"
	fi
}
has hpool_acquire_fail "root=$R pool=mid id=$MID reason=limit call_site=hpool_testdrv_acquire"
has hpool_borrow "root=$R borrower=mid lender=$R id=$MID lender_id=$RID"
has hpool_steal "root=$R thief=$R victim=low id=$RID victim_id=$LID"
has hpool_distribute "root=$R pool=$R id=$RID nr=6"
has hpool_reclaim "root=$R pool=$R id=$RID nr=[1-9]"
has hpool_rebalance "root=$R pool=$R id=$RID nr=[0-9]"
has hpool_state_change "root=$R pool=s id=$SID old=active new=draining"
has hpool_state_change "root=$R pool=s id=$SID old=draining new=stopped"
has hpool_state_change "root=$R pool=s id=$SID old=stopped new=active"
# Each step of an acquire, with its object and caller.
CS="call_site=hpool_testdrv_acquire"
has hpool_acquire "id=$MID obj=[0-9a-f]+ $CS.* step=borrow"
has hpool_acquire "id=$MID obj=[0-9a-f]+ $CS.* step=slab"
has hpool_acquire "id=$RID obj=[0-9a-f]+ $CS.* step=steal"
has hpool_acquire "id=$MID obj=[0-9a-f]+ $CS.* step=(cache|free_list)"
has hpool_release "id=$MID obj=[0-9a-f]+ call_site=hpool_testdrv_release"
# Every acquire of mid has its release (all were given back while tracing):
# as many of each, and the same objects. 10, then 8, then 2 acquires.
acq=$(grep -E "hpool_acquire: id=$MID " "$T" | sed 's/.* obj=\([0-9a-f]*\).*/\1/' | sort)
rel=$(grep -E "hpool_release: id=$MID " "$T" | sed 's/.* obj=\([0-9a-f]*\).*/\1/' | sort)
eq "mid: acquired objects = released objects" "$(echo "$acq" | md5sum)" "$(echo "$rel" | md5sum)"
eq "mid: 20 acquires traced" "$(echo "$acq" | grep -c .)" 20
diag "$(grep -c 'hpool_' "$T") hpool events in the trace"
rm -f "$T"
echo >"$TR/trace"

finish
