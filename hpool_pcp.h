/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU fast path and the pool lock (hpool_pcp.c): what every layer
 * above uses to take a pool's lock, move free objects on and off its free
 * list, and reach this CPU's cache. Inline helpers call only hpool_pcp.c.
 *
 * Everything here runs on every acquire and release, including the borrows
 * of a request-scoped child: __always_inline, as the kernel's -Os builds
 * would make each a call.
 */
#ifndef _HPOOL_PCP_H
#define _HPOOL_PCP_H

#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

#include "hpool_internal.h"

void __hpool_fold_locked(struct hpool *pool);	/* only if pool->pcp_dirty */
void __hpool_rearm_locked(struct hpool *pool);	/* only if pool->pcp */
void __hpool_refill_locked(struct hpool *pool);
bool __hpool_restock(struct hpool *pool, bool refill);
unsigned int hpool_pcp_cached(struct hpool *pool);
bool hpool_pcp_bgrant(struct hpool *pool);
struct hpool_obj *hpool_borrow_fast(struct hpool *pool, struct hpool **short_of);
bool hpool_return_fast(struct hpool *owner, struct hpool_obj *hdr);
bool hpool_pcp_trim_idle(struct hpool *pool);

/* The idle trim: a cache idle for a period (to two) goes back to its pool. */
#define HPOOL_IDLE_PERIOD	HZ
extern struct delayed_work hpool_idle_work;
int hpool_pcp_alloc(struct hpool *pool);
void hpool_pcp_free(struct hpool *pool);

/*
 * Take a pool's lock for anything but a fast-path operation: the per-CPU
 * caches are folded in first, so the pool's fields are exact under it, and
 * the fast path is re-armed for the new state on unlock (the legend in
 * hpool_internal.h, L, says when the lock may be taken without them).
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

/*
 * The fast path runs with interrupts off (local_irq_save(): hard interrupts,
 * on PREEMPT_RT too, where it takes no sleeping lock), on this CPU's cache.
 * It takes the cache's lock at the arch level, without the preempt-count
 * updates and the out-of-line calls of raw_spin_lock(), which interrupts
 * being off makes redundant (measured with make bench: a root's local hit
 * went from 1.08x to 0.56x kmem_cache). With lockdep (the test kernels) it
 * takes it with raw_spin_lock(), so that lockdep sees the fast path too;
 * everyone else always does.
 */
static __always_inline void hpool_pcp_lock_fast(struct hpool_pcp *pc)
	__acquires(&pc->lock)
{
	lockdep_assert_irqs_disabled();
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		raw_spin_lock(&pc->lock);
	else
		arch_spin_lock(&pc->lock.raw_lock);
}

#ifdef CONFIG_HPOOL_DEBUG
/* Test build: KUnit makes every try fail (hpool_pcp_kunit, hpc_cache_busy). */
extern bool hpool_test_cache_busy;
static __always_inline bool hpool_pcp_test_busy(void)
{
	return READ_ONCE(hpool_test_cache_busy);
}
#else
static __always_inline bool hpool_pcp_test_busy(void) { return false; }
#endif

/*
 * As hpool_pcp_lock_fast(), for the one-object fast path: false when another
 * CPU holds the lock (a fold), and the caller takes the slow path instead of
 * waiting. Never waiting means the fast path makes no call but its last (the
 * contended lock's would be one), so it keeps nothing in callee-saved
 * registers and has no frame (hpool.rst#hpool-performance).
 */
static __always_inline bool hpool_pcp_trylock_fast(struct hpool_pcp *pc)
	__cond_acquires(&pc->lock)
{
	lockdep_assert_irqs_disabled();
	if (hpool_pcp_test_busy())
		return false;
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		return raw_spin_trylock(&pc->lock);
	return arch_spin_trylock(&pc->lock.raw_lock);
}

static __always_inline void hpool_pcp_unlock_fast(struct hpool_pcp *pc)
	__releases(&pc->lock)
{
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		raw_spin_unlock(&pc->lock);
	else
		arch_spin_unlock(&pc->lock.raw_lock);
}

/* Take an object from a locked cache, if it has one and the quota; a hit. */
static __always_inline struct hpool_obj *__hpool_pcp_take(struct hpool_pcp *pc)
{
	struct hpool_obj *hdr = NULL;

	if (pc->free && pc->in_use < pc->quota) {
		hdr = pc->free;
		pc->free = hdr->next;
		pc->nr_free--;
		pc->in_use++;
		pc->local_hits++;
	}
	return hdr;
}

/* Take an object from this CPU's cache of @pool; interrupts are off. */
static __always_inline struct hpool_obj *__hpool_get_fast(struct hpool *pool)
{
	struct hpool_obj *hdr;
	struct hpool_pcp *pc;

	pc = this_cpu_ptr(pool->pcp);
	if (!hpool_pcp_trylock_fast(pc))
		return NULL;
	hdr = __hpool_pcp_take(pc);
	hpool_pcp_unlock_fast(pc);
	return hdr;
}

static __always_inline struct hpool_obj *hpool_get_fast(struct hpool *pool)
{
	struct hpool_obj *hdr;
	unsigned long flags;

	if (!pool->pcp)
		return NULL;
	local_irq_save(flags);
	hdr = __hpool_get_fast(pool);
	local_irq_restore(flags);
	return hdr;
}

/*
 * Put @hdr, whose home is @pool, in this CPU's cache; interrupts are off.
 * @release: count it in @pool's releases (a release made on @pool, not the
 * end of a borrow chain).
 */
static __always_inline bool __hpool_put_fast(struct hpool *pool, struct hpool_obj *hdr,
					     bool release)
{
	struct hpool_pcp *pc;
	bool done = false;

	pc = this_cpu_ptr(pool->pcp);
	if (!hpool_pcp_trylock_fast(pc))
		return false;
	if (pc->nr_free < HPOOL_PCP_MAX && -pc->in_use < pc->quota) {
		hdr->next = pc->free;
		pc->free = hdr;
		pc->nr_free++;
		pc->in_use--;
		if (release)
			pc->releases++;
		done = true;
	}
	hpool_pcp_unlock_fast(pc);
	return done;
}

static __always_inline bool hpool_put_fast(struct hpool *pool, struct hpool_obj *hdr,
					   bool release)
{
	unsigned long flags;
	bool done;

	if (!pool->pcp)
		return false;
	local_irq_save(flags);
	done = __hpool_put_fast(pool, hdr, release);
	local_irq_restore(flags);
	return done;
}

/*
 * The fast path of another pool than the one whose lock is held: a borrow
 * served from the parent's cache, a release that ends a borrow chain in the
 * home's cache. Under a pool lock, interrupts are off already, but not on
 * PREEMPT_RT, where spin_lock_irqsave() leaves them on (and only keeps the
 * task on its CPU): turn them off there.
 */
static __always_inline struct hpool_obj *hpool_get_fast_nested(struct hpool *pool)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return hpool_get_fast(pool);
	return pool->pcp ? __hpool_get_fast(pool) : NULL;
}

static __always_inline bool hpool_put_fast_nested(struct hpool *pool,
						  struct hpool_obj *hdr, bool release)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return hpool_put_fast(pool, hdr, release);
	return pool->pcp ? __hpool_put_fast(pool, hdr, release) : false;
}

/* Restock only while the fast path is armed (never without caches). */
static __always_inline bool hpool_restock(struct hpool *pool, bool refill)
{
	if (!READ_ONCE(pool->pcp_armed))
		return false;
	return __hpool_restock(pool, refill);
}

#endif /* _HPOOL_PCP_H */
