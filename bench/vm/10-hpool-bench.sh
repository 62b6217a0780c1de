#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tests/vm/bench: run as a selftest by tests/vm/init.sh (with
# hpool.ko loaded), from a directory that also holds hpool_bench.ko and
# bench.env (BENCH_PARAMS: the module parameters). Loads the benchmark (it
# runs every case in its init), prints its results between markers, unloads
# it. Exit 0 when the results are there; judging them is the host's job.

RESULTS=/sys/kernel/debug/hpool_bench/results
BENCH_PARAMS=
# shellcheck disable=SC1091
[ -r ./bench.env ] && . ./bench.env

start=$(cut -d' ' -f1 /proc/uptime)
# shellcheck disable=SC2086 # BENCH_PARAMS is a list of name=value
if ! insmod ./hpool_bench.ko $BENCH_PARAMS; then
	echo "# insmod hpool_bench.ko $BENCH_PARAMS failed"
	exit 1
fi
end=$(cut -d' ' -f1 /proc/uptime)
echo "# benchmark ran from uptime $start to $end s"
rc=0
if [ -r "$RESULTS" ]; then
	echo "HPOOL-BENCH-BEGIN"
	cat "$RESULTS"
	echo "HPOOL-BENCH-END"
else
	echo "# no $RESULTS"
	rc=1
fi
rmmod hpool_bench || rc=1
exit $rc
