#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# hpool.rst#hpool-module-ref: hpool holds one reference on
# itself for every live pool tree, so "rmmod hpool" while one lives is
# refused at once (it never blocks), and the reference goes with the tree.
ROOT=t-rmmod
. ./hpool_lib

REF=/sys/module/hpool/refcnt
base=$(cat $REF)
ctl create $ROOT cap=4
ctl create $ROOT/c cap=2 borrow=1
eq "a tree holds one reference, whatever its size" "$(cat $REF)" $((base + 1))
ctl create $ROOT-2 cap=1
eq "each tree holds its own" "$(cat $REF)" $((base + 2))

# busybox rmmod asks with O_NONBLOCK: a module in use fails with EWOULDBLOCK
# at once. (hpool_testdrv's own reference is there too: the counts above are
# what tells the trees' references apart.)
t0=$(date +%s)
if rmmod hpool 2>/dev/null; then
	fail "rmmod hpool refused while trees live"
else
	pass "rmmod hpool refused while trees live"
fi
t1=$(date +%s)
[ $((t1 - t0)) -le 2 ] && pass "refused at once" || fail "refused at once # took $((t1 - t0)) s"
[ -d /sys/module/hpool ] && pass "hpool still loaded" || fail "hpool still loaded"

ctl destroy $ROOT-2
ctl destroy $ROOT/c
eq "a child's destroy keeps the tree's reference" "$(cat $REF)" $((base + 1))
ctl destroy $ROOT
eq "the last destroy drops it" "$(cat $REF)" "$base"
finish
