#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hpool.rst#hpool-kasan: under generic KASAN an object hpool holds free is
# poisoned, so that a read after hpool_release() gets a KASAN report naming
# the reader. The test driver makes one read, inside the harness' brackets
# (HPOOL-EXPECT-KASAN-BEGIN/END, which forgive one KASAN report). Last of
# the selftests: a KASAN report taints the kernel and turns lockdep off for
# the rest of the boot. Skips on a kernel without generic KASAN. Needs
# hpool.ko and hpool_testdrv.ko loaded; runs as root.
ROOT=st95
. "$(dirname "$0")/hpool_lib"
cleanup

ctl create $ROOT cap=4
# A handed-out object is writable again (the driver links it in a list).
ctl acquire $ROOT 2 && ctl release $ROOT 2 &&
	pass "objects handed out again are usable" ||
	fail "objects handed out again are usable"

echo "HPOOL-EXPECT-KASAN-BEGIN 95-kasan" >/dev/kmsg
err=$(ctl use_after_release $ROOT 2>&1)
rc=$?
echo "HPOOL-EXPECT-KASAN-END 95-kasan" >/dev/kmsg
case $err in
*"not supported"*)
	cleanup
	skip_all "no generic KASAN in this kernel" ;;
esac
eq "the use after release ran" "$rc" 0
log=$(dmesg | sed -n '/HPOOL-EXPECT-KASAN-BEGIN 95-kasan/,/HPOOL-EXPECT-KASAN-END 95-kasan/p')
diag "$(echo "$log" | grep -m 3 -E 'KASAN|Read of')"
eq "KASAN reports a use after free in the reader" \
	"$(echo "$log" | grep -c -E 'BUG: KASAN: (slab-)?use-after-free in hpool_testdrv_use_after_release')" 1
eq "a read of one byte" "$(echo "$log" | grep -c -E 'Read of size 1 at addr')" 1
# The pool works on; the poisoned object is handed out and usable.
ctl acquire $ROOT 4 && ctl release $ROOT 4 && pass "the pool works on" ||
	fail "the pool works on"
cleanup
finish
