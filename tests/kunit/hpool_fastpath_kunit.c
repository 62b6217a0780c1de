// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the per-CPU fast path and the bound Documentation/hpool.rst
 * states for it: objects in a CPU's cache are free objects of their home and
 * counted exactly, health (and so its notifications) is exact at every step,
 * a CPU caches at most HPOOL_PCP_MAX objects and drifts at most its quota,
 * itself at most HPOOL_PCP_QUOTA_MAX, and peak_in_use under-reports by less
 * than nr_cpus * HPOOL_PCP_QUOTA_MAX. A child borrows from, and gives back to,
 * its parent's cache with the same exact counts, and health is computed
 * without a division to the same level sysfs shows.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "hpool_internal.h"
#include "hpool_obj.h"		/* hpool_set_test_hook() (HPOOL_DEBUG=y) */
#include "hpool_state.h"	/* HPOOL_NOTIFY_LAG */
#include "hpool_test.h"

#define HPF_CAP	1000
#define HPF_N	900

/*
 * Check every CPU's cache against the bound, without folding it; return the
 * largest drift seen and add the fast-path hits to *hits. The bound of a
 * CPU is its live quota, itself at most HPOOL_PCP_QUOTA_MAX.
 */
static int hpf_check_bound(struct kunit *test, struct hpool *pool, unsigned long *hits)
{
	int cpu, in_use, quota, drift = 0;
	unsigned int nr_free;
	unsigned long flags;

	for_each_possible_cpu(cpu) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		/* Read under the lock, checked after: a failure report may sleep. */
		raw_spin_lock_irqsave(&pc->lock, flags);
		*hits += pc->local_hits;
		nr_free = pc->nr_free;
		in_use = abs(pc->in_use);
		quota = pc->quota;
		raw_spin_unlock_irqrestore(&pc->lock, flags);
		KUNIT_EXPECT_LE_MSG(test, nr_free, HPOOL_PCP_MAX, "cpu %d", cpu);
		KUNIT_EXPECT_GE_MSG(test, quota, 0, "quota, cpu %d", cpu);
		KUNIT_EXPECT_LE_MSG(test, quota, HPOOL_PCP_QUOTA_MAX, "quota, cpu %d", cpu);
		KUNIT_EXPECT_LE_MSG(test, in_use, quota, "drift, cpu %d", cpu);
		drift = max(drift, in_use);
	}
	return drift;
}

/* Exact gauges and health after every single fast-path operation. */
static void hpf_expect_exact(struct kunit *test, struct hpool *pool, unsigned int in_use,
			     unsigned int objects)
{
	struct hpool_stats st;

	hpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.nr_in_use, in_use);
	KUNIT_EXPECT_EQ(test, st.nr_objects, objects);
	KUNIT_EXPECT_EQ(test, st.nr_free + st.nr_in_use, objects);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->health),
			hpool_health_of(hpool_util(in_use, HPF_CAP)));
}

/* Sample sparsely, and around the health band edges (500 and 800). */
static bool hpf_checkpoint(int i)
{
	return i % 7 == 0 || (i >= 495 && i <= 505) || (i >= 795 && i <= 805);
}

/*
 * Hits (local_hits, the per-CPU counts included, which every fold adds to
 * the pool's) count acquisitions served from a free list or a CPU's cache:
 * none while nothing was ever free (the first round allocates everything),
 * one per acquire of the second round, and none for a release.
 */
