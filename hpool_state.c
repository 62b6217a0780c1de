// SPDX-License-Identifier: GPL-2.0
/*
 * hpool pool state: lifecycle state and health, the limits and their
 * setters (each rule of Documentation/hpool.rst#hpool-setters, is checked
 * here and nowhere else), drain and activate, stats, the memory of struct
 * hpool, and the globals that the layers above share. Calls the per-CPU
 * and object layers only.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/bug.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>

#include "hpool_obj.h"
#include "hpool_state.h"
#include "hpool_trace.h"
#include "hpool_track.h"

/* Serialises changes to the shape of every tree (create, destroy, rebalance). */
DEFINE_MUTEX(hpool_topology_mutex);
LIST_HEAD(hpool_roots);
/* Prewarm, the rebalancers and the reaper run here; made at module init. */
struct workqueue_struct *hpool_wq;
/*
 * The reaper of orphans (hpool_devres.c), queued when an orphan stops:
 * static, so queueing it is safe whatever becomes of the pool. Initialised
 * by hpool_devres_init() at module init, before any pool exists.
 */
struct work_struct hpool_reap_work;

/* struct hpool has its own cache: it is just past a kmalloc size class. */
static struct kmem_cache *hpool_pool_cache;
/* Pools allocated and not yet freed: module exit waits for delayed releases. */
static atomic_t hpool_nr_live = ATOMIC_INIT(0);

const char *const hpool_state_names[] = {
	[HPOOL_STARTING] = "starting",
	[HPOOL_WARMING] = "warming",
	[HPOOL_ACTIVE] = "active",
	[HPOOL_DRAINING] = "draining",
	[HPOOL_STOPPED] = "stopped",
};

const char *const hpool_health_names[] = {
	[HPOOL_HEALTH_GOOD] = "good",
	[HPOOL_HEALTH_WARNING] = "warning",
	[HPOOL_HEALTH_CRITICAL] = "critical",
};

/* ---- state and health (under pool->lock) ---- */

/*
 * The notifications of health that wait for their period to end: a pool
 * whose health changes at every acquire and release (a borrower of capacity
 * 0, between good and critical) wakes its pollers once a period, not twice
 * an object: sysfs_notify_dirent() queues kernfs's own work each time, which
 * cost a chain of borrowers three quarters of its time (hpool.rst,
 * "Performance").
 */
static DEFINE_SPINLOCK(hpool_notify_lock);
static LIST_HEAD(hpool_notify_list);		/* N */

static void hpool_notify_workfn(struct work_struct *work)
{
	struct kernfs_node *kn;
	struct hpool *pool;
	LIST_HEAD(batch);

	/*
	 * The pools listed now: one listed again while this runs (a change
	 * after its notification) waits for the next run, a period later.
	 */
	spin_lock_irq(&hpool_notify_lock);
	list_splice_init(&hpool_notify_list, &batch);
	while ((pool = list_first_entry_or_null(&batch, struct hpool, notify_node))) {
		list_del_init(&pool->notify_node);
		/*
		 * hpool_sysfs_del() clears the node under L, then takes the
		 * pool off this list under N, then puts the node: while listed,
		 * the pool's node (if still set) is alive.
		 */
		kn = READ_ONCE(pool->health_kn);
		if (!kn)
			continue;
		sysfs_get(kn);
		spin_unlock_irq(&hpool_notify_lock);
		/* @pool may be gone from here: the hook compares it only. */
		hpool_hook(HPOOL_HOOK_NOTIFY, pool);
		sysfs_notify_dirent(kn);
		sysfs_put(kn);
		spin_lock_irq(&hpool_notify_lock);
	}
	spin_unlock_irq(&hpool_notify_lock);
}

static DECLARE_DELAYED_WORK(hpool_notify_work, hpool_notify_workfn);

/**
 * __hpool_health_changed_locked() - record and notify a new health level
 * @pool: the pool, locked
 * @health: its level now (enum hpool_health)
 *
 * The rare half of __hpool_update_locked(). Notifies at once if the last
 * notification sent at once is HPOOL_NOTIFY_LAG old or more, else queues one
 * for the end of the period (one for all the changes until then).
 */
