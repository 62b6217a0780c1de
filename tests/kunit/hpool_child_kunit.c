// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of moving stock: priorities and stealing
 * (hpool.rst#hpool-stealing) and distribute, reclaim, rebalance
 * (hpool.rst#hpool-moving-stock), deterministic: the synchronous functions are
 * called and every count is exact.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "hpool_obj.h"		/* hpool_set_test_hook() (HPOOL_DEBUG=y) */
#include "hpool_test.h"

/* Objects a case holds out of one pool. */
struct hpt_fill {
	void *objs[32];
	int nr;
};

/* @n empty hpt_fills, freed with the case (kept off the KASAN-fat stack). */
static struct hpt_fill *hpt_fills(struct kunit *test, int n)
{
	struct hpt_fill *f = kunit_kcalloc(test, n, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	return f;
}

static struct hpool *hpt_kid(struct kunit *test, struct hpool *parent, const char *name,
			     unsigned int cap, unsigned int reserve, enum hpool_prio prio)
{
	struct hpool_params p = {
		.name = name, .capacity = cap, .reserve = reserve, .prio = prio,
	};

	return hpt_new(test, parent, &p);
}

/* Allocate @in_use + @free objects in @pool itself, give back @free of them. */
static void hpt_fill(struct kunit *test, struct hpool *pool, struct hpt_fill *f,
		     int in_use, int free)
{
	int i;

	KUNIT_ASSERT_LE(test, f->nr + in_use + free, 32);
	for (i = 0; i < in_use + free; i++) {
		f->objs[f->nr + i] = hpool_acquire(pool, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f->objs[f->nr + i]);
	}
	for (i = in_use; i < in_use + free; i++)
		hpool_release(pool, f->objs[f->nr + i]);
	f->nr += in_use;
}

static void hpt_unfill(struct hpool *pool, struct hpt_fill *f)
{
	while (f->nr)
		hpool_release(pool, f->objs[--f->nr]);
}

/*
 * hpool.rst#hpool-stealing: steal from the lowest priority first, never from
 * equal or higher.
 */
static void hpool_test_steal_order(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-steal", 9);
	struct hpool *lo = hpt_kid(test, root, "lo", 3, 0, HPOOL_PRIO_LOW);
	struct hpool *no = hpt_kid(test, root, "no", 3, 0, HPOOL_PRIO_NORMAL);
	struct hpool *hi = hpt_kid(test, root, "hi", 3, 0, HPOOL_PRIO_HIGH);
	struct hpt_fill *f = hpt_fills(test, 1);
	void *got[8];
	int i;

	hpt_fill(test, hi, f, 0, 3);
	hpt_fill(test, no, f, 0, 3);
	hpt_fill(test, lo, f, 0, 3);
	/* The root is at capacity with nothing free: only stealing can serve. */
	KUNIT_EXPECT_NULL(test, hpool_acquire(root, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 1);

	for (i = 0; i < 3; i++) {
		got[i] = hpool_acquire_prio(root, HPOOL_PRIO_HIGH, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, got[i]);
	}
	KUNIT_EXPECT_EQ(test, HPT(lo, stolen), 3);
	KUNIT_EXPECT_EQ(test, HPT(no, stolen), 0);
	HPT_EXPECT_GAUGES(test, lo, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 9, 0, 3, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, steals), 3);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 1);	/* steals count no failure */

	for (i = 3; i < 6; i++) {
		got[i] = hpool_acquire_prio(root, HPOOL_PRIO_HIGH, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, got[i]);
	}
	KUNIT_EXPECT_EQ(test, HPT(no, stolen), 3);
	/* Only hi is left, and HIGH does not steal from HIGH. */
	KUNIT_EXPECT_NULL(test, hpool_acquire_prio(root, HPOOL_PRIO_HIGH, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 2);
	KUNIT_EXPECT_EQ(test, HPT(hi, stolen), 0);
	/* CRITICAL does. */
	got[6] = hpool_acquire_prio(root, HPOOL_PRIO_CRITICAL, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, got[6]);
	KUNIT_EXPECT_EQ(test, HPT(hi, stolen), 1);
	HPT_EXPECT_GAUGES(test, hi, 2, 2, 0, 0);

	/* Stolen objects now live at the root. */
	for (i = 0; i < 7; i++)
		hpool_release(root, got[i]);
	HPT_EXPECT_GAUGES(test, root, 9, 7, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, steals), 7);
}

/*
 * hpool.rst#hpool-stealing: ties go to the child with most free objects, then
 * creation order.
 */
static void hpool_test_steal_ties(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-ties", 12);
	struct hpool *a = hpt_kid(test, root, "a", 6, 0, HPOOL_PRIO_LOW);
	struct hpool *b = hpt_kid(test, root, "b", 6, 0, HPOOL_PRIO_LOW);
	struct hpt_fill *f = hpt_fills(test, 1);
	void *x, *y, *z;

	hpt_fill(test, a, f, 0, 5);
	hpt_fill(test, b, f, 0, 6);
	KUNIT_ASSERT_EQ(test, HPT(root, nr_objects), 11);
	x = hpool_acquire(root, GFP_KERNEL);	/* the 12th object */
	KUNIT_ASSERT_NOT_NULL(test, x);

	y = hpool_acquire_prio(root, HPOOL_PRIO_NORMAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, y);
	KUNIT_EXPECT_EQ(test, HPT(b, stolen), 1);	/* 6 free beat 5 */
	z = hpool_acquire_prio(root, HPOOL_PRIO_NORMAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_EQ(test, HPT(a, stolen), 1);	/* 5 and 5: creation order */
	KUNIT_EXPECT_EQ(test, HPT(b, stolen), 1);
	hpool_release(root, x);
	hpool_release(root, y);
	hpool_release(root, z);
}

/*
 * hpool.rst#hpool-stealing: a child's reserve is never stolen; a draining
 * thief does not steal.
 */
static void hpool_test_steal_reserve_state(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-reserve", 4);
	struct hpool *lo = hpt_kid(test, root, "lo", 4, 3, HPOOL_PRIO_LOW);
	struct hpt_fill *f = hpt_fills(test, 1);
	void *x;

	hpt_fill(test, lo, f, 0, 4);
	x = hpool_acquire_prio(root, HPOOL_PRIO_CRITICAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_EXPECT_NULL(test, hpool_acquire_prio(root, HPOOL_PRIO_CRITICAL, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(lo, stolen), 1);
	HPT_EXPECT_GAUGES(test, lo, 3, 3, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 1);
	hpool_release(root, x);

	/* The root now has a free object; draining, it serves nothing. */
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), 0);
	KUNIT_EXPECT_NULL(test, hpool_acquire_prio(root, HPOOL_PRIO_CRITICAL, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_state), 1);
	KUNIT_EXPECT_EQ(test, HPT(lo, stolen), 1);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
}

/*
 * hpool.rst#hpool-distribute: round-robin, skipping full children, with a
 * remainder.
 */
static void hpool_test_distribute(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-distrib", 20);
	struct hpool *c1 = hpt_kid(test, root, "c1", 2, 0, HPOOL_PRIO_NORMAL);
	struct hpool *c2 = hpt_kid(test, root, "c2", 5, 0, HPOOL_PRIO_NORMAL);
	struct hpool *c3 = hpt_kid(test, root, "c3", 5, 0, HPOOL_PRIO_NORMAL);
	struct hpt_fill *f = hpt_fills(test, 1);

	hpt_fill(test, root, f, 0, 12);
	/* rounds: c1 c2 c3 | c1 c2 c3 | c2 (c1 is full): 7 */
	KUNIT_EXPECT_EQ(test, hpool_distribute(root, 7), 7);
	HPT_EXPECT_GAUGES(test, c1, 2, 2, 0, 0);
	HPT_EXPECT_GAUGES(test, c2, 3, 3, 0, 0);
	HPT_EXPECT_GAUGES(test, c3, 2, 2, 0, 0);
	KUNIT_EXPECT_EQ(test, HPT(c2, distributed_in), 3);
	HPT_EXPECT_GAUGES(test, root, 12, 5, 0, 0);

	/* Every call starts from the first child: c2 c3 | c2 c3 | c3 (then full). */
	KUNIT_EXPECT_EQ(test, hpool_distribute(root, 100), 5);
	HPT_EXPECT_GAUGES(test, c2, 5, 5, 0, 0);
	HPT_EXPECT_GAUGES(test, c3, 5, 5, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 12, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, hpool_distribute(root, 1), 0);

	/* Distributed objects are the children's own: local hits there. */
	f->objs[0] = hpool_acquire(c1, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, HPT(c1, local_hits), 1);
	hpool_release(c1, f->objs[0]);
}

/*
 * hpool.rst#hpool-reclaim: reclaim takes everything above each child's
 * reserve.
 */
static void hpool_test_reclaim(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-reclaim", 20);
	struct hpool *c1 = hpt_kid(test, root, "c1", 5, 2, HPOOL_PRIO_NORMAL);
	struct hpool *c2 = hpt_kid(test, root, "c2", 5, 0, HPOOL_PRIO_NORMAL);
	struct hpt_fill *f1 = hpt_fills(test, 1), *f2 = hpt_fills(test, 1);

	hpt_fill(test, c1, f1, 1, 4);
	hpt_fill(test, c2, f2, 2, 3);
	KUNIT_EXPECT_EQ(test, hpool_reclaim(root), 5);
	HPT_EXPECT_GAUGES(test, c1, 3, 2, 1, 0);
	HPT_EXPECT_GAUGES(test, c2, 2, 0, 2, 0);
	KUNIT_EXPECT_EQ(test, HPT(c1, reclaimed_out), 2);
	KUNIT_EXPECT_EQ(test, HPT(c2, reclaimed_out), 3);
	HPT_EXPECT_GAUGES(test, root, 10, 5, 0, 0);
	KUNIT_EXPECT_EQ(test, hpool_reclaim(root), 0);
	/* Objects in use go home to the child, not to the root. */
	hpt_unfill(c1, f1);
	hpt_unfill(c2, f2);
	HPT_EXPECT_GAUGES(test, c1, 3, 3, 0, 0);
	HPT_EXPECT_GAUGES(test, c2, 2, 2, 0, 0);
}

/*
 * hpool.rst#hpool-rebalance: one rebalance pass on a known uneven tree
 * (threshold 80):
 *   E cap 10, 9 in use  (90%, hot, room 1)
 *   A cap 20, 17 in use (85%, hot, room 3)
 *   B cap 10, 1 in use, 6 free, reserve 4 (10%, cool, can give 2)
 *   C cap 10, 5 in use, 3 free (50%, cool)
 *   D cap 10, 8 in use, 2 free (80%: neither)
 * E first (hotter) takes 1 from B; A takes 1 from B, then 2 from C.
 */
static void hpool_test_rebalance_pass(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-rebal", 100);
	struct hpool *a = hpt_kid(test, root, "a", 20, 0, HPOOL_PRIO_NORMAL);
	struct hpool *b = hpt_kid(test, root, "b", 10, 4, HPOOL_PRIO_NORMAL);
	struct hpool *c = hpt_kid(test, root, "c", 10, 0, HPOOL_PRIO_NORMAL);
	struct hpool *d = hpt_kid(test, root, "d", 10, 0, HPOOL_PRIO_NORMAL);
	struct hpool *e = hpt_kid(test, root, "e", 10, 0, HPOOL_PRIO_NORMAL);
	struct hpt_fill *fa = hpt_fills(test, 1), *fb = hpt_fills(test, 1);
	struct hpt_fill *fc = hpt_fills(test, 1), *fd = hpt_fills(test, 1);
	struct hpt_fill *fe = hpt_fills(test, 1);

	hpt_fill(test, a, fa, 17, 0);
	hpt_fill(test, b, fb, 1, 6);
	hpt_fill(test, c, fc, 5, 3);
	hpt_fill(test, d, fd, 8, 2);
	hpt_fill(test, e, fe, 9, 0);

	hpool_rebalance(root);
	KUNIT_EXPECT_EQ(test, HPT(e, rebalanced_in), 1);
	KUNIT_EXPECT_EQ(test, HPT(a, rebalanced_in), 3);
	KUNIT_EXPECT_EQ(test, HPT(b, rebalanced_out), 2);
	KUNIT_EXPECT_EQ(test, HPT(c, rebalanced_out), 2);
	KUNIT_EXPECT_EQ(test, HPT(d, rebalanced_out) + HPT(d, rebalanced_in), 0);
	HPT_EXPECT_GAUGES(test, e, 10, 1, 9, 0);
	HPT_EXPECT_GAUGES(test, a, 20, 3, 17, 0);
	HPT_EXPECT_GAUGES(test, b, 5, 4, 1, 0);
	HPT_EXPECT_GAUGES(test, c, 6, 1, 5, 0);
	HPT_EXPECT_GAUGES(test, d, 10, 2, 8, 0);
	HPT_EXPECT_GAUGES(test, root, 51, 0, 0, 0);

	/* Nothing more can move: a second pass is a no-op. */
	hpool_rebalance(root);
	KUNIT_EXPECT_EQ(test, HPT(c, rebalanced_out), 2);
	KUNIT_EXPECT_EQ(test, HPT(a, rebalanced_in), 3);

	hpt_unfill(a, fa);
	hpt_unfill(b, fb);
	hpt_unfill(c, fc);
	hpt_unfill(d, fd);
	hpt_unfill(e, fe);
}

/*
 * hpool.rst#hpool-rebalance: no move when nobody is above the threshold;
 * draining children stay out.
 */
static void hpool_test_rebalance_threshold(struct kunit *test)
{
	struct hpool_params rp = {
		.name = "t-rebal-thr", .obj_size = 16, .capacity = 100,
		.rebalance_threshold = 90,
	};
	struct hpool *root = hpt_new(test, NULL, &rp);
	struct hpool *a = hpt_kid(test, root, "a", 20, 0, HPOOL_PRIO_NORMAL);
	struct hpool *b = hpt_kid(test, root, "b", 10, 0, HPOOL_PRIO_NORMAL);
	struct hpt_fill *fa = hpt_fills(test, 1), *fb = hpt_fills(test, 1);

	hpt_fill(test, a, fa, 18, 0);	/* 90%: at the threshold, not above */
	hpt_fill(test, b, fb, 0, 5);
	hpool_rebalance(root);
	KUNIT_EXPECT_EQ(test, HPT(a, rebalanced_in), 0);
	KUNIT_EXPECT_EQ(test, HPT(b, rebalanced_out), 0);

	/* 95%, room for one; but the only donor is stopped: nothing moves. */
	hpt_fill(test, a, fa, 1, 0);
	KUNIT_EXPECT_EQ(test, hpool_drain(b, 0), 0);
	hpool_rebalance(root);
	KUNIT_EXPECT_EQ(test, HPT(a, rebalanced_in), 0);
	/* Active again, it gives exactly the one object a has room for. */
	KUNIT_EXPECT_EQ(test, hpool_activate(b), 0);
	hpool_rebalance(root);
	KUNIT_EXPECT_EQ(test, HPT(a, rebalanced_in), 1);
	KUNIT_EXPECT_EQ(test, HPT(b, rebalanced_out), 1);
	HPT_EXPECT_GAUGES(test, a, 20, 1, 19, 0);
	HPT_EXPECT_GAUGES(test, b, 4, 4, 0, 0);
	hpt_unfill(a, fa);
	hpt_unfill(b, fb);
}

/*
 * hpool.rst#hpool-rebalance: interval 0 never arms the work; setting an
 * interval arms it, 0 disarms.
 */
static void hpool_test_rebalance_interval(struct kunit *test)
{
	struct hpool_params rp = {
		.name = "t-rebal-int", .obj_size = 16, .capacity = 100,
		.rebalance_interval_ms = 60000,
	};
	struct hpool *off = hpt_root(test, "t-rebal-off", 10);
	struct hpool *root = hpt_new(test, NULL, &rp);
	struct hpool *a = hpt_kid(test, root, "a", 10, 0, HPOOL_PRIO_NORMAL);
	struct hpool *b = hpt_kid(test, root, "b", 10, 0, HPOOL_PRIO_NORMAL);
	struct hpt_fill *fa = hpt_fills(test, 1), *fb = hpt_fills(test, 1);

	KUNIT_EXPECT_FALSE(test, hpool_rebalance_armed(off));
	KUNIT_EXPECT_TRUE(test, hpool_rebalance_armed(root));

	hpt_fill(test, a, fa, 9, 0);
	hpt_fill(test, b, fb, 0, 5);
	/* Run the queued pass now: it moves, then re-arms itself. */
	hpool_flush_work(root);
	KUNIT_EXPECT_EQ(test, HPT(a, rebalanced_in), 1);
	KUNIT_EXPECT_TRUE(test, hpool_rebalance_armed(root));

	KUNIT_EXPECT_EQ(test, hpool_set_rebalance_interval(root, 0), 0);
	KUNIT_EXPECT_FALSE(test, hpool_rebalance_armed(root));
	KUNIT_EXPECT_EQ(test, hpool_set_rebalance_interval(off, 30000), 0);
	KUNIT_EXPECT_TRUE(test, hpool_rebalance_armed(off));
	KUNIT_EXPECT_EQ(test, hpool_set_rebalance_interval(off, 0), 0);
	KUNIT_EXPECT_FALSE(test, hpool_rebalance_armed(off));
	hpt_unfill(a, fa);
	hpt_unfill(b, fb);
}

#ifdef CONFIG_HPOOL_DEBUG
/* What the hook of hpool_test_rebalance_bounded does after each move. */
static struct {
	struct hpool *root, *hot, *donor;
	struct hpt_fill *donor_fill;	/* in use in donor, released one a move */
	void **stolen;			/* taken from hot by the root's thief */
	int nr_stolen;
} hpr;

static void hpr_hook(enum hpool_hook where, struct hpool *pool)
{
	void *obj;

	if (where != HPOOL_HOOK_REBALANCE || pool != hpr.hot || !hpr.donor_fill->nr)
		return;
	/* Traffic during the pass: a HIGH request on the full root steals what hot got... */
	obj = hpool_acquire_prio(hpr.root, HPOOL_PRIO_HIGH, GFP_KERNEL);
	if (obj)
		hpr.stolen[hpr.nr_stolen++] = obj;
	/* ...and the donor gets one back from its own user. */
	hpool_release(hpr.donor, hpr.donor_fill->objs[--hpr.donor_fill->nr]);
}

static void hpr_hook_clear(void *unused)
{
	hpool_set_test_hook(NULL);
}

/*
 * hpool.rst#hpool-rebalance: a pass ends while traffic runs. A hot child
 * takes at most its capacity in one turn: here every object it gets is
 * stolen at once and the donor refilled, so without that bound the pass
 * (holding the topology mutex) would go on for as long as the traffic did.
 */
static void hpool_test_rebalance_bounded(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-rebal-bound", 30);
	struct hpool *hot = hpt_kid(test, root, "hot", 10, 0, HPOOL_PRIO_LOW);
	struct hpool *donor = hpt_kid(test, root, "donor", 40, 0, HPOOL_PRIO_NORMAL);
	struct hpt_fill *fh = hpt_fills(test, 1), *fd = hpt_fills(test, 1);
	int i;

	hpt_fill(test, hot, fh, 9, 0);		/* 90%: hot, room for 1 */
	hpt_fill(test, donor, fd, 20, 1);	/* 50%: cool, gives 1, then 20 more */
	/* The root is at capacity: a HIGH request on it can only steal. */
	HPT_EXPECT_GAUGES(test, root, 30, 0, 0, 0);
	hpr.root = root;
	hpr.hot = hot;
	hpr.donor = donor;
	hpr.donor_fill = fd;
	hpr.nr_stolen = 0;
	hpr.stolen = kunit_kcalloc(test, 32, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hpr.stolen);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpr_hook_clear, NULL), 0);

	hpool_set_test_hook(hpr_hook);
	hpool_rebalance(root);
	hpool_set_test_hook(NULL);

	KUNIT_EXPECT_GT(test, HPT(hot, rebalanced_in), 0);
	KUNIT_EXPECT_LE(test, HPT(hot, rebalanced_in), 10);
	KUNIT_EXPECT_EQ(test, HPT(hot, stolen), hpr.nr_stolen);
	for (i = 0; i < hpr.nr_stolen; i++)
		hpool_release(root, hpr.stolen[i]);
	hpt_unfill(hot, fh);
	hpt_unfill(donor, fd);
}
#endif

static struct kunit_case hpool_child_cases[] = {
	KUNIT_CASE(hpool_test_steal_order),
	KUNIT_CASE(hpool_test_steal_ties),
	KUNIT_CASE(hpool_test_steal_reserve_state),
	KUNIT_CASE(hpool_test_distribute),
	KUNIT_CASE(hpool_test_reclaim),
	KUNIT_CASE(hpool_test_rebalance_pass),
	KUNIT_CASE(hpool_test_rebalance_threshold),
	KUNIT_CASE(hpool_test_rebalance_interval),
#ifdef CONFIG_HPOOL_DEBUG
	KUNIT_CASE(hpool_test_rebalance_bounded),
#endif
	{}
};

static struct kunit_suite hpool_child_suite = {
	.name = "hpool_child",
	.test_cases = hpool_child_cases,
};

kunit_test_suite(hpool_child_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's stealing, distribute, reclaim and rebalance");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