static void hpool_test_fastpath_exact(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-fast", HPF_CAP);
	unsigned long hits, pc_hits = 0, acquire_hits;
	struct hpool_stats st;
	int i, round, drift = 0;
	void **objs;

	objs = kunit_kcalloc(test, HPF_N, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_TRUE(test, !!root->pcp);

	for (round = 0; round < 2; round++) {
		for (i = 0; i < HPF_N; i++) {
			objs[i] = hpool_acquire(root, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
			if (!hpf_checkpoint(i))
				continue;
			drift = max(drift, hpf_check_bound(test, root, &pc_hits));
			hits = HPT(root, local_hits);
			KUNIT_EXPECT_EQ_MSG(test, hits, round ? i + 1 : 0,
					    "round %d, acquire %d", round, i);
			/* The health band edges (500, 800) are crossed exactly. */
			hpf_expect_exact(test, root, i + 1, round ? HPF_N : i + 1);
		}
		drift = max(drift, hpf_check_bound(test, root, &pc_hits));
		acquire_hits = HPT(root, local_hits);
		for (i = HPF_N - 1; i >= 0; i--) {
			hpool_release(root, objs[i]);
			if (!hpf_checkpoint(i))
				continue;
			drift = max(drift, hpf_check_bound(test, root, &pc_hits));
			KUNIT_EXPECT_EQ_MSG(test, HPT(root, local_hits), acquire_hits,
					    "round %d, release %d", round, i);
			hpf_expect_exact(test, root, i, HPF_N);
		}
	}
	/* The second round was served from the free lists, partly per CPU. */
	hpool_get_stats(root, &st);
	KUNIT_EXPECT_EQ(test, st.allocations, HPF_N);
	KUNIT_EXPECT_EQ(test, st.local_hits, HPF_N);
	KUNIT_EXPECT_EQ(test, st.releases, 2 * HPF_N);
	/* Some were served from a CPU's cache, seen there before a fold. */
	KUNIT_EXPECT_GT(test, pc_hits, 0);
	/* The fast path really drifted between folds. */
	KUNIT_EXPECT_GT(test, drift, 0);
	/* peak: never above the truth (see hpool_test_fastpath_peak for below) */
	KUNIT_EXPECT_LE(test, st.peak_in_use, HPF_N);
}

/*
 * peak_in_use under-reports by at most what every CPU may have drifted: a
 * peak reached on the fast path (from a prewarmed free list, so that no
 * acquire allocates, which would count the peak exactly) is seen at the last
 * fold before it. Every CPU drifts at most its quota, which is at most
 * HPOOL_PCP_QUOTA_MAX, and all quotas together at most the distance to the
 * band's edge (in the critical band, from 80% of capacity): the bound depends
 * on num_possible_cpus() and stays below HPF_N on any host.
 */
static void hpool_test_fastpath_peak(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-fast-peak", .obj_size = 64, .capacity = HPF_CAP, .prewarm = HPF_N,
	};
	unsigned int crit = DIV_ROUND_UP(HPF_CAP * HPOOL_CRITICAL_PCT, 100);
	struct hpool *root = hpt_new(test, NULL, &p);
	unsigned long hits = 0, bound;
	struct hpool_stats st;
	void **objs;
	int i;

	objs = kunit_kcalloc(test, HPF_N, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	hpool_flush_work(root);
	KUNIT_ASSERT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
	HPT_EXPECT_GAUGES(test, root, HPF_N, HPF_N, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, peak_in_use), 0);

	/* No assertion until every object is back. */
	for (i = 0; i < HPF_N; i++) {
		objs[i] = hpool_acquire(root, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, objs[i]);
	}
	/* At the true peak: every CPU within its live quota, no fold. */
	hpf_check_bound(test, root, &hits);
	for (i = HPF_N - 1; i >= 0; i--)
		hpool_release(root, objs[i]);

	hpool_get_stats(root, &st);
	KUNIT_EXPECT_EQ(test, st.allocations, HPF_N);	/* the prewarm's */
	KUNIT_EXPECT_EQ(test, st.local_hits, HPF_N);
	bound = min_t(unsigned long, num_possible_cpus() * HPOOL_PCP_QUOTA_MAX, HPF_N - crit);
	kunit_info(test, "peak_in_use %u of %u, bound %lu, %u possible CPUs\n",
		   st.peak_in_use, HPF_N, bound, num_possible_cpus());
	KUNIT_EXPECT_LE(test, st.peak_in_use, HPF_N);
	KUNIT_EXPECT_GE(test, st.peak_in_use + bound, HPF_N);
}

/* A drain folds every CPU's cache: it sees the exact count and stops. */
static void hpool_test_fastpath_drain(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-fast-drain", HPF_CAP);
	void *objs[40];
	int i;

	for (i = 0; i < 40; i++)
		objs[i] = hpool_acquire(root, GFP_KERNEL);
	for (i = 0; i < 40; i++)
		hpool_release(root, objs[i]);
	for (i = 0; i < 40; i++) {
		objs[i] = hpool_acquire(root, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(root->pcp_armed));
	for (i = 0; i < 39; i++)
		hpool_release(root, objs[i]);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_DRAINING);
	hpool_release(root, objs[39]);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);
	HPT_EXPECT_GAUGES(test, root, 40, 40, 0, 0);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
}

/* The free objects and hits of one CPU's cache, read without a fold. */
static void hpf_cpu_cache(struct hpool *pool, int cpu, unsigned int *nr_free,
			  unsigned long *hits)
{
	struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&pc->lock, flags);
	*nr_free = pc->nr_free;
	*hits = pc->local_hits;
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

