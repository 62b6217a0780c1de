#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the hpool test VM (busybox ash). run-vm copies this file into the
# initramfs as /init, next to /hpool/env (the variables below), the modules
# in /hpool/{mod,kunit,helpers}/, the selftests in /kselftest/hpool/ and the
# kernel's kselftest/runner.sh and ktap_helpers.sh in /kselftest/kselftest/.
#
# Output channels:
#   /dev/ttyS0 (console.log) - kernel console only;
#   /dev/ttyS1 (results.log) - ONE KTAP document for the whole run, so that
#                              kernel messages never interleave with it and
#                              the kernel's kunit.py parse reads every result:
#       KTAP version 1
#       1..N                       every step below, counted before the first
#       ok 1 insmod hpool.ko       a step (insmod, rmmod; its output as "# ")
#           KTAP version 1         the KUnit suites (their debugfs results),
#           # Subtest: kunit       each a subtest of "kunit" with its cases
#           1..S
#       ok 4 kunit
#           TAP version 13         kselftest/runner.sh's run of the
#           # Subtest: selftests   selftests, each test's own output as "# "
#           1..T                   lines (the runner's prefix)
#           ok 1 selftests: hpool: 10-sysfs-layout.sh
#       ok 9 selftests
#       ok 12 hpool_unload         the module left nothing behind (4 checks)
#       ok 13 kmemleak             the dump as "# " lines between
#                                  HPOOL-KMEMLEAK-BEGIN and -END
#     and after the document the line HPOOL-VM-END.
#   /dev/kmsg                - markers that must be ordered with kernel messages
#                              (HPOOL-KMEMLEAK-BASELINE-BEGIN/END; selftests
#                              write HPOOL-SELFTEST-BEGIN/END and
#                              HPOOL-EXPECT-WARN-BEGIN/END there).
#
# Selftests (/kselftest/hpool/*.sh, lexical order) run as the kernel's
# run_kselftest.sh runs a collection: kselftest/runner.sh's run_many, as
# root, in /kselftest/hpool (where the binaries built from the .c files are),
# each under the timeout of its settings file (or HPOOL_KSFT_TIMEOUT), with
# HPOOL_MODULES_DIR naming where the modules are (hpool_lib). Exit code 0 =
# pass, 4 = skip, anything else = failure.
# To run a command as an unprivileged user (uid/gid 65534, "nobody"):
#     su nobody -s /bin/sh -c 'command'
# (busybox su, run by root, asks no password; /etc/passwd and /etc/group
# hold root and nobody).
#
# /hpool/env sets:
#   HPOOL_MODULE        module file loaded first, unloaded last (may be empty)
#   HPOOL_KUNIT         KUnit module files (space separated, in load order)
#   HPOOL_HELPERS       helper module files (space separated, in load order)
#   HPOOL_KSFT_TIMEOUT  seconds per selftest over its settings (may be empty)
#   HPOOL_HANG          1: sleep forever before the end marker (harness self-test)

/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# What udev would add: runner.sh writes the tests' output to /dev/stdout
# (without it, to a regular file of that name).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
for f in stdin:0 stdout:1 stderr:2; do
	[ -e "/dev/${f%:*}" ] || ln -s "/proc/self/fd/${f#*:}" "/dev/${f%:*}"
