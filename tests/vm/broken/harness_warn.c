// SPDX-License-Identifier: GPL-2.0
/*
 * WARN_ON(1) at load, outside any HPOOL-EXPECT-WARN bracket (harness self-test).
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init harness_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit harness_warn_exit(void)
{
}

module_init(harness_warn_init);
module_exit(harness_warn_exit);
MODULE_DESCRIPTION("hpool harness self-test: an unexpected WARN");
MODULE_LICENSE("GPL");
