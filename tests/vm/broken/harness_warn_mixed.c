// SPDX-License-Identifier: GPL-2.0
/*
 * One WARN inside a HPOOL-EXPECT-WARN bracket and a second one after it: the
 * second must still fail the run (harness self-test).
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init harness_warn_mixed_init(void)
{
	pr_info("HPOOL-EXPECT-WARN-BEGIN\n");
	WARN(1, "harness: this warning is expected\n");
	pr_info("HPOOL-EXPECT-WARN-END\n");
	WARN(1, "harness: this warning is not expected\n");
	return 0;
}

static void __exit harness_warn_mixed_exit(void)
{
}

module_init(harness_warn_mixed_init);
module_exit(harness_warn_mixed_exit);
MODULE_DESCRIPTION("hpool harness self-test: expected and unexpected WARNs");
MODULE_LICENSE("GPL");
