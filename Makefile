# SPDX-License-Identifier: GPL-2.0
# Wrapper around Kbuild for the out-of-tree module hpool.ko.
# (make help prints the lines between the two "help" markers.)
#
# help:
#   make                  build hpool.ko against KDIR (and the test modules
#                         when KDIR has CONFIG_KUNIT, unless HPOOL_TESTS=n)
#   make W=1 C=1          the same with extra warnings and sparse
#   make check            everything CI runs (compile check, lint, VM tests)
#   make demo             the demo in the QEMU VM
#   make lint             checkpatch --strict, sparse, W=1, kernel-doc
#   make bench            the benchmark in a release-kernel VM (BENCH_CPUS=2)
#   make stress           the stress run in the debug VM (STRESS_SECONDS=, STRESS_THREADS=)
#   make check-kcsan      the concurrency tests in a KCSAN VM
#   make check-smp        the per-CPU suites on 16 vCPUs
#   make check-rt         the KUnit suites on a PREEMPT_RT debug kernel
#   make check-6.1        every KUnit suite and selftest on a 6.1 debug kernel
#   make check-package    make install DESTDIR=, a driver built against it, DKMS
#   make check-intree     the KUnit suites built into a 6.12 kernel tree (make intree),
#                         run by the tree's kunit.py under QEMU
#   make intree KSRC=dir  lay hpool into the kernel source tree dir as lib/hpool/
#                         (<linux/hpool.h> in its include/linux/, lib/Kconfig and
#                         lib/Makefile hooked; again: updates, adds no lines)
#   make install          modules_install, install-dev, hpoolstat and its man page
#                         (DESTDIR=, INSTALL_MOD_PATH=, PREFIX=/usr/local)
#   make modules_install  hpool.ko only, to /lib/modules/<kernel>/extra/ (depmod runs)
#   make install-dev      <linux/hpool.h> to /usr/src/hpool-<version>/include/ and
#                         this kernel's Module.symvers to /usr/src/hpool-<version>/<kernel>/
#   make uninstall        remove what make install installed (same variables)
#   make dkms-src         build/hpool-<version>.tar.gz from git archive HEAD, for /usr/src
#   make hpoolstat        build tools/hpoolstat (dynamically linked)
#   make version          print the version (the file VERSION)
#   make kernelrelease    print KDIR's release (where install puts things)
#   make help             this text
# help.

# The running kernel's build tree, else the newest Debian headers.
KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	if [ -d $$d ]; then echo $$d; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

HPOOL_DEBUG ?=
HPOOL_EXTRA ?=
HPOOL_TESTS ?=
export HPOOL_DEBUG HPOOL_EXTRA HPOOL_TESTS

# The one version: MODULE_VERSION() (Kbuild), dkms.conf and hpoolstat read it too.
HPOOL_VERSION := $(shell cat $(CURDIR)/VERSION)

.PHONY: all modules clean check check-vm check-compile check-kcsan check-smp check-rt check-6.1 lint demo bench \
	stress install install-build modules_install install-dev uninstall dkms-src hpoolstat version kernelrelease help \
	check-package check-intree intree

all: modules

# Every target here runs make in the same tree: one at a time (each with -j).
.NOTPARALLEL:

modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || \
		{ echo "no kernel build tree: set KDIR= or apt-get install linux-headers-amd64" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .tmp_versions

# The compile check against Debian's 6.1 and 6.12 headers (W=1, as a user
# would build).
check-compile:
	tests/vm/check-compile

lint:
	tests/vm/lint

check-vm:
	tests/vm/run-tests

check:
	tests/vm/check

demo:
	tests/vm/demo

bench:
	tests/vm/bench

stress:
	tests/vm/stress

check-kcsan:
	tests/vm/check-kcsan

check-smp:
	tests/vm/check-smp

check-rt:
	tests/vm/check-rt

check-6.1:
	tests/vm/check-6.1

check-package:
	tests/vm/check-package

check-intree:
	tests/vm/check-intree

version:
	@echo $(HPOOL_VERSION)

kernelrelease:
	@echo $(KVER)

help:
	@sed -n '/^# help:$$/,/^# help\.$$/{/^# help/d;s/^# \{0,1\}//;p}' $(firstword $(MAKEFILE_LIST))

hpoolstat:
	$(MAKE) -C tools/hpoolstat

# hpool.ko goes to $(INSTALL_MOD_PATH)/lib/modules/<kernel>/extra/
# (INSTALL_MOD_PATH defaults to DESTDIR; compressed and signed as that
# kernel's configuration says); what other out-of-tree modules build
# against to $(DESTDIR)/usr/src/hpool-<version>/ (the place dkms uses for
# sources too): include/linux/hpool.h, and <kernel>/Module.symvers for each
# kernel built for, <kernel> being KVER. Not /usr/include: hpool.h is kernel API.
# The test modules are never installed (HPOOL_TESTS=n).
INSTALL_MOD_PATH ?= $(DESTDIR)
PREFIX ?= /usr/local
HPOOL_SRCDIR = $(DESTDIR)/usr/src/hpool-$(HPOOL_VERSION)
# What Kbuild files see as $(KERNELRELEASE) (uname -r of that kernel; Debian's
# 6.1 headers have another include/config/kernel.release).
KVER = $(shell sed -n 's/^.define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
HPOOL_KVERDIR = $(HPOOL_SRCDIR)/$(KVER)
INSTALL_MOD_DIR ?= extra
HPOOL_MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)

install: modules_install install-dev
	$(MAKE) -C tools/hpoolstat DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) install

