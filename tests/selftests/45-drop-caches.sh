#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Memory pressure through drop_caches (Documentation/hpool.rst#hpool-memory-
# pressure): "echo 2 > /proc/sys/vm/drop_caches" runs every shrinker, hpool's
# among them; afterwards every pool holds exactly its reserve of free objects
# (per-CPU caches included), the objects in use are untouched, and each
# pool's frees and shrunk moved by what it gave back. Needs hpool.ko and
# hpool_testdrv.ko loaded; runs as root.
ROOT=st45
. "$(dirname "$0")/hpool_lib"

[ -w /proc/sys/vm/drop_caches ] || skip_all "no /proc/sys/vm/drop_caches"
cleanup

R=$HP/$ROOT
A=$R/children/a
B=$R/children/b
ctl create $ROOT cap=100 reserve=4
ctl create $ROOT/a cap=40 reserve=2
ctl create $ROOT/b cap=40
# a: 20 objects, 10 of them held; b: 6, none held; the root: 8, none held.
ctl acquire $ROOT/a 20
ctl release $ROOT/a 10
ctl acquire $ROOT/b 6
ctl release $ROOT/b 6
ctl acquire $ROOT 8
ctl release $ROOT 8
eq "free stock before" "$(cat "$R/nr_free") $(cat "$A/nr_free") $(cat "$B/nr_free")" "8 10 6"
eq "nothing shrunk yet" "$(cat "$R/stats/shrunk") $(cat "$A/stats/shrunk") $(cat "$B/stats/shrunk")" "0 0 0"
# Put some of it back in the per-CPU caches (the reads above folded them).
ctl acquire $ROOT/b 6
ctl release $ROOT/b 6

echo 2 >/proc/sys/vm/drop_caches
eq "every pool holds its reserve" \
	"$(cat "$R/nr_free") $(cat "$A/nr_free") $(cat "$B/nr_free")" "4 2 0"
eq "shrunk: what each gave back" \
	"$(cat "$R/stats/shrunk") $(cat "$A/stats/shrunk") $(cat "$B/stats/shrunk")" "4 8 6"
eq "frees: the same" \
	"$(cat "$R/stats/frees") $(cat "$A/stats/frees") $(cat "$B/stats/frees")" "4 8 6"
eq "objects in use untouched" "$(cat "$A/nr_in_use")" 10
eq "charges follow: root a b" \
	"$(cat "$R/nr_objects") $(cat "$A/nr_objects") $(cat "$B/nr_objects")" "16 12 0"

# Again: nothing beyond the reserves is left, so nothing moves.
echo 2 >/proc/sys/vm/drop_caches
eq "a second drop frees nothing" \
	"$(cat "$R/stats/shrunk") $(cat "$A/stats/shrunk") $(cat "$B/stats/shrunk")" "4 8 6"
ctl release $ROOT/a 10
eq "the held objects come home" "$(cat "$A/nr_free") $(cat "$A/nr_in_use")" "12 0"

finish
