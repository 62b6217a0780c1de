// SPDX-License-Identifier: GPL-2.0
/*
 * BUG() at load: with PANIC_ON_OOPS the guest dies before the end marker
 * (harness self-test).
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init harness_bug_init(void)
{
	BUG();
	return 0;
}

static void __exit harness_bug_exit(void)
{
}

module_init(harness_bug_init);
module_exit(harness_bug_exit);
MODULE_DESCRIPTION("hpool harness self-test: a BUG()");
MODULE_LICENSE("GPL");
