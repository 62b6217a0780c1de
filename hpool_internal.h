/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool internals shared by hpool_core.c, hpool_child.c, hpool_rebalance.c
 * and hpool_sysfs.c. Nothing here is API.
 */
#ifndef _HPOOL_INTERNAL_H
#define _HPOOL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <hpool.h>

/* EXPORT_SYMBOL_IF_KUNIT(): internals that KUnit suites (modules) may call. */
#include <kunit/visibility.h>

/*
 * Locking legend
 *
 * L: pool->lock, an irq-safe spinlock. Free list, gauges, counters and
 *    state of one pool. hpool never holds two pool locks at once: a borrow,
 *    a release along a borrow chain and every move of stock take the locks
 *    of the pools involved one after the other.
 * A: atomic, no lock (nr_objects is charged page_counter-style, with a
 *    limit check and an exact rollback).
 * T: hpool_topology_mutex for writers; readers either hold it or, in any
 *    context, walk a children list holding the parent's children_lock for
 *    reading (C). A pool that is being destroyed is marked @dead under L
 *    and T first, and stays linked until the rest of its teardown is done
 *    (Documentation/hpool.rst, "Lifetime"): while it is linked its parent
 *    cannot be destroyed. The orphan list and the reaper's decisions are
 *    under T too.
 * C: parent->children_lock, an rwlock: read by the walkers of atomic context
 *    (steal, distribute, reclaim), written (under the mutex, irqs off) to
 *    link or unlink a child. It is outside every pool lock: a walker takes
 *    the locks of the pools it meets under it, never the reverse. Once a
 *    pool is unlinked nothing can reach it, so it is freed at once: no RCU
 *    grace period, no deferred free for a request-scoped pool.
 * W: written under L (so it is consistent with the gauges it bounds), read
 *    locklessly with READ_ONCE() on the fast paths.
 * I: immutable once the pool is visible.
 * P: pcp->lock of one CPU's struct hpool_pcp (below). Innermost: taken
 *    alone (the fast path), under its own pool's lock (a fold, a restock)
 *    or under a child's (a borrow served from the parent's cache, a release
 *    that ends a borrow chain in the home's cache), and nothing is taken
 *    under it.
 */

/*
 * Hidden header, placed right in front of every object hpool hands out, so
 * that it is found at the same offset whatever the tree (a release through a
 * pool of another tree still finds it). Padding before it keeps the object
 * aligned; the whole slab object is tree->hdr_size + tree->obj_size bytes.
 */
struct hpool_obj {
	struct hpool *home;		/* L (of home) while free; I while in use */
	struct hpool *owner;		/* pool that handed it out; NULL while free
					 * (xchg()ed on release: double release)
					 */
	struct hpool_obj *next;		/* L (of home): free list link */
};

/* What one tree shares: the cache, the callbacks and the rebalancer. */
struct hpool_tree {
	struct kmem_cache *cache;	/* I */
	size_t obj_size;		/* I: the caller's object */
	size_t hdr_size;		/* I: header + padding before the object */
	void (*ctor)(void *obj);	/* I */
	void (*reset)(void *obj);	/* I */
	unsigned int rebalance_interval_ms;	/* W (root->lock) */
	unsigned int rebalance_threshold;	/* W (root->lock) */
	struct delayed_work rebalance_work;
	struct hpool *root;		/* I */
	char cache_name[HPOOL_NAME_MAX + 8];	/* I */
};

/*
 * The fast path: each pool (but request-scoped HPOOL_F_NO_SYSFS ones) has a
 * small per-CPU cache of its free objects in front of its free list, and
 * keeps on each CPU the drift of its nr_in_use and two counters. Under its
 * own lock (taken only by its CPU, except by a fold), an acquire pops and a
 * release pushes without touching any shared cache line.
 *
 * Bound: a CPU's drift stays within pool->pcp_slack, set whenever the pool
 * lock is taken, after folding every CPU's cache and drift back into the pool
 * (so every move of stock and every read sees exact numbers). A CPU whose
 * cache is merely empty or full trades a batch of free objects with the
 * pool's free list under the pool lock without a fold: that changes no
 * gauge. The slack is chosen so that nr_in_use cannot cross a health
 * threshold (50%, 80% of capacity) without a fold: health and its
 * notifications stay exact. It is 0 (fast path off) unless the pool is
 * active, and at most HPOOL_PCP_SLACK_MAX. A CPU caches at most HPOOL_PCP_MAX
 * free objects, which count in the pool's nr_free.
 */
