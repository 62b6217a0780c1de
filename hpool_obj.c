// SPDX-License-Identifier: GPL-2.0
/*
 * hpool objects: the lowest layer. Charges (atomic, page_counter-style up the
 * parent chain: Documentation/hpool.rst#hpool-charging), objects taken from
 * and given back to a tree's slab cache, and what the debug build
 * (HPOOL_DEBUG=y) adds: the foreign-pointer check of hpool_release(), fault
 * injection and the test hooks. Calls nothing of hpool's.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/debugfs.h>
#include <linux/xarray.h>

#include "hpool_obj.h"

#ifdef CONFIG_HPOOL_DEBUG
void (*hpool_test_hook)(enum hpool_hook where, struct hpool *pool);

/**
 * hpool_set_test_hook() - run @hook at each test hook point (NULL: none)
 * @hook: the function, or NULL
 */
void hpool_set_test_hook(void (*hook)(enum hpool_hook where, struct hpool *pool))
{
	WRITE_ONCE(hpool_test_hook, hook);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_set_test_hook);

/*
 * HPOOL_DEBUG=y: every object hpool took from the slab and has not freed,
 * indexed by the address of the caller's object, so that a release of a
 * pointer hpool never handed out is caught before its header is read.
 */
static DEFINE_XARRAY_FLAGS(hpool_debug_objs, XA_FLAGS_LOCK_IRQ);

/* Any context, hard IRQ included: the xarray lock is taken irqsave. */
static int hpool_debug_track(void *obj, gfp_t gfp)
{
	unsigned long flags;
	void *old;

	xa_lock_irqsave(&hpool_debug_objs, flags);
	old = __xa_store(&hpool_debug_objs, (unsigned long)obj >> 3, obj, gfp);
	xa_unlock_irqrestore(&hpool_debug_objs, flags);
	return xa_err(old);
}

static void hpool_debug_untrack(void *obj)
{
	unsigned long flags;

	xa_lock_irqsave(&hpool_debug_objs, flags);
	__xa_erase(&hpool_debug_objs, (unsigned long)obj >> 3);
	xa_unlock_irqrestore(&hpool_debug_objs, flags);
}

/**
 * hpool_debug_known() - whether hpool handed out this object
 * @obj: a pointer passed to hpool_release()
 *
 * Return: true when @obj is an object of hpool's that is not freed.
 */
bool hpool_debug_known(void *obj)
{
	return xa_load(&hpool_debug_objs, (unsigned long)obj >> 3) == obj;
}
#else
static inline int hpool_debug_track(void *obj, gfp_t gfp) { return 0; }
static inline void hpool_debug_untrack(void *obj) { }
#endif

#if defined(CONFIG_HPOOL_DEBUG) && IS_ENABLED(CONFIG_FAULT_INJECTION)
/*
 * HPOOL_DEBUG=y: /sys/kernel/debug/hpool/fail_alloc/ makes hpool's slab
 * allocations fail on demand (Documentation/fault-injection/), for tests.
 */
struct fault_attr hpool_fail_alloc = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_IF_KUNIT(hpool_fail_alloc);

static bool hpool_should_fail_alloc(void)
{
	return should_fail(&hpool_fail_alloc, 1);
}

/**
 * hpool_obj_debugfs_init() - make fail_alloc/ in /sys/kernel/debug/hpool/
 * @dir: /sys/kernel/debug/hpool/
 */
void hpool_obj_debugfs_init(struct dentry *dir)
{
	hpool_fail_alloc.verbose = 0;	/* no stack dumps: the harness fails on them */
	fault_create_debugfs_attr("fail_alloc", dir, &hpool_fail_alloc);
}
#else
static inline bool hpool_should_fail_alloc(void) { return false; }
#endif

/* ---- charges (atomic, no lock) ---- */

/**
 * hpool_charge() - charge one object to a pool and its ancestors
 * @pool: the pool that becomes the object's home
 * @stop: the first ancestor not to charge (NULL: up to the root)
 * @may_grow: @pool itself may go past its capacity (HPOOL_F_AUTO_GROW)
 * @grew: set when @pool went past its own capacity
 *
 * Like page_counter_try_charge(): on a limit, exactly what was charged is
 * rolled back.
 *
 * Return: true when charged.
 */
bool hpool_charge(struct hpool *pool, struct hpool *stop, bool may_grow, bool *grew)
{
	struct hpool *p, *q;

	*grew = false;
	for (p = pool; p != stop; p = p->parent) {
		unsigned int new = atomic_inc_return(&p->nr_objects);

		if (new <= READ_ONCE(p->capacity))
			continue;
		if (p == pool && may_grow) {
			*grew = true;
			continue;
		}
		atomic_dec(&p->nr_objects);
		for (q = pool; q != p; q = q->parent)
			atomic_dec(&q->nr_objects);
		return false;
	}
	return true;
}

/**
 * hpool_uncharge() - undo hpool_charge() for @nr objects
 * @pool: the objects' home
 * @stop: the first ancestor not to uncharge (NULL: up to the root)
 * @nr: how many objects
 */
void hpool_uncharge(struct hpool *pool, struct hpool *stop, unsigned int nr)
{
	struct hpool *p;

	for (p = pool; p != stop; p = p->parent)
		atomic_sub(nr, &p->nr_objects);
}

/* ---- the slab ---- */

/**
 * hpool_alloc_obj() - take a new object from the tree's slab cache
 * @pool: its home (the caller has charged it)
 * @gfp: allocation flags
 *
 * Runs the tree's ctor on it.
 *
 * Return: the object's header, or NULL.
 */
struct hpool_obj *hpool_alloc_obj(struct hpool *pool, gfp_t gfp)
{
	struct hpool_tree *tree = pool->tree;
	struct hpool_obj *hdr;
	void *mem, *obj;

	if (hpool_should_fail_alloc())
		return NULL;
	/* Zeroed, if asked, when handed out: after the ctor, like a recycled one. */
	mem = kmem_cache_alloc(tree->cache, gfp & ~__GFP_ZERO);
	if (!mem)
		return NULL;
	obj = mem + tree->hdr_size;
	if (hpool_debug_track(obj, gfp)) {
		kmem_cache_free(tree->cache, mem);
		return NULL;
	}
	if (tree->ctor)
		tree->ctor(obj);
	hdr = hpool_hdr(obj);
	hdr->home = pool;
	hdr->owner = NULL;
	hdr->next = NULL;
	return hdr;
}

/**
 * hpool_free_objs() - give a chain of free objects back to the slab
 * @pool: any pool of their tree
 * @list: objects linked through ->next, already uncharged and counted
 */
void hpool_free_objs(struct hpool *pool, struct hpool_obj *list)
{
	struct hpool_tree *tree = pool->tree;

	while (list) {
		struct hpool_obj *next = list->next;
		void *obj = hpool_payload(list);

		hpool_debug_untrack(obj);
		kmem_cache_free(tree->cache, obj - tree->hdr_size);
		list = next;
	}
}