/* Stock @root's cache on this CPU (the caller is pinned) with 8 objects. */
static void hpf_stock(struct hpool *root)
{
	void *stock[8];
	int i;

	for (i = 0; i < 8; i++)
		stock[i] = hpool_acquire(root, GFP_KERNEL);
	for (i = 0; i < 8; i++)
		hpool_release(root, stock[i]);
}

/*
 * Acquire @n objects from @pool, a descendant of @root: @root's cache on
 * @cpu must serve them, without a fold. Returns its free objects before.
 */
static unsigned int hpf_borrow(struct kunit *test, struct hpool *root,
			       struct hpool *pool, int cpu, void **objs, int n)
{
	unsigned int free0, nr_free;
	unsigned long hits0, hits;
	int i;

	hpf_cpu_cache(root, cpu, &free0, &hits0);
	KUNIT_EXPECT_GE(test, free0, n);
	/* No assertion: the caller is pinned (migrate_disable()) until it is done. */
	for (i = 0; i < n; i++) {
		objs[i] = hpool_acquire(pool, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, objs[i]);
	}
	hpf_cpu_cache(root, cpu, &nr_free, &hits);
	KUNIT_EXPECT_EQ(test, nr_free, free0 - n);
	KUNIT_EXPECT_EQ(test, hits, hits0 + n);
	return free0;
}

/*
 * A request-scoped child borrows from its parent's cache on this CPU and
 * gives back into it: the parent counts a local hit per borrow and no
 * release, the child its borrows and releases, and every gauge is exact.
 * A drained parent (fast path off) refuses the borrow: the child allocates.
 */
static void hpool_test_fastpath_borrow(struct kunit *test)
{
	struct hpool_params cp = {
		.name = "req", .capacity = 4, .borrow_limit = 4,
		.flags = HPOOL_F_NO_SYSFS,
	};
	struct hpool *root = hpt_root(test, "t-fast-borrow", HPF_CAP), *req;
	unsigned int nr_free;
	unsigned long hits;
	void *objs[8];
	int i, cpu;

	/* Pinned to this CPU from here: no assertion until migrate_enable(). */
	migrate_disable();
	cpu = smp_processor_id();
	hpf_stock(root);
	/* Creating a child leaves the parent's caches alone. */
	req = hpt_try_new(test, root, &cp);
	if (!req) {
		migrate_enable();
		return;
	}
	hpf_borrow(test, root, req, cpu, objs, 4);
	HPT_EXPECT_GAUGES(test, req, 0, 0, 4, 4);
	HPT_EXPECT_SERVED(test, req, 0, 4, 0);
	/* (Reading the root's stats folds its caches into its free list.) */
	HPT_EXPECT_GAUGES(test, root, 8, 4, 4, 0);
	HPT_EXPECT_SERVED(test, root, 4, 0, 8);

	for (i = 0; i < 4; i++)
		hpool_release(req, objs[i]);
	/* Back in this CPU's cache; releases counted on the child only. */
	hpf_cpu_cache(root, cpu, &nr_free, &hits);
	KUNIT_EXPECT_EQ(test, nr_free, 4);
	HPT_EXPECT_GAUGES(test, req, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(req, releases), 4);
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 8);

	/* Draining turns the root's fast path off: the borrow is refused. */
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), 0);
	objs[0] = hpool_acquire(req, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, objs[0]);
	HPT_EXPECT_SERVED(test, req, 0, 4, 1);
	HPT_EXPECT_SERVED(test, root, 4, 0, 8);
	hpool_release(req, objs[0]);
	migrate_enable();
	hpt_destroy(test, req);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
}

/*
 * A chain: a hidden leaf borrows through a middle pool whose own cache and
 * free list are empty; the middle pool borrows from the root's cache under
 * its own lock, and the release that ends the chain puts the objects back
 * in that cache. Every pool of the chain counts exactly
 * (hpool.rst#hpool-acquire, hpool.rst#hpool-fast-path).
 */