#define HPOOL_PCP_MAX		16
#define HPOOL_PCP_REFILL	8
#define HPOOL_PCP_SLACK_MAX	64

struct hpool_pcp {
	raw_spinlock_t lock;		/* P: this struct; nests inside pool->lock */
	struct hpool_obj *free;		/* P: free objects whose home is the pool */
	unsigned int nr_free;		/* P */
	int in_use;			/* P: drift of nr_in_use, |in_use| <= pcp_slack */
	unsigned long local_hits;	/* P: summed with the pool's on read */
	unsigned long releases;		/* P: likewise */
};

/* The counters of struct hpool_stats, in the same order. */
struct hpool_counters {
	unsigned long local_hits, parent_borrows, allocations, frees, releases, grows;
	unsigned long steals, stolen, distributed_in, reclaimed_out, rebalanced_in, rebalanced_out;
	unsigned long fail_limit, fail_nomem, fail_state, bad_releases;
};

struct hpool {
	spinlock_t lock;		/* L: see the legend above */
	struct hpool_obj *free_list;	/* L: LIFO stack of free objects */
	unsigned int nr_free;		/* L */
	unsigned int nr_in_use;		/* L */
	unsigned int nr_borrowed;	/* L */
	unsigned int peak_in_use;	/* L */
	enum hpool_state state;		/* L, read with READ_ONCE() */
	bool dead;			/* L and T (written holding both): destroy has begun */
	bool orphan;			/* L and T (written holding both): its device
					 * went with objects out; on hpool_orphans
					 */
	bool rb_served;			/* T: served in this rebalance pass */
	u8 health;			/* L: last health level notified */
	struct hpool_counters c;	/* L */

	atomic_t nr_objects;		/* A: charged to this subtree */

	struct hpool_pcp __percpu *pcp;	/* I: NULL for HPOOL_F_NO_SYSFS pools */
	int pcp_slack;			/* L, READ_ONCE() under P: 0 = fast path off */
	bool pcp_dirty;			/* L: a CPU cache may hold objects or drift */

	unsigned int capacity;		/* W */
	unsigned int borrow_limit;	/* W */
	unsigned int reserve;		/* W */
	int prio;			/* W: enum hpool_prio */
	unsigned int flags;		/* W: HPOOL_F_* */

	struct hpool *parent;		/* I: NULL for a root */
	struct hpool_tree *tree;	/* I */
	unsigned int depth;		/* I */
	u64 seq;			/* I: creation order */
	char name[HPOOL_NAME_MAX];	/* I */

	unsigned int nr_children;	/* T */
	unsigned int nr_children_hidden;	/* T, read with READ_ONCE() */
	unsigned int prewarm;		/* I: objects to allocate at creation */

	/* sysfs (hpool_sysfs.c) */
	bool in_sysfs;			/* I: kobj was added to sysfs */
	struct kobject *children_kobj;
	struct kernfs_node *state_kn;	/* for sysfs_notify_dirent(), L to use */
	struct kernfs_node *health_kn;

	struct device *dev;		/* T: the device of a devm pool, else NULL */

	/*
	 * HPOOL_INIT_ZEROED ends here: hpool_create_pool() zeroes what comes
	 * before and initialises what follows field by field, so that the
	 * creation of a request-scoped pool does not zero them twice.
	 */
	struct list_head children;	/* T and C: in creation order */
	rwlock_t children_lock;		/* C */
	struct list_head sibling;	/* T and C (of the parent) */
	struct work_struct prewarm_work;
	struct list_head orphan_node;	/* T: on hpool_orphans while orphan */
	wait_queue_head_t drain_wq;	/* woken when state leaves DRAINING */
	/* holds the pool's lifetime if in_sysfs; zeroed by hpool_sysfs_add() */
	struct kobject kobj;
};

