// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit reliability tests of hpool: slab allocations made to fail on demand
 * (hpool's own fail_alloc fault attribute and the kernel's failslab through
 * current->fail_nth) at every point of a borrow chain, of prewarm and of pool
 * creation, moves of stock around a failing allocator, and misuse of the API
 * with the results Documentation/hpool.rst documents. Every case checks that
 * the counters stay exact and that the pool serves again afterwards; kmemleak
 * in the VM harness checks that nothing leaked.
 *
 * Needs hpool built with HPOOL_DEBUG=y and a kernel with CONFIG_FAILSLAB and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (the VM's debug kernel).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "hpool_obj.h"
#include "hpool_test.h"

#if !defined(CONFIG_HPOOL_DEBUG) || !IS_ENABLED(CONFIG_FAULT_INJECTION) || \
	!IS_ENABLED(CONFIG_FAILSLAB) || !IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
#error "hpool_fault_kunit needs HPOOL_DEBUG=y, CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS"
#endif

/* Most fault points one operation is swept over before the case gives up. */
#define HPF_MAX_NTH	400

/* ---- hpool_fail_alloc: armed for one case, restored by a cleanup action ---- */

struct hpf_saved_attr {
	unsigned long probability, interval, verbose;
	int times, space;
	bool task_filter;
};

static struct hpf_saved_attr hpf_saved;

static void hpf_fail_restore(void *unused)
{
	hpool_fail_alloc.probability = hpf_saved.probability;
	hpool_fail_alloc.interval = hpf_saved.interval;
	hpool_fail_alloc.verbose = hpf_saved.verbose;
	hpool_fail_alloc.task_filter = hpf_saved.task_filter;
	atomic_set(&hpool_fail_alloc.space, hpf_saved.space);
	atomic_set(&hpool_fail_alloc.times, hpf_saved.times);
}

/*
 * Make hpool_alloc_obj() fail: the @interval-th allocation from now fails,
 * and so do the following ones (every @interval-th) until @times failures
 * (-1: for ever). verbose stays 0: a stack dump would fail the harness.
 */
static void hpf_fail_arm(struct kunit *test, int times, unsigned long interval)
{
	static bool saved;

	if (!saved) {
		hpf_saved.probability = hpool_fail_alloc.probability;
		hpf_saved.interval = hpool_fail_alloc.interval;
		hpf_saved.verbose = hpool_fail_alloc.verbose;
		hpf_saved.task_filter = hpool_fail_alloc.task_filter;
		hpf_saved.space = atomic_read(&hpool_fail_alloc.space);
		hpf_saved.times = atomic_read(&hpool_fail_alloc.times);
		saved = true;
	}
	hpool_fail_alloc.verbose = 0;
	hpool_fail_alloc.task_filter = false;
	atomic_set(&hpool_fail_alloc.space, 0);
	hpool_fail_alloc.count = 0;
	hpool_fail_alloc.interval = interval;
	atomic_set(&hpool_fail_alloc.times, times);
	/* probability last: from here on the attribute fires */
	WRITE_ONCE(hpool_fail_alloc.probability, 100);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpf_fail_restore, NULL), 0);
}

static void hpf_fail_disarm(void)
{
	WRITE_ONCE(hpool_fail_alloc.probability, 0);
}

/* ---- failslab: its knobs are only in debugfs ---- */

/*
 * failslab's attribute is static in mm/failslab.c; its debugfs files are the
 * only way in, and debugfs files take no kernel_write(). A debugfs file made
 * by debugfs_create_ul()/_bool() keeps the address of its variable in its
 * inode's i_private: the test sets the variables there, the way a write to
 * the files would. The files are looked up in debugfs itself, not by path:
 * built into the kernel, the suite runs at boot, before anything is mounted.
 */
static unsigned long *hpf_failslab_verbose;
static bool *hpf_failslab_ignore_wait;
static unsigned long hpf_old_verbose;
static bool hpf_old_ignore_wait;

