// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the per-CPU layer on many CPUs (hpool.rst#hpool-fast-path):
 * a fold visits only the CPUs that hold something and takes their counts
 * with it; the CPUs' quotas and the room left always add up to the room to
 * the next health level, whatever the number of CPUs, and a lone CPU gets
 * all it may use even on a small pool; a CPU that goes offline hands its
 * cache and quota back at once; borrows through pure borrowers on every
 * CPU at once keep borrow_limit and exact counts.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "hpool_internal.h"
#include "hpool_pcp.h"
#include "hpool_test.h"

/* What one CPU's cache of @pool holds, read under its lock. */
struct hpc_cpu {
	unsigned int nr_free;
	int in_use, quota;
	unsigned long hits, releases;
	bool dirty;
};

static void hpc_read(struct hpool *pool, unsigned int cpu, struct hpc_cpu *c)
{
	struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&pc->lock, flags);
	c->nr_free = pc->nr_free;
	c->in_use = pc->in_use;
	c->hits = pc->local_hits;
	c->releases = pc->releases;
	c->quota = pc->quota;
	c->dirty = test_bit(cpu, pool->pcp_mask);
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

/*
 * How far nr_in_use may move from @u and keep its health level: what the
 * quotas and the room left add up to after a fold.
 */
static unsigned int hpc_band_room(unsigned int u, unsigned int cap)
{
	unsigned int warn = DIV_ROUND_UP(cap * HPOOL_WARNING_PCT, 100);
	unsigned int crit = DIV_ROUND_UP(cap * HPOOL_CRITICAL_PCT, 100);

	if (u < warn)
		return warn - 1 - u;
	if (u < crit)
		return min(crit - 1 - u, u - warn);
	return u - crit;
}

/* The room left and the sum of every CPU's quota, without a fold. */
static void hpc_quotas(struct hpool *pool, unsigned int *room, int *sum, int *max)
{
	unsigned long flags;
	struct hpc_cpu c;
	unsigned int cpu;

	spin_lock_irqsave(&pool->lock, flags);
	*room = pool->pcp_room;
	spin_unlock_irqrestore(&pool->lock, flags);
	*sum = 0;
	*max = 0;
	for_each_possible_cpu(cpu) {
		hpc_read(pool, cpu, &c);
		*sum += c.quota;
		*max = max(*max, c.quota);
	}
}

/*
 * Traffic on one CPU marks that CPU alone; a read of the stats folds it:
 * the mask empties, the counts move into the pool, the numbers are exact.
 */
static void hpc_fold_only_dirty(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "hpc", 256);
	unsigned int cpu, weight, i;
	struct hpc_cpu c;
	void *objs[4];
	bool mine;

	/* Arm the fast path and stock this CPU's cache. */
	objs[0] = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	hpool_release(root, objs[0]);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);

	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < 4; i++)
		objs[i] = hpool_acquire(root, GFP_ATOMIC);
	for (i = 0; i < 4; i++)
		hpool_release(root, objs[i]);
	weight = bitmap_weight(root->pcp_mask, nr_cpu_ids);
	mine = test_bit(cpu, root->pcp_mask);
	hpc_read(root, cpu, &c);
	migrate_enable();

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_NOT_NULL(test, objs[i]);
	KUNIT_EXPECT_EQ(test, weight, 1);
	KUNIT_EXPECT_TRUE(test, mine);
	KUNIT_EXPECT_TRUE(test, c.dirty);
	KUNIT_EXPECT_LE(test, abs(c.in_use), c.quota);
	/* The four releases went to this CPU's cache, counted there. */
	KUNIT_EXPECT_EQ(test, c.releases, 4);
	KUNIT_EXPECT_EQ(test, c.nr_free, 4);

	/* The read folds: exact numbers, every count in the pool, no CPU marked. */
	HPT_EXPECT_GAUGES(test, root, 4, 4, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, local_hits) + HPT(root, allocations), 5);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 5);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(root->pcp_mask, nr_cpu_ids));
	for_each_possible_cpu(cpu) {
		hpc_read(root, cpu, &c);
		KUNIT_EXPECT_EQ_MSG(test, c.nr_free + c.hits + c.releases, 0, "cpu %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c.in_use + c.quota, 0, "cpu %u", cpu);
		KUNIT_EXPECT_FALSE_MSG(test, c.dirty, "cpu %u", cpu);
	}
}

/*
 * A one-object acquire or release never waits for this CPU's cache lock
 * (hpool.rst#hpool-fast-path): while every try of it fails, as when another
 * CPU folds, both go the way of a miss, under the pool's lock, and every
 * count and gauge is exact after.
 */
