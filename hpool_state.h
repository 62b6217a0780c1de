/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pool's state, health, limits and stats (hpool_state.c), the rules of its
 * tunables, and the globals every layer above shares. Inline helpers call
 * only hpool_state.c and the layers below.
 */
#ifndef _HPOOL_STATE_H
#define _HPOOL_STATE_H

#include "hpool_internal.h"
#include "hpool_pcp.h"

extern struct mutex hpool_topology_mutex;
extern struct list_head hpool_roots;		/* T */
extern struct workqueue_struct *hpool_wq;
extern struct work_struct hpool_reap_work;
extern const char *const hpool_state_names[];
extern const char *const hpool_health_names[];

/*
 * A pool's children list, to walk holding the topology mutex or the pool's
 * children_lock (legend: T, C), as lockdep checks.
 */
static inline struct list_head *hpool_children(struct hpool *parent)
{
	lockdep_assert(lockdep_is_held(&hpool_topology_mutex) ||
		       lockdep_is_held(&parent->children_lock));
	return &parent->children;
}

/* Walk the children of @parent in creation order (see hpool_children()). */
#define hpool_for_each_child(child, parent)				\
	list_for_each_entry(child, hpool_children(parent), sibling)

/*
 * The rules of the tunables (Documentation/hpool.rst#hpool-setters), each
 * written once: hpool_create()'s check of its parameters and the setters
 * below (which the sysfs stores call) use them. 0 or -EINVAL.
 */
static inline int hpool_rule_reserve(unsigned int reserve, unsigned int capacity)
{
	return reserve <= capacity ? 0 : -EINVAL;
}

/* Roots borrow from nobody: a root is created with no limit, and has none to change. */
static inline int hpool_rule_borrow_limit(bool root, unsigned int limit)
{
	return root && limit ? -EINVAL : 0;
}

static inline int hpool_rule_child_only(bool root)
{
	return root ? -EINVAL : 0;
}

/* Roots cannot grow past their capacity: it is the tree's bound. */
static inline int hpool_rule_auto_grow(bool root, bool on)
{
	return root && on ? -EINVAL : 0;
}

static inline int hpool_rule_prio(int prio)
{
	return prio >= HPOOL_PRIO_LOW && prio <= HPOOL_PRIO_CRITICAL ? 0 : -EINVAL;
}

/* The rebalancer belongs to a tree: its tunables are set on the root. */
static inline int hpool_rule_root_only(bool root)
{
	return root ? 0 : -EINVAL;
}

/* A utilisation in percent. */
static inline int hpool_rule_threshold(unsigned int pct)
{
	return pct <= 100 ? 0 : -EINVAL;
}

/*
 * Health is notified at once, unless it was less than HPOOL_NOTIFY_LAG ago:
 * then once when that period ends, for every change since
 * (Documentation/hpool.rst#hpool-health-lag). 10 ms, at least a tick.
 */
#define HPOOL_NOTIFY_LAG	(HZ / 100 ? HZ / 100 : 1)

void __hpool_health_changed_locked(struct hpool *pool, u8 health);
void hpool_notify_cancel(struct hpool *pool);
bool hpool_notify_settled(struct hpool *pool);	/* for the tests */
void hpool_notify_exit(void);
void __hpool_set_state_locked(struct hpool *pool, enum hpool_state state);

/* A pool that serves acquisitions and borrows. */
static __always_inline bool hpool_accepts_locked(const struct hpool *pool)
{
	lockdep_assert_held(&pool->lock);
	return !pool->dead &&
	       (pool->state == HPOOL_ACTIVE || pool->state == HPOOL_WARMING);
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

unsigned int hpool_give_back(struct hpool *pool, unsigned int keep,
			     unsigned int floor, unsigned int max, bool shrunk);

/* Free surplus free objects until the pool's charge is @keep, if it can. */
static inline unsigned int hpool_trim(struct hpool *pool, unsigned int keep)
{
	return hpool_give_back(pool, keep, 0, UINT_MAX, false);
}

/* After a fold moved a pure borrower's nr_in_use: health, exact again. */
static __always_inline void __hpool_health_sync_locked(struct hpool *pool)
{
	if (unlikely(pool->health_stale)) {
		WRITE_ONCE(pool->health_stale, false);
		__hpool_update_locked(pool);
	}
}

void hpool_health_sync(struct hpool *pool);
void hpool_report_in_use(struct hpool *pool, const char *what);
void hpool_read_stats(struct hpool *pool, struct hpool_stats *st);

int hpool_cpuhp_init(void);
void hpool_cpuhp_exit(void);
int hpool_pool_cache_init(void);
void hpool_pool_cache_exit(void);
struct hpool *hpool_pool_alloc(void);
void hpool_free_pool(struct hpool *pool);

#endif /* _HPOOL_STATE_H */