static void *hpf_knob(struct kunit *test, const char *name)
{
	struct dentry *dir, *file;
	void *var;

	dir = debugfs_lookup("failslab", NULL);
	KUNIT_ASSERT_NOT_NULL_MSG(test, dir, "no failslab/ in debugfs");
	file = debugfs_lookup(name, dir);
	dput(dir);
	KUNIT_ASSERT_NOT_NULL_MSG(test, file, "no failslab/%s in debugfs", name);
	var = d_inode(file)->i_private;
	dput(file);
	KUNIT_ASSERT_NOT_NULL_MSG(test, var, "failslab/%s", name);
	return var;
}

static void hpf_failslab_restore(void *unused)
{
	current->fail_nth = 0;
	WRITE_ONCE(*hpf_failslab_ignore_wait, hpf_old_ignore_wait);
	WRITE_ONCE(*hpf_failslab_verbose, hpf_old_verbose);
}

/*
 * failslab for this case: no stack dumps (verbose 0), and GFP_KERNEL
 * allocations may fail too (ignore-gfp-wait N). Only current->fail_nth
 * triggers it: its probability stays 0.
 */
static void hpf_failslab_arm(struct kunit *test)
{
	hpf_failslab_verbose = hpf_knob(test, "verbose");
	hpf_failslab_ignore_wait = hpf_knob(test, "ignore-gfp-wait");
	hpf_old_verbose = READ_ONCE(*hpf_failslab_verbose);
	hpf_old_ignore_wait = READ_ONCE(*hpf_failslab_ignore_wait);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpf_failslab_restore, NULL), 0);
	WRITE_ONCE(*hpf_failslab_verbose, 0);
	WRITE_ONCE(*hpf_failslab_ignore_wait, false);
}

/* ---- checks ---- */

static unsigned long hpf_fails(struct hpool *pool)
{
	return HPT(pool, fail_limit) + HPT(pool, fail_nomem) + HPT(pool, fail_state);
}

/*
 * A chain root <- mid <- leaf after one acquire on leaf: @lvl is the level
 * that took the object from the slab (0 root, 1 mid, 2 leaf), or -1 when the
 * acquire failed. Checks every gauge and counter of the three pools.
 */
static noinline void hpf_expect_chain(struct kunit *test, struct hpool **chain,
				      int lvl, const char *why)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct hpool_stats st;
		bool on = lvl >= 0;

		hpool_get_stats(chain[i], &st);
		KUNIT_EXPECT_EQ_MSG(test, st.nr_objects, on && i <= lvl, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.nr_in_use, on && i >= lvl, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.nr_borrowed, on && i > lvl, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.parent_borrows, on && i > lvl, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.allocations, on && i == lvl, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.nr_free, 0, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.local_hits, 0, "%s: level %d", why, i);
		KUNIT_EXPECT_EQ_MSG(test, st.fail_limit + st.fail_state, 0, "%s: level %d", why, i);
		/* exactly one fail_nomem, on the pool called, when the acquire failed */
		KUNIT_EXPECT_EQ_MSG(test, st.fail_nomem, !on && i == 2, "%s: level %d", why, i);
	}
}

static void hpf_chain(struct kunit *test, struct hpool **chain, const char *tag)
{
	char name[HPOOL_NAME_MAX];

	snprintf(name, sizeof(name), "t-flt-%s", tag);
	chain[0] = hpt_root(test, name, 8);
	chain[1] = hpt_child(test, chain[0], "mid", 8, 4);
	chain[2] = hpt_child(test, chain[1], "leaf", 8, 4);
}

static void hpf_unchain(struct kunit *test, struct hpool **chain)
{
	hpt_destroy(test, chain[2]);
	hpt_destroy(test, chain[1]);
	hpt_destroy(test, chain[0]);
}

/*
 * hpool_fail_alloc is armed with @times failures, every @interval-th
 * allocation; @left of them must be left unused by the acquire. That counts
 * the allocations it made: with 0 failing, the root's is the only one (the
 * second, which would fail, never comes); with 1 or 2, each is used up; with
 * all 3 failing, a fourth is never tried.
 */
struct hpf_chain_fault {
	int fails;		/* allocations that fail, from the root down */
	int times, left;
	unsigned long interval;
	const char *tag;
	const char *desc;
};

static const struct hpf_chain_fault hpf_chain_faults[] = {
	{ 0, 1, 1, 2, "c0", "no failure: the root allocates" },
	{ 1, 1, 0, 1, "c1", "the root's allocation fails: mid allocates" },
	{ 2, 2, 0, 1, "c2", "the root's and mid's fail: the leaf allocates" },
	{ 3, 4, 1, 1, "c3", "all three fail: the acquire fails" },
};