void __hpool_health_changed_locked(struct hpool *pool, u8 health)
{
	struct kernfs_node *kn = pool->health_kn;
	unsigned long now = jiffies;

	lockdep_assert_held(&pool->lock);
	pool->health = health;
	if (!kn)
		return;
	if (time_after_eq(now, pool->health_notified_at + HPOOL_NOTIFY_LAG)) {
		pool->health_notified_at = now;
		hpool_hook(HPOOL_HOOK_NOTIFY, pool);
		/* sysfs_notify_dirent() does not sleep: fine from any context. */
		sysfs_notify_dirent(kn);
		return;
	}
	spin_lock(&hpool_notify_lock);
	if (list_empty(&pool->notify_node)) {
		list_add_tail(&pool->notify_node, &hpool_notify_list);
		/* Pending already: it runs sooner, for this pool too. */
		queue_delayed_work(system_wq, &hpool_notify_work, HPOOL_NOTIFY_LAG);
	}
	spin_unlock(&hpool_notify_lock);
}

/**
 * hpool_notify_cancel() - forget a pool's waiting notification of health
 * @pool: a pool leaving sysfs, its health_kn cleared already
 */
void hpool_notify_cancel(struct hpool *pool)
{
	spin_lock_irq(&hpool_notify_lock);
	list_del_init(&pool->notify_node);
	spin_unlock_irq(&hpool_notify_lock);
}

/**
 * hpool_notify_settled() - whether a pool's notification of health was sent
 * @pool: the pool
 *
 * For the tests: false while @pool waits for the notification work, and
 * until a run of that work that has taken it off the list has returned.
 * May sleep.
 *
 * Return: true when no notification of @pool is waiting or being sent.
 */
bool hpool_notify_settled(struct hpool *pool)
{
	bool listed;

	spin_lock_irq(&hpool_notify_lock);
	listed = !list_empty(&pool->notify_node);
	spin_unlock_irq(&hpool_notify_lock);
	if (listed)
		return false;
	/* A run that has taken it off the list may not have sent it yet. */
	flush_work(&hpool_notify_work.work);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_notify_settled);

/**
 * hpool_notify_exit() - wait for the notification work (module exit: no
 *	pool is left, so none waits)
 */
void hpool_notify_exit(void)
{
	cancel_delayed_work_sync(&hpool_notify_work);
}

/**
 * __hpool_set_state_locked() - change a pool's state and tell who waits
 * @pool: the pool, locked
 * @state: the new state
 */
void __hpool_set_state_locked(struct hpool *pool, enum hpool_state state)
{
	lockdep_assert_held(&pool->lock);
	if (pool->state == state)
		return;
	trace_hpool_state_change(pool, pool->state, state);
	WRITE_ONCE(pool->state, state);
	if (pool->state_kn)
		sysfs_notify_dirent(pool->state_kn);
	/* Pairs with the barrier of the waiter's set_current_state(). */
	if (wq_has_sleeper(&pool->drain_wq))
		wake_up_all(&pool->drain_wq);
	/* The reaper is static: queueing it is safe whatever becomes of @pool. */
	if (state == HPOOL_STOPPED && pool->orphan)
		queue_work(hpool_wq, &hpool_reap_work);
}

/* ---- limits and their setters ---- */

/**
 * hpool_give_back() - free a pool's surplus free objects to the slab
 * @pool: the pool
 * @keep: the charge to bring @pool down to, at most (0: no such bound)
 * @floor: the free objects to leave on its free list, at least
 * @max: the most objects to free
 * @shrunk: count them in shrunk too (the shrinker frees them)
 *
 * Under hpool_lock(): the per-CPU caches are folded in first, so their
 * objects count. Every object freed counts in frees.
 *
 * Return: how many objects went back to the slab.
 */
