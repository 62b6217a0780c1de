// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit concurrency tests of hpool, random and so not reproducible: one
 * kthread per online CPU and an hrtimer in hard-IRQ context (softirq on
 * PREEMPT_RT, where hpool's locks sleep: hpool.rst#hpool-rt) hammer a 3-level
 * tree, then the totals must add up exactly (conservation), every object must
 * have been handed to one user at a time, and lockdep must stay silent; and
 * acquirers on every CPU while stock is moved (distribute, reclaim,
 * rebalance, steals) in a loop, with the same conservation checks.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "hpool_test.h"

#define HPC_POOLS	7	/* root, 2 mids, 4 leaves */
#define HPC_HELD	8	/* objects a worker holds at most */
#define HPC_RUN_MS	2000
#define HPC_SAMPLE_MS	10	/* the gauges are sampled this often meanwhile */
#define HPC_OBJ_SIZE	64
#define HPC_ROOT_CAP	96
#define HPC_CAP		40	/* every child's capacity */
#define HPC_BORROW	8	/* every child's borrow_limit */
#define HPC_GROWER	6	/* the HPOOL_F_AUTO_GROW leaf */

struct hpc_run {
	struct hpool *pools[HPC_POOLS];
	atomic_long_t acquired[HPC_POOLS];	/* successful acquisitions per pool */
	atomic_long_t failed[HPC_POOLS];
	atomic_long_t corrupt;			/* an object seen by two users */
	atomic_t stop;
	struct completion start;
	struct hrtimer timer;
	void *timer_obj;			/* hard-IRQ context only */
	int timer_pool;
	unsigned long timer_fires;
};

struct hpc_worker {
	struct hpc_run *run;
	struct task_struct *task;
	struct completion done;
	u32 id;
};

static void *hpc_get(struct hpc_run *run, int idx, u32 stamp, gfp_t gfp)
{
	u32 *obj = hpool_acquire(run->pools[idx], gfp);
	int i;

	if (!obj) {
		atomic_long_inc(&run->failed[idx]);
		return NULL;
	}
	atomic_long_inc(&run->acquired[idx]);
	/* ctor and reset zero every free object: anything else is a second user. */
	for (i = 0; i < HPC_OBJ_SIZE / 4; i++)
		if (obj[i])
			atomic_long_inc(&run->corrupt);
	for (i = 0; i < HPC_OBJ_SIZE / 4; i++)
		obj[i] = stamp;
	return obj;
}

static void hpc_put(struct hpc_run *run, int idx, u32 *obj, u32 stamp)
{
	int i;

	for (i = 0; i < HPC_OBJ_SIZE / 4; i++)
		if (obj[i] != stamp)
			atomic_long_inc(&run->corrupt);
	hpool_release(run->pools[idx], obj);
}

/* ctor and reset zero the object: a user must always find it zeroed. */
static void hpc_zero(void *obj)
{
	memset(obj, 0, HPC_OBJ_SIZE);
}

/* Hard IRQ, but for PREEMPT_RT, where hpool may not be called from it. */
#define HPC_TIMER_MODE \
	(IS_ENABLED(CONFIG_PREEMPT_RT) ? HRTIMER_MODE_REL_SOFT : HRTIMER_MODE_REL_HARD)

static enum hrtimer_restart hpc_timer_fn(struct hrtimer *t)
{
	struct hpc_run *run = container_of(t, struct hpc_run, timer);

	/* Alternate: take an object from a leaf, give it back on the next fire. */
	if (run->timer_obj) {
		hpc_put(run, run->timer_pool, run->timer_obj, 0x1bad1bad);
		run->timer_obj = NULL;
	} else {
		run->timer_pool = 3 + (run->timer_fires % 4);
		run->timer_obj = hpc_get(run, run->timer_pool, 0x1bad1bad, GFP_ATOMIC);
	}
	run->timer_fires++;
	if (atomic_read(&run->stop) && !run->timer_obj)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int hpc_worker_fn(void *data)
{
	struct hpc_worker *w = data;
	struct hpc_run *run = w->run;
	void *held[HPC_HELD] = {};
	int where[HPC_HELD] = {};
	struct rnd_state rnd;
	u32 stamp = 0x1000 + w->id;
	int i, nr = 0;

	prandom_seed_state(&rnd, w->id + 1);
	wait_for_completion(&run->start);
	while (!atomic_read(&run->stop)) {
		u32 r = prandom_u32_state(&rnd);

		if (nr < HPC_HELD && (r & 1 || !nr)) {
			int idx = (r >> 1) % HPC_POOLS;
			gfp_t gfp = (r >> 8) & 1 ? GFP_ATOMIC : GFP_KERNEL;

			held[nr] = hpc_get(run, idx, stamp, gfp);
			if (held[nr])
				where[nr++] = idx;
		} else {
			i = (r >> 1) % nr;
			hpc_put(run, where[i], held[i], stamp);
			held[i] = held[--nr];
			where[i] = where[nr];
		}
		if (!(r & 0xff00))
			cond_resched();
	}
	while (nr--)
		hpc_put(run, where[nr], held[nr], stamp);
	complete(&w->done);
	/* Stay until kthread_stop(), which must find the task alive. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * What bounds a pool's objects (its free ones and its children's): its
 * capacity. The AUTO_GROW leaf's own capacity does not stop it; its parent's
 * does, since every object of the leaf is charged to that parent.
 */
static unsigned int hpc_bound(unsigned int i)
{
	if (i == HPC_GROWER)
		return hpc_bound((i - 1) / 2);
	return i ? HPC_CAP : HPC_ROOT_CAP;
}

/*
 * Instead of a plain sleep while the workers run: sample every pool's
 * nr_objects and keep the largest seen (no assertion here, the workers run).
 */
static void hpc_watch(struct hpc_run *run, struct hpool_stats *scratch,
		      unsigned int *max_objects)
{
	unsigned long end = jiffies + msecs_to_jiffies(HPC_RUN_MS);
	unsigned int i;

	do {
		for (i = 0; i < HPC_POOLS; i++) {
			hpool_get_stats(run->pools[i], scratch);
			max_objects[i] = max(max_objects[i], scratch->nr_objects);
		}
		msleep(HPC_SAMPLE_MS);
	} while (time_before(jiffies, end));
}

/* Wait until each worker has given everything back, then stop it. */
static void hpc_stop_workers(struct hpc_worker *workers, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		wait_for_completion(&workers[i].done);
		kthread_stop(workers[i].task);
	}
}

static void hpool_test_concurrency(struct kunit *test)
{
	struct hpool_params rp = {
		.name = "t-conc", .obj_size = HPC_OBJ_SIZE, .capacity = HPC_ROOT_CAP,
		.ctor = hpc_zero, .reset = hpc_zero,
	};
	struct hpool_params cp = { .capacity = HPC_CAP, .borrow_limit = HPC_BORROW };
	static const char *const names[HPC_POOLS] = {
		"root", "m0", "m1", "l0", "l1", "l2", "l3",
	};
	unsigned int cpu, nr_workers = 0, i, *max_objects;
	struct hpc_worker *workers;
	struct hpool_stats *st;
	unsigned long acquired = 0, served, borrows_in, releases = 0;
	struct hpc_run *run;
	bool failed = false;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	workers = kunit_kcalloc(test, num_online_cpus(), sizeof(*workers), GFP_KERNEL);
	st = kunit_kcalloc(test, HPC_POOLS, sizeof(*st), GFP_KERNEL);
	max_objects = kunit_kcalloc(test, HPC_POOLS, sizeof(*max_objects), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_NOT_NULL(test, max_objects);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	init_completion(&run->start);

	run->pools[0] = hpt_new(test, NULL, &rp);
	for (i = 1; i < HPC_POOLS; i++) {
		cp.name = names[i];
		cp.flags = i == HPC_GROWER ? HPOOL_F_AUTO_GROW : 0;
		run->pools[i] = hpt_new(test, run->pools[(i - 1) / 2], &cp);
	}

	/*
	 * From the first worker started to the last one stopped, no assertion:
	 * returning early would leave the workers running on freed memory.
	 */
	for_each_online_cpu(cpu) {
		struct hpc_worker *w = &workers[nr_workers];
		struct task_struct *task;

		w->run = run;
		w->id = nr_workers;
		init_completion(&w->done);
		task = kthread_create_on_node(hpc_worker_fn, w, cpu_to_node(cpu),
					      "hpool-conc/%u", cpu);
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "kthread_create_on_node: %ld", PTR_ERR(task));
			failed = true;
			break;
		}
		w->task = task;
		kthread_bind(task, cpu);
		wake_up_process(task);
		nr_workers++;
	}
	if (failed) {
		/* Let the workers started go at once, and stop them. */
		atomic_set(&run->stop, 1);
		complete_all(&run->start);
		hpc_stop_workers(workers, nr_workers);
		return;
	}
	hpool_hrtimer_setup(&run->timer, hpc_timer_fn, CLOCK_MONOTONIC, HPC_TIMER_MODE);
	hrtimer_start(&run->timer, ns_to_ktime(100 * NSEC_PER_USEC), HPC_TIMER_MODE);

	complete_all(&run->start);
	hpc_watch(run, &st[0], max_objects);
	atomic_set(&run->stop, 1);
	hpc_stop_workers(workers, nr_workers);
	/* The timer stops itself once it holds nothing; wait for that. */
	while (hrtimer_active(&run->timer))
		usleep_range(1000, 2000);
	hrtimer_cancel(&run->timer);

	for (i = 0; i < HPC_POOLS; i++) {
		hpool_get_stats(run->pools[i], &st[i]);
		acquired += atomic_long_read(&run->acquired[i]);
		releases += st[i].releases;
	}
	kunit_info(test, "%lu acquisitions, %lu timer fires, %u workers\n",
		   acquired, run->timer_fires, nr_workers);
	kunit_info(test, "most objects seen: root %u of %u, %s (the grower's parent) %u of %u\n",
		   max_objects[0], hpc_bound(0), names[(HPC_GROWER - 1) / 2],
		   max_objects[(HPC_GROWER - 1) / 2], hpc_bound((HPC_GROWER - 1) / 2));
	KUNIT_EXPECT_GT(test, acquired, 1000);
	KUNIT_EXPECT_GT(test, run->timer_fires, 10);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->corrupt), 0);
	/* acquired = released + in use, with nothing in use any more */
	KUNIT_EXPECT_EQ(test, releases, acquired);

	for (i = 0; i < HPC_POOLS; i++) {
		unsigned long sub = 0;
		unsigned int c;

		KUNIT_EXPECT_EQ_MSG(test, st[i].releases,
				    atomic_long_read(&run->acquired[i]), "pool %s", names[i]);
		KUNIT_EXPECT_EQ_MSG(test, st[i].fail_limit + st[i].fail_nomem + st[i].fail_state,
				    atomic_long_read(&run->failed[i]), "pool %s", names[i]);
		KUNIT_EXPECT_EQ_MSG(test, st[i].nr_in_use, 0, "pool %s", names[i]);
		KUNIT_EXPECT_EQ_MSG(test, st[i].nr_borrowed, 0, "pool %s", names[i]);
		KUNIT_EXPECT_EQ_MSG(test, st[i].bad_releases, 0, "pool %s", names[i]);
		/* nr_objects = own free objects + what the children hold */
		borrows_in = 0;
		for (c = 2 * i + 1; c <= 2 * i + 2 && c < HPC_POOLS; c++) {
			sub += st[c].nr_objects;
			borrows_in += st[c].parent_borrows;
		}
		KUNIT_EXPECT_EQ_MSG(test, st[i].nr_objects, st[i].nr_free + sub,
				    "pool %s", names[i]);
		/* every step a pool served was for its callers or a child's borrow */
		served = st[i].local_hits + st[i].parent_borrows + st[i].allocations;
		KUNIT_EXPECT_EQ_MSG(test, served,
				    atomic_long_read(&run->acquired[i]) + borrows_in,
				    "pool %s", names[i]);
		/* the capacity held at the end and at every sample meanwhile */
		KUNIT_EXPECT_LE_MSG(test, st[i].nr_objects, hpc_bound(i), "pool %s", names[i]);
		KUNIT_EXPECT_LE_MSG(test, max_objects[i], hpc_bound(i), "pool %s", names[i]);
		/* in use: its own objects and at most borrow_limit borrowed ones */
		KUNIT_EXPECT_LE_MSG(test, st[i].peak_in_use, hpc_bound(i) + (i ? HPC_BORROW : 0),
				    "pool %s", names[i]);
	}
	/* The grower's parent holds the grower's objects within its capacity. */
	i = (HPC_GROWER - 1) / 2;
	KUNIT_EXPECT_LE(test, st[2 * i + 1].nr_objects + st[2 * i + 2].nr_objects + st[i].nr_free,
			hpc_bound(i));
	/* The root's charge is every object taken from the slab and not freed. */
	served = 0;
	for (i = 0; i < HPC_POOLS; i++)
		served += st[i].allocations - st[i].frees;
	KUNIT_EXPECT_EQ(test, st[0].nr_objects, served);
}

