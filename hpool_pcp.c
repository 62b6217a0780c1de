// SPDX-License-Identifier: GPL-2.0
/*
 * hpool's per-CPU fast path: each pool's per-CPU caches of free objects and
 * drifts of nr_in_use, folded into the pool whenever its lock is taken with
 * hpool_lock() and re-armed when it is released
 * (Documentation/hpool.rst#hpool-fast-path; the bound is described in
 * hpool_internal.h, the locks in its legend). Calls nothing of hpool's: the
 * layer above the objects.
 */

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/math.h>

#include "hpool_pcp.h"

/*
 * The idle trim's work (hpool_shrink.c, which initialises it at module init,
 * before any pool exists): queued, one period ahead, when a CPU is first
 * given objects or a quota since its last fold, and re-queued by itself
 * while some CPU holds anything. So it does not run at all while nothing is
 * cached, and a cache left idle goes back within two periods.
 */
struct delayed_work hpool_idle_work;

#ifdef CONFIG_HPOOL_DEBUG
bool hpool_test_cache_busy;
EXPORT_SYMBOL_IF_KUNIT(hpool_test_cache_busy);
#endif

static void hpool_idle_kick(void)
{
	if (!delayed_work_pending(&hpool_idle_work))
		queue_delayed_work(system_wq, &hpool_idle_work, HPOOL_IDLE_PERIOD);
}

/* Mark this CPU as holding something of @pool; under L and P. */
static void __hpool_mark_cpu(struct hpool *pool, struct hpool_pcp *pc)
{
	pool->pcp_dirty = true;
	if (!__test_and_set_bit(pc->cpu, pool->pcp_mask))
		hpool_idle_kick();
}

/* Give a CPU up to HPOOL_PCP_QUOTA_MAX of drift out of the room; under L and P. */
static void __hpool_grant(struct hpool *pool, struct hpool_pcp *pc)
{
	unsigned int grant;

	grant = min_t(unsigned int, HPOOL_PCP_QUOTA_MAX - pc->quota, pool->pcp_room);
	pc->quota += grant;
	pool->pcp_room -= grant;
}

/* Give a CPU up to HPOOL_PCP_QUOTA_MAX borrows out of the borrow room; under L and P. */
static void __hpool_bgrant(struct hpool *pool, struct hpool_pcp *pc)
{
	unsigned int grant;

	grant = min_t(unsigned int, HPOOL_PCP_QUOTA_MAX - pc->bquota, pool->pcp_broom);
	pc->bquota += grant;
	pool->pcp_broom -= grant;
}

/*
 * Bring one CPU's cache, drift, counts and quota back into the pool; under L
 * and P. Its drift stayed within its quota, so nr_in_use keeps the health
 * level it had at the last re-arm (but for a pure borrower's: see
 * hpool.rst#hpool-chain), and nr_borrowed its limit: the quotas are not
 * given back to the rooms, which stay a bound for the CPUs still out.
 */
static void __hpool_fold_cpu_locked(struct hpool *pool, struct hpool_pcp *pc)
{
	struct hpool_obj *tail;

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
	pc->quota = 0;
	if (pc->borrowed) {
		/* Not bound by a health level: computed again at the next sync. */
		pool->nr_borrowed += pc->borrowed;
		pool->nr_in_use += pc->borrowed;
		pc->borrowed = 0;
		if (!pool->health_stale) {
			WRITE_ONCE(pool->health_stale, true);
			hpool_idle_kick();
		}
	}
	pc->bquota = 0;
	pool->c.local_hits += pc->local_hits;
	pc->local_hits = 0;
	pool->c.releases += pc->releases;
	pc->releases = 0;
	pool->c.parent_borrows += pc->borrows;
	pc->borrows = 0;
	pc->seen = false;
	__clear_bit(pc->cpu, pool->pcp_mask);
}

/**
 * __hpool_fold_locked() - bring the caches, drifts, counts and quotas of the
 *	CPUs that hold any back into the pool
 * @pool: the pool, locked, with pcp_dirty set (hpool_lock() checks it: no
 *	CPU was given objects or a quota since the last fold otherwise)
 *
 * Visits only the CPUs of pool->pcp_mask: a CPU is put there when it is
 * given objects or a quota, under the pool lock, and cannot drift without a
 * quota. Turns the fast path off: it is armed again by
 * __hpool_rearm_locked().
 */
void __hpool_fold_locked(struct hpool *pool)
{
	unsigned int cpu;

	lockdep_assert_held(&pool->lock);
	pool->pcp_dirty = false;
	WRITE_ONCE(pool->pcp_armed, false);
	pool->pcp_room = 0;
	pool->pcp_broom = 0;
	for_each_set_bit(cpu, pool->pcp_mask, nr_cpu_ids) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		raw_spin_lock(&pc->lock);
		__hpool_fold_cpu_locked(pool, pc);
		raw_spin_unlock(&pc->lock);
	}
	if (pool->nr_in_use > pool->peak_in_use)
		pool->peak_in_use = pool->nr_in_use;
}

