/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool objects (hpool_obj.c): charges, the slab, and the checks of the
 * debug build. The lowest layer: it calls nothing of hpool's.
 */
#ifndef _HPOOL_OBJ_H
#define _HPOOL_OBJ_H

#include "hpool_internal.h"

bool hpool_charge(struct hpool *pool, struct hpool *stop, bool may_grow, bool *grew);
void hpool_uncharge(struct hpool *pool, struct hpool *stop, unsigned int nr);
struct hpool_obj *hpool_alloc_obj(struct hpool *pool, gfp_t gfp);
void hpool_free_objs(struct hpool *pool, struct hpool_obj *list);

#ifdef CONFIG_HPOOL_DEBUG
bool hpool_debug_known(void *obj);
#else
static inline bool hpool_debug_known(void *obj) { return true; }
#endif

/* /sys/kernel/debug/hpool/ (an error pointer when debugfs is off). */
extern struct dentry *hpool_debugfs;
void hpool_debugfs_init(void);
void hpool_debugfs_exit(void);

#if defined(CONFIG_HPOOL_DEBUG) && IS_ENABLED(CONFIG_FAULT_INJECTION)
#include <linux/fault-inject.h>
extern struct fault_attr hpool_fail_alloc;
#endif

/*
 * Test hooks: points where a window between two steps is too narrow for a
 * race test to hit by chance. Compiled only into the test build
 * (HPOOL_DEBUG=y); a KUnit case sets one with hpool_set_test_hook() and
 * widens the window (sleeps, or runs the racing call itself). @pool is for
 * comparison only: at HPOOL_HOOK_RETURN it may be freed already.
 */
enum hpool_hook {
	HPOOL_HOOK_RETURN,	/* hpool_return(): a pool of the chain unlocked */
	HPOOL_HOOK_DESTROY,	/* hpool_destroy(): dead, not unlinked yet */
};

#ifdef CONFIG_HPOOL_DEBUG
extern void (*hpool_test_hook)(enum hpool_hook where, struct hpool *pool);
void hpool_set_test_hook(void (*hook)(enum hpool_hook where, struct hpool *pool));

static inline void hpool_hook(enum hpool_hook where, struct hpool *pool)
{
	void (*hook)(enum hpool_hook where, struct hpool *pool);

	hook = READ_ONCE(hpool_test_hook);
	if (hook)
		hook(where, pool);
}
#else
static inline void hpool_hook(enum hpool_hook where, struct hpool *pool) { }
#endif

#endif /* _HPOOL_OBJ_H */