KUNIT_ARRAY_PARAM_DESC(hpf_chain_faults, hpf_chain_faults, desc);

/*
 * hpool.rst#hpool-acquire under failing allocations: an acquire on the leaf of
 * an empty 3-level chain allocates at the root first (the borrow chains up),
 * then at mid, then at the leaf. With the first f allocations failing (one row
 * each), level f serves; with 3 failing the acquire fails, counted once as
 * fail_nomem on the leaf and nothing on the pools asked for a borrow, with
 * every charge and borrow slot rolled back. Then the pool serves again.
 */
static void hpool_test_fault_borrow_chain(struct kunit *test)
{
	const struct hpf_chain_fault *row = test->param_value;
	int f = row->fails;
	struct hpool *chain[3];
	void *obj;

	hpf_chain(test, chain, row->tag);
	hpf_fail_arm(test, row->times, row->interval);
	obj = hpool_acquire(chain[2], GFP_KERNEL);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&hpool_fail_alloc.times), row->left,
			    "%d of %d failures used", row->times - row->left, row->times);
	hpf_fail_disarm();
	KUNIT_EXPECT_EQ_MSG(test, !obj, f == 3, "%d failures", f);
	hpf_expect_chain(test, chain, f == 3 ? -1 : f, row->tag);

	/* the chain recovers: the next acquire works, at the root, and is exact */
	if (!obj) {
		obj = hpool_acquire(chain[2], GFP_KERNEL);
		KUNIT_EXPECT_EQ(test, HPT(chain[0], allocations), 1);
		KUNIT_EXPECT_EQ(test, HPT(chain[1], allocations) + HPT(chain[2], allocations), 0);
		KUNIT_EXPECT_EQ(test, HPT(chain[2], fail_nomem), 1);
	}
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hpool_release(chain[2], obj);
	KUNIT_EXPECT_EQ(test, HPT(chain[2], releases), 1);
	KUNIT_EXPECT_EQ(test, HPT(chain[2], nr_in_use) + HPT(chain[1], nr_in_use) +
			HPT(chain[0], nr_in_use), 0);
	KUNIT_EXPECT_EQ(test, HPT(chain[2], nr_borrowed) + HPT(chain[1], nr_borrowed), 0);
	KUNIT_EXPECT_EQ(test, HPT(chain[0], nr_objects), 1);
	hpf_unchain(test, chain);
}

/*
 * Every fault point of a chained acquire, systematically: with GFP_ATOMIC,
 * failslab applies to the object's slab allocation and to HPOOL_DEBUG's
 * xarray as well as hpool's own attribute. For n = 1, 2, ... the n-th point
 * fails (current->fail_nth) until the acquire no longer reaches an n-th point.
 * After each, the chain is exact (whichever level ended up serving) and
 * releasing gives everything back.
 */
static void hpool_test_fault_borrow_chain_nth(struct kunit *test)
{
	unsigned int n, left = 0, nr_failed = 0, seen = 0;
	struct hpool *chain[3];
	void *obj;

	hpf_failslab_arm(test);
	for (n = 1; n <= HPF_MAX_NTH; n++) {
		int lvl;

		hpf_chain(test, chain, "nth");
		current->fail_nth = n;
		obj = hpool_acquire(chain[2], GFP_ATOMIC);
		left = current->fail_nth;
		current->fail_nth = 0;

		if (!obj) {
			nr_failed++;
			KUNIT_EXPECT_EQ_MSG(test, left, 0, "n=%u: failed without a fault", n);
			lvl = -1;
		} else {
			for (lvl = 0; lvl < 3; lvl++)
				if (HPT(chain[lvl], allocations))
					break;
			KUNIT_EXPECT_LT_MSG(test, lvl, 3, "n=%u: nobody allocated", n);
			seen |= BIT(lvl);
		}
		hpf_expect_chain(test, chain, lvl, "nth");
		if (obj) {
			hpool_release(chain[2], obj);
			KUNIT_EXPECT_EQ(test, HPT(chain[2], nr_in_use) + HPT(chain[1], nr_in_use) +
					HPT(chain[0], nr_in_use), 0);
		} else {
			/* recovers */
			obj = hpool_acquire(chain[2], GFP_ATOMIC);
			KUNIT_EXPECT_NOT_NULL_MSG(test, obj, "n=%u: no recovery", n);
			hpool_release(chain[2], obj);
		}
		hpf_unchain(test, chain);
		if (left)
			break;	/* the acquire had fewer than n fault points */
	}
	kunit_info(test, "%u fault points swept, %u acquisitions failed\n", n - 1, nr_failed);
	KUNIT_EXPECT_NE_MSG(test, left, 0, "no end after %u fault points", HPF_MAX_NTH);
	/* one fault fails one allocation: a failing root's is made up by mid's */
	KUNIT_EXPECT_EQ(test, nr_failed, 0);
	KUNIT_EXPECT_EQ(test, seen, BIT(0) | BIT(1));
	KUNIT_EXPECT_GE(test, n - 1, 2);
}