#define HPOOL_INIT_ZEROED	offsetof(struct hpool, children)

extern struct mutex hpool_topology_mutex;
extern struct list_head hpool_roots;		/* T */
extern struct workqueue_struct *hpool_wq;

/*
 * Test hooks: points where a window between two steps is too narrow for a
 * race test to hit by chance. Compiled only into the test build
 * (HPOOL_DEBUG=y); a KUnit case sets hpool_test_hook and widens the window
 * (sleeps, or runs the racing call itself). @pool is for comparison only: at
 * HPOOL_HOOK_RETURN it may be freed already.
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

static inline bool hpool_is_root(const struct hpool *pool)
{
	return !pool->parent;
}

static inline struct hpool *hpool_root(struct hpool *pool)
{
	return pool->tree->root;
}

static inline struct hpool_obj *hpool_hdr(void *obj)
{
	return (struct hpool_obj *)obj - 1;
}

static inline void *hpool_payload(struct hpool_obj *hdr)
{
	return hdr + 1;
}

/* Utilisation in percent, as sysfs shows it. Caller holds L or tolerates a race. */
static inline unsigned int hpool_util(unsigned int in_use, unsigned int capacity)
{
	if (!capacity)
		return in_use ? 100 : 0;
	if (in_use >= capacity)
		return 100;
	return (unsigned int)div_u64((u64)in_use * 100, capacity);
}

enum hpool_health { HPOOL_HEALTH_GOOD, HPOOL_HEALTH_WARNING, HPOOL_HEALTH_CRITICAL };

/* The utilisation, in percent, at which health becomes warning, critical. */
#define HPOOL_WARNING_PCT	50
#define HPOOL_CRITICAL_PCT	80

static inline enum hpool_health hpool_health_of(unsigned int util)
{
	if (util < HPOOL_WARNING_PCT)
		return HPOOL_HEALTH_GOOD;
	if (util < HPOOL_CRITICAL_PCT)
		return HPOOL_HEALTH_WARNING;
	return HPOOL_HEALTH_CRITICAL;
}

/*
 * hpool_health_of(hpool_util(in_use, capacity)) without the division, for
 * every change of nr_in_use: floor(x / c) < n exactly when x < n * c.
 */
static __always_inline enum hpool_health
hpool_health_at(unsigned int in_use, unsigned int capacity)
{
	u64 x = (u64)in_use * 100;

	if (!capacity)
		return in_use ? HPOOL_HEALTH_CRITICAL : HPOOL_HEALTH_GOOD;
	if (x < (u64)capacity * HPOOL_WARNING_PCT)
		return HPOOL_HEALTH_GOOD;
	if (x < (u64)capacity * HPOOL_CRITICAL_PCT)
		return HPOOL_HEALTH_WARNING;
	return HPOOL_HEALTH_CRITICAL;
}

/* hpool_core.c */
void __hpool_fold_locked(struct hpool *pool);	/* only if pool->pcp_dirty */
void __hpool_rearm_locked(struct hpool *pool);	/* only if pool->pcp */

/*
 * Take a pool's lock for anything but a fast-path operation: the per-CPU
 * caches are folded in first, so the pool's fields are exact under it, and
 * the fast path is re-armed for the new state on unlock.
 *
 * This and the helpers below run on every borrow and release of a
 * request-scoped child: __always_inline, as the kernel's -Os builds would
 * make each a call.
 */
static __always_inline void hpool_lock(struct hpool *pool, unsigned long *flags)
	__acquires(&pool->lock)
{
	spin_lock_irqsave(&pool->lock, *flags);
	if (pool->pcp_dirty)
		__hpool_fold_locked(pool);
}

static __always_inline void hpool_unlock(struct hpool *pool, unsigned long flags)
	__releases(&pool->lock)
{
	if (pool->pcp)
		__hpool_rearm_locked(pool);
	spin_unlock_irqrestore(&pool->lock, flags);
}

void __hpool_health_changed_locked(struct hpool *pool, u8 health);
void __hpool_set_state_locked(struct hpool *pool, enum hpool_state state);

