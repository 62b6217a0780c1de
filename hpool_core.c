// SPDX-License-Identifier: GPL-2.0
/*
 * hpool core: pools, acquire/release and accounting.
 *
 * Every pool has its own irq-safe spinlock over its free list, gauges and
 * counters; hpool never holds two of them at once. Charges (nr_objects) are
 * atomic and taken page_counter-style up the parent chain, with an exact
 * rollback when a limit is hit. See Documentation/hpool.rst.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "hpool_internal.h"

#define CREATE_TRACE_POINTS
#include "hpool_trace.h"

/* Serialises changes to the shape of every tree (create, destroy, rebalance). */
DEFINE_MUTEX(hpool_topology_mutex);
LIST_HEAD(hpool_roots);
struct workqueue_struct *hpool_wq;

static u64 hpool_seq;	/* T */
static LIST_HEAD(hpool_orphans);	/* T: pools that lost their device */
static void hpool_reap_workfn(struct work_struct *work);
static DECLARE_WORK(hpool_reap_work, hpool_reap_workfn);

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
#endif

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

#ifdef CONFIG_HPOOL_DEBUG
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

static bool hpool_debug_known(void *obj)
{
	return xa_load(&hpool_debug_objs, (unsigned long)obj >> 3) == obj;
}
#else
static inline int hpool_debug_track(void *obj, gfp_t gfp) { return 0; }
static inline void hpool_debug_untrack(void *obj) { }
static inline bool hpool_debug_known(void *obj) { return true; }
#endif

#if defined(CONFIG_HPOOL_DEBUG) && IS_ENABLED(CONFIG_FAULT_INJECTION)
/*
 * HPOOL_DEBUG=y: /sys/kernel/debug/hpool/fail_alloc/ makes hpool's slab
 * allocations fail on demand (Documentation/fault-injection/), for tests.
 */
struct fault_attr hpool_fail_alloc = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_IF_KUNIT(hpool_fail_alloc);
static struct dentry *hpool_debugfs;

static bool hpool_should_fail_alloc(void)
{
	return should_fail(&hpool_fail_alloc, 1);
}

static void hpool_debugfs_init(void)
{
	hpool_fail_alloc.verbose = 0;	/* no stack dumps: the harness fails on them */
	hpool_debugfs = debugfs_create_dir("hpool", NULL);
	fault_create_debugfs_attr("fail_alloc", hpool_debugfs, &hpool_fail_alloc);
}

static void hpool_debugfs_exit(void)
{
	debugfs_remove_recursive(hpool_debugfs);
}
#else
static inline bool hpool_should_fail_alloc(void) { return false; }
static inline void hpool_debugfs_init(void) { }
static inline void hpool_debugfs_exit(void) { }
#endif

/* ---- free lists and gauges (all under pool->lock) ---- */

/**
 * __hpool_health_changed_locked() - record and notify a new health level
 * @pool: the pool, locked
 * @health: its level now (enum hpool_health)
 *
 * The rare half of __hpool_update_locked().
 */