unsigned int hpool_give_back(struct hpool *pool, unsigned int keep,
			     unsigned int floor, unsigned int max, bool shrunk)
{
	struct hpool_obj *list = NULL, *hdr;
	unsigned int nr = 0, charged;
	unsigned long flags;

	hpool_lock(pool, &flags);
	charged = atomic_read(&pool->nr_objects);
	while (nr < max && charged - nr > keep && pool->nr_free > floor &&
	       (hdr = __hpool_pop_locked(pool))) {
		hdr->next = list;
		list = hdr;
		nr++;
	}
	pool->c.frees += nr;
	if (shrunk)
		pool->c.shrunk += nr;
	hpool_unlock(pool, flags);

	if (nr) {
		hpool_uncharge(pool, NULL, nr);
		hpool_free_objs(pool, list);
	}
	return nr;
}

enum hpool_tunable {
	HPOOL_T_CAPACITY, HPOOL_T_RESERVE, HPOOL_T_BORROW_LIMIT, HPOOL_T_PRIO,
	HPOOL_T_AUTO_GROW,
};

/* A tunable's rule, then its new value; nothing changes on an error. */
static int hpool_set_locked(struct hpool *pool, enum hpool_tunable t,
			    unsigned int val)
{
	bool root = hpool_is_root(pool);
	int ret = -EINVAL;

	lockdep_assert_held(&pool->lock);
	switch (t) {
	case HPOOL_T_CAPACITY:
		ret = hpool_rule_reserve(pool->reserve, val);
		if (!ret && val < atomic_read(&pool->nr_objects) - pool->nr_free)
			ret = -EBUSY;
		if (!ret) {
			WRITE_ONCE(pool->capacity, val);
			__hpool_update_locked(pool);
		}
		break;
	case HPOOL_T_RESERVE:
		ret = hpool_rule_reserve(val, pool->capacity);
		if (!ret)
			WRITE_ONCE(pool->reserve, val);
		break;
	case HPOOL_T_BORROW_LIMIT:
		/* A root borrows from nobody: it has no limit to change, not even to 0. */
		ret = hpool_rule_child_only(root);
		if (!ret)
			WRITE_ONCE(pool->borrow_limit, val);
		break;
	case HPOOL_T_PRIO:
		ret = hpool_rule_prio((int)val);
		if (!ret)
			WRITE_ONCE(pool->prio, (int)val);
		break;
	case HPOOL_T_AUTO_GROW:
		ret = hpool_rule_auto_grow(root, val);
		if (!ret)
			WRITE_ONCE(pool->flags, val ? pool->flags | HPOOL_F_AUTO_GROW :
					       pool->flags & ~HPOOL_F_AUTO_GROW);
		break;
	}
	return ret;
}

/*
 * The one body of the setters, under the pool's lock (which hpool_set_capacity()
 * and hpool_set_reserve() check each other's value under): -EINVAL for NULL
 * (warned once), -ENODEV for a pool whose destruction has begun.
 */
static int hpool_set(struct hpool *pool, enum hpool_tunable t, unsigned int val)
{
	unsigned long flags;
	int ret;

	if (WARN_ON_ONCE(!pool))
		return -EINVAL;
	hpool_lock(pool, &flags);
	ret = pool->dead ? -ENODEV : hpool_set_locked(pool, t, val);
	hpool_unlock(pool, flags);
	return ret;
}

/**
 * hpool_set_capacity() - change a pool's capacity
 * @pool: the pool
 * @capacity: the new bound on the objects charged to its subtree
 *
 * Free objects beyond the new capacity go back to the slab (counted in
 * frees). See :ref:`hpool-setters`.
 *
 * Context: any context.
 * Return: 0; -EINVAL below the reserve or for a NULL pool; -EBUSY below what
 * its subtree has in use (nr_objects - nr_free); -ENODEV once its
 * destruction has begun. Nothing changes on an error.
 */
int hpool_set_capacity(struct hpool *pool, unsigned int capacity)
{
	int ret = hpool_set(pool, HPOOL_T_CAPACITY, capacity);

	if (!ret)
		hpool_trim(pool, capacity);
	return ret;
}
EXPORT_SYMBOL_GPL(hpool_set_capacity);