static void hpc_cache_busy(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "hpc-busy", 256);
	void *objs[8];
	unsigned int i;

	/* Arm the fast path and stock this CPU's cache with one object. */
	objs[0] = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	hpool_release(root, objs[0]);

	WRITE_ONCE(hpool_test_cache_busy, true);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = hpool_acquire(root, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		hpool_release(root, objs[i]);
	WRITE_ONCE(hpool_test_cache_busy, false);

	for (i = 0; i < ARRAY_SIZE(objs); i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, objs[i], "object %u", i);
	/* The cached object (a fold put it back on the list), seven new. */
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
	HPT_EXPECT_SERVED(test, root, 1, 0, 8);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 9);
	KUNIT_EXPECT_EQ(test, HPT(root, bad_releases), 0);
	/* The cache is tried again: restocked, it serves a hit. */
	objs[0] = hpool_acquire(root, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, objs[0]);
	hpool_release(root, objs[0]);
	HPT_EXPECT_SERVED(test, root, 2, 0, 8);
}

/*
 * A lone CPU on a small pool gets all the room as its quota (capacity 10:
 * warning at 5, room 4), whatever the number of CPUs; quotas and room left
 * always add up to the room of the band.
 */
static void hpc_quota_small_pool(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "hpc", 10);
	unsigned long hits;
	unsigned int room;
	int sum, max, i;
	struct hpc_cpu c;
	void *objs[4];

	for (i = 0; i < 4; i++)
		objs[i] = hpool_acquire(root, GFP_KERNEL);
	for (i = 0; i < 4; i++)
		hpool_release(root, objs[i]);
	/* A fold: 4 free objects, nothing in use, a room of 4 and no quota out. */
	HPT_EXPECT_GAUGES(test, root, 4, 4, 0, 0);
	hpc_quotas(root, &room, &sum, &max);
	KUNIT_EXPECT_EQ(test, room, hpc_band_room(0, 10));
	KUNIT_EXPECT_EQ(test, sum, 0);

	/* Four acquisitions on one CPU: one restock, then its cache alone. */
	migrate_disable();
	for (i = 0; i < 4; i++)
		objs[i] = hpool_acquire(root, GFP_ATOMIC);
	hpc_quotas(root, &room, &sum, &max);
	hpc_read(root, smp_processor_id(), &c);
	migrate_enable();
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_NOT_NULL(test, objs[i]);
	KUNIT_EXPECT_EQ(test, max, 4);
	KUNIT_EXPECT_EQ(test, sum + room, hpc_band_room(0, 10));
	KUNIT_EXPECT_EQ(test, c.in_use, 4);
	hits = c.hits;
	KUNIT_EXPECT_EQ(test, hits, 4);

	/* A fold: exact, health good (4 of 10), a new band from 4: no room. */
	HPT_EXPECT_GAUGES(test, root, 4, 0, 4, 0);
	hpc_quotas(root, &room, &sum, &max);
	KUNIT_EXPECT_EQ(test, sum, 0);
	KUNIT_EXPECT_EQ(test, room, hpc_band_room(4, 10));
	for (i = 0; i < 4; i++)
		hpool_release(root, objs[i]);
	HPT_EXPECT_GAUGES(test, root, 4, 4, 0, 0);
}

/*
 * cpu1 goes offline with objects in its cache: they are back in the pool at
 * once, cpu1 holds nothing and its quota is room again; it comes back with
 * nothing.
 */
static void hpc_hotplug(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "hpc", 100);
	unsigned int room;
	struct hpc_cpu c;
	int ret, sum, max;

	if (num_online_cpus() < 2 || !cpu_online(1) || !cpu_is_hotpluggable(1))
		kunit_skip(test, "needs an online, hotpluggable cpu1");

	hpt_traffic_on(test, root, 1, 8);

	/* Some of the eight went to cpu1's cache, unfolded, under its quota. */
	hpc_read(root, 1, &c);
	KUNIT_EXPECT_GT(test, c.nr_free, 0);
	KUNIT_EXPECT_GT(test, c.quota, 0);
	KUNIT_EXPECT_TRUE(test, c.dirty);

	ret = remove_cpu(1);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* Back at once: no read of the pool in between folded it. */
	hpc_read(root, 1, &c);
	KUNIT_EXPECT_EQ(test, c.nr_free, 0);
	KUNIT_EXPECT_EQ(test, c.in_use, 0);
	KUNIT_EXPECT_EQ(test, c.quota, 0);
	KUNIT_EXPECT_FALSE(test, c.dirty);
	/* Its quota is room again: the whole band, as nothing is in use. */
	hpc_quotas(root, &room, &sum, &max);
	KUNIT_EXPECT_EQ(test, sum, 0);
	KUNIT_EXPECT_EQ(test, room, hpc_band_room(0, 100));

	ret = add_cpu(1);
	KUNIT_EXPECT_EQ(test, ret, 0);
	/* It comes back with nothing. */
	hpc_read(root, 1, &c);
	KUNIT_EXPECT_EQ(test, c.nr_free + c.quota + c.in_use, 0);
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 8);
}