static void hpool_test_fastpath_chain(struct kunit *test)
{
	struct hpool_params lp = {
		.name = "leaf", .capacity = 4, .borrow_limit = 4,
		.flags = HPOOL_F_NO_SYSFS,
	};
	struct hpool *root = hpt_root(test, "t-fast-chain", HPF_CAP), *mid, *leaf;
	unsigned int free0, nr_free;
	unsigned long hits;
	void *objs[8];
	int i, cpu;

	mid = hpt_child(test, root, "mid", 100, 4);
	leaf = hpt_new(test, mid, &lp);
	/* Pinned to this CPU from here: no assertion until migrate_enable(). */
	migrate_disable();
	cpu = smp_processor_id();
	hpf_stock(root);
	free0 = hpf_borrow(test, root, leaf, cpu, objs, 2);
	for (i = 0; i < 2; i++)
		hpool_release(leaf, objs[i]);
	hpf_cpu_cache(root, cpu, &nr_free, &hits);
	KUNIT_EXPECT_EQ(test, nr_free, free0);
	migrate_enable();

	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 0, 0);
	HPT_EXPECT_SERVED(test, leaf, 0, 2, 0);
	KUNIT_EXPECT_EQ(test, HPT(leaf, releases), 2);
	HPT_EXPECT_GAUGES(test, mid, 0, 0, 0, 0);
	HPT_EXPECT_SERVED(test, mid, 0, 2, 0);
	KUNIT_EXPECT_EQ(test, HPT(mid, releases), 0);
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
	HPT_EXPECT_SERVED(test, root, 2, 0, 8);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 8);
}

#ifdef CONFIG_HPOOL_DEBUG
/* What the hook of hpool_test_health_lag records of one pool's notifications. */
static struct {
	struct hpool *pool;
	unsigned int count;
	unsigned long last;		/* jiffies */
} hpn;

static void hpn_hook(enum hpool_hook where, struct hpool *pool)
{
	if (where != HPOOL_HOOK_NOTIFY || pool != READ_ONCE(hpn.pool))
		return;
	WRITE_ONCE(hpn.last, jiffies);
	WRITE_ONCE(hpn.count, READ_ONCE(hpn.count) + 1);
}

static void hpn_hook_clear(void *unused)
{
	hpool_set_test_hook(NULL);
	WRITE_ONCE(hpn.pool, NULL);
}

#define HPN_PAIRS	2000

/*
 * HPN_PAIRS acquire and release pairs on @pool, each changing its health
 * twice; then, once @lag_ms has passed, the last change must have been
 * notified, and nothing after it. Returns what was notified meanwhile.
 */
static void hpn_flip(struct kunit *test, struct hpool *pool, unsigned int lag_ms)
{
	unsigned long t0, t1, periods, deadline;
	unsigned int count;
	void *obj;
	int i;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpn_hook_clear, NULL), 0);
	hpn.count = 0;
	hpn.last = 0;
	WRITE_ONCE(hpn.pool, pool);
	hpool_set_test_hook(hpn_hook);

	t0 = jiffies;
	for (i = 0; i < HPN_PAIRS; i++) {
		obj = hpool_acquire(pool, GFP_KERNEL);
		if (!obj)
			break;
		hpool_release(pool, obj);
	}
	t1 = jiffies;
	KUNIT_ASSERT_EQ(test, i, HPN_PAIRS);
	count = READ_ONCE(hpn.count);
	periods = (t1 - t0) / HPOOL_NOTIFY_LAG + 1;
	kunit_info(test, "%s: %d changes in %lu jiffies: %u notified", pool->name,
		   2 * HPN_PAIRS, t1 - t0, count);
	KUNIT_EXPECT_GE(test, count, 1);
	/*
	 * The first change of each period at once, one for the rest; and one
	 * for the partial jiffies at either end.
	 */
	KUNIT_EXPECT_LE(test, count, 2 * periods + 2);

	/*
	 * Stopped: the last change (to good, at t1 or before) is told within
	 * the bound (@lag_ms, with the work's latency), and nothing after it.
	 * A notification sent at once at t1 may be followed by the one of its
	 * period's end: wait for that too (on 16 vCPUs under TCG the work can
	 * run several periods late).
	 */
	deadline = jiffies + msecs_to_jiffies(lag_ms);
	while (time_before(jiffies, deadline) &&
	       (time_before(READ_ONCE(hpn.last), t1) ||
		READ_ONCE(pool->health) != HPOOL_HEALTH_GOOD ||
		!hpool_notify_settled(pool)))
		msleep(20);
	KUNIT_EXPECT_TRUE_MSG(test, hpool_notify_settled(pool),
			      "a notification still waits %u ms after the last change", lag_ms);
	/* Let a second notification, if one were coming, come. */
	msleep(jiffies_to_msecs(3 * HPOOL_NOTIFY_LAG));
	count = READ_ONCE(hpn.count);
	KUNIT_EXPECT_FALSE_MSG(test, time_before(READ_ONCE(hpn.last), t1),
			       "no notification after the last change");
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->health), HPOOL_HEALTH_GOOD);
	msleep(jiffies_to_msecs(3 * HPOOL_NOTIFY_LAG));
	KUNIT_EXPECT_EQ(test, READ_ONCE(hpn.count), count);
	hpool_set_test_hook(NULL);
	HPT_EXPECT_GAUGES(test, pool, pool->capacity ? 1 : 0, pool->capacity ? 1 : 0, 0, 0);
}