# Once for both install targets (make -j): hpool.ko alone.
install-build:
	$(MAKE) HPOOL_TESTS=n modules

modules_install: install-build
	$(MAKE) -C $(KDIR) M=$(CURDIR) HPOOL_TESTS=n INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install

install-dev: install-build
	@test -n "$(KVER)" || { echo "no UTS_RELEASE in $(KDIR)/include/generated/utsrelease.h" >&2; exit 1; }
	install -D -m 0644 include/linux/hpool.h $(HPOOL_SRCDIR)/include/linux/hpool.h
	install -D -m 0644 Module.symvers $(HPOOL_KVERDIR)/Module.symvers

# The header goes with the last kernel's Module.symvers, and never from a
# dkms source tree (dkms remove's business).
uninstall:
	@test -n "$(KVER)" || { echo "no UTS_RELEASE in $(KDIR)/include/generated/utsrelease.h" >&2; exit 1; }
	for z in "" .gz .xz .zst; do rm -f $(HPOOL_MODDIR)/hpool.ko$$z; done
	if [ -z "$(INSTALL_MOD_PATH)" ]; then depmod $(KVER) || true; fi
	rm -f $(HPOOL_KVERDIR)/Module.symvers
	if [ ! -e $(HPOOL_SRCDIR)/dkms.conf ] && \
	   ! ls $(HPOOL_SRCDIR)/*/Module.symvers >/dev/null 2>&1; then \
		rm -f $(HPOOL_SRCDIR)/include/linux/hpool.h; \
	fi
	rmdir --ignore-fail-on-non-empty $(HPOOL_KVERDIR) $(HPOOL_SRCDIR)/include/linux \
		$(HPOOL_SRCDIR)/include $(HPOOL_SRCDIR) 2>/dev/null || true
	$(MAKE) -C tools/hpoolstat DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) uninstall

# The committed tree (HEAD) as /usr/src wants it: hpool-<version>/, no .git,
# no build/.
dkms-src:
	@git -C $(CURDIR) rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "make dkms-src needs the git checkout" >&2; exit 1; }
	mkdir -p build
	git -C $(CURDIR) archive --format=tar.gz --prefix=hpool-$(HPOOL_VERSION)/ \
		-o build/hpool-$(HPOOL_VERSION).tar.gz HEAD
	@echo "build/hpool-$(HPOOL_VERSION).tar.gz: tar -C /usr/src -xf it, then" \
		"dkms add hpool/$(HPOOL_VERSION) && dkms install hpool/$(HPOOL_VERSION)"

# hpool as an upstream patch would add it to a kernel tree: the module, its
# Kconfig and the KUnit suites in lib/hpool/ (with .kunitconfig: kunit.py run
# --kunitconfig=lib/hpool), the public header as include/linux/hpool.h, and
# one line each in lib/Kconfig and lib/Makefile. Run again, it updates the
# files (rsync: unchanged ones keep their times, so a build stays warm,
# files gone from here go from there) and adds no second line.
HPOOL_INTREE_FILES := /*.c /*.h /Kconfig /Kbuild /VERSION /.kunitconfig \
	/tests/ /tests/kunit/ /tests/kunit/*.c /tests/kunit/*.h /tests/kunit/Kbuild

intree:
	@test -n "$(KSRC)" -a -f "$(KSRC)/lib/Kconfig" -a -f "$(KSRC)/lib/Makefile" || \
		{ echo "make intree KSRC=<kernel source tree>: no lib/Kconfig in '$(KSRC)'" >&2; exit 1; }
	mkdir -p $(KSRC)/lib/hpool
	rsync -a --delete $(foreach f,$(HPOOL_INTREE_FILES),--include='$(f)') --exclude='*' \
		$(CURDIR)/ $(KSRC)/lib/hpool/
	rsync -a include/linux/hpool.h $(KSRC)/include/linux/hpool.h
	grep -qxF 'source "lib/hpool/Kconfig"' $(KSRC)/lib/Kconfig || \
		printf '\nsource "lib/hpool/Kconfig"\n' >>$(KSRC)/lib/Kconfig
	grep -qxF 'obj-$$(CONFIG_HPOOL) += hpool/' $(KSRC)/lib/Makefile || \
		printf '\nobj-$$(CONFIG_HPOOL) += hpool/\n' >>$(KSRC)/lib/Makefile