/* Concurrency: acquirers on every CPU while stock moves in a loop. */
struct hpm_run {
	struct hpool *root, *kids[3];
	atomic_long_t acquired, released;
	atomic_t stop;
	struct completion start;
};

static int hpm_acquirer(void *data)
{
	struct hpm_run *run = data;
	struct rnd_state rnd;
	void *held[8];
	struct hpool *from[8];
	int nr = 0;

	prandom_seed_state(&rnd, (u64)(uintptr_t)current);
	wait_for_completion(&run->start);
	while (!atomic_read(&run->stop)) {
		u32 r = prandom_u32_state(&rnd);

		if (nr < 8 && (r & 1)) {
			struct hpool *p = run->kids[(r >> 1) % 3];

			held[nr] = (r >> 4) & 1 ?
				hpool_acquire_prio(p, HPOOL_PRIO_HIGH, GFP_KERNEL) :
				hpool_acquire(p, GFP_ATOMIC);
			if (held[nr]) {
				from[nr++] = p;
				atomic_long_inc(&run->acquired);
			}
		} else if (nr) {
			nr--;
			hpool_release(from[nr], held[nr]);
			atomic_long_inc(&run->released);
		}
		if (!(r & 0x3f00))
			cond_resched();
	}
	while (nr--) {
		hpool_release(from[nr], held[nr]);
		atomic_long_inc(&run->released);
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void hpool_test_moves_concurrency(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-moves", .obj_size = 32, .capacity = 60 };
	static const char *const names[] = { "lo", "no", "hi" };
	struct task_struct **tasks;
	unsigned int cpu, nr = 0, i, moved = 0;
	unsigned long deadline, sum = 0;
	struct hpool_stats *st;
	struct hpm_run *run;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	st = kunit_kcalloc(test, 4, sizeof(*st), GFP_KERNEL);
	tasks = kunit_kcalloc(test, num_online_cpus(), sizeof(*tasks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tasks);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, st);
	init_completion(&run->start);
	run->root = hpt_new(test, NULL, &rp);
	for (i = 0; i < 3; i++) {
		struct hpool_params cp = {
			.name = names[i], .capacity = 20, .borrow_limit = 4,
			.reserve = i, .prio = HPOOL_PRIO_LOW + i,
		};

		run->kids[i] = hpt_new(test, run->root, &cp);
	}

	/* No assertion from here until every acquirer is stopped. */
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		task = kthread_create_on_node(hpm_acquirer, run, cpu_to_node(cpu),
					      "hpool-moves/%u", cpu);
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "kthread_create_on_node: %ld", PTR_ERR(task));
			/* the acquirers started stop at once */
			atomic_set(&run->stop, 1);
			break;
		}
		kthread_bind(task, cpu);
		wake_up_process(task);
		tasks[nr++] = task;
	}
	complete_all(&run->start);
	deadline = jiffies + msecs_to_jiffies(1500);
	while (!atomic_read(&run->stop) && time_before(jiffies, deadline)) {
		void *x;

		moved += hpool_distribute(run->root, 4);
		moved += hpool_reclaim(run->root);
		hpool_rebalance(run->root);
		x = hpool_acquire_prio(run->root, HPOOL_PRIO_CRITICAL, GFP_KERNEL);
		hpool_release(run->root, x);
		cond_resched();
	}
	if (atomic_read(&run->stop)) {
		for (i = 0; i < nr; i++)
			kthread_stop(tasks[i]);
		return;
	}
	atomic_set(&run->stop, 1);
	for (i = 0; i < nr; i++)
		kthread_stop(tasks[i]);

	hpool_get_stats(run->root, &st[0]);
	for (i = 0; i < 3; i++)
		hpool_get_stats(run->kids[i], &st[i + 1]);
	kunit_info(test, "%ld acquisitions, %u objects moved\n",
		   atomic_long_read(&run->acquired), moved);
	KUNIT_EXPECT_GT(test, atomic_long_read(&run->acquired), 100);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->acquired),
			atomic_long_read(&run->released));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ_MSG(test, st[i].nr_in_use, 0, "pool %u", i);
		KUNIT_EXPECT_EQ_MSG(test, st[i].nr_borrowed, 0, "pool %u", i);
		KUNIT_EXPECT_EQ_MSG(test, st[i].bad_releases, 0, "pool %u", i);
		if (i) {
			KUNIT_EXPECT_EQ_MSG(test, st[i].nr_objects, st[i].nr_free, "pool %u", i);
			KUNIT_EXPECT_LE_MSG(test, st[i].nr_objects, 20, "pool %u", i);
			sum += st[i].nr_objects;
		}
	}
	KUNIT_EXPECT_EQ(test, st[0].nr_objects, st[0].nr_free + sum);
	KUNIT_EXPECT_LE(test, st[0].nr_objects, 60);
	sum = 0;
	for (i = 0; i < 4; i++)
		sum += st[i].allocations - st[i].frees;
	KUNIT_EXPECT_EQ(test, st[0].nr_objects, sum);
}

static struct kunit_case hpool_concurrency_cases[] = {
	KUNIT_CASE_SLOW(hpool_test_concurrency),
	KUNIT_CASE_SLOW(hpool_test_moves_concurrency),
	{}
};

static struct kunit_suite hpool_concurrency_suite = {
	.name = "hpool_concurrency",
	.test_cases = hpool_concurrency_cases,
};

kunit_test_suite(hpool_concurrency_suite);

MODULE_DESCRIPTION("KUnit concurrency tests of hpool");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
