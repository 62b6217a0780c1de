// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of hpool under memory pressure
 * (hpool.rst#hpool-memory-pressure): the shrinker's callbacks, driven
 * directly, count the free stock beyond every reserve, per-CPU caches
 * included, without touching it; a scan frees the coolest leaves first and
 * roots last, never below a reserve, never an object in use, and counts
 * what it frees; the idle trim folds a CPU's cache back once it saw no
 * traffic for a period, and only then.
 *
 * The cases assume no other pool holds free stock while they run (the test
 * VM loads one suite at a time): they check that first.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/shrinker.h>

#include "hpool_internal.h"
#include "hpool_pcp.h"
#include "hpool_shrink.h"
#include "hpool_test.h"

static unsigned long hps_count(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };

	return hpool_shrink_count(NULL, &sc);
}

static unsigned long hps_scan(unsigned long nr)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = nr };

	return hpool_shrink_scan(NULL, &sc);
}

/* The free objects in @pool's per-CPU caches, read without a fold. */
static unsigned int hps_cached(struct hpool *pool)
{
	unsigned int cpu, nr = 0;
	unsigned long flags;

	for_each_possible_cpu(cpu) {
		struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);

		raw_spin_lock_irqsave(&pc->lock, flags);
		nr += pc->nr_free;
		raw_spin_unlock_irqrestore(&pc->lock, flags);
	}
	return nr;
}

/* Acquire @n objects of @pool, then release all but @keep of them. */
static void hps_fill(struct kunit *test, struct hpool *pool, void **objs,
		     unsigned int n, unsigned int keep)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		objs[i] = hpool_acquire(pool, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = keep; i < n; i++)
		hpool_release(pool, objs[i]);
}

static struct hpool *hps_pool(struct kunit *test, struct hpool *parent,
			      const char *name, unsigned int capacity,
			      unsigned int reserve)
{
	struct hpool_params p = {
		.name = name, .capacity = capacity, .reserve = reserve,
		.obj_size = parent ? 0 : 64,
	};

	return hpt_new(test, parent, &p);
}

/*
 * Free stock: a (10 free, reserve 2, 10 in use: 25%), b (6 free, reserve 0,
 * nothing in use), the root (8 free, reserve 4). count sees 8 + 6 + 4 and
 * leaves the caches alone; a scan of 4 takes them from b, the coolest leaf;
 * a large one empties b, brings a to its reserve, then the root to its own;
 * then nothing is left (SHRINK_EMPTY, SHRINK_STOP), the objects in use are
 * untouched, every freed object counts in frees and shrunk, and no CPU
 * caches anything.
 */
static void hps_count_and_scan(struct kunit *test)
{
	struct hpool *root, *a, *b;
	void *objs[20], *bobjs[6], *robjs[8];
	unsigned int i;

	KUNIT_ASSERT_EQ_MSG(test, hps_count(), SHRINK_EMPTY,
			    "another pool holds free stock: the counts below would be off");
	root = hps_pool(test, NULL, "hps", 100, 4);
	a = hps_pool(test, root, "a", 40, 2);
	b = hps_pool(test, root, "b", 40, 0);
	hps_fill(test, a, objs, 20, 10);
	hps_fill(test, b, bobjs, 6, 0);
	hps_fill(test, root, robjs, 8, 0);

	/* Some of it sits in per-CPU caches: count sees it and leaves it there. */
	KUNIT_EXPECT_GT(test, hps_cached(a) + hps_cached(b) + hps_cached(root), 0);
	i = hps_cached(a);
	KUNIT_EXPECT_EQ(test, hps_count(), 8 + 6 + 4);
	KUNIT_EXPECT_EQ(test, hps_cached(a), i);

	KUNIT_EXPECT_EQ(test, hps_scan(4), 4);
	HPT_EXPECT_GAUGES(test, b, 2, 2, 0, 0);
	HPT_EXPECT_GAUGES(test, a, 20, 10, 10, 0);
	HPT_EXPECT_GAUGES(test, root, 30, 8, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(b, shrunk), 4);
	KUNIT_EXPECT_EQ(test, HPT(b, frees), 4);
	KUNIT_EXPECT_EQ(test, hps_count(), 8 + 2 + 4);

	KUNIT_EXPECT_EQ(test, hps_scan(100), 8 + 2 + 4);
	HPT_EXPECT_GAUGES(test, b, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, a, 12, 2, 10, 0);
	HPT_EXPECT_GAUGES(test, root, 16, 4, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(b, shrunk), 6);
	KUNIT_EXPECT_EQ(test, HPT(a, shrunk), 8);
	KUNIT_EXPECT_EQ(test, HPT(a, frees), 8);
	KUNIT_EXPECT_EQ(test, HPT(root, shrunk), 4);
	KUNIT_EXPECT_EQ(test, HPT(root, frees), 4);
	KUNIT_EXPECT_EQ(test, hps_cached(a) + hps_cached(b) + hps_cached(root), 0);
	KUNIT_EXPECT_EQ(test, hps_count(), SHRINK_EMPTY);
	KUNIT_EXPECT_EQ(test, hps_scan(100), SHRINK_STOP);

	/* The objects in use were never touched: they come back whole. */
	for (i = 0; i < 10; i++)
		hpool_release(a, objs[i]);
	HPT_EXPECT_GAUGES(test, a, 12, 12, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(a, releases), 20);
}