/**
 * __hpool_rearm_locked() - arm the fast path for the pool's state
 * @pool: the pool, locked, folded; one with per-CPU caches (hpool_unlock()
 *	checks)
 *
 * The room is how far nr_in_use may move, either way, and keep its health
 * level; the CPUs that restock take it in quotas, so that their drifts
 * together never cross a threshold, however many CPUs there are. Nothing
 * when the pool is not active.
 */
void __hpool_rearm_locked(struct hpool *pool)
{
	unsigned int u = pool->nr_in_use, cap = pool->capacity;
	unsigned int warn, crit, lo, hi, room;

	lockdep_assert_held(&pool->lock);
	/* No quota is out: the fold took them back, or none was given since. */
	pool->pcp_room = 0;
	pool->pcp_broom = 0;
	/*
	 * A pure borrower's room is its borrow room, while it is active and
	 * (as always but after a move of stock into it) owns no free object:
	 * this CPU, which came here from a borrow, takes its quota now.
	 */
	if (hpool_pure_borrower(pool) && !pool->dead &&
	    pool->state == HPOOL_ACTIVE && !pool->nr_free &&
	    pool->nr_borrowed < pool->borrow_limit) {
		struct hpool_pcp *pc = this_cpu_ptr(pool->pcp);

		pool->pcp_broom = pool->borrow_limit - pool->nr_borrowed;
		raw_spin_lock(&pc->lock);
		__hpool_mark_cpu(pool, pc);
		__hpool_bgrant(pool, pc);
		raw_spin_unlock(&pc->lock);
	}
	if (pool->dead || pool->state != HPOOL_ACTIVE || !cap) {
		pool->pcp_grant_here = false;
		WRITE_ONCE(pool->pcp_armed, false);
		return;
	}
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
	pool->pcp_room = room;
	WRITE_ONCE(pool->pcp_armed, room != 0);
	/* This CPU's cache was refilled under the lock: its quota comes with it. */
	if (pool->pcp_grant_here) {
		struct hpool_pcp *pc = this_cpu_ptr(pool->pcp);

		pool->pcp_grant_here = false;
		raw_spin_lock(&pc->lock);
		__hpool_grant(pool, pc);
		raw_spin_unlock(&pc->lock);
	}
}

/* Move up to HPOOL_PCP_REFILL free objects to a CPU's cache; under L and P. */
static void __hpool_refill_pc(struct hpool *pool, struct hpool_pcp *pc)
{
	struct hpool_obj *hdr;
	int i;

	for (i = 0; i < HPOOL_PCP_REFILL && pc->nr_free < HPOOL_PCP_MAX; i++) {
		hdr = __hpool_pop_locked(pool);
		if (!hdr)
			break;
		hdr->next = pc->free;
		pc->free = hdr;
		pc->nr_free++;
	}
}

/**
 * __hpool_refill_locked() - move up to HPOOL_PCP_REFILL free objects to this
 *	CPU's cache
 * @pool: the pool, locked with hpool_lock(), with per-CPU caches
 *
 * The quota to use them comes at hpool_unlock(), out of the room it
 * computes then.
 */
void __hpool_refill_locked(struct hpool *pool)
{
	struct hpool_pcp *pc;

	lockdep_assert_held(&pool->lock);
	pc = this_cpu_ptr(pool->pcp);
	raw_spin_lock(&pc->lock);
	__hpool_mark_cpu(pool, pc);
	__hpool_refill_pc(pool, pc);
	raw_spin_unlock(&pc->lock);
	pool->pcp_grant_here = true;
}

/**
 * __hpool_restock() - trade a batch between this CPU's cache and the pool,
 *	and top its quota up
 * @pool: the pool, with per-CPU caches, not locked
 * @refill: fill the cache (it was empty or out of quota), else empty it (it
 *	was full or out of quota)
 *
 * Under the plain pool lock, without a fold: only free objects and unused
 * room move, no gauge changes. Out of line: the fast path calls it only when
 * its cache ran dry, over, or out of quota.
 *
 * Return: false when the fast path is off (nothing done).
 */
bool __hpool_restock(struct hpool *pool, bool refill)
{
	struct hpool_obj *hdr;
	struct hpool_pcp *pc;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&pool->lock, flags);
	if (!pool->pcp_armed) {
		spin_unlock_irqrestore(&pool->lock, flags);
		return false;
	}
	pc = this_cpu_ptr(pool->pcp);
	raw_spin_lock(&pc->lock);
	__hpool_mark_cpu(pool, pc);
	__hpool_grant(pool, pc);
	if (refill) {
		__hpool_refill_pc(pool, pc);
	} else {
		for (i = 0; i < HPOOL_PCP_REFILL && pc->free; i++) {
			hdr = pc->free;
			pc->free = hdr->next;
			pc->nr_free--;
			__hpool_push_locked(pool, hdr);
		}
	}
	raw_spin_unlock(&pc->lock);
	spin_unlock_irqrestore(&pool->lock, flags);
	return true;
}

