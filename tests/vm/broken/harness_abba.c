// SPDX-License-Identifier: GPL-2.0
/*
 * Takes two spinlocks in both orders, one after the other (no real deadlock),
 * for lockdep to report a circular dependency (harness self-test).
 */
#include <linux/module.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(harness_lock_a);
static DEFINE_SPINLOCK(harness_lock_b);

static int __init harness_abba_init(void)
{
	spin_lock(&harness_lock_a);
	spin_lock(&harness_lock_b);
	spin_unlock(&harness_lock_b);
	spin_unlock(&harness_lock_a);

	spin_lock(&harness_lock_b);
	spin_lock(&harness_lock_a);
	spin_unlock(&harness_lock_a);
	spin_unlock(&harness_lock_b);
	return 0;
}

static void __exit harness_abba_exit(void)
{
}

module_init(harness_abba_init);
module_exit(harness_abba_exit);
MODULE_DESCRIPTION("hpool harness self-test: an ABBA lock order");
MODULE_LICENSE("GPL");