/*
 * hpool.rst#hpool-lifecycle: prewarm under failing allocations, at the end of
 * a 3-level chain: the k-th allocation of the work fails; the pool keeps the
 * k-1 objects it got, exactly charged up the chain, turns active, counts no
 * fail_* (no acquire failed), and serves.
 */
static void hpool_test_fault_prewarm(struct kunit *test)
{
	struct hpool_params p = { .name = "leaf", .capacity = 8, .prewarm = 6 };
	unsigned int k, got;
	struct hpool *root, *mid, *leaf;
	void *obj;

	root = hpt_root(test, "t-flt-prewarm", 16);
	mid = hpt_child(test, root, "mid", 16, 0);
	for (k = 1; k <= p.prewarm + 1; k++) {
		hpf_fail_arm(test, 1, k);
		leaf = hpt_new(test, mid, &p);
		hpool_flush_work(leaf);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&hpool_fail_alloc.times),
				    k <= p.prewarm ? 0 : 1, "k=%u", k);
		hpf_fail_disarm();

		got = min(k - 1, p.prewarm);
		KUNIT_EXPECT_EQ_MSG(test, hpool_state(leaf), HPOOL_ACTIVE, "k=%u", k);
		HPT_EXPECT_GAUGES(test, leaf, got, got, 0, 0);
		HPT_EXPECT_GAUGES(test, mid, got, 0, 0, 0);
		HPT_EXPECT_GAUGES(test, root, got, 0, 0, 0);
		KUNIT_EXPECT_EQ_MSG(test, HPT(leaf, allocations), got, "k=%u", k);
		KUNIT_EXPECT_EQ_MSG(test, hpf_fails(leaf) + hpf_fails(mid) + hpf_fails(root), 0,
				    "k=%u", k);

		/* recovers: one more than prewarm got, the last from the slab */
		obj = hpool_acquire(leaf, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		HPT_EXPECT_SERVED(test, leaf, got ? 1 : 0, 0, got ? got : 1);
		hpool_release(leaf, obj);
		hpt_destroy(test, leaf);
		HPT_EXPECT_GAUGES(test, root, 0, 0, 0, 0);
	}
}

/* A slow ctor holds the prewarm work while the test drains or destroys. */
static struct completion hpf_ctor_entered, hpf_ctor_gate;
static atomic_t hpf_ctor_calls;

static void hpf_gated_ctor(void *obj)
{
	if (atomic_inc_return(&hpf_ctor_calls) == 1) {
		complete(&hpf_ctor_entered);
		wait_for_completion_timeout(&hpf_ctor_gate, 20 * HZ);
	}
}

/*
 * Draining a warming pool while its work's allocation is failing: the work
 * stops at once, the objects it got stay exactly charged, the pool stops.
 */
static void hpool_test_fault_prewarm_drain(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-flt-pwdrain", .obj_size = 32, .capacity = 8, .prewarm = 8,
		.ctor = hpf_gated_ctor,
	};
	struct hpool *root;

	init_completion(&hpf_ctor_entered);
	init_completion(&hpf_ctor_gate);
	atomic_set(&hpf_ctor_calls, 0);
	root = hpt_new(test, NULL, &p);
	/* the first object is in the ctor; the second allocation will fail */
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&hpf_ctor_entered, 10 * HZ));
	hpf_fail_arm(test, -1, 1);
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), 0);
	complete(&hpf_ctor_gate);
	hpool_flush_work(root);
	hpf_fail_disarm();
	/* the object in the ctor came back after the drain: freed, not kept */
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);
	HPT_EXPECT_GAUGES(test, root, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, allocations), 0);
	KUNIT_EXPECT_EQ(test, hpf_fails(root), 0);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
	hpool_release(root, hpool_acquire(root, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 1);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
}

