#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hpool's tracepoints (hpool_trace.h): every event is in tracefs under
# events/hpool/, and traffic through the test driver produces each one: a
# failed acquire, a borrow, a steal, a distribute, a reclaim, a rebalancing
# pass and state changes (a drain). Needs hpool.ko and hpool_testdrv.ko
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

EVENTS="hpool_acquire_fail hpool_borrow hpool_steal hpool_distribute hpool_reclaim
	hpool_rebalance hpool_state_change"
for e in $EVENTS; do
	[ -r "$TR/events/hpool/$e/format" ] && pass "event $e in tracefs" ||
		fail "event $e in tracefs"
done

echo 0 >"$TR/tracing_on"
echo >"$TR/trace"
echo 1 >"$TR/events/hpool/enable"
echo 1 >"$TR/tracing_on"

R=$ROOT
# A borrow (leaf borrows from mid), then a failed acquire on a limit.
ctl create $R cap=64
ctl create $R/mid cap=8 borrow=2
ctl acquire $R/mid 8
ctl acquire $R/mid 3 2>/dev/null	# 2 borrowed, the third fails on capacity
ctl release $R/mid 10
# Steal: a critical acquire on a full root takes from a low child.
ctl create $R/low cap=20 prio=low
ctl create $R/s cap=8
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
# A rebalancing pass (mid hot at 100%, s cool with free objects).
ctl acquire $R/mid 8
ctl rebalance $R
ctl release $R/mid 8
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
has hpool_acquire_fail "root=$R pool=mid reason=limit"
has hpool_borrow "root=$R borrower=mid lender=$R"
has hpool_steal "root=$R thief=$R victim=low"
has hpool_distribute "root=$R pool=$R nr=6"
has hpool_reclaim "root=$R pool=$R nr=[1-9]"
has hpool_rebalance "root=$R pool=$R nr=[0-9]"
has hpool_state_change "root=$R pool=s old=active new=draining"
has hpool_state_change "root=$R pool=s old=draining new=stopped"
has hpool_state_change "root=$R pool=s old=stopped new=active"
diag "$(grep -c 'hpool_' "$T") hpool events in the trace"
rm -f "$T"
echo >"$TR/trace"

finish
