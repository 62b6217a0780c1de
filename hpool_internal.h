/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool's types: the structures every layer shares, the locking legend (the
 * one place where the rule for each field is kept) and the pure helpers that
 * call nothing. Nothing here is API.
 *
 * The layers, each .c file calling only those below it (a header belongs to
 * the .c file of its name; see README.md, "Layout"):
 *
 *   hpool_main.c        module init and exit
 *   hpool_devres.c      hpool_destroy(), devm pools, orphans and their reaper
 *   hpool_lifecycle.c   create, prewarm, the two halves of a destroy
 *   hpool_sysfs.c       /sys/kernel/hpool/, the kobject release, each
 *                       root's /sys/kernel/debug/hpool/<root>/objects
 *   hpool_shrink.c      the shrinker, the idle trim of the per-CPU caches
 *   hpool_rebalance.c   the rebalancer, its tunables
 *   hpool_acquire.c     acquire and release
 *   hpool_move.c        moving free stock: steal, distribute, reclaim
 *   hpool_state.c       state, health, limits and their setters, stats,
 *                       the pool's memory, the shared globals
 *   hpool_pcp.c         the per-CPU caches and the pool lock
 *   hpool_track.c       object tracking (the "track" parameter, stack depot
 *                       records, leak reports), /sys/kernel/debug/hpool/
 *   hpool_obj.c         objects: charges, the slab, debug checks, KASAN
 *                       poisoning, fault injection, test hooks
 *   hpool_trace.c       the tracepoints (hpool_trace.h)
 */
#ifndef _HPOOL_INTERNAL_H
#define _HPOOL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/hpool.h>

#include "hpool_counters.h"

/* EXPORT_SYMBOL_IF_KUNIT(): internals that KUnit suites (modules) may call. */
#include <kunit/visibility.h>

/*
 * Locking legend: the rule of every field below is one of these tags.
 *
 * Lock order, outermost first; each lock is taken only after those to its
 * left, and pool locks one at a time:
 *
 *   hpool_topology_mutex (T) -> hpool_shrink_mutex (S)
 *   -> parent->children_lock (C) -> pool->lock (L) -> pcp->lock (P)
 *
 * T: hpool_topology_mutex, for writers; a reader holds it or, in any
 *    context, walks a children list holding the parent's children_lock (C)
 *    for reading: hpool_for_each_child() asserts one of the two. Create,
 *    destroy, the rebalancer, the orphan list and the reaper's decisions
 *    hold it. A pool being destroyed is marked @dead under T and L first,
 *    and stays linked until the rest of its teardown is done
 *    (Documentation/hpool.rst#hpool-lifetime): while it is linked its parent
 *    cannot be destroyed.
 * S: hpool_shrink_mutex (hpool_shrink.c): the list of every pool not being
 *    destroyed, which the shrinker and the idle trim walk. Reclaim takes it:
 *    nothing allocates memory while holding it. A pool is added after it is
 *    linked and taken off when it is marked dead, both under T.
 * C: parent->children_lock, an rwlock: read by the walkers of atomic context
 *    (steal, distribute, reclaim), written (under T, irqs off) to link or
 *    unlink a child. A walker takes the locks of the pools it meets under
 *    it, never the reverse. Once a pool is unlinked nothing can reach it, so
 *    it is freed at once: no RCU grace period.
 * L: pool->lock, an irq-safe spinlock: free list, gauges, counters and state
 *    of one pool. hpool never holds two pool locks at once: a borrow, a
 *    release along a borrow chain and every move of stock take the locks of
 *    the pools involved one after the other. Take it with hpool_lock() and
 *    hpool_unlock() (hpool_pcp.h), which fold the per-CPU caches in first
 *    and re-arm them after, so that every field is exact under it. Taking
 *    it directly (spin_lock_irqsave(&pool->lock)) is allowed only to raise
 *    a counter of struct hpool_counters, to trade free objects between the
 *    free list and one CPU's cache (a restock) or to give one CPU more of
 *    the room left for quotas: none changes a gauge or the state, so none
 *    needs the fold or the re-arm.
 * P: pcp->lock of one CPU's struct hpool_pcp. Innermost: taken alone (the
 *    fast path), under its own pool's lock (a fold, a restock, a stats read)
 *    or under a child's (a borrow served from the parent's cache, a release
 *    that ends a borrow chain in the home's cache); nothing is taken under
 *    it but, in the walk of a borrow chain on this CPU's caches
 *    (hpool_borrow_fast(), hpool_return_fast(), interrupts off), the
 *    parent's after the child's, up the chain (lockdep subclass: the
 *    place in the chain).
 * N: hpool_notify_lock (hpool_state.c), a spinlock taken under L: the list
 *    of pools whose notification of health waits for its period to end.
 *    Innermost but for P; only the notification's bookkeeping is under it.
 * A: atomic, no lock (nr_objects is charged page_counter-style, with a
 *    limit check and an exact rollback: hpool_charge()).
 * W: written under L (so it is consistent with what it bounds), read without
 *    a lock with READ_ONCE() on the fast paths.
 * TL: written holding both T and L; read holding either.
 * I: immutable once the pool (or tree) is visible to anyone but its creator.
 * O: owned by one context, which the comment names; no lock.
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
	struct hpool_obj *next;		/* L (of home) or P: free list link */
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
	struct delayed_work rebalance_work;	/* queued under root->lock */
	struct hpool *root;		/* I */
	char cache_name[HPOOL_NAME_MAX + 8];	/* I */
	/* object tracking (hpool_track.c) */
	struct xarray track_objs;	/* its own lock: the records of the
					 * objects in use, by address
					 */
	struct list_head track_node;	/* on hpool_track_trees, its mutex */
	struct dentry *debugfs;		/* O: creation and destroy of the root */
};

