# SPDX-License-Identifier: GPL-2.0
# A shim of the kernel's tools/testing/selftests/lib.mk for the hpool
# selftests out of the kernel tree (tests/selftests/Makefile includes
# ../lib.mk: in the kernel tree, the real one). The same variables and the
# same targets: all (TEST_GEN_PROGS_EXTENDED from their .c), run_tests
# (every TEST_PROGS through kselftest/runner.sh of KSRC, the kernel source,
# else through a loop that prints the same KTAP), install (INSTALL_PATH:
# the programs, TEST_FILES, config, settings), clean.
CC ?= gcc
ifeq ($(OUTPUT),)
OUTPUT := $(CURDIR)
endif
KSRC ?=
KSFT_DIR := $(if $(KSRC),$(abspath $(KSRC))/tools/testing/selftests)

TEST_GEN_PROGS := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_PROGS))
TEST_GEN_PROGS_EXTENDED := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_PROGS_EXTENDED))
TEST_GEN_FILES := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_FILES))

.PHONY: all run_tests install clean
all: $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES)

$(OUTPUT)/%: %.c
	@mkdir -p $(dir $@)
	$(LINK.c) $^ $(LDLIBS) -o $@

# The kernel's runner when KSRC has it; else the same lines from a loop.
run_tests: all
	@if [ "$(OUTPUT)" != "$(CURDIR)" ]; then \
		cp -pL $(TEST_PROGS) $(TEST_FILES) $(wildcard settings) $(OUTPUT)/; fi
	@cd $(OUTPUT) && if [ -r "$(KSFT_DIR)/kselftest/runner.sh" ]; then \
		BASE_DIR="$(KSFT_DIR)"; . "$(KSFT_DIR)/kselftest/runner.sh"; \
		run_many $(addprefix ./,$(TEST_PROGS)); \
	else \
		echo "TAP version 13"; echo "1..$(words $(TEST_PROGS))"; \
		n=0; rcf=$$(mktemp); \
		for t in $(TEST_PROGS); do \
			n=$$((n + 1)); h="selftests: hpool: $$t"; echo "# $$h"; \
			{ ./$$t 2>&1; echo $$? >"$$rcf"; } | sed 's/^/# /'; \
			case $$(cat "$$rcf") in \
			0) echo "ok $$n $$h" ;; \
			4) echo "ok $$n $$h # SKIP" ;; \
			*) echo "not ok $$n $$h # exit=$$(cat "$$rcf")" ;; \
			esac; \
		done; rm -f "$$rcf"; \
	fi

INSTALL_PATH ?= $(OUTPUT)/install
install: all
	mkdir -p $(INSTALL_PATH)
	cp -pL $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES) \
		$(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES) \
		$(wildcard config settings) $(INSTALL_PATH)/

clean:
	rm -f $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES)