/*
 * hpool.rst#hpool-moving-stock never allocates: with every allocation failing,
 * distribute, reclaim and stealing move exactly what the free lists hold, the
 * pools serve from the moved stock, and each failing acquire counts one
 * fail_nomem on the pool called only.
 */
static void hpool_test_fault_moves(struct kunit *test)
{
	struct hpool_params lp = { .name = "a", .capacity = 4, .prio = HPOOL_PRIO_LOW };
	struct hpool *root, *a, *b;
	void *objs[6], *obj;
	int i;

	root = hpt_root(test, "t-flt-moves", 16);
	a = hpt_new(test, root, &lp);
	b = hpt_child(test, root, "b", 4, 0);
	for (i = 0; i < 6; i++) {
		objs[i] = hpool_acquire(root, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < 6; i++)
		hpool_release(root, objs[i]);
	HPT_EXPECT_GAUGES(test, root, 6, 6, 0, 0);

	hpf_fail_arm(test, -1, 1);
	/* b cannot borrow (limit 0) and cannot allocate */
	KUNIT_EXPECT_NULL(test, hpool_acquire(b, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(b, fail_nomem), 1);
	KUNIT_EXPECT_EQ(test, hpf_fails(root) + hpf_fails(a), 0);

	KUNIT_EXPECT_EQ(test, hpool_distribute(root, 5), 5);
	HPT_EXPECT_GAUGES(test, a, 3, 3, 0, 0);
	HPT_EXPECT_GAUGES(test, b, 2, 2, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 6, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(a, distributed_in), 3);
	KUNIT_EXPECT_EQ(test, HPT(b, distributed_in), 2);

	/* served from the moved stock despite the failing slab */
	obj = hpool_acquire(b, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, HPT(b, local_hits), 1);

	KUNIT_EXPECT_EQ(test, hpool_reclaim(root), 4);
	HPT_EXPECT_GAUGES(test, root, 6, 5, 0, 0);
	HPT_EXPECT_GAUGES(test, a, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, b, 1, 0, 1, 0);
	KUNIT_EXPECT_EQ(test, HPT(a, reclaimed_out), 3);
	KUNIT_EXPECT_EQ(test, HPT(b, reclaimed_out), 1);

	/* a steal needs no allocation either: drain root's stock to a, then steal */
	KUNIT_EXPECT_EQ(test, hpool_distribute(root, 5), 5);
	KUNIT_EXPECT_NULL(test, hpool_acquire(root, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_nomem), 1);
	objs[0] = hpool_acquire_prio(root, HPOOL_PRIO_HIGH, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	KUNIT_EXPECT_EQ(test, HPT(root, steals), 1);
	KUNIT_EXPECT_EQ(test, HPT(a, stolen), 1);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_nomem), 1);
	hpf_fail_disarm();

	hpool_release(root, objs[0]);
	hpool_release(b, obj);
	KUNIT_EXPECT_EQ(test, HPT(b, fail_nomem), 1);
	KUNIT_EXPECT_EQ(test, HPT(a, fail_nomem), 0);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_objects), 6);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_objects),
			HPT(root, nr_free) + HPT(a, nr_objects) + HPT(b, nr_objects));
	KUNIT_EXPECT_EQ(test, HPT(root, allocations), 6);
	KUNIT_EXPECT_EQ(test, HPT(root, frees) + HPT(a, frees) + HPT(b, frees), 0);
}

/* Is there a child of @parent named @name? (As the walkers look: C.) */
static bool hpf_has_child(struct hpool *parent, const char *name)
{
	unsigned long flags;
	struct hpool *c;
	bool found = false;

	read_lock_irqsave(&parent->children_lock, flags);
	list_for_each_entry(c, &parent->children, sibling)
		found |= !strcmp(c->name, name);
	read_unlock_irqrestore(&parent->children_lock, flags);
	return found;
}