done
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
if [ -d /sys/kernel/tracing ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
fi

# runner.sh runs tests under /usr/bin/timeout --foreground and takes 124
# for "timed out": busybox's timeout knows no --foreground and leaves 143.
rm -f /usr/bin/timeout
printf '%s\n' '#!/bin/sh' '[ "$1" = --foreground ] && shift' \
	'busybox timeout "$@"' 'rc=$?' '[ "$rc" = 143 ] && rc=124' 'exit "$rc"' \
	>/usr/bin/timeout
chmod 0755 /usr/bin/timeout

HPOOL_MODULE=
HPOOL_KUNIT=
HPOOL_HELPERS=
HPOOL_KSFT_TIMEOUT=
HPOOL_HANG=0
# shellcheck disable=SC1091
. /hpool/env

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
exec </dev/console >/dev/console 2>&1

out() { printf '%s\n' "$*" >&3; }
kmsg() { printf '%s\n' "$*" >/dev/kmsg; }
modname() { basename "$1" .ko | tr - _; }
words() { echo $#; }

# The plan: every top-level test, counted before the first one runs.
nr_mod=0 nr_kunit_group=0 nr_selftests=0
[ -n "$HPOOL_MODULE" ] && nr_mod=1
# shellcheck disable=SC2086 # (lists of words)
nr_kunit=$(words $HPOOL_KUNIT)
# shellcheck disable=SC2086
nr_helpers=$(words $HPOOL_HELPERS)
[ "$nr_kunit" -gt 0 ] && nr_kunit_group=1
set -- /kselftest/hpool/*.sh
[ -e "$1" ] && nr_selftests=1
# An insmod and an rmmod per module, the groups kunit and selftests,
# hpool_unload and kmemleak.
nr_tests=$((2 * (nr_mod + nr_kunit + nr_helpers) + nr_kunit_group + nr_selftests + 2))

tno=0
# result ok|"not ok" NAME [DIRECTIVE]: the next top-level result.
result() {
	tno=$((tno + 1))
	out "$1 $tno $2${3:+ # $3}"
}

# step NAME COMMAND...: one top-level test; the command's output as "# ".
step() {
	name=$1
	shift
	rc=0
	"$@" >/tmp/step.out 2>&1 || rc=$?
	sed 's/^/# /' /tmp/step.out >&3
	if [ "$rc" = 0 ]; then
		result ok "$name"
	else
		result "not ok" "$name" "exit=$rc"
	fi
}

KMEMLEAK=/sys/kernel/debug/kmemleak
kmsg "HPOOL-VM-BEGIN"
out "KTAP version 1"
out "# hpool test VM: Linux $(uname -r), $(nproc) CPUs"
out "1..$nr_tests"

# 1. kmemleak baseline: whatever boot leaked is not ours. kmemleak reports
# (and "clear" forgets) only objects older than 5 s: wait until every boot
# allocation is that old.
kmsg "HPOOL-KMEMLEAK-BASELINE-BEGIN"
if [ -w $KMEMLEAK ]; then
	up=$(cut -d. -f1 /proc/uptime)
	[ "$up" -lt 6 ] && sleep $((6 - up))
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
fi
kmsg "HPOOL-KMEMLEAK-BASELINE-END"

# 2. the module under test.
if [ -n "$HPOOL_MODULE" ]; then
	step "insmod $(basename "$HPOOL_MODULE")" insmod "$HPOOL_MODULE"
fi

# 3. KUnit modules: the suites run at load. Each suite's debugfs results is
# a document of its own ("KTAP version 1", "1..1", the suite, "ok 1
# <suite>"): without its first two lines and renumbered, a subtest of kunit.
# (6.1's debugfs log of a parameterised case holds only its last
# parameter's line, with no subtest around it: a "#" line then, the case's
# own result stays.)
for m in $HPOOL_KUNIT; do
	step "insmod $(basename "$m")" insmod "$m"
done
if [ -n "$HPOOL_KUNIT" ]; then
	set --
	for r in /sys/kernel/debug/kunit/*/results; do
		[ -r "$r" ] && set -- "$@" "$r"
	done
	out "    KTAP version 1"
	out "    # Subtest: kunit"
	out "    1..$#"
	i=0 status=ok
	[ $# -gt 0 ] || status="not ok"
	for r in "$@"; do
		i=$((i + 1))
		# 6.1 keeps only the last parameter's result of a parameterised
		# case, without its subtest header: a diagnostic line then.
		awk '/^        (KTAP version|# Subtest:)/ { inner = 1 }
			/^    (ok|not ok) / { inner = 0 }
			/^        (ok|not ok) / && !inner {
				sub(/^ */, "    # last parameter (6.1): "); print; next }
			{ print }' "$r" |
			sed -E -e '1,2d' -e "s/^(not ok|ok) 1 /\\1 $i /" -e 's/^/    /' >&3
		grep -q '^not ok ' "$r" && status="not ok"
	done
	result "$status" kunit
fi
for m in $HPOOL_KUNIT; do
	step "rmmod $(modname "$m")" rmmod "$(modname "$m")"
done

# 4. helper modules, and the selftests through the kernel's
# kselftest/runner.sh: its output, indented, is the subtest "selftests".
for m in $HPOOL_HELPERS; do
	step "insmod $(basename "$m")" insmod "$m"
done
if [ "$nr_selftests" = 1 ]; then
	(
		export HPOOL_MODULES_DIR="/hpool/mod /hpool/helpers"
		if [ -n "$HPOOL_KSFT_TIMEOUT" ]; then
			export kselftest_override_timeout="$HPOOL_KSFT_TIMEOUT"
		fi
		# shellcheck disable=SC2034 # (read by runner.sh)
		BASE_DIR=/kselftest
		cd /kselftest/hpool || exit 1
		# shellcheck disable=SC1091
		. /kselftest/kselftest/runner.sh
		run_many ./*.sh
	) </dev/null 2>&1 | tee /tmp/selftests.out |
		awk '{ print "    " $0 } NR == 1 { print "    # Subtest: selftests" } { fflush() }' >&3
	if grep -q '^not ok ' /tmp/selftests.out || ! grep -q '^ok ' /tmp/selftests.out; then
		result "not ok" selftests
	else
		result ok selftests
	fi
fi
for m in $HPOOL_HELPERS; do
	step "rmmod $(modname "$m")" rmmod "$(modname "$m")"
done

# 5. unload the module under test and check it left nothing behind.
if [ -n "$HPOOL_MODULE" ]; then
	step "rmmod $(modname "$HPOOL_MODULE")" rmmod "$(modname "$HPOOL_MODULE")"
fi
unload=ok
check() {
	n=$1 name=$2
	shift 2
	if "$@"; then
		out "    ok $n $name"
	else
		out "    not ok $n $name"
		unload="not ok"
	fi
}
no_slab_sysfs() {
	for c in /sys/kernel/slab/hpool-*; do
		[ -e "$c" ] && return 1
	done
	return 0
}
no_slabinfo() { ! grep -q '^hpool-' /proc/slabinfo 2>/dev/null; }
out "    KTAP version 1"
out "    # Subtest: hpool_unload"
out "    1..4"
check 1 sysfs_dir_gone test ! -e /sys/kernel/hpool
check 2 module_gone test ! -e /sys/module/hpool
check 3 no_slab_cache_in_sys_kernel_slab no_slab_sysfs
if [ -r /proc/slabinfo ]; then
	check 4 no_slab_cache_in_proc_slabinfo no_slabinfo
else
	out "    ok 4 no_slab_cache_in_proc_slabinfo # SKIP no /proc/slabinfo"
fi
result "$unload" hpool_unload

# 6. kmemleak: objects must be older than 5 s to be reported. Its report as
# diagnostic lines between the markers, then the result.
if [ -w $KMEMLEAK ]; then
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	cat $KMEMLEAK >/tmp/kmemleak.out
	out "# HPOOL-KMEMLEAK-BEGIN"
	sed 's/^/# /' /tmp/kmemleak.out >&3
	out "# HPOOL-KMEMLEAK-END"
	if [ -s /tmp/kmemleak.out ]; then
		result "not ok" kmemleak
	else
		result ok kmemleak
	fi
else
	result ok kmemleak "SKIP kmemleak not available"
fi

if [ "$HPOOL_HANG" = 1 ]; then
	kmsg "HPOOL-VM-HANG (deliberate, harness self-test)"
	while :; do sleep 3600; done
fi

out "HPOOL-VM-END"
exec 3>&-
sync
reboot -f
# Not reached; never let init exit (that panics).
while :; do sleep 3600; done
