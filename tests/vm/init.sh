#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the hpool test VM (busybox ash). run-vm copies this file into the
# initramfs as /init, next to /hpool/env (the variables below), the modules
# in /hpool/{mod,kunit,helpers}/ and the selftests in /hpool/selftests/.
#
# Output channels:
#   /dev/ttyS0 (console.log) - kernel console only;
#   /dev/ttyS1 (results.log) - every KTAP/TAP line this script produces, so
#                              kernel messages never interleave with TAP.
#   /dev/kmsg                - markers that must be ordered with kernel messages
#                              (HPOOL-KMEMLEAK-BASELINE-BEGIN/END; selftests
#                              write HPOOL-EXPECT-WARN-BEGIN/END there).
#
# Selftests (/hpool/selftests/*.sh, lexical order) run as root with the
# working directory /hpool/selftests (where the binaries built from
# tests/selftests/*.c are), stdout+stderr going to results.log indented as a
# KTAP subtest. Exit code 0 = pass, 4 = skip, anything else = failure.
# To run a command as an unprivileged user (uid/gid 65534, "nobody"):
#     su nobody -s /bin/sh -c 'command'
# (busybox su, run by root, asks no password; /etc/passwd and /etc/group
# hold root and nobody).
#
# /hpool/env sets:
#   HPOOL_MODULE   module file loaded first, unloaded last (may be empty)
#   HPOOL_KUNIT    KUnit module files (space separated, in load order)
#   HPOOL_HELPERS  helper module files (space separated, in load order)
#   HPOOL_HANG     1: sleep forever before the end marker (harness self-test)

/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
if [ -d /sys/kernel/tracing ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
fi

HPOOL_MODULE=
HPOOL_KUNIT=
HPOOL_HELPERS=
HPOOL_HANG=0
# shellcheck disable=SC1091
. /hpool/env

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
exec </dev/console >/dev/console 2>&1

out() { printf '%s\n' "$*" >&3; }
kmsg() { printf '%s\n' "$*" >/dev/kmsg; }
modname() { basename "$1" .ko | tr - _; }

# step NAME COMMAND...: one top-level KTAP document with one result.
step() {
	name=$1
	shift
	out "KTAP version 1"
	out "1..1"
	if "$@" >/tmp/step.out 2>&1; then
		out "ok 1 $name"
	else
		rc=$?
		sed 's/^/# /' /tmp/step.out >&3
		out "not ok 1 $name # exit=$rc"
	fi
}

KMEMLEAK=/sys/kernel/debug/kmemleak
kmsg "HPOOL-VM-BEGIN"

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

# 3. KUnit modules: the suites run at load; results are read from debugfs.
for m in $HPOOL_KUNIT; do
	step "insmod $(basename "$m")" insmod "$m"
done
if [ -n "$HPOOL_KUNIT" ]; then
	for r in /sys/kernel/debug/kunit/*/results; do
		[ -r "$r" ] && cat "$r" >&3
	done
fi
for m in $HPOOL_KUNIT; do
	step "rmmod $(modname "$m")" rmmod "$(modname "$m")"
done

# 4. helper modules and the selftest scripts, kselftest style.
for m in $HPOOL_HELPERS; do
	step "insmod $(basename "$m")" insmod "$m"
done
set -- /hpool/selftests/*.sh
if [ -e "$1" ]; then
	out "KTAP version 1"
	out "1..$#"
	i=0
	for s in "$@"; do
		i=$((i + 1))
		name=$(basename "$s" .sh)
		kmsg "HPOOL-SELFTEST-BEGIN $name"
		{
			cd /hpool/selftests && sh "$s" </dev/null 2>&1
			echo $? >/tmp/selftest.rc
		} | sed 's/^/    /' >&3
		rc=$(cat /tmp/selftest.rc)
		kmsg "HPOOL-SELFTEST-END $name rc=$rc"
		case $rc in
		0) out "ok $i selftests: $name" ;;
		4) out "ok $i selftests: $name # SKIP" ;;
		*) out "not ok $i selftests: $name # exit=$rc" ;;
		esac
	done
	cd /
fi
for m in $HPOOL_HELPERS; do
	step "rmmod $(modname "$m")" rmmod "$(modname "$m")"
done

# 5. unload the module under test and check it left nothing behind.
if [ -n "$HPOOL_MODULE" ]; then
	step "rmmod $(modname "$HPOOL_MODULE")" rmmod "$(modname "$HPOOL_MODULE")"
fi
check() {
	n=$1 name=$2
	shift 2
	if "$@"; then out "    ok $n $name"; else out "    not ok $n $name"; fi
}
no_slab_sysfs() {
	for c in /sys/kernel/slab/hpool-*; do
		[ -e "$c" ] && return 1
	done
	return 0
}
no_slabinfo() { ! grep -q '^hpool-' /proc/slabinfo 2>/dev/null; }
out "KTAP version 1"
out "1..1"
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
if no_slab_sysfs && no_slabinfo && [ ! -e /sys/kernel/hpool ] && [ ! -e /sys/module/hpool ]; then
	out "ok 1 hpool_unload"
else
	out "not ok 1 hpool_unload"
fi

# 6. kmemleak: objects must be older than 5 s to be reported.
if [ -w $KMEMLEAK ]; then
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	out "HPOOL-KMEMLEAK-BEGIN"
	cat $KMEMLEAK >&3
	out "HPOOL-KMEMLEAK-END"
else
	out "# kmemleak not available"
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