/*
 * Where hpool_acquire*() found an object (the hpool_acquire event): this
 * CPU's cache, the pool's free list, a borrow from the parent, a new slab
 * object, a steal from a child.
 */
enum hpool_step {
	HPOOL_STEP_CACHE, HPOOL_STEP_FREE_LIST, HPOOL_STEP_BORROW,
	HPOOL_STEP_SLAB, HPOOL_STEP_STEAL,
};

/* Why an acquisition failed (the hpool_acquire_fail event, the fail_* counters). */
enum hpool_fail { HPOOL_FAIL_LIMIT, HPOOL_FAIL_NOMEM, HPOOL_FAIL_STATE };

/*
 * The fast path (Documentation/hpool.rst#hpool-fast-path): each pool but
 * the request-scoped (HPOOL_F_NO_SYSFS) ones has a small per-CPU cache of its
 * free objects in front of its free list, and keeps on each CPU the drift of
 * its nr_in_use and two counters; hpool_pcp.c and hpool_pcp.h.
 *
 * A CPU's drift stays within its quota, at most HPOOL_PCP_QUOTA_MAX, which
 * it takes from the pool's room (pcp_room) when it restocks. The room is
 * set whenever the pool lock is released (hpool_unlock()) to how far
 * nr_in_use may move and keep its health level, after the caches, drifts,
 * counts and quotas of the CPUs in pool->pcp_mask were folded back into the
 * pool when it was taken (hpool_lock()). So every move of stock and every
 * read sees exact numbers and costs in proportion to the CPUs that hold
 * something, not to the possible ones; the drifts of all CPUs together
 * never cross a health threshold, so health and its notifications are
 * exact, whatever the number of CPUs; and a CPU that restocks gets up to
 * HPOOL_PCP_QUOTA_MAX of drift, even on a small pool, as long as the room
 * allows. No quota is given unless the pool is active.
 *
 * A pure borrower (hpool_pure_borrower(): capacity 0) owns nothing, so it
 * has no health level to keep: its room is its borrow room instead
 * (pcp_broom, borrow_limit - nr_borrowed), which its CPUs take as a quota
 * (bquota) of borrows made without its lock, each counted in their drift
 * (borrowed) of nr_borrowed and nr_in_use. So borrow_limit holds exactly,
 * while health, which a fold computes again (health_stale), lags until the
 * next read or the idle trim (Documentation/hpool.rst#hpool-chain).
 *
 * A CPU caches at most
 * HPOOL_PCP_MAX free objects, which count in the pool's nr_free, and trades
 * HPOOL_PCP_REFILL at a time with the free list (a burst of 64 restocks
 * four times; measured in Documentation/hpool.rst#hpool-fast-path).
 *
 * A CPU whose cache saw no traffic for a period (HPOOL_IDLE_PERIOD, a
 * second), as the looks of the idle trim (hpool_shrink.c) see it, is folded
 * back alone; the fast path pays nothing for it (the trim compares the
 * CPU's counts and drifts with what it saw, and when it first saw them).
 */