/* A scan that ends inside a pool leaves the rest of its surplus there. */
static void hps_partial_scans(struct kunit *test)
{
	struct hpool *root;
	void *objs[30];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, hps_count(), SHRINK_EMPTY);
	root = hps_pool(test, NULL, "hps", 100, 5);
	hps_fill(test, root, objs, 30, 0);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, hps_scan(3), 3);
	HPT_EXPECT_GAUGES(test, root, 15, 15, 0, 0);
	KUNIT_EXPECT_EQ(test, hps_count(), 10);
	KUNIT_EXPECT_EQ(test, hps_scan(64), 10);
	HPT_EXPECT_GAUGES(test, root, 5, 5, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, shrunk), 25);
	KUNIT_EXPECT_EQ(test, HPT(root, frees), 25);
}

static unsigned int hps_cpu_free(struct hpool *pool, unsigned int cpu)
{
	struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
	unsigned long flags;
	unsigned int nr;

	raw_spin_lock_irqsave(&pc->lock, flags);
	nr = pc->nr_free;
	raw_spin_unlock_irqrestore(&pc->lock, flags);
	return nr;
}

/*
 * A CPU's cache goes back to the pool at the first look that finds it idle
 * for a period; traffic less than a period before a look keeps it; left
 * alone, the periodic looks take it back within two periods. The pool's
 * numbers are exact throughout.
 */
static void hps_idle_trim(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);
	unsigned int i, tries;
	struct hpool *root;
	bool judged = false;
	unsigned long t0;

	/* Run any look an earlier case queued. */
	hpool_idle_trim();
	root = hps_pool(test, NULL, "hps", 100, 0);
	hpt_traffic_on(test, root, cpu, 8);
	KUNIT_ASSERT_GT(test, hps_cpu_free(root, cpu), 0);

	/*
	 * Judged only when the VM ran a look, the traffic and a look within
	 * one period: a host that stalls the VM can stretch any window past a
	 * second, and then the cache did sit idle that long. Tried again then.
	 */
	for (tries = 0; tries < 5 && !judged; tries++) {
		t0 = jiffies;
		hpool_idle_trim();
		hpt_traffic_on(test, root, cpu, 8);
		hpool_idle_trim();
		if (time_before(jiffies, t0 + HPOOL_IDLE_PERIOD)) {
			judged = true;
			KUNIT_EXPECT_GT_MSG(test, hps_cpu_free(root, cpu), 0,
					    "trimmed although it saw traffic within a period");
		}
	}
	KUNIT_EXPECT_TRUE_MSG(test, judged, "no look, traffic, look within a period in %u tries",
			      tries);

	/* A period with no traffic: the next look takes the cache back. */
	schedule_timeout_uninterruptible(HPOOL_IDLE_PERIOD + 1);
	hpool_idle_trim();
	KUNIT_EXPECT_EQ(test, hps_cpu_free(root, cpu), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(cpu, root->pcp_mask));
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 8 * (1 + tries));

	/*
	 * Left alone: the periodic look (queued by the traffic, once a period)
	 * within two periods; four seconds allow for a slow VM.
	 */
	hpt_traffic_on(test, root, cpu, 8);
	KUNIT_ASSERT_GT(test, hps_cpu_free(root, cpu), 0);
	for (i = 0; i < 40 && hps_cpu_free(root, cpu); i++)
		msleep(100);
	KUNIT_EXPECT_EQ(test, hps_cpu_free(root, cpu), 0);
	HPT_EXPECT_GAUGES(test, root, 8, 8, 0, 0);
}

/* On a kthread bound to a CPU: @pairs acquire+release pairs, then @obj back. */
struct hps_job {
	struct hpool *pool;
	void *obj;
	unsigned int pairs;
	struct completion done;
};

static int hps_job_fn(void *data)
{
	struct hps_job *j = data;
	unsigned int i;

	for (i = 0; i < j->pairs; i++)
		hpool_release(j->pool, hpool_acquire(j->pool, GFP_KERNEL));
	hpool_release(j->pool, j->obj);
	complete(&j->done);
	return 0;
}

