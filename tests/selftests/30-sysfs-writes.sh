#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysfs writes: for every writable file a table of bad inputs, each with its
# errno and the file still reading its old value; semantic limits (reserve,
# capacity, roots-only values); good writes; a non-root writer is refused;
# a write to a pool destroyed under an open file. Uses hpool_write (built
# from hpool_write.c) to see each write's errno. Needs hpool.ko and
# hpool_testdrv.ko loaded; runs as root.
HERE=$(cd "$(dirname "$0")" && pwd)
WR=$HERE/hpool_write
ROOT=st30
. "$(dirname "$0")/hpool_lib"

[ -x "$WR" ] || skip_all "no $WR"
cleanup

R=$HP/$ROOT
C=$R/children/c
ctl create $ROOT cap=100
# No borrowing: the 3 objects in use are charged to c itself.
ctl create $ROOT/c cap=50 reserve=2 prio=low
ctl acquire $ROOT/c 3

# try FILE EXPECTED DESC ARGS...: hpool_write ARGS to FILE gives EXPECTED
# (OK or an errno name) and, unless OK, FILE reads what it read before.
try() {
	f=$1 exp=$2 desc=$3
	shift 3
	old=$(cat "$f" 2>/dev/null)
	got=$("$WR" "$@" 2>&1)
	new=$(cat "$f" 2>/dev/null)
	if [ "$got" != "$exp" ]; then
		fail "${f#"$HP"/} <- $desc: $exp # got $got"
	elif [ "$exp" != OK ] && [ "$new" != "$old" ]; then
		fail "${f#"$HP"/} <- $desc: $exp # value changed: '$old' -> '$new'"
	else
		pass "${f#"$HP"/} <- $desc: $exp"
	fi
}

# bad_table FILE NUMERIC: the bad inputs of the issue; a keyword file
# (NUMERIC=0) answers EINVAL to the overflowing numbers too.
bad_table() {
	f=$1
	if [ "$2" = 1 ]; then big=ERANGE; else big=EINVAL; fi
	try "$f" EINVAL "empty line" "$f" '\n'
	try "$f" OK "zero-byte write (a no-op)" "$f" ''
	try "$f" EINVAL "space" "$f" ' '
	try "$f" EINVAL "whitespace only" "$f" ' \t\n'
	try "$f" EINVAL "leading space" "$f" ' 1'
	try "$f" EINVAL "trailing space" "$f" '1 '
	try "$f" EINVAL "tab" "$f" '1\t'
	try "$f" EINVAL "negative" "$f" '-1'
	try "$f" EINVAL "negative zero" "$f" '-0'
	try "$f" EINVAL "0x10" "$f" '0x10'
	try "$f" EINVAL "0X1" "$f" '0X1'
	try "$f" EINVAL "0x" "$f" '0x'
	try "$f" EINVAL "0x with newline" "$f" '0x1\n'
	try "$f" "$big" "2^32" "$f" '4294967296'
	try "$f" "$big" "2^32 with newline" "$f" '4294967296\n'
	try "$f" "$big" "2^64" "$f" '18446744073709551616'
	try "$f" "$big" "2^64-1" "$f" '18446744073709551615'
	try "$f" "$big" "4096 digits" -R 4096 9 "$f"
	try "$f" EINVAL "4096 letters" -R 4096 a "$f"
	try "$f" EINVAL "binary bytes" "$f" '\x01\x02\xff'
	try "$f" EINVAL "NUL byte" "$f" '\0'
	try "$f" EINVAL "1 then NUL" "$f" '1\0'
	try "$f" EINVAL "high byte" "$f" '1\xff'
	try "$f" EINVAL "trailing junk" "$f" '1x'
	try "$f" EINVAL "two numbers" "$f" '1 1'
	try "$f" EINVAL "two newlines" "$f" '1\n\n'
	try "$f" EINVAL "keyword with trailing junk" "$f" 'drain!'
	try "$f" EINVAL "keyword with trailing word" "$f" 'drain now'
	try "$f" EINVAL "unknown keyword" "$f" 'bogus'
	try "$f" EINVAL "keyword in capitals" "$f" 'HIGH'
	try "$f" EINVAL "keyword with leading space" "$f" ' high'
}

for f in capacity borrow_limit reserve auto_grow; do
	bad_table "$C/$f" 1
done
for f in rebalance_interval_ms rebalance_threshold; do
	bad_table "$R/$f" 1
done
for f in state priority; do
	bad_table "$C/$f" 0
done
# rebalance is write-only: nothing to read back, only the errno.
bad_table "$R/rebalance" 1

