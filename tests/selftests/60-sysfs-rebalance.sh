#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The root's rebalance files: writing 1 to rebalance runs one pass at once,
# a rebalance_interval_ms runs passes periodically, and the threshold decides
# who is hot. Needs hpool.ko and hpool_testdrv.ko loaded; runs as root.
ROOT=st60
. "$(dirname "$0")/hpool_lib"

cleanup

# wait_for FILE VALUE: up to 5 s for FILE to read VALUE.
wait_for() {
	i=0
	while [ "$(cat "$1")" != "$2" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(cat "$1")" = "$2" ]
}

R=$HP/$ROOT
A=$R/children/a
B=$R/children/b
ctl create $ROOT cap=100
ctl create $ROOT/a cap=10
ctl create $ROOT/b cap=10
# a: 8 of 10 in use (80%: at the threshold, neither hot nor cool);
# b: 6 free objects, nothing in use (0%: cool).
ctl acquire $ROOT/a 8
ctl acquire $ROOT/b 6
ctl release $ROOT/b 6

echo 1 >"$R/rebalance"
sleep 1
eq "at the threshold: nothing moves" \
	"$(cat "$A/stats/rebalanced_in") $(cat "$B/stats/rebalanced_out")" "0 0"

echo 79 >"$R/rebalance_threshold"
echo 1 >"$R/rebalance"
wait_for "$A/stats/rebalanced_in" 2 && pass "rebalance 1 runs a pass at once" ||
	fail "rebalance 1 runs a pass at once"
eq "a filled to its capacity from b" \
	"$(cat "$A/nr_objects") $(cat "$A/nr_free") $(cat "$B/nr_free") $(cat "$B/stats/rebalanced_out")" \
	"10 2 4 2"

# Periodic passes: a takes 2 more in use and gets room for 2 more.
echo 80 >"$R/rebalance_threshold"
ctl acquire $ROOT/a 2
echo 12 >"$A/capacity"
echo 50 >"$R/rebalance_interval_ms"
wait_for "$A/stats/rebalanced_in" 4 && pass "rebalance_interval_ms runs passes" ||
	fail "rebalance_interval_ms runs passes"
echo 0 >"$R/rebalance_interval_ms"
eq "b gave 4 in all" "$(cat "$B/stats/rebalanced_out") $(cat "$B/nr_free")" "4 2"

finish
