#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Object tracking (hpool.rst#hpool-debugging): a tree with a deliberate leak
# (objects the test driver holds), read through
# /sys/kernel/debug/hpool/<root>/objects: each pool with its objects in use,
# tracked and untracked (acquired while tracking was off), each acquiring
# stack with its count; objects that come back leave the file at once. A
# destroy refused for objects out says who holds them in the kernel log.
# /sys/module/hpool/parameters/track takes 0 or 1 only. Needs hpool.ko and
# hpool_testdrv.ko loaded, debugfs; runs as root.
HERE=$(cd "$(dirname "$0")" && pwd)
WR=$HERE/hpool_write
TRACK=/sys/module/hpool/parameters/track
ROOT=st86
. "$(dirname "$0")/hpool_lib"
grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || skip_all "debugfs not mounted"
cleanup
if [ ! -w "$TRACK" ] || [ ! -d /sys/kernel/debug/hpool ]; then
	fail "$TRACK and /sys/kernel/debug/hpool exist"
	finish
	exit 1
fi
was=$(cat "$TRACK")
F=/sys/kernel/debug/hpool/$ROOT/objects

eq "track is off by default" "$was" 0
for bad in 2 -1 on "1 1"; do
	eq "track refuses '$bad'" "$("$WR" "$TRACK" "$bad")" EINVAL
done
eq "track unchanged by bad writes" "$(cat "$TRACK")" 0

ctl create $ROOT cap=64
ctl create $ROOT/leaky cap=16 borrow=8
ctl create $ROOT/clean cap=4
RID=$(cat "$HP/$ROOT/id")
LID=$(cat "$HP/$ROOT/children/leaky/id")
eq "objects file, root only" "$(stat -c %a "$F" 2>&1)" 400
eq "objects file, nothing in use" "$(cat "$F")" \
	"# tracking off (/sys/module/hpool/parameters/track)"

# 3 acquired while off, then 5 and 2 while on; clean has nothing out.
ctl acquire $ROOT/leaky 3
echo 1 >"$TRACK"
eq "track reads 1 once set" "$(cat "$TRACK")" 1
ctl acquire $ROOT/leaky 5
ctl acquire $ROOT 2
ctl acquire $ROOT/clean 1
ctl release $ROOT/clean 1
out=$(cat "$F")
diag "$(echo "$out" | head -n 12)"
eq "header says tracking is on" "$(echo "$out" | head -n 1)" \
	"# tracking on (/sys/module/hpool/parameters/track)"
eq "root line: its own callers' objects only" \
	"$(echo "$out" | grep "^$ROOT id=")" "$ROOT id=$RID: 2 in use, 2 tracked, 0 untracked"
eq "leaky line: 8 in use, 5 tracked, 3 untracked" \
	"$(echo "$out" | grep "^$ROOT/leaky id=")" \
	"$ROOT/leaky id=$LID: 8 in use, 5 tracked, 3 untracked"
eq "no line for a pool with nothing out" "$(echo "$out" | grep -c "^$ROOT/clean")" 0
# The group under leaky: its count, then the driver's acquiring stack.
grp=$(echo "$out" | sed -n "/^$ROOT\/leaky id=/,/^$ROOT/p")
eq "leaky has one group of 5" "$(echo "$grp" | grep -c -E '^ +5 objects, oldest acquired [0-9]+ ms ago, at:$')" 1
eq "its stack starts in the driver's acquire (hpool's frames dropped)" \
	"$(echo "$grp" | grep -A1 ' objects, ' | tail -n 1 | grep -c -E '^ +hpool_testdrv_acquire\+0x')" 1
eq "no hpool frame in it" "$(echo "$grp" | grep -c -E '^ +hpool_acquire')" 0

# A destroy refused for objects out reports them (ratelimited) in the log.
echo "st86: destroy of leaky" >/dev/kmsg
if ctl destroy $ROOT/leaky 2>/dev/null; then
	fail "destroy of the leaky pool refused"
else
	pass "destroy of the leaky pool refused"
fi
log=$(dmesg | sed -n '/st86: destroy of leaky/,$p')
diag "$(echo "$log" | head -n 8)"
eq "report: the count" "$(echo "$log" | grep -c "hpool: leaky (id $LID): destroy refused: 8 objects in use")" 1
eq "report: tracked objects" \
	"$(echo "$log" | grep -c "hpool: leaky: 5 objects of its subtree tracked")" 1
eq "report: the top stack" \
	"$(echo "$log" | grep -c "hpool: leaky: 5 objects from pool id $LID, the oldest for [0-9]* ms, acquired at:")" 1
eq "report: the driver in the stack" "$(echo "$log" | grep -c 'hpool_testdrv_acquire+0x')" 1

# Objects that come back leave the file at once: LIFO, the 5 tracked first.
ctl release $ROOT/leaky 5
eq "leaky after the tracked ones came back" "$(grep "^$ROOT/leaky id=" "$F")" \
	"$ROOT/leaky id=$LID: 3 in use, 0 tracked, 3 untracked"
eq "no group left under leaky" "$(grep -c ' objects, oldest' "$F")" 1
ctl release $ROOT/leaky 3
ctl release $ROOT 2
eq "everything back: the header alone" "$(cat "$F")" \
	"# tracking on (/sys/module/hpool/parameters/track)"

# Off with objects out: forgotten, all untracked.
ctl acquire $ROOT 4
echo 0 >"$TRACK"
eq "off: the 4 objects untracked" "$(grep "^$ROOT id=" "$F")" \
	"$ROOT id=$RID: 4 in use, 0 tracked, 4 untracked"
ctl release $ROOT 4
echo "$was" >"$TRACK"

cleanup
[ -e "$F" ] && fail "the file goes with its root" || pass "the file goes with its root"
finish
