#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# CPU hotplug (Documentation/hpool.rst#hpool-memory-pressure): cpu1 goes
# offline while its per-CPU cache holds objects of a pool and a drift of
# objects in use; at once, before anything reads the pool, cpu1 holds
# nothing (/sys/kernel/debug/hpool/pcp, read without folding) and the pool's
# numbers are exact; cpu1 comes back with nothing; a cache left idle goes
# back to its pool by itself. Needs hpool.ko and
# hpool_testdrv.ko loaded, cpu1 hotpluggable; runs as root.
ROOT=st46
. "$(dirname "$0")/hpool_lib"

ON=/sys/devices/system/cpu/cpu1/online
PCP=/sys/kernel/debug/hpool/pcp
[ -w "$ON" ] || skip_all "cpu1 cannot go offline"
[ "$(cat "$ON")" = 1 ] || skip_all "cpu1 is offline"
[ -r "$PCP" ] || skip_all "no $PCP"
command -v taskset >/dev/null || skip_all "no taskset"
cleanup

# What cpu1 holds of the root: "nr_free in_use", or nothing.
on_cpu1() { awk -v p="$ROOT" '$1 == p && $2 == 1 { print $3, $4 }' "$PCP"; }

R=$HP/$ROOT
ctl create $ROOT cap=100
# Warm up on cpu1: the first objects come from the slab under the pool lock.
taskset -c 1 sh -c "echo 'acquire $ROOT 8' >$CTL; echo 'release $ROOT 8' >$CTL"
eq "warm: 8 objects, all free" "$(cat "$R/nr_objects") $(cat "$R/nr_free")" "8 8"
# On cpu1: 8 acquired (from its cache after a restock), 3 released there.
taskset -c 1 sh -c "echo 'acquire $ROOT 8' >$CTL; echo 'release $ROOT 3' >$CTL"
c=$(on_cpu1)
if [ -n "$c" ] && [ "${c% *}" -gt 0 ]; then
	pass "cpu1 caches objects of the pool ($c)"
else
	fail "cpu1 caches objects of the pool # got '$c'"
fi

echo 0 >"$ON"
eq "cpu1 offline" "$(cat "$ON")" 0
eq "cpu1 holds nothing at once" "$(on_cpu1)" ""
eq "exact: objects, free, in use" \
	"$(cat "$R/nr_objects") $(cat "$R/nr_free") $(cat "$R/nr_in_use")" "8 3 5"
eq "nothing in any per-CPU cache after the read" "$(awk -v p="$ROOT" '$1 == p' "$PCP")" ""
ctl release $ROOT 5
eq "released on another CPU: all free" "$(cat "$R/nr_free") $(cat "$R/nr_in_use")" "8 0"
eq "releases counted once each" "$(cat "$R/stats/releases")" 16

echo 1 >"$ON"
eq "cpu1 online" "$(cat "$ON")" 1
eq "cpu1 comes back with nothing" "$(on_cpu1)" ""
taskset -c 1 sh -c "echo 'acquire $ROOT 2' >$CTL; echo 'release $ROOT 2' >$CTL"
eq "and serves again" "$(cat "$R/nr_free") $(cat "$R/stats/releases")" "8 18"

# The idle trim: traffic on cpu1 leaves objects in its cache; with no more
# traffic they go back to the pool within two seconds (four allowed here).
taskset -c 1 sh -c "echo 'acquire $ROOT 4' >$CTL; echo 'release $ROOT 4' >$CTL"
c=$(on_cpu1)
[ -n "$c" ] && pass "cpu1 caches objects again ($c)" || fail "cpu1 caches objects again"
i=0
while [ -n "$(on_cpu1)" ] && [ $i -lt 40 ]; do
	sleep 0.1
	i=$((i + 1))
done
eq "idle: cpu1's cache went back to the pool" "$(on_cpu1)" ""
diag "gone after about $((i / 10)).$((i % 10)) s"

finish
