# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the hpool test VM harness (sourced, not run).

HPOOL_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HPOOL_TOP=$(cd "$HPOOL_VM_DIR/../.." && pwd)
# Outside the clone, so that a fresh clone reuses the built kernels.
HPOOL_CACHE=${HPOOL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/hpool}
HPOOL_JOBS=${HPOOL_JOBS:-$(nproc)}

# Debian packages the harness, the lint and the builds need.
HPOOL_PKGS="linux-source-6.12 qemu-system-x86 busybox-static cpio bc bison flex
	libelf-dev libssl-dev sparse linux-headers-amd64 python3 xz-utils gcc make perl
	rsync libc6-dev"

vm_log() { printf '[hpool-vm] %s\n' "$*" >&2; }
vm_die() { printf '[hpool-vm] error: %s\n' "$*" >&2; exit 1; }

# vm_kunit_args SRC SUITE...: run-vm's "-u module" arguments for the named
# KUnit suites, built in the copy SRC, in the array kunit_args (dies when one
# was not built).
vm_kunit_args() {
	local src=$1 s f
	shift
	kunit_args=()
	for s in "$@"; do
		f=$src/tests/kunit/${s}_kunit.ko
		[ -f "$f" ] || vm_die "no $f after the build"
		kunit_args+=(-u "$f")
	done
}

# Files that say a package is present, without asking dpkg for each.
vm_pkg_present() {
	case $1 in
	linux-source-*) [ -f "/usr/src/$1.tar.xz" ] ;;
	qemu-system-x86) command -v qemu-system-x86_64 >/dev/null ;;
	busybox-static) [ -x /bin/busybox ] && file_is_static /bin/busybox ;;
	linux-headers-amd64) ls -d /usr/src/linux-headers-6.1.*-amd64 >/dev/null 2>&1 ;;
	libelf-dev) [ -f /usr/include/gelf.h ] ;;
	libssl-dev) [ -f /usr/include/openssl/ssl.h ] ;;
	xz-utils) command -v xz >/dev/null ;;
	libc6-dev) [ -f /usr/lib/x86_64-linux-gnu/libc.a ] ;;
	python3|cpio|bc|bison|flex|sparse|gcc|make|perl|rsync) command -v "$1" >/dev/null ;;
	*) dpkg -s "$1" >/dev/null 2>&1 ;;
	esac
}

file_is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'INTERP'; }

# vm_ensure_pkgs [extra packages...]: install what is missing, or say how.
vm_ensure_pkgs() {
	local p missing=
	for p in $HPOOL_PKGS "$@"; do
		case " $missing " in *" $p "*) continue ;; esac
		vm_pkg_present "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		vm_die "missing packages; run: sudo apt-get update && sudo apt-get install -y$missing"
	fi
	vm_log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || vm_die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		vm_die "apt-get install$missing failed"
}

# The kernel series the test kernels are built from: 6.12 (the default) or
# 6.1 (make check-6.1), both from Debian's linux-source-<series> package.
HPOOL_KSERIES=${HPOOL_KSERIES:-6.12}

# The version of the kernel source package, part of every cache key.
vm_src_version() {
	dpkg-query -W -f '${Version}' "linux-source-$HPOOL_KSERIES" 2>/dev/null || echo unknown
}

# vm_kernel_dir FLAVOUR: the cached build directory of that kernel flavour
# (of series $HPOOL_KSERIES). The key covers everything the build reads: the
# source package's version, the config fragments and build-kernel itself.
vm_kernel_dir() {
	local flavour=$1 key series=
	[ "$HPOOL_KSERIES" = 6.12 ] || series=$HPOOL_KSERIES-
	key=$( { vm_src_version; cat "$HPOOL_VM_DIR/configs/base.config" \
		"$HPOOL_VM_DIR/configs/$flavour.config" "$HPOOL_VM_DIR/build-kernel"; } |
		sha256sum | cut -c1-12)
	echo "$HPOOL_CACHE/kernel-$series$flavour-$(vm_src_version | tr '~+:' '___')-$key"
}

# vm_deb_headers 6.1|6.12: the build tree of Debian 12's newest headers of
# that series (/usr/src/linux-headers-<version>-amd64); installs the newest
# linux-headers-6.12.*+deb12-amd64 (bookworm-security) when none is there.
vm_deb_headers() {
	local series=$1 hdr pkg
	hdr() { find /usr/src -maxdepth 1 -name "linux-headers-$series.*-amd64" | sort -V | tail -n 1; }
	hdr=$(hdr)
	if [ -z "$hdr" ] && [ "$series" != 6.1 ]; then
		[ "$(id -u)" = 0 ] || vm_die "no $series headers; run as root, or apt-get install linux-headers-$series.<n>+deb12-amd64"
		pkgs() { apt-cache pkgnames "linux-headers-$series" |
			grep -E "^linux-headers-${series//./\\.}\.[0-9]+\+deb12-amd64\$" | sort -V | tail -n 1; }
		pkg=$(pkgs)
		[ -n "$pkg" ] || { apt-get update -q >/dev/null || vm_die "apt-get update failed"; pkg=$(pkgs); }
		[ -n "$pkg" ] || vm_die "apt knows no linux-headers-$series.*+deb12-amd64"
		vm_log "installing $pkg"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" \
			>/dev/null || vm_die "apt-get install $pkg failed"
		hdr=$(hdr)
	fi
	[ -n "$hdr" ] || vm_die "no /usr/src/linux-headers-$series.*-amd64 (apt-get install linux-headers-amd64)"
	echo "$hdr"
}

# vm_kernel_src: the kernel source tree build-kernel unpacks (series
# $HPOOL_KSERIES), with the kernel's own test tools: kunit.py,
# kselftest/runner.sh, scripts/decode_stacktrace.sh.
vm_kernel_src() {
	echo "$HPOOL_CACHE/src-$(vm_src_version | tr '~+:' '___')"
}
