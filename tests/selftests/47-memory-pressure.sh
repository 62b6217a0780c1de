#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real memory pressure (Documentation/hpool.rst#hpool-memory-pressure): a
# pool holds 4096 free objects of 4000 bytes (16 MB of the VM's 1 GB);
# hpool_pressure allocates anonymous memory (there is no swap; it raises
# vm.watermark_scale_factor meanwhile, see hpool_pressure.c) until the
# kernel's own reclaim calls the shrinker and the pool's free stock falls.
# It never falls below the reserve, the objects in use stay, and what went
# counts in shrunk and frees. Needs hpool.ko and hpool_testdrv.ko loaded;
# runs as root.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=st47
. "$(dirname "$0")/hpool_lib"

[ -x "$HERE/hpool_pressure" ] || skip_all "no $HERE/hpool_pressure"
cleanup

R=$HP/$ROOT
ctl create $ROOT cap=4200 reserve=64 obj=4000
ctl acquire $ROOT 4100
ctl release $ROOT 4096
eq "free stock before" "$(cat "$R/nr_free") $(cat "$R/nr_in_use")" "4096 4"
out=$("$HERE/hpool_pressure" "$R/nr_free" 2048)
rc=$?
diag "$out"
eq "reclaim took free stock (hpool_pressure's status)" "$rc" 0
free=$(cat "$R/nr_free")
shrunk=$(cat "$R/stats/shrunk")
diag "after: nr_free $free, shrunk $shrunk"
[ "$free" -ge 64 ] && pass "never below the reserve" || fail "never below the reserve # $free"
[ "$shrunk" -gt 0 ] && pass "shrunk counts it" || fail "shrunk counts it"
eq "every object shrunk or still there" "$((free + shrunk))" 4096
eq "frees match shrunk" "$(cat "$R/stats/frees")" "$shrunk"
eq "objects in use untouched" "$(cat "$R/nr_in_use")" 4

finish