# Semantic limits, each changing nothing.
try "$C/capacity" EINVAL "below reserve" "$C/capacity" 1
try "$C/capacity" EBUSY "below in use" "$C/capacity" 2
try "$C/reserve" EINVAL "above capacity" "$C/reserve" 51
try "$R/borrow_limit" EINVAL "on a root" "$R/borrow_limit" 3
try "$R/borrow_limit" EINVAL "0 on a root" "$R/borrow_limit" 0
try "$R/borrow_limit" ERANGE "2^32 on a root" "$R/borrow_limit" 4294967296
try "$R/auto_grow" EINVAL "1 on a root" "$R/auto_grow" 1
try "$R/auto_grow" OK "0 on a root" "$R/auto_grow" 0
try "$C/auto_grow" EINVAL "2" "$C/auto_grow" 2
try "$R/rebalance_threshold" EINVAL "101" "$R/rebalance_threshold" 101
try "$R/rebalance" EINVAL "0" "$R/rebalance" 0
try "$R/rebalance" EINVAL "2" "$R/rebalance" 2
try "$C/state" EINVAL "a state name" "$C/state" active
try "$C/state" EINVAL "stopped" "$C/state" stopped
try "$C/priority" EINVAL "a number" "$C/priority" 1

# Good writes.
try "$C/capacity" OK "60" "$C/capacity" 60
eq "capacity reads 60" "$(cat "$C/capacity")" 60
try "$C/capacity" OK "3 (= in use) with newline" "$C/capacity" '3\n'
eq "capacity reads 3" "$(cat "$C/capacity")" 3
try "$C/capacity" OK "50" "$C/capacity" 50
try "$C/reserve" OK "50 (= capacity)" "$C/reserve" 50
try "$C/capacity" EINVAL "49 (< reserve 50)" "$C/capacity" 49
try "$C/reserve" OK "0" "$C/reserve" 0
try "$C/borrow_limit" OK "7" "$C/borrow_limit" 7
eq "borrow_limit reads 7" "$(cat "$C/borrow_limit")" 7
try "$C/borrow_limit" OK "4294967295" "$C/borrow_limit" 4294967295
eq "borrow_limit reads 4294967295" "$(cat "$C/borrow_limit")" 4294967295
for p in normal high critical low; do
	try "$C/priority" OK "$p" "$C/priority" "$p\n"
	eq "priority reads $p" "$(cat "$C/priority")" "$p"
done
try "$C/auto_grow" OK "1" "$C/auto_grow" 1
eq "auto_grow reads 1" "$(cat "$C/auto_grow")" 1
try "$C/auto_grow" OK "0" "$C/auto_grow" 0
eq "auto_grow reads 0" "$(cat "$C/auto_grow")" 0
try "$R/rebalance_threshold" OK "100" "$R/rebalance_threshold" 100
eq "rebalance_threshold reads 100" "$(cat "$R/rebalance_threshold")" 100
try "$R/rebalance_threshold" OK "0" "$R/rebalance_threshold" 0
eq "rebalance_threshold reads 0" "$(cat "$R/rebalance_threshold")" 0
try "$R/rebalance_threshold" OK "80" "$R/rebalance_threshold" 80
try "$R/rebalance_interval_ms" OK "250" "$R/rebalance_interval_ms" 250
eq "rebalance_interval_ms reads 250" "$(cat "$R/rebalance_interval_ms")" 250
try "$R/rebalance_interval_ms" OK "0" "$R/rebalance_interval_ms" 0
try "$R/rebalance" OK "1" "$R/rebalance" '1\n'
try "$C/state" OK "activate when active" "$C/state" activate
eq "state still active" "$(cat "$C/state")" active

# Only root may write: every writable file refuses uid 65534.
for f in "$C/state" "$C/capacity" "$C/borrow_limit" "$C/reserve" "$C/priority" \
	"$C/auto_grow" "$R/rebalance_interval_ms" "$R/rebalance_threshold" \
	"$R/rebalance"; do
	try "$f" EACCES "as uid 65534" -u 65534 "$f" 1
done
try "$C/state" EACCES "drain as uid 65534" -u 65534 "$C/state" drain
eq "state still active after a non-root drain" "$(cat "$C/state")" active
if command -v su >/dev/null; then
	got=$(su nobody -s /bin/sh -c "cat '$C/capacity' && echo 1 >'$C/capacity'" 2>/dev/null)
	eq "su nobody: reads, cannot write" "$got" 50
fi

# A write through a file held open while its pool is destroyed.
ctl create $ROOT/gone cap=5
eq "write through a file held open after its pool was destroyed: ENODEV" \
	"$("$WR" -c "echo destroy $ROOT/gone >$CTL" "$R/children/gone/capacity" 4)" ENODEV

finish