#define HPOOL_PCP_MAX		32
#define HPOOL_PCP_REFILL	16
#define HPOOL_PCP_QUOTA_MAX	64

struct hpool_pcp {
	raw_spinlock_t lock;		/* P: this struct */
	struct hpool_obj *free;		/* P: free objects whose home is the pool */
	unsigned int nr_free;		/* P */
	int in_use;			/* P: drift of nr_in_use, |in_use| <= quota */
	int quota;			/* P, written under L too: the drift this
					 * CPU may make, taken from pool->pcp_room
					 */
	unsigned int cpu;		/* I: the CPU this struct belongs to */
	/* A pure borrower's (hpool_pure_borrower()) borrows on this CPU: */
	int borrowed;			/* P: drift of nr_borrowed and nr_in_use,
					 * |borrowed| <= bquota
					 */
	int bquota;			/* P, written under L too: the drift this
					 * CPU may make, taken from pool->pcp_broom
					 */
	unsigned long local_hits;	/* P: added to the pool's by a fold */
	unsigned long releases;		/* P: likewise */
	unsigned long borrows;		/* P: likewise, to parent_borrows */
	/* What the idle trim saw at its last look (hpool_pcp_trim_idle()) */
	unsigned long seen_hits;	/* P: local_hits + releases + borrows */
	unsigned long seen_at;		/* P: jiffies when it saw them first */
	int seen_in_use;		/* P: in_use + borrowed */
	bool seen;			/* P: it has looked since the last fold */
};

/* The counters of struct hpool_stats, generated from HPOOL_COUNTERS(). */
struct hpool_counters {
	HPOOL_COUNTERS(HPOOL_COUNTER_FIELD)
};

/* Each counter sits where struct hpool_stats has it: copied as one block. */
HPOOL_COUNTERS(HPOOL_COUNTER_ASSERT)
static_assert(sizeof(struct hpool_counters) == offsetof(struct hpool_stats, nr_objects));

struct hpool {
	spinlock_t lock;		/* L: see the legend above */
	struct hpool_obj *free_list;	/* L: LIFO stack of free objects */
	unsigned int nr_free;		/* L */
	unsigned int nr_in_use;		/* L */
	unsigned int nr_borrowed;	/* L */
	unsigned int peak_in_use;	/* L */
	enum hpool_state state;		/* L, read with READ_ONCE() */
	bool dead;			/* TL: destroy has begun */
	bool orphan;			/* TL: its device went with objects out;
					 * on hpool_orphans
					 */
	bool rb_served;			/* T: served in this rebalance pass */
	u8 health;			/* L: its health level, as last computed */
	unsigned long health_notified_at;	/* L: jiffies when health was last
						 * notified at once
						 */
	struct hpool_counters c;	/* L */

	atomic_t nr_objects;		/* A: charged to this subtree */