/* Many CPUs borrowing through a chain of pure borrowers at once. */
#define HPX_BATCH	4	/* objects a worker holds at most */
#define HPX_ROUNDS	50	/* short: under TCG, 16 vCPUs share 2 host CPUs */

struct hpx_run {
	struct hpool *leaf;
	atomic_t held, max_held;	/* objects out, as the workers count them */
	atomic_long_t got, failed;
	struct completion start;
};

struct hpx_worker {
	struct hpx_run *run;
	struct task_struct *task;
	struct completion done;
};

static int hpx_worker_fn(void *data)
{
	struct hpx_worker *w = data;
	struct hpx_run *run = w->run;
	void *objs[HPX_BATCH];
	int r, i, n, held, max;

	wait_for_completion(&run->start);
	for (r = 0; r < HPX_ROUNDS; r++) {
		for (n = 0, i = 0; i < HPX_BATCH; i++) {
			objs[n] = hpool_acquire(run->leaf, GFP_KERNEL);
			if (!objs[n]) {
				atomic_long_inc(&run->failed);
				continue;
			}
			held = atomic_inc_return(&run->held);
			max = atomic_read(&run->max_held);
			while (held > max && !atomic_try_cmpxchg(&run->max_held, &max, held))
				;
			n++;
		}
		atomic_long_add(n, &run->got);
		while (n--) {
			atomic_dec(&run->held);
			hpool_release(run->leaf, objs[n]);
		}
		cond_resched();
	}
	complete(&w->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * hpool.rst#hpool-chain: a worker on every online CPU borrows through two
 * pure borrowers, more than the leaf's borrow_limit (3 per CPU, for 4 each)
 * at once. The limit holds at every moment (what the workers hold never
 * exceeds it), and every count is exact once they stop.
 */
static void hpc_chain_many_cpus(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "hpc-chain", 1000);
	struct hpool *mid = hpt_child(test, root, "mid", 0, 1000);
	unsigned int cpu, nr = 0, i, limit = 3 * num_online_cpus();
	struct hpool *leaf = hpt_child(test, mid, "leaf", 0, limit);
	struct hpx_worker *workers;
	struct hpx_run *run;
	unsigned long got;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	workers = kunit_kcalloc(test, num_online_cpus(), sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	run->leaf = leaf;
	init_completion(&run->start);

	/* From the first worker started to the last one stopped, no assertion. */
	for_each_online_cpu(cpu) {
		struct hpx_worker *w = &workers[nr];
		struct task_struct *task;

		w->run = run;
		init_completion(&w->done);
		task = kthread_create_on_node(hpx_worker_fn, w, cpu_to_node(cpu),
					      "hpool-chain/%u", cpu);
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "kthread_create_on_node: %ld", PTR_ERR(task));
			break;
		}
		w->task = task;
		kthread_bind(task, cpu);
		wake_up_process(task);
		nr++;
	}
	complete_all(&run->start);
	for (i = 0; i < nr; i++) {
		wait_for_completion(&workers[i].done);
		kthread_stop(workers[i].task);
	}

	got = atomic_long_read(&run->got);
	kunit_info(test, "%u CPUs: %lu borrowed, %ld refused, at most %d out at once",
		   nr, got, atomic_long_read(&run->failed), atomic_read(&run->max_held));
	KUNIT_EXPECT_GT(test, got, 0);
	KUNIT_EXPECT_LE(test, atomic_read(&run->max_held), limit);
	KUNIT_EXPECT_EQ(test, got + atomic_long_read(&run->failed),
			(unsigned long)nr * HPX_ROUNDS * HPX_BATCH);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 0, 0);
	HPT_EXPECT_SERVED(test, leaf, 0, got, 0);
	KUNIT_EXPECT_EQ(test, HPT(leaf, releases), got);
	KUNIT_EXPECT_EQ(test, HPT(leaf, fail_limit), atomic_long_read(&run->failed));
	HPT_EXPECT_GAUGES(test, mid, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(mid, parent_borrows), got);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_in_use), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(leaf->health), HPOOL_HEALTH_GOOD);
}

static struct kunit_case hpool_pcp_cases[] = {
	KUNIT_CASE(hpc_fold_only_dirty),
	KUNIT_CASE(hpc_cache_busy),
	KUNIT_CASE(hpc_quota_small_pool),
	KUNIT_CASE(hpc_hotplug),
	KUNIT_CASE_SLOW(hpc_chain_many_cpus),
	{}
};

static struct kunit_suite hpool_pcp_suite = {
	.name = "hpool_pcp",
	.test_cases = hpool_pcp_cases,
};

kunit_test_suite(hpool_pcp_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's per-CPU layer");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
