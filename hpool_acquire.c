// SPDX-License-Identifier: GPL-2.0
/*
 * hpool acquire and release (Documentation/hpool.rst#hpool-acquire and
 * hpool-release): this CPU's cache first, inline; then, out of line, the
 * pool's free list, a borrow up the tree, a new slab object, and (for
 * hpool_acquire_prio()) a steal; a release goes back along the borrow chain
 * to the object's home. Calls the moving-stock, state, per-CPU and object
 * layers only.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/bug.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "hpool_move.h"
#include "hpool_obj.h"
#include "hpool_state.h"
#include "hpool_trace.h"
#include "hpool_track.h"

/*
 * Take one object from @pool, for a caller of @pool or for a child that
 * borrows: the three steps of hpool.rst#hpool-acquire, counted on @pool.
 * The object comes back counted in @pool's nr_in_use, *step saying where it
 * was found. On failure *fail says why and nothing is counted (the caller
 * of hpool_acquire() counts it on its own pool).
 *
 * Recursion (through __hpool_get() for the parent) is bounded by
 * HPOOL_MAX_DEPTH; no lock is held across it. Inline in the acquire slow
 * path: a request-scoped child's every acquire comes here.
 */
static struct hpool_obj *__hpool_get(struct hpool *pool, gfp_t gfp,
				     enum hpool_fail *fail, enum hpool_step *step);

static __always_inline struct hpool_obj *
hpool_get(struct hpool *pool, gfp_t gfp, enum hpool_fail *fail,
	  enum hpool_step *step)
{
	struct hpool_obj *hdr;
	unsigned long flags;
	bool borrow, grew;

	hpool_lock(pool, &flags);
	if (!hpool_accepts_locked(pool)) {
		hpool_unlock(pool, flags);
		*fail = HPOOL_FAIL_STATE;
		return NULL;
	}
	hdr = __hpool_pop_locked(pool);
	if (hdr) {
		*step = HPOOL_STEP_FREE_LIST;
		pool->c.local_hits++;
		__hpool_in_use_inc_locked(pool);
		/*
		 * A caller of this pool or a borrowing child, on this CPU:
		 * stock its cache for the next one.
		 */
		if (pool->pcp)
			__hpool_refill_locked(pool);
		hpool_unlock(pool, flags);
		return hdr;
	}
	borrow = pool->parent && pool->nr_borrowed < pool->borrow_limit;
	*step = HPOOL_STEP_BORROW;
	if (borrow) {
		/*
		 * The parent's per-CPU cache, if it has stock, serves the borrow
		 * at once: a fast-path lock nests inside any pool lock.
		 */
		hdr = hpool_get_fast_nested(pool->parent);
		if (hdr) {
			pool->nr_borrowed++;
			pool->c.parent_borrows++;
			__hpool_in_use_inc_locked(pool);
			hpool_unlock(pool, flags);
			if (trace_hpool_borrow_enabled())
				trace_hpool_borrow(pool, pool->parent);
			return hdr;
		}
		/* Reserve a borrow slot so that racing borrowers respect the limit. */
		pool->nr_borrowed++;
	}
	hpool_unlock(pool, flags);

	if (borrow) {
		enum hpool_step pstep;
		enum hpool_fail pfail;

		hdr = __hpool_get(pool->parent, gfp, &pfail, &pstep);
		hpool_lock(pool, &flags);
		if (hdr) {
			pool->c.parent_borrows++;
			__hpool_in_use_inc_locked(pool);
		} else {
			pool->nr_borrowed--;
		}
		hpool_unlock(pool, flags);
		if (hdr) {
			if (trace_hpool_borrow_enabled())
				trace_hpool_borrow(pool, pool->parent);
			return hdr;
		}
	}

	if (!hpool_charge(pool, NULL, READ_ONCE(pool->flags) & HPOOL_F_AUTO_GROW,
			  &grew)) {
		*fail = HPOOL_FAIL_LIMIT;
		return NULL;
	}
	hdr = hpool_alloc_obj(pool, gfp);
	if (!hdr) {
		hpool_uncharge(pool, NULL, 1);
		*fail = HPOOL_FAIL_NOMEM;
		return NULL;
	}
	*step = HPOOL_STEP_SLAB;
	hpool_lock(pool, &flags);
	pool->c.allocations++;
	if (grew)
		pool->c.grows++;
	__hpool_in_use_inc_locked(pool);
	hpool_unlock(pool, flags);
	return hdr;
}

