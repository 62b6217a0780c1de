#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: all its TAP is ok, but it exits 1: must fail.
echo "TAP version 13"
echo "1..1"
echo "ok 1 looks_fine"
exit 1
