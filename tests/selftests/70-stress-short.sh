#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A stress run of hpool (tests/stress/hpool_stress.c) while this script reads
# every file under /sys/kernel/hpool and writes valid and invalid values to
# every writable one. Then the module checks conservation on every pool and
# destroys the tree. Needs hpool.ko and hpool_stress.ko (loaded from
# HPOOL_MODULES_DIR if they are not: see hpool_lib; a skip without them);
# runs as root.
#
# The run lasts 10 s with one acquirer per CPU, unless the kernel command line
# says hpool_stress.seconds=N / hpool_stress.threads=N (tests/vm/stress).
# shellcheck disable=SC2034 # (read by hpool_lib)
HPOOL_NEEDS="hpool hpool_stress"
. "$(dirname "$0")/hpool_lib"
CTL=/sys/kernel/debug/hpool_stress/ctl
PARAMS=/sys/module/hpool_stress/parameters
[ -w "$CTL" ] || skip_all "no $CTL (debugfs)"
TMP=$(mktemp -d)
bail() { fail "$*"; rm -rf "$TMP"; finish; exit 1; }

seconds=10 threads=0
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	hpool_stress.seconds=*) seconds=${arg#*=} ;;
	hpool_stress.threads=*) threads=${arg#*=} ;;
	esac
done
echo "$seconds" >"$PARAMS/seconds" || bail "cannot set seconds=$seconds"
echo "$threads" >"$PARAMS/threads" || bail "cannot set threads=$threads"

# A linear congruential generator: busybox ash may lack $RANDOM.
rnd=$$
rand() { rnd=$(( (rnd * 1103515245 + 12345) % 2147483648 )); r=$(( rnd / 65536 % $1 )); }
pick() { rand $#; shift "$r"; v=$1; }

# Pools of the run come and go (children d<N>, their children s): only the
# files of the others must always be readable.
stable() { case $1 in */children/d[0-9]*) return 1 ;; esac; return 0; }

# hammer: until $TMP/stop exists, read every file and write to every
# writable one (file mode u+w) a valid value and an invalid one. Every
# invalid write must fail; valid ones may (-EBUSY, a pool that went).
hammer() {
	reads=0 read_err=0 good=0 good_ok=0 bad=0 bad_ok=0
	while [ ! -e "$TMP/stop" ]; do
		find "$HP" -type f -perm -400 >"$TMP/readable" 2>/dev/null
		while read -r f; do
			reads=$((reads + 1))
			if ! cat "$f" >/dev/null 2>&1 && [ -e "$f" ] && stable "$f"; then
				read_err=$((read_err + 1))
				echo "# read of $f failed" >>"$TMP/diag"
			fi
		done <"$TMP/readable"
		find "$HP" -type f -perm -u+w >"$TMP/writable" 2>/dev/null
		while read -r f; do
			case ${f##*/} in
			state) pick drain activate activate; inv=drained ;;
			capacity) rand 300; v=$((r + 20)); inv=-1 ;;
			borrow_limit) rand 30; v=$r; inv=1x ;;
			reserve) rand 3; v=$r; inv=abc ;;
			priority) pick low normal high critical; inv=urgent ;;
			auto_grow) pick 0 1; inv=2 ;;
			rebalance_interval_ms) pick 0 5 20 50; inv=99999999999999999999 ;;
			rebalance_threshold) rand 101; v=$r; inv=101 ;;
			rebalance) v=1; inv=2 ;;
			*) continue ;;
			esac
			good=$((good + 1))
			printf '%s\n' "$v" >"$f" 2>/dev/null && good_ok=$((good_ok + 1))
			bad=$((bad + 1))
			if printf '%s\n' "$inv" >"$f" 2>/dev/null; then
				bad_ok=$((bad_ok + 1))
				echo "# invalid '$inv' accepted by $f" >>"$TMP/diag"
			fi
		done <"$TMP/writable"
	done
	echo "$reads $read_err $good $good_ok $bad $bad_ok" >"$TMP/counts"
}

hammer &
hpid=$!
start=$(cut -d. -f1 /proc/uptime)
run_ok=1
echo run >"$CTL" || run_ok=0
touch "$TMP/stop"
wait "$hpid"
echo check >"$CTL" || run_ok=0
end=$(cut -d. -f1 /proc/uptime)

read -r reads read_err good good_ok bad bad_ok <"$TMP/counts"
[ "$run_ok" = 1 ] && pass "run and check" || fail "run and check"
# The module's results (ok 1 - conservation, ok 2 - tree destroyed) and
# its "# " counts: the counts as they are, the results as ours.
cat "$CTL" >"$TMP/module"
grep '^#' "$TMP/module"
for t in conservation "tree destroyed"; do
	if grep -Eq "^ok [0-9]+ - $t\$" "$TMP/module"; then
		pass "$t"
	elif grep -Eq "^not ok [0-9]+ - $t\$" "$TMP/module"; then
		fail "$t"
	else
		fail "$t # no result"
	fi
done
[ -f "$TMP/diag" ] && head -n 20 "$TMP/diag"
diag "sysfs: $reads reads, $good valid writes ($good_ok accepted), $bad invalid writes ($bad_ok accepted); $((end - start)) s"
[ "$read_err" = 0 ] && pass "sysfs reads" || fail "sysfs reads # $read_err failed"
[ "$bad_ok" = 0 ] && [ "$bad" -gt 0 ] && pass "invalid sysfs writes refused" ||
	fail "invalid sysfs writes refused # $bad_ok of $bad accepted"
rm -rf "$TMP"
finish