static noinline struct hpool_obj *__hpool_get(struct hpool *pool, gfp_t gfp,
					      enum hpool_fail *fail,
					      enum hpool_step *step)
{
	return hpool_get(pool, gfp, fail, step);
}

static void hpool_count_fail(struct hpool *pool, enum hpool_fail fail,
			     unsigned long ip)
{
	unsigned long flags;

	/* Counters only: no fold needed. */
	spin_lock_irqsave(&pool->lock, flags);
	switch (fail) {
	case HPOOL_FAIL_LIMIT:
		pool->c.fail_limit++;
		break;
	case HPOOL_FAIL_NOMEM:
		pool->c.fail_nomem++;
		break;
	case HPOOL_FAIL_STATE:
		pool->c.fail_state++;
		break;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	trace_hpool_acquire_fail(pool, fail, ip);
}

/*
 * Give @hdr, found at @step, to the caller at @ip. Tracking and the event
 * are static branches: nothing is done for them while they are off.
 */
static __always_inline void *hpool_hand_out(struct hpool *pool,
					    struct hpool_obj *hdr, gfp_t gfp,
					    unsigned long ip, enum hpool_step step)
{
	void *obj = hpool_payload(hdr);

	/* The object is ours alone until the caller has it: no lock. */
	WRITE_ONCE(hdr->owner, pool);
	hpool_kasan_unpoison(pool->tree, obj);
	/* Recycled or new, after the ctor: what the caller gets is zeroed. */
	if (gfp & __GFP_ZERO)
		memset(obj, 0, pool->tree->obj_size);
	hpool_track_acquire(pool, obj, ip);
	trace_hpool_acquire(pool, obj, ip, step);
	return obj;
}

/*
 * A pure borrower's borrow on this CPU's caches (hpool.rst#hpool-chain); a
 * pool of the chain whose borrow quota ran out takes more under its plain
 * lock, and the walk is tried again.
 */
static struct hpool_obj *hpool_borrow_chain(struct hpool *pool)
{
	struct hpool *short_of, *p;
	struct hpool_obj *hdr;
	int tries;

	for (tries = 0; tries < HPOOL_MAX_DEPTH; tries++) {
		hdr = hpool_borrow_fast(pool, &short_of);
		if (hdr)
			break;
		if (!short_of || !hpool_pcp_bgrant(short_of))
			return NULL;
	}
	/* The object is in use: no pool of the chain can go. */
	if (hdr && trace_hpool_borrow_enabled())
		for (p = pool; p != hdr->home; p = p->parent)
			trace_hpool_borrow(p, p->parent);
	return hdr;
}

/* Both acquire calls, once this CPU's cache came up empty. */
static noinline void *hpool_acquire_slow(struct hpool *pool, enum hpool_prio prio,
					 bool may_steal, gfp_t gfp, unsigned long ip)
{
	enum hpool_step step = HPOOL_STEP_CACHE;
	struct hpool_obj *hdr = NULL;
	enum hpool_fail fail;

	/*
	 * A pool has limits: it cannot promise never to fail. Checked here,
	 * where an acquisition can fail or allocate, not on the fast path.
	 */
	if (WARN_ON_ONCE(gfp & __GFP_NOFAIL))
		gfp &= ~__GFP_NOFAIL;
	if (hpool_restock(pool, true))
		hdr = hpool_get_fast(pool);
	if (!hdr && pool->pcp && hpool_pure_borrower(pool)) {
		hdr = hpool_borrow_chain(pool);
		step = HPOOL_STEP_BORROW;
	}
	if (!hdr)
		hdr = hpool_get(pool, gfp, &fail, &step);
	if (!hdr) {
		step = HPOOL_STEP_STEAL;
		if (!(may_steal && fail != HPOOL_FAIL_STATE &&
		      hpool_steal(pool, prio, &hdr))) {
			hpool_count_fail(pool, fail, ip);
			return NULL;
		}
	}
	return hpool_hand_out(pool, hdr, gfp, ip, step);
}

/*
 * Whether handing out or taking back an object takes more than setting its
 * owner, besides zeroing, the reset callback and the call's event: KASAN or
 * tracking. A hit without any of them calls nothing, so the fast path saves
 * no register and keeps no frame: every call it makes is its last (x86-64:
 * ten pushes and pops fewer per acquire+release than with the calls inline;
 * hpool.rst#hpool-performance).
 */
static __always_inline bool hpool_hooked(void)
{
	return IS_ENABLED(CONFIG_KASAN_GENERIC) ||
	       static_branch_unlikely(&hpool_track_key);
}

static noinline void *hpool_hand_out_hit(struct hpool *pool, struct hpool_obj *hdr,
					 gfp_t gfp, unsigned long ip)
{
	return hpool_hand_out(pool, hdr, gfp, ip, HPOOL_STEP_CACHE);
}

/*
 * Both acquire calls: this CPU's cache, then the three steps of
 * hpool.rst#hpool-acquire, then (hpool_acquire_prio() only, not on a
 * draining or stopped pool) a steal.
 * Only the first is inline: the fast path keeps no stack and calls nothing.
 */
static __always_inline void *__hpool_acquire(struct hpool *pool, enum hpool_prio prio,
					     bool may_steal, gfp_t gfp,
					     unsigned long ip)
{
	struct hpool_obj *hdr;

	if (WARN_ON_ONCE(!pool))
		return NULL;
	/*
	 * might_alloc()'s checks, on the kernels that make them (a sleeping
	 * @gfp in atomic context, reclaim under a lock), but not its voluntary
	 * preemption point: an acquisition sleeps only inside the slab
	 * allocation, and a hit keeps nobody waiting (make bench: a root's hit
	 * 0.80x -> 0.72x kmem_cache; hpool.rst#hpool-performance).
	 */
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
	hdr = hpool_get_fast(pool);
	if (likely(hdr)) {
		if (likely(!(gfp & __GFP_ZERO) && !hpool_hooked() &&
			   !trace_hpool_acquire_enabled())) {
			WRITE_ONCE(hdr->owner, pool);
			return hpool_payload(hdr);
		}
		return hpool_hand_out_hit(pool, hdr, gfp, ip);
	}
	return hpool_acquire_slow(pool, prio, may_steal, gfp, ip);
}

/**
 * hpool_acquire() - take an object from a pool
 * @pool: the pool
 * @gfp: flags for a slab allocation, if one is needed
 *
 * Tries the pool's free list, then a borrow from its parent (under
 * borrow_limit, chaining up the tree), then a new slab object within the
 * capacity of the pool and of every ancestor.
 *
 * Context: any context, hard IRQ included, with GFP_ATOMIC or GFP_NOWAIT
 * (on PREEMPT_RT, any context a spinlock_t may be taken in: not hard IRQ;
 * see :ref:`hpool-rt`);
 * sleeps only inside the slab allocator and only if @gfp allows it.
 * Return: the object, or NULL (counted in one of fail_limit, fail_nomem or
 * fail_state of @pool).
 */
void *hpool_acquire(struct hpool *pool, gfp_t gfp)
{
	return __hpool_acquire(pool, HPOOL_PRIO_LOW, false, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hpool_acquire);

/**
 * hpool_acquire_prio() - take an object, stealing from lower priorities
 * @pool: the pool
 * @prio: the priority of this request
 * @gfp: flags for a slab allocation, if one is needed
 *
 * Runs hpool_acquire()'s path; if that fails, steals a free object from a
 * child of @pool whose priority is strictly below @prio (lowest priority
 * first, ties to the child with most free objects, then creation order),
 * never touching a child's reserve.
 *
 * Context: as hpool_acquire().
 * Return: the object, or NULL (counted in one fail_* counter of @pool).
 */
void *hpool_acquire_prio(struct hpool *pool, enum hpool_prio prio, gfp_t gfp)
{
	return __hpool_acquire(pool, prio, true, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hpool_acquire_prio);

/* ---- release ---- */

static void hpool_count_bad(struct hpool *pool)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	pool->c.bad_releases++;
	spin_unlock_irqrestore(&pool->lock, flags);
}

/*
 * Give an object handed out by @owner back to its home: every pool of the
 * borrow chain from @owner up to (not including) the home lowers nr_borrowed
 * and nr_in_use, the home takes it in this CPU's cache or on its free list.
 * Bottom-up, so that no pool of the chain can be destroyed before the walk
 * has left it. Out of line: the release fast path calls nothing.
 */
static noinline void hpool_return(struct hpool *owner, struct hpool_obj *hdr)
{
	struct hpool *home = hdr->home, *p, *next;
	unsigned long flags;
	bool done = false;

	if (home != owner && owner->pcp && hpool_return_fast(owner, hdr))
		return;

	/*
	 * Once p's lock is dropped, p may be drained and destroyed by another
	 * CPU (nothing of p's is in use any more): what the walk needs of it is
	 * read under the lock. Its parent lives on, as the object still counts
	 * in the parent's nr_in_use.
	 */
	for (p = owner; p != home; p = next) {
		hpool_lock(p, &flags);
		next = p->parent;
		if (p == owner)
			p->c.releases++;
		p->nr_borrowed--;
		__hpool_in_use_dec_locked(p);
		/* The home's cache on this CPU takes it. */
		if (next == home)
			done = hpool_put_fast_nested(home, hdr, false);
		hpool_unlock(p, flags);
		hpool_hook(HPOOL_HOOK_RETURN, p);
	}
	if (done)
		return;
	if (hpool_restock(home, false) && hpool_put_fast(home, hdr, home == owner))
		return;
	hpool_lock(home, &flags);
	if (home == owner)
		home->c.releases++;
	__hpool_push_locked(home, hdr);
	__hpool_in_use_dec_locked(home);
	hpool_unlock(home, flags);
}

/*
 * hpool_release() of an object whose owner was @owner (NULL: released
 * already), when it takes more than the fast path: a misuse, a borrowed
 * object, a reset callback, KASAN, tracking or the event.
 */
static noinline void hpool_release_slow(struct hpool *pool, struct hpool_obj *hdr,
					struct hpool *owner, unsigned long ip)
{
	void *obj = hpool_payload(hdr);

	if (unlikely(!owner)) {
		WARN_ONCE(1, "hpool: %s: double release of %p\n", pool->name, obj);
		hpool_count_bad(pool);
		return;
	}
	if (unlikely(owner != pool)) {
		WARN_ONCE(1, "hpool: %p released through %s, acquired from %s\n",
			  obj, pool->name, owner->name);
		hpool_count_bad(pool);
	}
	hpool_track_release(owner, obj);
	trace_hpool_release(owner, obj, ip);
	if (owner->tree->reset)
		owner->tree->reset(obj);
	/* After reset, the last to touch it: nobody may until it is handed out. */
	hpool_kasan_poison(owner->tree, obj);
	if (likely(hdr->home == owner && hpool_put_fast(owner, hdr, true)))
		return;
	hpool_return(owner, hdr);
}

/**
 * hpool_release() - give an object back
 * @pool: the pool it was acquired from
 * @obj: the object; NULL is ignored
 *
 * Calls the tree's reset callback and puts the object back on its home's
 * free list. A release through the wrong pool is routed to the right one; a
 * double release (and, with HPOOL_DEBUG=y, a pointer hpool never handed out)
 * is put nowhere. Both warn once and count in @pool's bad_releases. Under
 * generic KASAN the object is poisoned until it is handed out again
 * (:ref:`hpool-kasan`).
 *
 * Context: any context (on PREEMPT_RT, as hpool_acquire()).
 */
void hpool_release(struct hpool *pool, void *obj)
{
	struct hpool_obj *hdr;
	struct hpool *owner;

	if (unlikely(!obj))
		return;
	if (WARN_ON_ONCE(!pool))
		return;
	if (unlikely(!hpool_debug_known(obj))) {
		WARN_ONCE(1, "hpool: %s: release of %p, which hpool never handed out\n",
			  pool->name, obj);
		hpool_count_bad(pool);
		return;
	}
	hdr = hpool_hdr(obj);
	/* Whoever clears the owner first releases; a second release finds NULL. */
	owner = xchg(&hdr->owner, NULL);
	if (unlikely(owner != pool || hdr->home != owner ||
		     hpool_hooked() || trace_hpool_release_enabled() || owner->tree->reset))
		return hpool_release_slow(pool, hdr, owner, _RET_IP_);
	if (likely(hpool_put_fast(owner, hdr, true)))
		return;
	hpool_return(owner, hdr);
}
EXPORT_SYMBOL_GPL(hpool_release);
