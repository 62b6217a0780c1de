# SPDX-License-Identifier: GPL-2.0
# Wrapper around Kbuild for the out-of-tree module hpool.ko.
#
#   make                  build hpool.ko against KDIR
#   make W=1 C=1          the same with extra warnings and sparse
#   make check            everything CI runs (compile check, lint, VM tests)
#   make demo             the demo in the QEMU VM
#   make lint             checkpatch --strict, sparse, W=1, kernel-doc

# The running kernel's build tree, else the newest Debian headers.
KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	if [ -d $$d ]; then echo $$d; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

HPOOL_DEBUG ?=
HPOOL_EXTRA ?=
export HPOOL_DEBUG HPOOL_EXTRA

.PHONY: all modules clean check check-vm check-compile lint demo bench install

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