/* Take the top object of a pool's free list; NULL when it is empty. */
static __always_inline struct hpool_obj *__hpool_pop_locked(struct hpool *pool)
{
	struct hpool_obj *hdr = pool->free_list;

	lockdep_assert_held(&pool->lock);
	if (hdr) {
		pool->free_list = hdr->next;
		pool->nr_free--;
		hdr->next = NULL;
	}
	return hdr;
}

/* Put a free object, charged to @pool already, on its free list: its home. */
static __always_inline void __hpool_push_locked(struct hpool *pool,
						struct hpool_obj *hdr)
{
	lockdep_assert_held(&pool->lock);
	hdr->home = pool;
	hdr->next = pool->free_list;
	pool->free_list = hdr;
	pool->nr_free++;
}

/* After every change of nr_in_use or capacity: notify a change of health. */
static __always_inline void __hpool_update_locked(struct hpool *pool)
{
	u8 health = hpool_health_at(pool->nr_in_use, pool->capacity);

	lockdep_assert_held(&pool->lock);
	if (unlikely(health != pool->health))
		__hpool_health_changed_locked(pool, health);
}

/* Count one more object handed out by a pool. */
static __always_inline void __hpool_in_use_inc_locked(struct hpool *pool)
{
	lockdep_assert_held(&pool->lock);
	pool->nr_in_use++;
	if (pool->nr_in_use > pool->peak_in_use)
		pool->peak_in_use = pool->nr_in_use;
	__hpool_update_locked(pool);
}

/* Count one object fewer in use; a draining pool stops at 0. */
static __always_inline void __hpool_in_use_dec_locked(struct hpool *pool)
{
	lockdep_assert_held(&pool->lock);
	pool->nr_in_use--;
	if (unlikely(!pool->nr_in_use && pool->state == HPOOL_DRAINING))
		__hpool_set_state_locked(pool, HPOOL_STOPPED);
	__hpool_update_locked(pool);
}

bool hpool_charge(struct hpool *pool, struct hpool *stop, bool may_grow, bool *grew);
void hpool_uncharge(struct hpool *pool, struct hpool *stop, unsigned int nr);
struct hpool_obj *hpool_alloc_obj(struct hpool *pool, gfp_t gfp);
void hpool_free_objs(struct hpool *pool, struct hpool_obj *list);
unsigned int hpool_trim(struct hpool *pool, unsigned int keep);
int hpool_set_capacity(struct hpool *pool, unsigned int capacity);
void hpool_read_stats(struct hpool *pool, struct hpool_stats *st);
void hpool_flush_work(struct hpool *pool);
void hpool_flush_all(void);
unsigned int hpool_nr_trees(void);
#if defined(CONFIG_HPOOL_DEBUG) && IS_ENABLED(CONFIG_FAULT_INJECTION)
#include <linux/fault-inject.h>
extern struct fault_attr hpool_fail_alloc;
#endif
void hpool_kobj_release(struct kobject *kobj);
extern const char *const hpool_state_names[];
extern const char *const hpool_health_names[];

/* hpool_child.c */
/* What a steal or a rebalance needs to know of a pool, read under its lock. */
struct hpool_snap {
	int prio;
	unsigned int nr_free, reserve, util;
	bool usable;		/* not dead, draining or stopped */
};

bool hpool_steal(struct hpool *pool, enum hpool_prio prio, struct hpool_obj **hdrp);
int hpool_move_one(struct hpool *from, struct hpool *to, struct hpool *parent,
		   unsigned long *out, unsigned long *in, bool reserve);
void hpool_snap(struct hpool *pool, struct hpool_snap *s);

/* hpool_rebalance.c */
void hpool_prewarm_workfn(struct work_struct *work);
void hpool_rebalance_workfn(struct work_struct *work);
void hpool_rebalance_arm(struct hpool_tree *tree);
int hpool_set_rebalance_interval(struct hpool *root, unsigned int ms);
bool hpool_rebalance_armed(struct hpool *root);

/* hpool_sysfs.c */
int hpool_sysfs_init(void);
void hpool_sysfs_exit(void);
int hpool_sysfs_add(struct hpool *pool);
void hpool_sysfs_del(struct hpool *pool);
extern const struct kobj_type hpool_ktype;

#endif /* _HPOOL_INTERNAL_H */
