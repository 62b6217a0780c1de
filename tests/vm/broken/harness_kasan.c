// SPDX-License-Identifier: GPL-2.0
/*
 * A use-after-free read, for KASAN to report (harness self-test).
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>

static int __init harness_kasan_init(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	char c;

	if (!p)
		return 0;
	p[0] = 1;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	c = READ_ONCE(p[8]);
	pr_info("harness_kasan: read %d after free\n", c);
	return 0;
}

static void __exit harness_kasan_exit(void)
{
}

module_init(harness_kasan_init);
module_exit(harness_kasan_exit);
MODULE_DESCRIPTION("hpool harness self-test: a use-after-free");
MODULE_LICENSE("GPL");