struct hpf_child_flags {
	unsigned int flags;
	const char *desc;
};

static const struct hpf_child_flags hpf_child_flags[] = {
	{ 0, "with a sysfs directory" },
	{ HPOOL_F_NO_SYSFS, "HPOOL_F_NO_SYSFS" },
};

KUNIT_ARRAY_PARAM_DESC(hpf_child_flags, hpf_child_flags, desc);

/*
 * hpool.rst#hpool-lifecycle: child creation with every slab allocation of it
 * failing in turn (failslab, current->fail_nth), with and without sysfs (one
 * row each): the pool, its kobject, name, sysfs directory and files, its
 * children/ directory. Each failure returns -ENOMEM and leaves the parent as
 * it was; a fault that a lower layer absorbs (kmemleak's own metadata, say)
 * gives a working pool.
 */
static void hpool_test_fault_create_child(struct kunit *test)
{
	const struct hpf_child_flags *row = test->param_value;
	struct hpool_params p = {
		.name = "c", .capacity = 2, .borrow_limit = 1, .flags = row->flags,
	};
	unsigned int n, left = 0, nr_failed = 0;
	struct hpool *root, *c;
	void *obj;

	hpf_failslab_arm(test);
	root = hpt_root(test, "t-flt-child", 4);
	for (n = 1; n <= HPF_MAX_NTH; n++) {
		current->fail_nth = n;
		c = hpool_create_child(root, &p);
		left = current->fail_nth;
		current->fail_nth = 0;
		if (IS_ERR(c)) {
			nr_failed++;
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(c), -ENOMEM, "n=%u", n);
			KUNIT_EXPECT_EQ_MSG(test, left, 0, "n=%u", n);
			KUNIT_EXPECT_FALSE_MSG(test, hpf_has_child(root, "c"), "n=%u", n);
			KUNIT_EXPECT_EQ(test, root->nr_children, 0);
			KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), 0);
			continue;
		}
		hpt_adopt(test, c);
		KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden),
				row->flags ? 1U : 0U);
		KUNIT_EXPECT_EQ(test, c->in_sysfs, !row->flags);
		/* the new pool works: a borrow from the root */
		obj = hpool_acquire(c, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, obj);
		KUNIT_EXPECT_EQ(test, HPT(c, parent_borrows), 1);
		hpool_release(c, obj);
		hpt_destroy(test, c);
		if (left)
			break;
	}
	kunit_info(test, "flags %#x: %u fault points, %u creations failed\n",
		   row->flags, n, nr_failed);
	KUNIT_EXPECT_NE(test, left, 0);
	/* at least the pool's own allocation; with sysfs, the directory too */
	KUNIT_EXPECT_GE(test, nr_failed, row->flags ? 1 : 2);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_objects), 1);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_free), 1);
	KUNIT_EXPECT_EQ(test, hpf_fails(root), 0);
}

/*
 * Root creation: its allocations before the kmem_cache (the pool, the tree)
 * failing in turn. (A failure inside kmem_cache_create() makes the slab
 * allocator dump a stack, which the harness counts as a splat, so the sweep
 * stops before it; the sysfs part is the child's, swept above.)
 */
static void hpool_test_fault_create_root(struct kunit *test)
{
	struct hpool_params p = { .name = "t-flt-root", .obj_size = 16, .capacity = 2 };
	unsigned int n, nr_failed = 0, left;
	struct hpool *root;
	void *obj;

	hpf_failslab_arm(test);
	for (n = 1; n <= HPF_MAX_NTH && nr_failed < 2; n++) {
		current->fail_nth = n;
		root = hpool_create(&p);
		left = current->fail_nth;
		current->fail_nth = 0;
		KUNIT_EXPECT_EQ_MSG(test, left, 0, "n=%u: no fault reached", n);
		if (IS_ERR(root)) {
			nr_failed++;
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(root), -ENOMEM, "n=%u", n);
			continue;
		}
		hpt_adopt(test, root);
		obj = hpool_acquire(root, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, obj);
		hpool_release(root, obj);
		hpt_destroy(test, root);
	}
	KUNIT_EXPECT_EQ(test, nr_failed, 2);
	/* recovers: the name is free, the root works */
	root = hpt_new(test, NULL, &p);
	obj = hpool_acquire(root, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hpool_release(root, obj);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
}

