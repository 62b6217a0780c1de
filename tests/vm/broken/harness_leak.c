// SPDX-License-Identifier: GPL-2.0
/*
 * Leaks kmalloc()ed buffers whose pointers are dropped, for kmemleak to find
 * (harness self-test).
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#define HARNESS_LEAKS 4

static noinline void harness_leak_one(int i)
{
	char *p = kmalloc(128, GFP_KERNEL);

	if (p)
		memset(p, 0x5a + i, 128);
	/* The only reference dies here. */
	OPTIMIZER_HIDE_VAR(p);
}

static int __init harness_leak_init(void)
{
	int i;

	for (i = 0; i < HARNESS_LEAKS; i++)
		harness_leak_one(i);
	return 0;
}

static void __exit harness_leak_exit(void)
{
}

module_init(harness_leak_init);
module_exit(harness_leak_exit);
MODULE_DESCRIPTION("hpool harness self-test: a memory leak");
MODULE_LICENSE("GPL");