void __hpool_health_changed_locked(struct hpool *pool, u8 health)
{
	lockdep_assert_held(&pool->lock);
	pool->health = health;
	/* sysfs_notify_dirent() does not sleep: fine from any context. */
	if (pool->health_kn)
		sysfs_notify_dirent(pool->health_kn);
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

/* A pool that serves acquisitions and borrows. */
static __always_inline bool hpool_accepts_locked(const struct hpool *pool)
{
	lockdep_assert_held(&pool->lock);
	return !pool->dead &&
	       (pool->state == HPOOL_ACTIVE || pool->state == HPOOL_WARMING);
}

/* ---- the per-CPU fast path (see hpool_internal.h) ---- */

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

/* Move up to HPOOL_PCP_REFILL free objects to this CPU's cache. */
static void __hpool_refill_locked(struct hpool *pool)
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

/*
 * The fast path runs with interrupts off, on this CPU's cache. It takes the
 * cache's lock at the arch level, without the preempt-count updates and the
 * out-of-line calls of raw_spin_lock(), which interrupts being off makes
 * redundant (measured with make bench: a root's local hit went from 1.08x to
 * 0.56x kmem_cache). Everyone else takes the same lock with raw_spin_lock(),
 * so lockdep still sees how it nests inside the pool lock.
 */
static __always_inline void hpool_pcp_lock_fast(struct hpool_pcp *pc)
{
	lockdep_assert_irqs_disabled();
	arch_spin_lock(&pc->lock.raw_lock);
}

static __always_inline void hpool_pcp_unlock_fast(struct hpool_pcp *pc)
{
	arch_spin_unlock(&pc->lock.raw_lock);
}

/* Take an object from this CPU's cache of @pool; interrupts are off. */
static __always_inline struct hpool_obj *__hpool_get_fast(struct hpool *pool)
{
	struct hpool_obj *hdr = NULL;
	struct hpool_pcp *pc;

	pc = this_cpu_ptr(pool->pcp);
	hpool_pcp_lock_fast(pc);
	if (pc->free && pc->in_use < READ_ONCE(pool->pcp_slack)) {
		hdr = pc->free;
		pc->free = hdr->next;
		pc->nr_free--;
		pc->in_use++;
		pc->local_hits++;
	}
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
	hpool_pcp_lock_fast(pc);
	if (pc->nr_free < HPOOL_PCP_MAX && -pc->in_use < READ_ONCE(pool->pcp_slack)) {
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
 * This CPU's cache is empty (acquire) or full (release) while the fast path
 * is armed: trade a batch with the pool's free list. Under the plain pool
 * lock, without a fold: only free objects move, no gauge changes.
 */
static noinline void __hpool_restock(struct hpool *pool, bool refill)
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

/* Restock only while the fast path is armed (never without caches). */
static __always_inline bool hpool_restock(struct hpool *pool, bool refill)
{
	if (!READ_ONCE(pool->pcp_slack))
		return false;
	__hpool_restock(pool, refill);
	return true;
}

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

/**
 * hpool_trim() - free surplus free objects until the pool's charge fits
 * @pool: the pool
 * @keep: the charge to bring @pool down to, if its free list allows
 *
 * Return: how many objects went back to the slab.
 */
unsigned int hpool_trim(struct hpool *pool, unsigned int keep)
{
	struct hpool_obj *list = NULL, *hdr;
	unsigned int nr = 0, charged;
	unsigned long flags;

	hpool_lock(pool, &flags);
	charged = atomic_read(&pool->nr_objects);
	while (charged - nr > keep && (hdr = __hpool_pop_locked(pool))) {
		hdr->next = list;
		list = hdr;
		nr++;
	}
	pool->c.frees += nr;
	hpool_unlock(pool, flags);

	if (nr) {
		hpool_uncharge(pool, NULL, nr);
		hpool_free_objs(pool, list);
	}
	return nr;
}

/**
 * hpool_set_capacity() - change a pool's capacity, freeing surplus objects
 * @pool: the pool
 * @capacity: the new capacity
 *
 * Return: 0; -EINVAL below the reserve; -EBUSY below what is in use
 * (nr_objects - nr_free).
 */
int hpool_set_capacity(struct hpool *pool, unsigned int capacity)
{
	unsigned long flags;

	hpool_lock(pool, &flags);
	if (capacity < pool->reserve) {
		hpool_unlock(pool, flags);
		return -EINVAL;
	}
	if (capacity < atomic_read(&pool->nr_objects) - pool->nr_free) {
		hpool_unlock(pool, flags);
		return -EBUSY;
	}
	WRITE_ONCE(pool->capacity, capacity);
	__hpool_update_locked(pool);
	hpool_unlock(pool, flags);

	hpool_trim(pool, capacity);
	return 0;
}

/* ---- acquire ---- */

enum hpool_fail { HPOOL_FAIL_LIMIT, HPOOL_FAIL_NOMEM, HPOOL_FAIL_STATE };

/*
 * Take one object from @pool, for a caller of @pool or for a child that
 * borrows: the three steps of SPEC §2, counted on @pool. The object comes
 * back counted in @pool's nr_in_use. On failure *fail says why and nothing is
 * counted (the caller of hpool_acquire() counts it on its own pool).
 *
 * Recursion (through __hpool_get() for the parent) is bounded by
 * HPOOL_MAX_DEPTH; no lock is held across it. Inline in the acquire slow
 * path: a request-scoped child's every acquire comes here.
 */
static struct hpool_obj *__hpool_get(struct hpool *pool, gfp_t gfp,
				     enum hpool_fail *fail);

static __always_inline struct hpool_obj *
hpool_get(struct hpool *pool, gfp_t gfp, enum hpool_fail *fail)
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
	if (borrow) {
		/*
		 * The parent's per-CPU cache, if it has stock, serves the borrow
		 * at once: a fast-path lock nests inside any pool lock, and this
		 * one has interrupts off already.
		 */
		hdr = pool->parent->pcp ? __hpool_get_fast(pool->parent) : NULL;
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
		enum hpool_fail pfail;

		hdr = __hpool_get(pool->parent, gfp, &pfail);
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
	hpool_lock(pool, &flags);
	pool->c.allocations++;
	if (grew)
		pool->c.grows++;
	__hpool_in_use_inc_locked(pool);
	hpool_unlock(pool, flags);
	return hdr;
}

static noinline struct hpool_obj *__hpool_get(struct hpool *pool, gfp_t gfp,
					      enum hpool_fail *fail)
{
	return hpool_get(pool, gfp, fail);
}

static const char *const hpool_fail_names[] = {
	[HPOOL_FAIL_LIMIT] = "limit",
	[HPOOL_FAIL_NOMEM] = "nomem",
	[HPOOL_FAIL_STATE] = "state",
};

static void hpool_count_fail(struct hpool *pool, enum hpool_fail fail)
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
	trace_hpool_acquire_fail(pool, hpool_fail_names[fail]);
}

static __always_inline void *hpool_hand_out(struct hpool *pool,
					    struct hpool_obj *hdr, gfp_t gfp)
{
	void *obj = hpool_payload(hdr);

	/* The object is ours alone until the caller has it: no lock. */
	WRITE_ONCE(hdr->owner, pool);
	/* Recycled or new, after the ctor: what the caller gets is zeroed. */
	if (gfp & __GFP_ZERO)
		memset(obj, 0, pool->tree->obj_size);
	return obj;
}

/* Both acquire calls, once this CPU's cache came up empty. */
static noinline void *hpool_acquire_slow(struct hpool *pool, enum hpool_prio prio,
					 bool may_steal, gfp_t gfp)
{
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
	if (!hdr)
		hdr = hpool_get(pool, gfp, &fail);
	if (!hdr && !(may_steal && fail != HPOOL_FAIL_STATE &&
		      hpool_steal(pool, prio, &hdr))) {
		hpool_count_fail(pool, fail);
		return NULL;
	}
	return hpool_hand_out(pool, hdr, gfp);
}

/*
 * Both acquire calls: this CPU's cache, then the three steps of SPEC §2, then
 * (hpool_acquire_prio() only, not on a draining or stopped pool) a steal.
 * Only the first is inline: the fast path keeps no stack and calls nothing.
 */
static __always_inline void *__hpool_acquire(struct hpool *pool, enum hpool_prio prio,
					     bool may_steal, gfp_t gfp)
{
	struct hpool_obj *hdr;

	if (WARN_ON_ONCE(!pool))
		return NULL;
	might_alloc(gfp);
	hdr = hpool_get_fast(pool);
	if (likely(hdr))
		return hpool_hand_out(pool, hdr, gfp);
	return hpool_acquire_slow(pool, prio, may_steal, gfp);
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
 * Context: any context, hard IRQ included, with GFP_ATOMIC or GFP_NOWAIT;
 * sleeps only inside the slab allocator and only if @gfp allows it.
 * Return: the object, or NULL (counted in one of fail_limit, fail_nomem or
 * fail_state of @pool).
 */
void *hpool_acquire(struct hpool *pool, gfp_t gfp)
{
	return __hpool_acquire(pool, HPOOL_PRIO_LOW, false, gfp);
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
	return __hpool_acquire(pool, prio, true, gfp);
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
		/* The home's cache on this CPU takes it, interrupts being off. */
		if (next == home && home->pcp)
			done = __hpool_put_fast(home, hdr, false);
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

/**
 * hpool_release() - give an object back
 * @pool: the pool it was acquired from
 * @obj: the object; NULL is ignored
 *
 * Calls the tree's reset callback and puts the object back on its home's
 * free list. A release through the wrong pool is routed to the right one; a
 * double release (and, with HPOOL_DEBUG=y, a pointer hpool never handed out)
 * is put nowhere. Both warn once and count in @pool's bad_releases.
 *
 * Context: any context.
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
	if (owner->tree->reset)
		owner->tree->reset(obj);
	if (likely(hdr->home == owner && hpool_put_fast(owner, hdr, true)))
		return;
	hpool_return(owner, hdr);
}
EXPORT_SYMBOL_GPL(hpool_release);

/* ---- lifecycle ---- */

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
 * hpool_read_stats() - snapshot a pool's counters and gauges
 * @pool: the pool
 * @st: where to write them
 */
void hpool_read_stats(struct hpool *pool, struct hpool_stats *st)
{
	unsigned long flags;

	BUILD_BUG_ON(sizeof(struct hpool_counters) !=
		     offsetof(struct hpool_stats, nr_objects));
	hpool_lock(pool, &flags);
	memcpy(st, &pool->c, sizeof(pool->c));
	st->nr_free = pool->nr_free;
	st->nr_in_use = pool->nr_in_use;
	st->nr_borrowed = pool->nr_borrowed;
	st->peak_in_use = pool->peak_in_use;
	st->nr_objects = atomic_read(&pool->nr_objects);
	if (pool->pcp) {
		int cpu;

		for_each_possible_cpu(cpu) {
			struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

			raw_spin_lock(&pc->lock);
			st->local_hits += pc->local_hits;
			st->releases += pc->releases;
			raw_spin_unlock(&pc->lock);
		}
	}
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

/* ---- create and destroy ---- */

/*
 * One pass, as it runs on every creation of a request-scoped child: 1 to
 * HPOOL_NAME_MAX - 1 characters of [A-Za-z0-9_.-], not "." or "..".
 */
static bool hpool_name_valid(const char *name)
{
	size_t len, dots = 0;

	if (!name)
		return false;
	for (len = 0; name[len]; len++) {
		char ch = name[len];

		if (len == HPOOL_NAME_MAX - 1)
			return false;
		/* ASCII only: the kernel's isalnum() also takes Latin-1 letters. */
		if (ch == '.')
			dots++;
		else if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
			 !(ch >= '0' && ch <= '9') && ch != '_' && ch != '-')
			return false;
	}
	return len && !(dots == len && len <= 2);
}

static int hpool_check_params(const struct hpool *parent,
			      const struct hpool_params *p)
{
	if (!p || !hpool_name_valid(p->name))
		return -EINVAL;
	if (p->flags & ~(HPOOL_F_AUTO_GROW | HPOOL_F_NO_SYSFS))
		return -EINVAL;
	if (p->prio < HPOOL_PRIO_LOW || p->prio > HPOOL_PRIO_CRITICAL)
		return -EINVAL;
	if (p->reserve > p->capacity || p->prewarm > p->capacity)
		return -EINVAL;
	if (!parent) {
		if (!p->obj_size || p->borrow_limit ||
		    (p->flags & HPOOL_F_AUTO_GROW))
			return -EINVAL;
		if (p->align && !is_power_of_2(p->align))
			return -EINVAL;
		if (p->rebalance_threshold > 100)
			return -EINVAL;
		/* the slab object must fit an unsigned int */
		if (p->obj_size > INT_MAX / 2 || p->align > PAGE_SIZE)
			return -EINVAL;
	} else {
		if (p->obj_size || p->align || p->ctor || p->reset ||
		    p->rebalance_interval_ms || p->rebalance_threshold)
			return -EINVAL;
		if (parent->depth + 1 >= HPOOL_MAX_DEPTH)
			return -EINVAL;
	}
	return 0;
}

static struct hpool_tree *hpool_tree_create(const struct hpool_params *p)
{
	size_t align = max_t(size_t, p->align, __alignof__(struct hpool_obj));
	struct hpool_tree *tree;

	tree = kzalloc(sizeof(*tree), GFP_KERNEL);
	if (!tree)
		return NULL;
	tree->obj_size = p->obj_size;
	tree->hdr_size = ALIGN(sizeof(struct hpool_obj), align);
	tree->ctor = p->ctor;
	tree->reset = p->reset;
	tree->rebalance_interval_ms = p->rebalance_interval_ms;
	tree->rebalance_threshold = p->rebalance_threshold ?: 80;
	INIT_DELAYED_WORK(&tree->rebalance_work, hpool_rebalance_workfn);
	snprintf(tree->cache_name, sizeof(tree->cache_name), "hpool-%s", p->name);
	tree->cache = kmem_cache_create(tree->cache_name,
					tree->hdr_size + tree->obj_size,
					align, 0, NULL);
	if (!tree->cache) {
		kfree(tree);
		return NULL;
	}
	return tree;
}

static void hpool_free_pool(struct hpool *pool)
{
	if (hpool_is_root(pool))
		kfree(pool->tree);
	/* Unlinked under its parent's children_lock: no walker can reach it. */
	if (pool->pcp)
		free_percpu(pool->pcp);
	kmem_cache_free(hpool_pool_cache, pool);
	if (atomic_dec_and_test(&hpool_nr_live))
		wake_up_var(&hpool_nr_live);
}

/**
 * hpool_kobj_release() - kobj_type release of a pool with a sysfs directory
 * @kobj: the pool's kobject
 */
void hpool_kobj_release(struct kobject *kobj)
{
	hpool_free_pool(container_of(kobj, struct hpool, kobj));
}

static void hpool_put_pool(struct hpool *pool)
{
	if (pool->in_sysfs)
		kobject_put(&pool->kobj);
	else
		hpool_free_pool(pool);
}

static bool hpool_name_taken(struct list_head *siblings, const char *name)
{
	struct hpool *p;

	lockdep_assert_held(&hpool_topology_mutex);
	list_for_each_entry(p, siblings, sibling) {
		if (!strcmp(p->name, name))
			return true;
	}
	return false;
}

/*
 * Link @pool at the end of @siblings (@link), or unlink it: under the
 * topology mutex and, for a child, its parent's children_lock, which the
 * walkers of atomic context hold.
 */
static void hpool_link(struct hpool *pool, struct list_head *siblings, bool link)
{
	struct hpool *parent = pool->parent;
	int d = link ? 1 : -1;

	lockdep_assert_held(&hpool_topology_mutex);
	if (!parent) {
		if (link)
			list_add_tail(&pool->sibling, siblings);
		else
			list_del(&pool->sibling);
		return;
	}
	write_lock_irq(&parent->children_lock);
	if (link)
		list_add_tail(&pool->sibling, siblings);
	else
		list_del(&pool->sibling);
	write_unlock_irq(&parent->children_lock);
	parent->nr_children += d;
	if (pool->flags & HPOOL_F_NO_SYSFS)
		WRITE_ONCE(parent->nr_children_hidden, parent->nr_children_hidden + d);
}

static struct hpool *hpool_create_pool(struct hpool *parent,
				       const struct hpool_params *p)
{
	struct list_head *siblings;
	struct hpool *pool;
	int ret;

	might_sleep();
	ret = hpool_check_params(parent, p);
	if (ret)
		return ERR_PTR(ret);

	/*
	 * Not kmem_cache_zalloc(): a memset() of constant size is inlined,
	 * where the slab's zeroing calls memset() with the cache's size (make
	 * bench under TCG: 0.5 us less per create, a third of a request cycle's
	 * create and destroy), and the fields after HPOOL_INIT_ZEROED are
	 * initialised here, one by one.
	 */
	pool = kmem_cache_alloc(hpool_pool_cache, GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	memset(pool, 0, HPOOL_INIT_ZEROED);
	INIT_LIST_HEAD(&pool->children);
	rwlock_init(&pool->children_lock);
	INIT_LIST_HEAD(&pool->sibling);
	INIT_WORK(&pool->prewarm_work, hpool_prewarm_workfn);
	INIT_LIST_HEAD(&pool->orphan_node);
	init_waitqueue_head(&pool->drain_wq);
	atomic_inc(&hpool_nr_live);
	spin_lock_init(&pool->lock);
	strscpy(pool->name, p->name, sizeof(pool->name));
	/* Request-scoped pools live too short for per-CPU caches to pay off. */
	if (!(p->flags & HPOOL_F_NO_SYSFS)) {
		int cpu;

		pool->pcp = alloc_percpu(struct hpool_pcp);
		if (!pool->pcp) {
			hpool_free_pool(pool);
			return ERR_PTR(-ENOMEM);
		}
		for_each_possible_cpu(cpu)
			raw_spin_lock_init(&per_cpu_ptr(pool->pcp, cpu)->lock);
	}
	pool->state = HPOOL_STARTING;
	pool->capacity = p->capacity;
	pool->borrow_limit = p->borrow_limit;
	pool->reserve = p->reserve;
	pool->prewarm = p->prewarm;
	pool->prio = p->prio;
	pool->flags = p->flags;
	pool->parent = parent;

	if (parent) {
		pool->tree = parent->tree;
		pool->depth = parent->depth + 1;
	} else {
		pool->tree = hpool_tree_create(p);
		if (!pool->tree) {
			hpool_free_pool(pool);
			return ERR_PTR(-ENOMEM);
		}
		pool->tree->root = pool;
	}

	mutex_lock(&hpool_topology_mutex);
	if (parent) {
		/*
		 * No need for the parent's lock (and its fold): @dead is written
		 * under the topology mutex too, and a drain that races with this
		 * check is one that came after the creation.
		 */
		enum hpool_state pstate = READ_ONCE(parent->state);

		ret = parent->dead ? -ENOENT : 0;
		if (!ret && (pstate == HPOOL_DRAINING || pstate == HPOOL_STOPPED))
			ret = -EBUSY;
		if (ret)
			goto out_unlock;
	}
	siblings = parent ? &parent->children : &hpool_roots;
	if (hpool_name_taken(siblings, pool->name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	pool->seq = ++hpool_seq;
	/*
	 * Ready before anything can see it (sysfs, the walkers, the caller): no
	 * lock, no waiter, no notification. The fast path arms at the first
	 * unlock of the pool.
	 */
	pool->state = pool->prewarm ? HPOOL_WARMING : HPOOL_ACTIVE;
	pool->in_sysfs = !(p->flags & HPOOL_F_NO_SYSFS) &&
			 (!parent || parent->in_sysfs);
	if (pool->in_sysfs) {
		ret = hpool_sysfs_add(pool);
		if (ret)
			goto out_unlock;
	}
	trace_hpool_state_change(pool, HPOOL_STARTING, pool->state);
	hpool_link(pool, siblings, true);
	/* §8: hpool cannot be unloaded while a tree lives, orphans included. */
	if (!parent)
		__module_get(THIS_MODULE);
	mutex_unlock(&hpool_topology_mutex);

	if (pool->prewarm)
		queue_work(hpool_wq, &pool->prewarm_work);
	if (!parent)
		hpool_rebalance_arm(pool->tree);
	return pool;

out_unlock:
	mutex_unlock(&hpool_topology_mutex);
	if (!parent)
		kmem_cache_destroy(pool->tree->cache);
	hpool_put_pool(pool);
	return ERR_PTR(ret);
}

/**
 * hpool_create() - create a root pool and its kmem_cache
 * @p: the parameters (see &struct hpool_params)
 *
 * The root owns a cache named "hpool-<name>" and appears in
 * /sys/kernel/hpool/<name>/ unless created with HPOOL_F_NO_SYSFS.
 *
 * Context: process context, may sleep.
 * Return: the pool, or ERR_PTR(-EINVAL) on bad parameters, ERR_PTR(-EEXIST)
 * when a root of that name exists, ERR_PTR(-ENOMEM).
 */
struct hpool *hpool_create(const struct hpool_params *p)
{
	return hpool_create_pool(NULL, p);
}
EXPORT_SYMBOL_GPL(hpool_create);

/**
 * hpool_create_child() - create a pool under another
 * @parent: the parent pool
 * @p: the parameters; roots-only fields must be 0
 *
 * Context: process context, may sleep.
 * Return: the pool, or ERR_PTR(-EINVAL) on bad parameters or depth,
 * ERR_PTR(-EEXIST) when a sibling has that name, ERR_PTR(-EBUSY) when
 * @parent is draining or stopped, ERR_PTR(-ENOMEM).
 */
struct hpool *hpool_create_child(struct hpool *parent, const struct hpool_params *p)
{
	if (WARN_ON_ONCE(!parent))
		return ERR_PTR(-EINVAL);
	return hpool_create_pool(parent, p);
}
EXPORT_SYMBOL_GPL(hpool_create_child);

/*
 * Teardown, in one path for hpool_destroy(), devres and the orphan reaper
 * (Documentation/hpool.rst, "Lifetime"):
 *
 * hpool_destroy_begin(), under the topology mutex and the pool's lock,
 * checks that nothing is in use and no child is linked, and marks the pool
 * dead: from then on nothing adds to it and nothing arms its work.
 * hpool_destroy_finish() then, without the mutex, cancels its work, uncharges
 * and frees its free objects, removes its sysfs directory (and, for a root,
 * destroys the cache), and only then, under the mutex again, unlinks it. A
 * pool stays linked, so counted in its parent's nr_children, for as long as
 * its teardown touches the parent or the tree: the parent's own destroy
 * returns -EBUSY until then.
 */
static int hpool_destroy_begin(struct hpool *pool, struct hpool_obj **list,
			       unsigned int *nr)
{
	unsigned long flags;

	lockdep_assert_held(&hpool_topology_mutex);
	hpool_lock(pool, &flags);
	if (pool->dead) {
		hpool_unlock(pool, flags);
		WARN_ONCE(1, "hpool: %s destroyed twice\n", pool->name);
		return -EINVAL;
	}
	if (pool->nr_children || pool->nr_in_use) {
		hpool_unlock(pool, flags);
		return -EBUSY;
	}
	/*
	 * From here on no borrow, move of stock or prewarm adds to the pool, and
	 * nothing arms the rebalancer (sysfs and hpool_set_rebalance_interval()
	 * check @dead under the lock): the cancels below are final.
	 */
	pool->dead = true;
	*list = pool->free_list;
	*nr = pool->nr_free;
	pool->free_list = NULL;
	pool->nr_free = 0;
	pool->c.frees += *nr;
	hpool_unlock(pool, flags);
	if (pool->orphan)
		list_del_init(&pool->orphan_node);
	return 0;
}

static void hpool_destroy_finish(struct hpool *pool, struct hpool_obj *list,
				 unsigned int nr)
{
	struct hpool *parent = pool->parent;

	if (pool->prewarm)
		cancel_work_sync(&pool->prewarm_work);
	if (!parent)
		cancel_delayed_work_sync(&pool->tree->rebalance_work);
	if (nr) {
		hpool_uncharge(pool, NULL, nr);
		hpool_free_objs(pool, list);
	}
	if (pool->in_sysfs)
		hpool_sysfs_del(pool);
	if (!parent)
		kmem_cache_destroy(pool->tree->cache);
	hpool_hook(HPOOL_HOOK_DESTROY, pool);

	/* Last: the parent may go once this is done. */
	mutex_lock(&hpool_topology_mutex);
	hpool_link(pool, NULL, false);
	if (parent && parent->orphan && !parent->nr_children)
		queue_work(hpool_wq, &hpool_reap_work);
	mutex_unlock(&hpool_topology_mutex);

	hpool_put_pool(pool);
	if (!parent)
		module_put(THIS_MODULE);
}

static int devm_hpool_match(struct device *dev, void *res, void *data)
{
	return *(struct hpool **)res == data;
}

static void devm_hpool_release(struct device *dev, void *res);

/**
 * hpool_destroy() - free a pool that has no children and nothing in use
 * @pool: the pool
 *
 * Its free objects go back to the slab (uncharged up the tree), its sysfs
 * directory goes, and it is freed; destroying a root also destroys its cache.
 * A device-managed pool is released from its device too, as devm_kfree()
 * does, so that the device's detach does not destroy it again.
 *
 * Safe against every call on any other pool: while a child's destroy runs,
 * the parent's returns -EBUSY. Once hpool_drain() has returned 0, the pool
 * may be destroyed at once, even while the hpool_release() that stopped it
 * is still returning.
 *
 * Context: process context, may sleep.
 * Return: 0; -EBUSY, changing nothing, while @pool has children or objects
 * in use; -EINVAL for a NULL pool, one whose destruction has begun, or an
 * orphan (hpool destroys those itself).
 */
int hpool_destroy(struct hpool *pool)
{
	struct hpool_obj *list;
	unsigned int nr;
	int ret;

	if (WARN_ON_ONCE(!pool))
		return -EINVAL;
	might_sleep();

	mutex_lock(&hpool_topology_mutex);
	if (pool->orphan && !pool->dead) {
		/* Its driver gave it up with its device: the reaper owns it. */
		mutex_unlock(&hpool_topology_mutex);
		return -EINVAL;
	}
	ret = hpool_destroy_begin(pool, &list, &nr);
	if (!ret && pool->dev) {
		WARN_ON(devres_destroy(pool->dev, devm_hpool_release,
				       devm_hpool_match, pool));
		pool->dev = NULL;
	}
	mutex_unlock(&hpool_topology_mutex);
	if (!ret)
		hpool_destroy_finish(pool, list, nr);
	return ret;
}
EXPORT_SYMBOL_GPL(hpool_destroy);

/**
 * hpool_flush_work() - wait for a pool's prewarm (and its tree's rebalance)
 * @pool: the pool
 *
 * For tests: makes the end of warming deterministic.
 */
void hpool_flush_work(struct hpool *pool)
{
	flush_work(&pool->prewarm_work);
	flush_delayed_work(&pool->tree->rebalance_work);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_flush_work);

/* ---- device-managed pools ---- */

/*
 * Orphans (see devm_hpool_release()) wait on hpool_orphans until they have
 * neither objects out nor children, and one work item, never two at once,
 * destroys them: children go first, as a parent's destroy fails while it
 * has any. The tree's reference on this module keeps hpool loaded meanwhile.
 */
static void hpool_reap_workfn(struct work_struct *work)
{
	struct hpool_obj *list;
	struct hpool *pool;
	unsigned int nr;
	bool found;

	do {
		found = false;
		mutex_lock(&hpool_topology_mutex);
		list_for_each_entry(pool, &hpool_orphans, orphan_node) {
			/* -EBUSY while it has objects out or children */
			if (!hpool_destroy_begin(pool, &list, &nr)) {
				found = true;
				break;
			}
		}
		mutex_unlock(&hpool_topology_mutex);
		if (found)
			hpool_destroy_finish(pool, list, nr);
	} while (found);
}

static void devm_hpool_release(struct device *dev, void *res)
{
	struct hpool *pool = *(struct hpool **)res;
	struct hpool_obj *list;
	unsigned long flags;
	unsigned int nr;
	int ret;

	mutex_lock(&hpool_topology_mutex);
	pool->dev = NULL;		/* devres is releasing it already */
	ret = hpool_destroy_begin(pool, &list, &nr);
	if (!ret) {
		mutex_unlock(&hpool_topology_mutex);
		hpool_destroy_finish(pool, list, nr);
		return;
	}
	/*
	 * Objects out or children left: an ordinary event when a device goes,
	 * not a kernel bug. Under the mutex, the reaper cannot see the pool
	 * before it is drained.
	 */
	hpool_lock(pool, &flags);
	pool->orphan = true;
	nr = pool->nr_in_use;
	hpool_unlock(pool, flags);
	dev_warn(dev, "hpool: %s detached with %u objects in use and %u children; destroyed when they are back\n",
		 pool->name, nr, pool->nr_children);
	/* Free what is free; stop new acquisitions. */
	hpool_trim(pool, 0);
	hpool_drain(pool, 0);
	list_add_tail(&pool->orphan_node, &hpool_orphans);
	mutex_unlock(&hpool_topology_mutex);
	queue_work(hpool_wq, &hpool_reap_work);
}

static struct hpool *devm_hpool_add(struct device *dev, struct hpool *parent,
				    const struct hpool_params *p)
{
	struct hpool **res, *pool;

	res = devres_alloc(devm_hpool_release, sizeof(*res), GFP_KERNEL);
	if (!res)
		return ERR_PTR(-ENOMEM);
	pool = hpool_create_pool(parent, p);
	if (IS_ERR(pool)) {
		devres_free(res);
		return pool;
	}
	*res = pool;
	mutex_lock(&hpool_topology_mutex);
	pool->dev = dev;
	mutex_unlock(&hpool_topology_mutex);
	devres_add(dev, res);
	return pool;
}

/**
 * devm_hpool_create() - hpool_create() tied to a device's driver
 * @dev: the device; the pool is destroyed when its driver detaches
 * @p: the parameters (see &struct hpool_params)
 *
 * devres releases in reverse order, so children created later with
 * devm_hpool_create_child() go before their parent. A pool that still has
 * objects in use at that point is not freed under them: hpool warns with its
 * name and counts, frees its free objects, drains it, and destroys it (and
 * then its orphaned parent) when the last object comes back.
 *
 * Context: process context, may sleep.
 * Return: the pool, or an ERR_PTR() as hpool_create().
 */
struct hpool *devm_hpool_create(struct device *dev, const struct hpool_params *p)
{
	if (WARN_ON_ONCE(!dev))
		return ERR_PTR(-EINVAL);
	return devm_hpool_add(dev, NULL, p);
}
EXPORT_SYMBOL_GPL(devm_hpool_create);

/**
 * devm_hpool_create_child() - hpool_create_child() tied to a device's driver
 * @dev: the device; the pool is destroyed when its driver detaches
 * @parent: the parent pool
 * @p: the parameters; roots-only fields must be 0
 *
 * See devm_hpool_create().
 *
 * Context: process context, may sleep.
 * Return: the pool, or an ERR_PTR() as hpool_create_child().
 */
struct hpool *devm_hpool_create_child(struct device *dev, struct hpool *parent,
				      const struct hpool_params *p)
{
	if (WARN_ON_ONCE(!dev || !parent))
		return ERR_PTR(-EINVAL);
	return devm_hpool_add(dev, parent, p);
}
EXPORT_SYMBOL_GPL(devm_hpool_create_child);

/**
 * devm_hpool_destroy() - destroy a device-managed pool before its device goes
 * @dev: the device it was created for
 * @pool: the pool, from devm_hpool_create() or devm_hpool_create_child()
 *
 * Like devm_kfree(): the pool is destroyed now and removed from @dev's
 * resources, so the detach does not destroy it again.
 *
 * Context: process context, may sleep.
 * Return: as hpool_destroy(); -EINVAL when @pool is not @dev's.
 */
int devm_hpool_destroy(struct device *dev, struct hpool *pool)
{
	bool mine;

	if (WARN_ON_ONCE(!dev || !pool))
		return -EINVAL;
	mutex_lock(&hpool_topology_mutex);
	mine = pool->dev == dev;
	mutex_unlock(&hpool_topology_mutex);
	if (!mine)
		return -EINVAL;
	return hpool_destroy(pool);
}
EXPORT_SYMBOL_GPL(devm_hpool_destroy);

/**
 * hpool_flush_all() - wait for every queued hpool work item
 *
 * For tests: orphan destruction, prewarm and rebalance passes.
 */
void hpool_flush_all(void)
{
	flush_workqueue(hpool_wq);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_flush_all);

/**
 * hpool_nr_trees() - how many pool trees live, orphans included
 *
 * For tests: each holds a reference on this module.
 *
 * Return: the number of roots.
 */
unsigned int hpool_nr_trees(void)
{
	struct hpool *root;
	unsigned int nr = 0;

	mutex_lock(&hpool_topology_mutex);
	list_for_each_entry(root, &hpool_roots, sibling)
		nr++;
	mutex_unlock(&hpool_topology_mutex);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_nr_trees);

static int __init hpool_init(void)
{
	int ret;

	hpool_pool_cache = KMEM_CACHE(hpool, SLAB_HWCACHE_ALIGN);
	if (!hpool_pool_cache)
		return -ENOMEM;
	hpool_wq = alloc_workqueue("hpool", WQ_UNBOUND, 0);
	if (!hpool_wq) {
		kmem_cache_destroy(hpool_pool_cache);
		return -ENOMEM;
	}
	ret = hpool_sysfs_init();
	if (ret) {
		destroy_workqueue(hpool_wq);
		kmem_cache_destroy(hpool_pool_cache);
		return ret;
	}
	hpool_debugfs_init();
	return 0;
}

static void __exit hpool_exit(void)
{
	/* Every tree holds the module: every pool has been destroyed. */
	WARN_ON(!list_empty(&hpool_roots));
	hpool_debugfs_exit();
	hpool_sysfs_exit();
	/* kobject releases may be delayed (DEBUG_KOBJECT_RELEASE): wait for them. */
	wait_var_event(&hpool_nr_live, !atomic_read(&hpool_nr_live));
	destroy_workqueue(hpool_wq);
	kmem_cache_destroy(hpool_pool_cache);
}

module_init(hpool_init);
module_exit(hpool_exit);

MODULE_DESCRIPTION("Hierarchical object pools");
MODULE_LICENSE("GPL");
