# SPDX-License-Identifier: GPL-2.0
# Wrapper around Kbuild for the out-of-tree module hpool.ko.
#
#   make                  build hpool.ko against KDIR
#   make W=1 C=1          the same with extra warnings and sparse
#   make check            everything CI runs (compile check, lint, VM tests)
#   make demo             the demo in the QEMU VM
#   make lint             checkpatch --strict, sparse, W=1, kernel-doc
#   make bench            the benchmark in a release-kernel VM (BENCH_CPUS=2)
#   make stress           the stress run in the debug VM (STRESS_SECONDS=, STRESS_THREADS=)
#   make check-kcsan      the concurrency tests in a KCSAN VM
#   make check-smp        the per-CPU suites on 16 vCPUs (SMP_CPUS=)
#   make check-rt         the KUnit suites on a PREEMPT_RT debug kernel
#   make install          install hpool.ko, its header and Module.symvers (DESTDIR=,
#                         INSTALL_MOD_PATH=)
#   make hpoolstat        build tools/hpoolstat (static)

# The running kernel's build tree, else the newest Debian headers.
KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	if [ -d $$d ]; then echo $$d; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

HPOOL_DEBUG ?=
HPOOL_EXTRA ?=
export HPOOL_DEBUG HPOOL_EXTRA

.PHONY: all modules clean check check-vm check-compile check-kcsan check-smp check-rt lint demo bench \
	stress install hpoolstat

all: modules

modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || \
		{ echo "no kernel build tree: set KDIR= or apt-get install linux-headers-amd64" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .tmp_versions

# The compile check against Debian's 6.1 headers (W=1, as a user would build).
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

hpoolstat:
	$(MAKE) -C tools/hpoolstat

# hpool.ko goes to $(INSTALL_MOD_PATH)/lib/modules/<kernel>/extra/ (INSTALL_MOD_PATH
# defaults to DESTDIR); the header and Module.symvers, which other out-of-tree
# modules build against, to $(DESTDIR)/usr/src/hpool-$(HPOOL_VERSION)/ (the
# place dkms uses for sources too). Not /usr/include: hpool.h is kernel API.
HPOOL_VERSION := 0.1
INSTALL_MOD_PATH ?= $(DESTDIR)
HPOOL_SRCDIR = $(DESTDIR)/usr/src/hpool-$(HPOOL_VERSION)

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) modules_install
	install -D -m 0644 include/hpool.h $(HPOOL_SRCDIR)/include/hpool.h
	install -D -m 0644 Module.symvers $(HPOOL_SRCDIR)/Module.symvers