/*
 * hpool.rst#hpool-health-lag: a child of capacity 2 changes health at every
 * acquire and release (good, warning, good...), on its lock. Its pollers are
 * told at most twice per HPOOL_NOTIFY_LAG while that goes on (the first
 * change of a period at once, the rest once at its end), and the last
 * change once traffic stops, within HPOOL_NOTIFY_LAG and the work's latency
 * (given 200 ms here).
 */
static void hpool_test_health_lag(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-health-lag", 100);

	hpn_flip(test, hpt_child(test, root, "c", 2, 0), 200);
}

/*
 * hpool.rst#hpool-chain: a pure borrower (capacity 0) borrows on its CPU's
 * caches, so its health (critical while anything is in use) is computed
 * again only at a fold: a read of its stats, any operation under its lock,
 * or the idle trim, which notifies it within two HPOOL_IDLE_PERIODs once
 * traffic stops (given three here).
 */
static void hpool_test_health_lag_borrower(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-health-lag-b", 100);
	void *obj;

	obj = hpool_acquire(root, GFP_KERNEL);	/* one object in the tree */
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hpool_release(root, obj);
	hpn_flip(test, hpt_child(test, root, "c", 0, 100),
		 3 * jiffies_to_msecs(HPOOL_IDLE_PERIOD));
}

#endif

/* This CPU's borrows and borrow drift of @pool, read without a fold. */
static void hpf_cpu_borrows(struct hpool *pool, int cpu, unsigned long *borrows,
			    int *borrowed, int *bquota)
{
	struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&pc->lock, flags);
	*borrows = pc->borrows;
	*borrowed = pc->borrowed;
	*bquota = pc->bquota;
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

#define HPC_PAIRS	100

/*
 * hpool.rst#hpool-chain: through pure borrowers (l1, l2, leaf: capacity 0),
 * a borrow and its return are made on this CPU's caches, without a pool
 * lock, once each pool of the chain has a quota; every count is exact at
 * the next read, the borrow drift stays within the quota, and borrow_limit
 * holds exactly.
 */
static void hpool_test_chain_fast(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-chain-fast", HPF_CAP);
	struct hpool *l1 = hpt_child(test, root, "l1", 0, 1000);
	struct hpool *l2 = hpt_child(test, l1, "l2", 0, 1000);
	struct hpool *leaf = hpt_child(test, l2, "leaf", 0, 3);
	unsigned long borrows[3], hits0, hits;
	int borrowed[3], bquota[3], i, cpu;
	unsigned int nr_free;
	void *objs[4];

	/* Pinned to this CPU from here: no assertion until migrate_enable(). */
	migrate_disable();
	cpu = smp_processor_id();
	hpf_stock(root);
	/* The first goes through the locks, which give this CPU its quotas. */
	objs[0] = hpool_acquire(leaf, GFP_KERNEL);
	hpool_release(leaf, objs[0]);
	hpf_cpu_cache(root, cpu, &nr_free, &hits0);
	for (i = 0; i < HPC_PAIRS; i++) {
		objs[0] = hpool_acquire(leaf, GFP_KERNEL);
		if (!objs[0])
			break;
		hpool_release(leaf, objs[0]);
	}
	hpf_cpu_cache(root, cpu, &nr_free, &hits);
	hpf_cpu_borrows(leaf, cpu, &borrows[0], &borrowed[0], &bquota[0]);
	hpf_cpu_borrows(l2, cpu, &borrows[1], &borrowed[1], &bquota[1]);
	hpf_cpu_borrows(l1, cpu, &borrows[2], &borrowed[2], &bquota[2]);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, i, HPC_PAIRS);
	/* Served by the root's cache on this CPU, every one. */
	KUNIT_EXPECT_EQ(test, hits, hits0 + HPC_PAIRS);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ_MSG(test, borrows[i], HPC_PAIRS, "level %d", i);
		/* The first's release came back on the caches too. */
		KUNIT_EXPECT_EQ_MSG(test, borrowed[i], -1, "level %d", i);
		KUNIT_EXPECT_GT_MSG(test, bquota[i], 0, "level %d", i);
		KUNIT_EXPECT_LE_MSG(test, bquota[i], HPOOL_PCP_QUOTA_MAX, "level %d", i);
	}
	/* The leaf may borrow 3: its quota is at most that. */
	KUNIT_EXPECT_LE(test, bquota[0], 3);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 0, 0);
	HPT_EXPECT_SERVED(test, leaf, 0, HPC_PAIRS + 1, 0);
	KUNIT_EXPECT_EQ(test, HPT(leaf, releases), HPC_PAIRS + 1);
	HPT_EXPECT_GAUGES(test, l2, 0, 0, 0, 0);
	HPT_EXPECT_SERVED(test, l2, 0, HPC_PAIRS + 1, 0);
	HPT_EXPECT_GAUGES(test, l1, 0, 0, 0, 0);
	HPT_EXPECT_SERVED(test, l1, 0, HPC_PAIRS + 1, 0);
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(leaf->health), HPOOL_HEALTH_GOOD);

	/* borrow_limit, exactly: 3 borrowed, the fourth fails (capacity 0). */
	for (i = 0; i < 4; i++)
		objs[i] = hpool_acquire(leaf, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, objs[2]);
	KUNIT_EXPECT_NULL(test, objs[3]);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 3, 3);
	KUNIT_EXPECT_EQ(test, HPT(leaf, fail_limit), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(leaf->health), HPOOL_HEALTH_CRITICAL);
	HPT_EXPECT_GAUGES(test, l1, 0, 0, 3, 3);
	HPT_EXPECT_GAUGES(test, root, 8, 5, 3, 0);
	for (i = 0; i < 3; i++)
		hpool_release(leaf, objs[i]);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, l2, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
}