/* Run a job on @cpu; false (and @obj back, here) if no kthread could run it. */
static bool hps_job_on(struct hpool *pool, unsigned int pairs, void *obj,
		       unsigned int cpu)
{
	struct hps_job j = { .pool = pool, .obj = obj, .pairs = pairs };
	struct task_struct *t;

	init_completion(&j.done);
	t = kthread_create(hps_job_fn, &j, "hps_job");
	if (IS_ERR(t)) {
		hpool_release(pool, obj);
		return false;
	}
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&j.done);
	return true;
}

/* @cpu's drift of @pool's nr_borrowed, read without a fold. */
static int hps_borrowed(struct hpool *pool, unsigned int cpu)
{
	struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
	unsigned long flags;
	int borrowed;

	raw_spin_lock_irqsave(&pc->lock, flags);
	borrowed = pc->borrowed;
	raw_spin_unlock_irqrestore(&pc->lock, flags);
	return borrowed;
}

/* One pair on @pool on this CPU (the caller is pinned). */
static void hps_pair(struct hpool *pool)
{
	hpool_release(pool, hpool_acquire(pool, GFP_KERNEL));
}

/*
 * hpool.rst#hpool-chain: an object borrowed through a pure borrower on CPU a
 * and given back on CPU b leaves a drift of +1 on a and -1 on b. The idle
 * trim folds b alone when a stays busy, and for a moment the pool's
 * nr_in_use is one below what a holds: -1, or UINT_MAX, which is no peak.
 * peak_in_use must stay what it was, and every number is exact after.
 */
static void hps_idle_trim_split(struct kunit *test)
{
	int a_before, b_before, a_after, b_after;
	struct hpool_stats st;
	struct hpool *root, *leaf;
	unsigned int a, b, i;
	unsigned long end;
	void *obj, **objs;
	bool ran;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	/* Room for both CPUs' quotas (the room to 50% is shared). */
	root = hps_pool(test, NULL, "hps-split", 1000, 0);
	leaf = hpt_child(test, root, "leaf", 0, 100);
	/* 64 objects on the root's free list: the CPUs restock from it. */
	objs = kunit_kcalloc(test, 64, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	hps_fill(test, root, objs, 64, 0);
	hpool_get_stats(root, &st);
	KUNIT_ASSERT_EQ(test, st.nr_free, 64);

	/* Pinned to a from here: no assertion until migrate_enable(). */
	migrate_disable();
	a = smp_processor_id();
	b = cpumask_any_but(cpu_online_mask, a);
	/* a: its caches and quotas; then a read folds the leaf: nothing out. */
	for (i = 0; i < 4; i++)
		hps_pair(leaf);
	hpool_get_stats(leaf, &st);
	/* b: the root's cache (a restock: no fold), then the leaf's quota. */
	ran = hps_job_on(root, 4, NULL, b) && hps_job_on(leaf, 4, NULL, b);
	a_before = hps_borrowed(leaf, a);
	b_before = hps_borrowed(leaf, b);
	obj = hpool_acquire(leaf, GFP_KERNEL);
	ran = ran && hps_job_on(leaf, 0, obj, b);
	a_after = hps_borrowed(leaf, a);
	b_after = hps_borrowed(leaf, b);
	/* A look sees both; a stays busy for a period, b does not. */
	hpool_idle_trim();
	end = jiffies + HPOOL_IDLE_PERIOD + 1;
	while (time_before(jiffies, end)) {
		hps_pair(leaf);
		msleep(20);
	}
	hps_pair(leaf);
	hpool_idle_trim();
	migrate_enable();

	KUNIT_ASSERT_TRUE(test, ran);
	/* Both went on the caches: a holds one more, b one fewer. */
	KUNIT_EXPECT_EQ(test, a_after - a_before, 1);
	KUNIT_EXPECT_EQ(test, b_after - b_before, -1);
	KUNIT_EXPECT_EQ(test, st.nr_in_use, 0);
	KUNIT_EXPECT_LE(test, HPT(leaf, peak_in_use), 4);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_in_use), 0);
}

static struct kunit_case hpool_shrink_cases[] = {
	KUNIT_CASE(hps_count_and_scan),
	KUNIT_CASE(hps_partial_scans),
	KUNIT_CASE_SLOW(hps_idle_trim),
	KUNIT_CASE_SLOW(hps_idle_trim_split),
	{}
};

static struct kunit_suite hpool_shrink_suite = {
	.name = "hpool_shrink",
	.test_cases = hpool_shrink_cases,
};

kunit_test_suite(hpool_shrink_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's shrinker and idle trim");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