/**
 * hpool_set_reserve() - change how many free objects a pool keeps
 * @pool: the pool
 * @reserve: free objects that no steal, reclaim or rebalance takes
 *
 * See :ref:`hpool-setters`.
 *
 * Context: any context.
 * Return: 0; -EINVAL above the capacity or for a NULL pool; -ENODEV once
 * its destruction has begun.
 */
int hpool_set_reserve(struct hpool *pool, unsigned int reserve)
{
	return hpool_set(pool, HPOOL_T_RESERVE, reserve);
}
EXPORT_SYMBOL_GPL(hpool_set_reserve);

/**
 * hpool_set_borrow_limit() - change how much a child may borrow
 * @pool: the child
 * @limit: the most objects it may have borrowed from its parent
 *
 * Objects borrowed beyond a lowered limit stay borrowed until released.
 * See :ref:`hpool-setters`.
 *
 * Context: any context.
 * Return: 0; -EINVAL on a root (whatever @limit) or a NULL pool; -ENODEV
 * once its destruction has begun.
 */
int hpool_set_borrow_limit(struct hpool *pool, unsigned int limit)
{
	return hpool_set(pool, HPOOL_T_BORROW_LIMIT, limit);
}
EXPORT_SYMBOL_GPL(hpool_set_borrow_limit);

/**
 * hpool_set_prio() - change a pool's priority against stealing
 * @pool: the pool
 * @prio: its new priority
 *
 * See :ref:`hpool-setters` and :ref:`hpool-stealing`.
 *
 * Context: any context.
 * Return: 0; -EINVAL for a priority out of range or a NULL pool; -ENODEV
 * once its destruction has begun.
 */
int hpool_set_prio(struct hpool *pool, enum hpool_prio prio)
{
	return hpool_set(pool, HPOOL_T_PRIO, (unsigned int)prio);
}
EXPORT_SYMBOL_GPL(hpool_set_prio);

/**
 * hpool_set_auto_grow() - let a child allocate past its own capacity, or not
 * @pool: the child
 * @on: whether it may (HPOOL_F_AUTO_GROW)
 *
 * See :ref:`hpool-setters` and :ref:`hpool-acquire`.
 *
 * Context: any context.
 * Return: 0; -EINVAL to turn it on for a root, or for a NULL pool; -ENODEV
 * once its destruction has begun.
 */
int hpool_set_auto_grow(struct hpool *pool, bool on)
{
	return hpool_set(pool, HPOOL_T_AUTO_GROW, on);
}
EXPORT_SYMBOL_GPL(hpool_set_auto_grow);

/* ---- lifecycle states ---- */

/**
 * hpool_drain() - stop a pool from handing out objects and wait for them
 * @pool: the pool
 * @timeout: jiffies to wait for nr_in_use to reach 0 (0: do not wait)
 *
 * The pool becomes draining: acquisitions on it and borrows from it fail,
 * releases go on. It becomes stopped when nothing is in use. Draining a
 * warming pool stops its prewarm.
 *
 * Context: process context; sleeps if @timeout is not 0.
 * Return: 0 when stopped; -ETIMEDOUT (still draining) on timeout;
 * -ECANCELED when hpool_activate() ended the drain; -EINVAL on a NULL pool.
 */