	struct hpool_pcp __percpu *pcp;	/* I: NULL for HPOOL_F_NO_SYSFS pools */
	unsigned long *pcp_mask;	/* L: the CPUs whose cache may hold
					 * objects, drift, counts or a quota
					 */
	unsigned int pcp_room;		/* L: room not yet given out in quotas */
	unsigned int pcp_broom;		/* L: borrows under borrow_limit not yet
					 * given out in bquotas
					 */
	bool health_stale;		/* L: a fold moved a pure borrower's
					 * nr_in_use: health to compute again
					 */
	bool pcp_armed;			/* W: quotas may be given out */
	bool pcp_grant_here;		/* L: this CPU's cache was refilled under
					 * the lock: hpool_unlock() gives it a quota
					 */
	bool pcp_dirty;			/* L: pcp_mask may have a bit set */

	unsigned int capacity;		/* W */
	unsigned int borrow_limit;	/* W */
	unsigned int reserve;		/* W */
	int prio;			/* W: enum hpool_prio */
	unsigned int flags;		/* W: HPOOL_F_* */

	struct hpool *parent;		/* I: NULL for a root */
	struct hpool_tree *tree;	/* I */
	unsigned int depth;		/* I */
	u64 seq;			/* I: creation order, and the pool's
					 * id (sysfs "id", the events)
					 */
	char name[HPOOL_NAME_MAX];	/* I */

	unsigned int nr_children;	/* T */
	unsigned int nr_children_hidden;	/* T, read with READ_ONCE() */
	unsigned int prewarm;		/* I: objects to allocate at creation */

	/* sysfs (hpool_sysfs.c) */
	bool in_sysfs;			/* I: kobj was added to sysfs */
	struct kobject *children_kobj;	/* O: creation and destroy */
	struct kernfs_node *state_kn;	/* L: for sysfs_notify_dirent() */
	struct kernfs_node *health_kn;	/* L: likewise; read under N while the
					 * pool is on hpool_notify_list
					 */

	struct device *dev;		/* T: the device of a devm pool, else NULL */

	/*
	 * HPOOL_INIT_ZEROED ends here: hpool_create_pool() zeroes what comes
	 * before and initialises what follows field by field, so that the
	 * creation of a request-scoped pool does not zero them twice.
	 */
	struct list_head children;	/* T and C: in creation order */
	rwlock_t children_lock;		/* C */
	struct list_head sibling;	/* T and C (of the parent) */
	struct work_struct prewarm_work;	/* I: queued once, at creation */
	struct list_head orphan_node;	/* T: on hpool_orphans while orphan */
	struct list_head shrink_node;	/* S: on hpool_shrink_list while alive */
	struct list_head notify_node;	/* N: on hpool_notify_list while a
					 * notification of health waits
					 */
	unsigned int shrink_surplus;	/* S: free beyond reserve, last counted */
	unsigned int shrink_util;	/* S: utilisation, likewise */
	wait_queue_head_t drain_wq;	/* its own lock: woken when state leaves
					 * DRAINING
					 */
	/* holds the pool's lifetime if in_sysfs; zeroed by hpool_sysfs_add() */
	struct kobject kobj;		/* its own refcount */
};

#define HPOOL_INIT_ZEROED	offsetof(struct hpool, children)

static inline bool hpool_is_root(const struct hpool *pool)
{
	return !pool->parent;
}

/*
 * A child that can own no object: capacity 0 and no HPOOL_F_AUTO_GROW.
 * Whatever it hands out it borrowed; its free list is empty but for a move
 * of stock into it, which takes its lock. Its CPUs borrow through it
 * without its lock (hpool_borrow_fast()), within a quota of its borrow room.
 * Read without a lock there (capacity and flags are W): a setter's fold
 * takes every quota back, so a walk that reads the old value uses none.
 */
static inline bool hpool_pure_borrower(const struct hpool *pool)
{
	return pool->parent && !READ_ONCE(pool->capacity) &&
	       !(READ_ONCE(pool->flags) & HPOOL_F_AUTO_GROW);
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

#endif /* _HPOOL_INTERNAL_H */