/* ---- misuse ---- */

/*
 * hpool.rst: a NULL pool passed to any call warns once and returns NULL, 0,
 * -EINVAL or nothing. The object and stats passed along are left alone.
 */
static void hpool_test_misuse_null_pool(struct kunit *test)
{
	struct hpool_params p = { .name = "x", .capacity = 1 };
	struct hpool_params rp = { .name = "t-flt-null2", .obj_size = 8, .capacity = 1 };
	struct hpool *root = hpt_root(test, "t-flt-null", 2);
	struct hpool *child = hpt_child(test, root, "c", 1, 0);
	struct hpool *home = root;
	struct hpool_stats before, st;
	void *obj;

	obj = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hpool_get_stats(root, &before);
	memset(&st, 0x5a, sizeof(st));

	HPOOL_EXPECT_WARN_BEGIN(test);
	KUNIT_EXPECT_NULL(test, hpool_acquire(NULL, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hpool_acquire_prio(NULL, HPOOL_PRIO_CRITICAL, GFP_KERNEL));
	hpool_release(NULL, obj);
	KUNIT_EXPECT_EQ(test, hpool_distribute(NULL, 4), 0);
	KUNIT_EXPECT_EQ(test, hpool_reclaim(NULL), 0);
	hpool_rebalance(NULL);
	hpool_rebalance(child);		/* not a root: warned, nothing done */
	KUNIT_EXPECT_EQ(test, hpool_drain(NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hpool_activate(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, hpool_state(NULL), HPOOL_STOPPED);
	hpool_get_stats(NULL, &st);
	hpool_get_stats(root, NULL);
	hpt_expect_err(test, hpool_create_child(NULL, &p), -EINVAL, "create_child(NULL)");
	KUNIT_EXPECT_EQ(test, hpool_destroy(NULL), -EINVAL);
	hpt_expect_err(test, devm_hpool_create(NULL, &rp), -EINVAL, "devm_create(NULL)");
	hpt_expect_err(test, devm_hpool_create_child(NULL, root, &p), -EINVAL,
		       "devm_create_child(NULL)");
	HPOOL_EXPECT_WARN_END(test);

	/* nothing moved, nothing counted, nothing written */
	HPT_EXPECT_SAME(test, root, &before, 0);
	HPT_EXPECT_GAUGES(test, child, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, hpf_fails(child), 0);
	KUNIT_EXPECT_EQ(test, ((unsigned char *)&st)[0], 0x5a);
	KUNIT_EXPECT_EQ(test, st.nr_objects, 0x5a5a5a5a);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
	KUNIT_EXPECT_EQ(test, hpool_state(child), HPOOL_ACTIVE);
	/* no pool "x" and no root "t-flt-null2" were made */
	KUNIT_EXPECT_FALSE(test, hpf_has_child(root, "x"));
	root = hpt_new(test, NULL, &rp);	/* the name is still free */
	/* the object is still held through its pool: a normal release */
	hpool_release(home, obj);
	KUNIT_EXPECT_EQ(test, HPT(home, releases), 1);
	KUNIT_EXPECT_EQ(test, HPT(home, bad_releases), 0);
	HPT_EXPECT_GAUGES(test, home, 1, 1, 0, 0);
}

struct hpf_destroyer {
	struct hpool *pool;
	int ret;
	struct completion done;
};

static int hpf_destroy_fn(void *data)
{
	struct hpf_destroyer *d = data;

	d->ret = hpool_destroy(d->pool);
	complete(&d->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * A destroy that is under way (held in cancel_work_sync() by a prewarm whose
 * ctor waits): meanwhile an acquire fails with fail_state, a borrow-free
 * create_child fails, and a second, concurrent destroy warns and returns
 * -EINVAL without touching anything. The first destroy then completes.
 */
static void hpool_test_misuse_destroy_under_way(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-flt-dying", .obj_size = 32, .capacity = 4, .prewarm = 2,
		.ctor = hpf_gated_ctor,
	};
	struct hpool_params cp = { .name = "late", .capacity = 1 };
	struct hpf_destroyer *d;
	struct task_struct *task;
	struct hpool *root, *c;
	int i;

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	init_completion(&d->done);
	init_completion(&hpf_ctor_entered);
	init_completion(&hpf_ctor_gate);
	atomic_set(&hpf_ctor_calls, 0);
	/* the case destroys it if the destroyer does not get to */
	root = hpt_new(test, NULL, &p);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&hpf_ctor_entered, 10 * HZ));

	d->pool = root;
	task = kthread_run(hpf_destroy_fn, d, "hpf-destroy");
	if (IS_ERR(task)) {
		complete(&hpf_ctor_gate);
		hpt_destroy(test, root);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	/* the destroyer marks the pool dead, then waits for the prewarm work */
	for (i = 0; i < 500 && !READ_ONCE(root->dead); i++)
		msleep(20);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(root->dead));
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));

	KUNIT_EXPECT_NULL(test, hpool_acquire(root, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hpool_acquire_prio(root, HPOOL_PRIO_CRITICAL, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_state), 2);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_nomem) + HPT(root, fail_limit), 0);
	c = hpool_create_child(root, &cp);
	KUNIT_EXPECT_TRUE(test, IS_ERR(c));
	if (!IS_ERR_OR_NULL(c))
		hpool_destroy(c);

	HPOOL_EXPECT_WARN_BEGIN(test);
	KUNIT_EXPECT_EQ(test, hpool_destroy(root), -EINVAL);
	HPOOL_EXPECT_WARN_END(test);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_in_use), 0);

	complete(&hpf_ctor_gate);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&d->done, 20 * HZ));
	kthread_stop(task);
	KUNIT_EXPECT_EQ(test, d->ret, 0);
	if (!d->ret)
		hpt_forget(test, root);
	/* the name is free again: the first destroy went all the way */
	root = hpt_new(test, NULL, &p);
	hpool_flush_work(root);
	HPT_EXPECT_GAUGES(test, root, 2, 2, 0, 0);
}