/**
 * hpool_pcp_bgrant() - top up this CPU's borrow quota of a pure borrower
 * @pool: the pool, with per-CPU caches, not locked
 *
 * Under the plain pool lock, as a restock: only unused borrow room moves.
 *
 * Return: whether this CPU got more quota.
 */
bool hpool_pcp_bgrant(struct hpool *pool)
{
	struct hpool_pcp *pc;
	unsigned long flags;
	int before;
	bool more;

	spin_lock_irqsave(&pool->lock, flags);
	pc = this_cpu_ptr(pool->pcp);
	raw_spin_lock(&pc->lock);
	before = pc->bquota;
	__hpool_bgrant(pool, pc);
	more = pc->bquota != before;
	if (more)
		__hpool_mark_cpu(pool, pc);
	raw_spin_unlock(&pc->lock);
	spin_unlock_irqrestore(&pool->lock, flags);
	return more;
}

/*
 * Lock this CPU's cache of the @n-th pool of a borrow chain, the child's
 * before its parent's, interrupts off: the only place where more than one
 * is held. @n is the lockdep subclass (a chain has at most HPOOL_MAX_DEPTH
 * pools). The walks take them in a loop and drop them in another, which
 * sparse cannot count: each helper balances its own context (lockdep,
 * which can, sees every one).
 */
static __always_inline void hpool_pcp_lock_chain(struct hpool_pcp *pc, int n)
{
	lockdep_assert_irqs_disabled();
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		raw_spin_lock_nested(&pc->lock, n);
	else
		arch_spin_lock(&pc->lock.raw_lock);
	__release(&pc->lock);
}

static __always_inline void hpool_pcp_unlock_chain(struct hpool_pcp *pc)
{
	__acquire(&pc->lock);
	hpool_pcp_unlock_fast(pc);
}

/**
 * hpool_borrow_fast() - borrow through pure borrowers on this CPU's caches
 * @pool: a pool with per-CPU caches whose acquire found nothing in its own
 * @short_of: set to the pool of the chain whose borrow quota ran out, if one did
 *
 * Walks up from @pool while each pool is a pure borrower with borrow quota
 * left on this CPU, to the first pool whose cache on this CPU has an object
 * and the quota to hand it out (hpool.rst#hpool-chain). That pool counts a
 * local hit and one more in use; each pool below it one more borrowed and
 * lent (its drift) and one parent_borrows: all at once, with this CPU's
 * cache of every pool of the chain locked, interrupts off. Nothing changes
 * if the walk finds no such pool.
 *
 * Return: the object, whose home is the pool that served it; or NULL.
 */
struct hpool_obj *hpool_borrow_fast(struct hpool *pool, struct hpool **short_of)
{
	struct hpool_pcp *held[HPOOL_MAX_DEPTH];
	struct hpool_obj *hdr = NULL;
	struct hpool *p = pool;
	unsigned long flags;
	int n = 0, i;

	*short_of = NULL;
	local_irq_save(flags);
	for (;;) {
		struct hpool_pcp *pc = this_cpu_ptr(p->pcp);

		hpool_pcp_lock_chain(pc, n);
		held[n++] = pc;
		hdr = __hpool_pcp_take(pc);
		if (hdr)
			break;
		if (!hpool_pure_borrower(p))
			break;
		if (pc->borrowed >= pc->bquota) {
			*short_of = p;
			break;
		}
		p = p->parent;
		if (!p->pcp)
			break;
	}
	if (hdr) {
		for (i = 0; i < n - 1; i++) {
			held[i]->borrowed++;
			held[i]->borrows++;
		}
	}
	while (n--)
		hpool_pcp_unlock_chain(held[n]);
	local_irq_restore(flags);
	return hdr;
}

/**
 * hpool_return_fast() - give an object back through pure borrowers on this
 *	CPU's caches
 * @owner: the pool that handed @hdr out, not its home
 * @hdr: the object, released
 *
 * The reverse of hpool_borrow_fast(): when every pool from @owner up to the
 * home (excluded) is a pure borrower with borrow quota left on this CPU, and
 * the home's cache on this CPU has room and quota, each of those counts one
 * fewer borrowed and lent, @owner a release, and the home's cache takes the
 * object: all at once. Nothing changes otherwise.
 *
 * Return: whether the object went back.
 */
