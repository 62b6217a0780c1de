// SPDX-License-Identifier: GPL-2.0
/*
 * hpool's per-CPU fast path: each pool's per-CPU caches of free objects and
 * drifts of nr_in_use, folded into the pool whenever its lock is taken with
 * hpool_lock() and re-armed when it is released
 * (Documentation/hpool.rst#hpool-fast-path; the bound is described in
 * hpool_internal.h, the locks in its legend). Calls nothing of hpool's: the layer above the objects.
 */

#include <linux/cpumask.h>
#include <linux/math.h>

#include "hpool_pcp.h"

/**
 * __hpool_fold_locked() - bring every CPU's cache and drift into the pool
 * @pool: the pool, locked, with pcp_dirty set (hpool_lock() checks it: no
 *	cache was armed or stocked since the last fold otherwise)
 *
 * Turns the fast path off (slack 0) first: a CPU folded here can then only
 * move its drift back towards 0 until __hpool_rearm_locked().
 */
void __hpool_fold_locked(struct hpool *pool)
{
	int cpu;

	lockdep_assert_held(&pool->lock);
	pool->pcp_dirty = false;
	WRITE_ONCE(pool->pcp_slack, 0);
	for_each_possible_cpu(cpu) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
		struct hpool_obj *tail;

		raw_spin_lock(&pc->lock);
		if (pc->free) {
			/* Splice the cache on top of the free list, order kept. */
			for (tail = pc->free; tail->next; tail = tail->next)
				;
			tail->next = pool->free_list;
			pool->free_list = pc->free;
			pool->nr_free += pc->nr_free;
			pc->free = NULL;
			pc->nr_free = 0;
		}
		pool->nr_in_use += pc->in_use;
		pc->in_use = 0;
		raw_spin_unlock(&pc->lock);
	}
	if (pool->nr_in_use > pool->peak_in_use)
		pool->peak_in_use = pool->nr_in_use;
}

/**
 * __hpool_rearm_locked() - set the fast path's bound for the pool's state
 * @pool: the pool, locked, folded; one with per-CPU caches (hpool_unlock()
 *	checks)
 *
 * The slack lets every CPU drift so far that nr_in_use stays in the band of
 * values with the current health; 0 when the pool is not active.
 */
void __hpool_rearm_locked(struct hpool *pool)
{
	unsigned int u = pool->nr_in_use, cap = pool->capacity;
	unsigned int warn, crit, lo, hi, room;

	lockdep_assert_held(&pool->lock);
	if (pool->dead || pool->state != HPOOL_ACTIVE || !cap)
		return;
	/* The first nr_in_use of each health level. */
	warn = DIV_ROUND_UP_ULL((u64)cap * HPOOL_WARNING_PCT, 100);
	crit = DIV_ROUND_UP_ULL((u64)cap * HPOOL_CRITICAL_PCT, 100);
	if (u < warn) {
		lo = 0;
		hi = warn - 1;
	} else if (u < crit) {
		lo = warn;
		hi = crit - 1;
	} else {
		lo = crit;
		hi = UINT_MAX;
	}
	room = hi - u;
	if (lo)
		room = min(room, u - lo);
	room = min_t(unsigned int, room / num_possible_cpus(), HPOOL_PCP_SLACK_MAX);
	if (room) {
		pool->pcp_dirty = true;
		WRITE_ONCE(pool->pcp_slack, room);
	}
}

/**
 * __hpool_refill_locked() - move up to HPOOL_PCP_REFILL free objects to this
 *	CPU's cache
 * @pool: the pool, locked, with per-CPU caches
 */
void __hpool_refill_locked(struct hpool *pool)
{
	struct hpool_pcp *pc;
	struct hpool_obj *hdr;
	int i;

	lockdep_assert_held(&pool->lock);
	pool->pcp_dirty = true;
	pc = this_cpu_ptr(pool->pcp);
	raw_spin_lock(&pc->lock);
	for (i = 0; i < HPOOL_PCP_REFILL && pc->nr_free < HPOOL_PCP_MAX; i++) {
		hdr = __hpool_pop_locked(pool);
		if (!hdr)
			break;
		hdr->next = pc->free;
		pc->free = hdr;
		pc->nr_free++;
	}
	raw_spin_unlock(&pc->lock);
}

/**
 * __hpool_restock() - trade a batch between this CPU's cache and the pool
 * @pool: the pool, with per-CPU caches, not locked
 * @refill: fill the cache (it was empty), else empty it (it was full)
 *
 * This CPU's cache is empty (acquire) or full (release) while the fast path
 * is armed: trade a batch with the pool's free list. Under the plain pool
 * lock, without a fold: only free objects move, no gauge changes. Out of
 * line: the fast path calls it only when the cache ran dry or over.
 */
void __hpool_restock(struct hpool *pool, bool refill)
{
	struct hpool_obj *hdr;
	struct hpool_pcp *pc;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&pool->lock, flags);
	if (refill) {
		__hpool_refill_locked(pool);
	} else {
		pc = this_cpu_ptr(pool->pcp);
		raw_spin_lock(&pc->lock);
		for (i = 0; i < HPOOL_PCP_REFILL && pc->free; i++) {
			hdr = pc->free;
			pc->free = hdr->next;
			pc->nr_free--;
			__hpool_push_locked(pool, hdr);
		}
		raw_spin_unlock(&pc->lock);
	}
	spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * hpool_pcp_alloc() - give a new pool its per-CPU caches
 * @pool: the pool, not yet visible
 *
 * Return: 0 or -ENOMEM.
 */
int hpool_pcp_alloc(struct hpool *pool)
{
	int cpu;

	pool->pcp = alloc_percpu(struct hpool_pcp);
	if (!pool->pcp)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(pool->pcp, cpu)->lock);
	return 0;
}

/**
 * hpool_pcp_sum() - add the counters kept per CPU to a snapshot
 * @pool: the pool, locked (with hpool_lock()), with per-CPU caches
 * @st: the snapshot, holding the pool's own counters
 */
void hpool_pcp_sum(struct hpool *pool, struct hpool_stats *st)
{
	int cpu;

	lockdep_assert_held(&pool->lock);
	for_each_possible_cpu(cpu) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		raw_spin_lock(&pc->lock);
		st->local_hits += pc->local_hits;
		st->releases += pc->releases;
		raw_spin_unlock(&pc->lock);
	}
}