/* hpool.rst: create_child under a stopped parent is refused like a draining one. */
static void hpool_test_misuse_child_of_stopped(struct kunit *test)
{
	struct hpool_params p = { .name = "c", .capacity = 1 };
	struct hpool *root = hpt_root(test, "t-flt-stopped", 4);
	struct hpool *mid = hpt_child(test, root, "mid", 4, 1);
	void *obj = hpool_acquire(mid, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	/* draining with an object out, then stopped once it is back */
	KUNIT_EXPECT_EQ(test, hpool_drain(mid, 0), -ETIMEDOUT);
	hpt_expect_create_fails(test, mid, &p, -EBUSY);
	hpool_release(mid, obj);
	KUNIT_EXPECT_EQ(test, hpool_state(mid), HPOOL_STOPPED);
	hpt_expect_create_fails(test, mid, &p, -EBUSY);
	KUNIT_EXPECT_FALSE(test, hpf_has_child(mid, "c"));
	KUNIT_EXPECT_EQ(test, mid->nr_children, 0);
	/* the refused creations left the tree as it was */
	HPT_EXPECT_GAUGES(test, mid, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, hpool_activate(mid), 0);
	hpt_new(test, mid, &p);
	KUNIT_EXPECT_EQ(test, mid->nr_children, 1);
}

static struct kunit_case hpool_fault_cases[] = {
	KUNIT_CASE_PARAM(hpool_test_fault_borrow_chain, hpf_chain_faults_gen_params),
	KUNIT_CASE(hpool_test_fault_borrow_chain_nth),
	KUNIT_CASE(hpool_test_fault_prewarm),
	KUNIT_CASE(hpool_test_fault_prewarm_drain),
	KUNIT_CASE(hpool_test_fault_moves),
	KUNIT_CASE_PARAM(hpool_test_fault_create_child, hpf_child_flags_gen_params),
	KUNIT_CASE(hpool_test_fault_create_root),
	KUNIT_CASE(hpool_test_misuse_null_pool),
	KUNIT_CASE(hpool_test_misuse_destroy_under_way),
	KUNIT_CASE(hpool_test_misuse_child_of_stopped),
	{}
};

static struct kunit_suite hpool_fault_suite = {
	.name = "hpool_fault",
	.test_cases = hpool_fault_cases,
};

kunit_test_suite(hpool_fault_suite);

MODULE_DESCRIPTION("KUnit fault-injection and misuse tests of hpool");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