bool hpool_return_fast(struct hpool *owner, struct hpool_obj *hdr)
{
	struct hpool_pcp *held[HPOOL_MAX_DEPTH];
	struct hpool *home = hdr->home, *p;
	unsigned long flags;
	bool done = false;
	int n = 0, i;

	local_irq_save(flags);
	for (p = owner; p && p->pcp && n < HPOOL_MAX_DEPTH; p = p->parent) {
		struct hpool_pcp *pc = this_cpu_ptr(p->pcp);

		hpool_pcp_lock_chain(pc, n);
		held[n++] = pc;
		if (p == home) {
			if (pc->nr_free < HPOOL_PCP_MAX && -pc->in_use < pc->quota) {
				hdr->next = pc->free;
				pc->free = hdr;
				pc->nr_free++;
				pc->in_use--;
				done = true;
			}
			break;
		}
		if (!hpool_pure_borrower(p) || -pc->borrowed >= pc->bquota)
			break;
	}
	if (done) {
		for (i = 0; i < n - 1; i++)
			held[i]->borrowed--;
		held[0]->releases++;
	}
	while (n--)
		hpool_pcp_unlock_chain(held[n]);
	local_irq_restore(flags);
	return done;
}

/**
 * hpool_pcp_cached() - how many free objects the per-CPU caches hold
 * @pool: the pool, with per-CPU caches, locked (plain: no fold)
 *
 * Return: the objects cached on the CPUs of pool->pcp_mask, which a fold
 * would add to nr_free.
 */
unsigned int hpool_pcp_cached(struct hpool *pool)
{
	unsigned int cpu, nr = 0;

	lockdep_assert_held(&pool->lock);
	for_each_set_bit(cpu, pool->pcp_mask, nr_cpu_ids) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		raw_spin_lock(&pc->lock);
		nr += pc->nr_free;
		raw_spin_unlock(&pc->lock);
	}
	return nr;
}

/**
 * hpool_pcp_trim_idle() - fold back the CPUs that saw no traffic for a period
 * @pool: the pool, with per-CPU caches, not locked
 *
 * A CPU of pool->pcp_mask whose local_hits and in_use are what this function
 * saw at an earlier call, HPOOL_IDLE_PERIOD or more ago, and that was not
 * folded since, had no acquire and no release for that long: its cache,
 * drift, counts and quota go back to the pool. For the others, what they
 * show now is noted, and when, if it changed. Takes the plain pool lock:
 * like a fold, it changes nr_in_use only within the health level of the
 * last re-arm, and hands no quota out.
 *
 * Return: whether some CPU still holds anything of @pool.
 */
bool hpool_pcp_trim_idle(struct hpool *pool)
{
	unsigned long flags;
	unsigned int cpu;
	bool busy;

	spin_lock_irqsave(&pool->lock, flags);
	for_each_set_bit(cpu, pool->pcp_mask, nr_cpu_ids) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		unsigned long ops;
		int drift;

		raw_spin_lock(&pc->lock);
		/* Each acquire and release made here moves one of these. */
		ops = pc->local_hits + pc->releases + pc->borrows;
		drift = pc->in_use + pc->borrowed;
		if (!pc->seen || ops != pc->seen_hits || drift != pc->seen_in_use) {
			pc->seen = true;
			pc->seen_at = jiffies;
			pc->seen_hits = ops;
			pc->seen_in_use = drift;
		} else if (time_after_eq(jiffies, pc->seen_at + HPOOL_IDLE_PERIOD)) {
			__hpool_fold_cpu_locked(pool, pc);
		}
		raw_spin_unlock(&pc->lock);
	}
	busy = !bitmap_empty(pool->pcp_mask, nr_cpu_ids);
	/*
	 * With CPUs still out, nr_in_use lacks their drifts, and a CPU that
	 * gave back what another holds (an object acquired on one, released on
	 * the other) may have left it below 0 for now: only a fold of them all
	 * gives a peak.
	 */
	if (!busy && pool->nr_in_use > pool->peak_in_use)
		pool->peak_in_use = pool->nr_in_use;
	spin_unlock_irqrestore(&pool->lock, flags);
	return busy;
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
	pool->pcp_mask = bitmap_zalloc(nr_cpu_ids, GFP_KERNEL);
	if (!pool->pcp || !pool->pcp_mask) {
		hpool_pcp_free(pool);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		raw_spin_lock_init(&pc->lock);
		pc->cpu = cpu;
	}
	return 0;
}

/**
 * hpool_pcp_free() - free a pool's per-CPU caches, which hold nothing
 * @pool: the pool, unreachable
 */
void hpool_pcp_free(struct hpool *pool)
{
	free_percpu(pool->pcp);
	pool->pcp = NULL;
	bitmap_free(pool->pcp_mask);
	pool->pcp_mask = NULL;
}
