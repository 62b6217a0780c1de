/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool objects (hpool_obj.c): charges, the slab, and the checks of the
 * debug build. The lowest layer: it calls nothing of hpool's.
 */
#ifndef _HPOOL_OBJ_H
#define _HPOOL_OBJ_H

#include <linux/kasan.h>

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

/*
 * KASAN (generic mode, the test kernels): an object on a free list or in a
 * per-CPU cache is poisoned as a freed slab object, so that a use after
 * hpool_release() gets a KASAN report (Documentation/hpool.rst#hpool-kasan).
 * mempool does the same with kasan_mempool_poison_object(), which modules
 * cannot call (its body, __kasan_mempool_poison_object(), is not exported);
 * kasan_poison() is exported (6.1 and 6.12) but declared only in
 * mm/kasan/kasan.h, hence the declaration here, with KASAN_SLAB_FREE from
 * there. Only the caller's bytes are poisoned, never the hidden header.
 */
#ifdef CONFIG_KASAN_GENERIC
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
#define HPOOL_KASAN_GRANULE	BIT(KASAN_SHADOW_SCALE_SHIFT)
#define HPOOL_KASAN_FREED	0xFB	/* KASAN_SLAB_FREE */

static __always_inline void hpool_kasan_poison(const struct hpool_tree *tree, void *obj)
{
	kasan_poison(obj, round_up(tree->obj_size, HPOOL_KASAN_GRANULE),
		     HPOOL_KASAN_FREED, false);
}

/* As the slab left it: obj_size bytes valid, the rest of a granule not. */
static __always_inline void hpool_kasan_unpoison(const struct hpool_tree *tree, void *obj)
{
	size_t whole = round_down(tree->obj_size, HPOOL_KASAN_GRANULE);

	kasan_poison(obj, whole, 0, false);
	if (tree->obj_size != whole)
		kasan_poison(obj + whole, HPOOL_KASAN_GRANULE,
			     tree->obj_size - whole, false);
}
#else
static inline void hpool_kasan_poison(const struct hpool_tree *tree, void *obj) { }
static inline void hpool_kasan_unpoison(const struct hpool_tree *tree, void *obj) { }
#endif

#if defined(CONFIG_HPOOL_DEBUG) && IS_ENABLED(CONFIG_FAULT_INJECTION)
#include <linux/fault-inject.h>
extern struct fault_attr hpool_fail_alloc;
void hpool_obj_debugfs_init(struct dentry *dir);
#else
static inline void hpool_obj_debugfs_init(struct dentry *dir) { }
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
	HPOOL_HOOK_REBALANCE,	/* a rebalance pass moved one object into @pool */
	HPOOL_HOOK_NOTIFY,	/* @pool's health is notified (sysfs_notify) */
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