static const unsigned int hpf_health_caps[] = {
	0, 1, 2, 3, 7, 10, 99, 100, 101, 1000, UINT_MAX / 100 + 1, UINT_MAX,
};

static void hpf_health_cap_desc(const unsigned int *cap, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "capacity %u", *cap);
}

KUNIT_ARRAY_PARAM(hpf_health_caps, hpf_health_caps, hpf_health_cap_desc);

/*
 * Health without a division: the same level as sysfs' utilisation gives,
 * for each capacity (one row each).
 */
static void hpool_test_health_at(struct kunit *test)
{
	unsigned int u, c = *(const unsigned int *)test->param_value;

	for (u = 0; u < 300; u++)
		KUNIT_EXPECT_EQ_MSG(test, hpool_health_at(u, c),
				    hpool_health_of(hpool_util(u, c)),
				    "in_use %u capacity %u", u, c);
	for (u = c / 2 - 2; c > 8 && u != c / 2 + 2; u++)
		KUNIT_EXPECT_EQ_MSG(test, hpool_health_at(u, c),
				    hpool_health_of(hpool_util(u, c)),
				    "in_use %u capacity %u", u, c);
	for (u = c - c / 5 - 2; c > 8 && u != c - c / 5 + 2; u++)
		KUNIT_EXPECT_EQ_MSG(test, hpool_health_at(u, c),
				    hpool_health_of(hpool_util(u, c)),
				    "in_use %u capacity %u", u, c);
	KUNIT_EXPECT_EQ(test, hpool_health_at(UINT_MAX, c),
			hpool_health_of(hpool_util(UINT_MAX, c)));
}

static struct kunit_case hpool_fastpath_cases[] = {
	KUNIT_CASE(hpool_test_fastpath_exact),
	KUNIT_CASE(hpool_test_fastpath_peak),
	KUNIT_CASE(hpool_test_fastpath_drain),
	KUNIT_CASE(hpool_test_fastpath_borrow),
	KUNIT_CASE(hpool_test_fastpath_chain),
#ifdef CONFIG_HPOOL_DEBUG
	KUNIT_CASE(hpool_test_health_lag),
	KUNIT_CASE_SLOW(hpool_test_health_lag_borrower),
#endif
	KUNIT_CASE(hpool_test_chain_fast),
	KUNIT_CASE_PARAM(hpool_test_health_at, hpf_health_caps_gen_params),
	{}
};

static struct kunit_suite hpool_fastpath_suite = {
	.name = "hpool_fastpath",
	.test_cases = hpool_fastpath_cases,
};

kunit_test_suite(hpool_fastpath_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's per-CPU fast path and its bound");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