int hpool_drain(struct hpool *pool, long timeout)
{
	enum hpool_state state;
	unsigned long flags;

	if (WARN_ON_ONCE(!pool))
		return -EINVAL;
	if (timeout)
		might_sleep();

	hpool_lock(pool, &flags);
	if (pool->state == HPOOL_ACTIVE || pool->state == HPOOL_WARMING ||
	    pool->state == HPOOL_STARTING)
		__hpool_set_state_locked(pool, HPOOL_DRAINING);
	if (pool->state == HPOOL_DRAINING && !pool->nr_in_use)
		__hpool_set_state_locked(pool, HPOOL_STOPPED);
	state = pool->state;
	hpool_unlock(pool, flags);

	if (state == HPOOL_DRAINING && timeout)
		wait_event_timeout(pool->drain_wq,
				   READ_ONCE(pool->state) != HPOOL_DRAINING, timeout);

	switch (READ_ONCE(pool->state)) {
	case HPOOL_STOPPED:
		return 0;
	case HPOOL_DRAINING:
		if (timeout)
			hpool_report_in_use(pool, "drain timed out");
		return -ETIMEDOUT;
	default:
		return -ECANCELED;
	}
}
EXPORT_SYMBOL_GPL(hpool_drain);

/**
 * hpool_activate() - put a draining or stopped pool back to work
 * @pool: the pool
 *
 * A hpool_drain() waiting on @pool returns -ECANCELED.
 *
 * Context: any context.
 * Return: 0 (also when already active); -EBUSY while starting or warming;
 * -EINVAL on a NULL pool.
 */
