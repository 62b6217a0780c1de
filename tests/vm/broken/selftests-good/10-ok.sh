#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a passing selftest, also checking the guest environment.
echo "TAP version 13"
echo "1..4"
[ "$(su nobody -s /bin/sh -c 'id -u')" = 65534 ] && echo "ok 1 su_nobody" ||
	echo "not ok 1 su_nobody"
[ "$(./hello)" = hello ] && echo "ok 2 static_c_binary" ||
	echo "not ok 2 static_c_binary"
echo "HPOOL-EXPECT-WARN-BEGIN" >/dev/kmsg
echo "HPOOL-EXPECT-WARN-END" >/dev/kmsg
echo "ok 3 kmsg_markers"
echo "ok 4 not_applicable # SKIP nothing to do"
