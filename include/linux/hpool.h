/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool: hierarchical object pools on a kmem_cache.
 *
 * A tree of pools hands out fixed-size objects. A child borrows free objects
 * from its parent under a borrow limit, every pool has a capacity that bounds
 * the objects charged to its whole subtree, and objects go back to their home
 * pool on release. See Documentation/hpool.rst for the model.
 */
#ifndef _LINUX_HPOOL_H
#define _LINUX_HPOOL_H

#include <linux/gfp.h>
#include <linux/types.h>

struct device;
struct hpool;

/**
 * enum hpool_prio - priority of a pool or of a request
 * @HPOOL_PRIO_LOW: stolen from first
 * @HPOOL_PRIO_NORMAL: the default (zero-initialised params)
 * @HPOOL_PRIO_HIGH: above normal
 * @HPOOL_PRIO_CRITICAL: may steal from every other priority
 */
enum hpool_prio {
	HPOOL_PRIO_LOW = -1,
	HPOOL_PRIO_NORMAL = 0,
	HPOOL_PRIO_HIGH,
	HPOOL_PRIO_CRITICAL,
};

/**
 * enum hpool_state - lifecycle state of a pool
 * @HPOOL_STARTING: being set up
 * @HPOOL_WARMING: pre-allocating its @prewarm objects; acquire works
 * @HPOOL_ACTIVE: serving requests
 * @HPOOL_DRAINING: refusing acquisitions and borrows, waiting for releases
 * @HPOOL_STOPPED: drained, nothing in use
 */
enum hpool_state {
	HPOOL_STARTING,
	HPOOL_WARMING,
	HPOOL_ACTIVE,
	HPOOL_DRAINING,
	HPOOL_STOPPED,
};

#define HPOOL_F_AUTO_GROW	0x1	/* children: allocate past own capacity */
#define HPOOL_F_NO_SYSFS	0x2	/* no sysfs directory: request-scoped pools */
#define HPOOL_MAX_DEPTH		8
#define HPOOL_NAME_MAX		32	/* including the NUL */

/**
 * struct hpool_params - how to create a pool
 * @name: [A-Za-z0-9_.-]+, at most HPOOL_NAME_MAX - 1 characters, unique
 *	among siblings, not "." or ".."
 * @obj_size: roots only: size of the caller's object; children inherit
 * @align: roots only: alignment of the caller's object; 0 = default
 * @capacity: most objects charged to the pool's subtree
 * @borrow_limit: children only: most objects borrowed from the parent
 * @reserve: free objects never stolen or reclaimed (<= @capacity)
 * @prewarm: objects allocated at creation by a work item (<= @capacity)
 * @prio: priority against stealing; zero-initialised params get NORMAL
 * @rebalance_interval_ms: roots only: period of the rebalancer; 0 = off
 * @rebalance_threshold: roots only: hot/cool utilisation, percent; 0 = 80
 * @flags: HPOOL_F_*
 * @ctor: roots only: kmem_cache constructor, once per slab object
 * @reset: roots only: called on every release
 */
struct hpool_params {
	const char *name;
	size_t obj_size;
	size_t align;
	unsigned int capacity;
	unsigned int borrow_limit;
	unsigned int reserve;
	unsigned int prewarm;
	enum hpool_prio prio;
	unsigned int rebalance_interval_ms;
	unsigned int rebalance_threshold;
	unsigned int flags;
	void (*ctor)(void *obj);
	void (*reset)(void *obj);
};

/**
 * struct hpool_stats - a snapshot of one pool; counters never go backwards
 * @local_hits: acquisitions (and borrows served) from the own free list
 * @parent_borrows: objects borrowed from the parent
 * @allocations: objects taken from the slab (acquire, grow, prewarm)
 * @frees: objects given back to the slab
 * @releases: successful hpool_release() calls on this pool
 * @grows: allocations past the pool's own capacity (auto-grow)
 * @steals: objects stolen from children
 * @stolen: objects stolen from this pool by its parent
 * @distributed_in: objects received from the parent by hpool_distribute()
 * @reclaimed_out: objects given to the parent by hpool_reclaim()
 * @rebalanced_in: objects received from a sibling by the rebalancer
 * @rebalanced_out: objects given to a sibling by the rebalancer
 * @fail_limit: acquisitions that failed on a limit
 * @fail_nomem: acquisitions that failed in the slab allocator
 * @fail_state: acquisitions refused by the pool's state
 * @bad_releases: releases through the wrong pool, double or foreign
 * @shrunk: free objects given back to the slab under memory pressure (the
 *	shrinker); they count in @frees too
 * @nr_objects: objects charged to the pool (its subtree)
 * @nr_free: objects on its own free list
 * @nr_in_use: objects handed out by it (or lent to its children)
 * @nr_borrowed: objects borrowed from its parent and not yet returned
 * @peak_in_use: highest @nr_in_use seen
 */
struct hpool_stats {
	unsigned long local_hits, parent_borrows, allocations, frees, releases, grows;
	unsigned long steals, stolen, distributed_in, reclaimed_out, rebalanced_in, rebalanced_out;
	unsigned long fail_limit, fail_nomem, fail_state, bad_releases, shrunk;
	unsigned int nr_objects, nr_free, nr_in_use, nr_borrowed, peak_in_use;
};

struct hpool *hpool_create(const struct hpool_params *p);
struct hpool *hpool_create_child(struct hpool *parent, const struct hpool_params *p);
int hpool_destroy(struct hpool *pool);
void *hpool_acquire(struct hpool *pool, gfp_t gfp);
void *hpool_acquire_prio(struct hpool *pool, enum hpool_prio prio, gfp_t gfp);
void hpool_release(struct hpool *pool, void *obj);
unsigned int hpool_distribute(struct hpool *pool, unsigned int nr);
unsigned int hpool_reclaim(struct hpool *pool);
void hpool_rebalance(struct hpool *root);
int hpool_drain(struct hpool *pool, long timeout);
int hpool_activate(struct hpool *pool);
enum hpool_state hpool_state(const struct hpool *pool);
void hpool_get_stats(struct hpool *pool, struct hpool_stats *st);

/* Tunables, with the rules of their sysfs files (hpool.rst#hpool-setters). */
int hpool_set_capacity(struct hpool *pool, unsigned int capacity);
int hpool_set_reserve(struct hpool *pool, unsigned int reserve);
int hpool_set_borrow_limit(struct hpool *pool, unsigned int limit);
int hpool_set_prio(struct hpool *pool, enum hpool_prio prio);
int hpool_set_auto_grow(struct hpool *pool, bool on);
int hpool_set_rebalance_interval(struct hpool *root, unsigned int ms);
int hpool_set_rebalance_threshold(struct hpool *root, unsigned int pct);

struct hpool *devm_hpool_create(struct device *dev, const struct hpool_params *p);
struct hpool *devm_hpool_create_child(struct device *dev, struct hpool *parent,
				      const struct hpool_params *p);
int devm_hpool_destroy(struct device *dev, struct hpool *pool);

#endif /* _LINUX_HPOOL_H */