int hpool_activate(struct hpool *pool)
{
	unsigned long flags;
	int ret = 0;

	if (WARN_ON_ONCE(!pool))
		return -EINVAL;
	hpool_lock(pool, &flags);
	if (pool->state == HPOOL_STARTING || pool->state == HPOOL_WARMING)
		ret = -EBUSY;
	else
		__hpool_set_state_locked(pool, HPOOL_ACTIVE);
	hpool_unlock(pool, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(hpool_activate);

/**
 * hpool_state() - the state of a pool
 * @pool: the pool
 *
 * Context: any context.
 * Return: its &enum hpool_state (a snapshot); HPOOL_STOPPED for a NULL pool.
 */
enum hpool_state hpool_state(const struct hpool *pool)
{
	if (WARN_ON_ONCE(!pool))
		return HPOOL_STOPPED;
	return READ_ONCE(pool->state);
}
EXPORT_SYMBOL_GPL(hpool_state);

/**
 * hpool_report_in_use() - say who holds a pool's objects, if any are out
 * @pool: a pool that cannot be destroyed, drained or reaped
 * @what: what could not be done
 *
 * Ratelimited (Documentation/hpool.rst#hpool-debugging).
 *
 * Context: process context, may sleep.
 */
void hpool_report_in_use(struct hpool *pool, const char *what)
{
	unsigned long flags;
	unsigned int nr;

	hpool_lock(pool, &flags);
	nr = pool->nr_in_use;
	hpool_unlock(pool, flags);
	if (nr)
		hpool_track_report(pool, what, nr);
}

/* ---- stats ---- */

/**
 * hpool_health_sync() - compute and notify a pool's health after a fold
 *	moved a pure borrower's nr_in_use (the idle trim calls it)
 * @pool: the pool
 */
void hpool_health_sync(struct hpool *pool)
{
	unsigned long flags;

	hpool_lock(pool, &flags);
	__hpool_health_sync_locked(pool);
	hpool_unlock(pool, flags);
}

/**
 * hpool_read_stats() - snapshot a pool's counters and gauges
 * @pool: the pool
 * @st: where to write them
 */
void hpool_read_stats(struct hpool *pool, struct hpool_stats *st)
{
	unsigned long flags;

	/* One block: the layouts match (static_assert()s in hpool_internal.h). */
	hpool_lock(pool, &flags);
	__hpool_health_sync_locked(pool);
	memcpy(st, &pool->c, sizeof(pool->c));
	st->nr_free = pool->nr_free;
	st->nr_in_use = pool->nr_in_use;
	st->nr_borrowed = pool->nr_borrowed;
	st->peak_in_use = pool->peak_in_use;
	st->nr_objects = atomic_read(&pool->nr_objects);
	hpool_unlock(pool, flags);
}

/**
 * hpool_get_stats() - read a pool's statistics
 * @pool: the pool
 * @st: filled with a snapshot of its counters and gauges
 *
 * The numbers are exact once no acquire or release is running.
 *
 * Context: any context.
 */
void hpool_get_stats(struct hpool *pool, struct hpool_stats *st)
{
	if (WARN_ON_ONCE(!pool || !st))
		return;
	hpool_read_stats(pool, st);
}
EXPORT_SYMBOL_GPL(hpool_get_stats);

/* ---- the memory of struct hpool ---- */

/**
 * hpool_pool_cache_init() - make the cache of struct hpool
 *
 * Return: 0 or -ENOMEM.
 */
int hpool_pool_cache_init(void)
{
	hpool_pool_cache = KMEM_CACHE(hpool, SLAB_HWCACHE_ALIGN);
	return hpool_pool_cache ? 0 : -ENOMEM;
}

/**
 * hpool_pool_cache_exit() - destroy it, once every pool is freed
 *
 * kobject releases may be delayed (DEBUG_KOBJECT_RELEASE): waits for them.
 */
void hpool_pool_cache_exit(void)
{
	wait_var_event(&hpool_nr_live, !atomic_read(&hpool_nr_live));
	kmem_cache_destroy(hpool_pool_cache);
}

/**
 * hpool_pool_alloc() - allocate a struct hpool, not zeroed
 *
 * Not kmem_cache_zalloc(): the creator zeroes what it does not set field by
 * field (HPOOL_INIT_ZEROED).
 *
 * Return: the pool, or NULL.
 */
struct hpool *hpool_pool_alloc(void)
{
	struct hpool *pool = kmem_cache_alloc(hpool_pool_cache, GFP_KERNEL);

	if (pool)
		atomic_inc(&hpool_nr_live);
	return pool;
}

/**
 * hpool_free_pool() - free a pool that nothing can reach
 * @pool: the pool, unlinked (or never linked), without a sysfs directory or
 *	past its kobject's release
 *
 * A root's tree goes with it.
 */
void hpool_free_pool(struct hpool *pool)
{
	if (hpool_is_root(pool) && pool->tree) {
		hpool_track_tree_exit(pool->tree);
		kfree(pool->tree);
	}
	/* Unlinked under its parent's children_lock: no walker can reach it. */
	if (pool->pcp)
		hpool_pcp_free(pool);
	kmem_cache_free(hpool_pool_cache, pool);
	if (atomic_dec_and_test(&hpool_nr_live))
		wake_up_var(&hpool_nr_live);
}

/* ---- CPU hotplug ---- */

static enum cpuhp_state hpool_cpuhp_state;

/* Fold and re-arm every pool of @pool's subtree that has per-CPU caches. */
static void hpool_refold_subtree(struct hpool *pool)
{
	struct hpool *child;
	unsigned long flags;

	if (pool->pcp) {
		hpool_lock(pool, &flags);
		hpool_unlock(pool, flags);
	}
	hpool_for_each_child(child, pool)
		hpool_refold_subtree(child);
}

/*
 * Once a CPU is dead (on the CPU that took it down): its caches, drifts,
 * counts and quotas go back to their pools at once
 * (Documentation/hpool.rst#hpool-fast-path). One that comes up starts with
 * nothing: it was folded when it went, or never used.
 */
static int hpool_cpu_dead(unsigned int cpu)
{
	struct hpool *root;

	mutex_lock(&hpool_topology_mutex);
	list_for_each_entry(root, &hpool_roots, sibling)
		hpool_refold_subtree(root);
	mutex_unlock(&hpool_topology_mutex);
	return 0;
}

/**
 * hpool_cpuhp_init() - follow CPU hotplug, before any pool exists
 *
 * Return: 0, or the error of cpuhp_setup_state_nocalls().
 */
int hpool_cpuhp_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "hpool:dead",
					NULL, hpool_cpu_dead);
	if (ret < 0)
		return ret;
	hpool_cpuhp_state = ret;
	return 0;
}

/**
 * hpool_cpuhp_exit() - stop following CPU hotplug
 */
void hpool_cpuhp_exit(void)
{
	cpuhp_remove_state_nocalls(hpool_cpuhp_state);
}
