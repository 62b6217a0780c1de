// SPDX-License-Identifier: GPL-2.0
/*
 * A WARN inside a HPOOL-EXPECT-WARN bracket: the harness must forgive it
 * (harness self-test, good case).
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init harness_warn_expected_init(void)
{
	pr_info("HPOOL-EXPECT-WARN-BEGIN\n");
	WARN(1, "harness: this warning is expected\n");
	pr_info("HPOOL-EXPECT-WARN-END\n");
	return 0;
}

static void __exit harness_warn_expected_exit(void)
{
}

module_init(harness_warn_expected_init);
module_exit(harness_warn_expected_exit);
MODULE_DESCRIPTION("hpool harness self-test: an expected WARN");
MODULE_LICENSE("GPL");
