// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of object tracking (hpool.rst#hpool-debugging): every object
 * handed out while tracking is on is recorded against the pool that handed
 * it out and its acquiring stack, one group per pool and stack with its
 * count; a release forgets it; switching off forgets everything, and objects
 * acquired while off stay untracked once it is on again.
 */

#include <kunit/test.h>
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/string.h>

#include "hpool_track.h"
#include "hpool_test.h"

#define HPK_MAX	16

/* Tracking off at the end of every case, whatever happened. */
static void hpk_track_off(void *unused)
{
	hpool_track_set(false);
}

static void hpk_track_on(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, hpool_track_set(true), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpk_track_off, NULL), 0);
	KUNIT_ASSERT_TRUE(test, hpool_track_enabled());
}

/*
 * Two call sites, so that two stacks differ. Not inlined, and not tail
 * calls (the hidden variable is used after the call): each stays a frame of
 * the acquiring stack.
 */
static noinline void *hpk_acquire_a(struct hpool *pool)
{
	void *obj = hpool_acquire(pool, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(obj);
	return obj;
}

static noinline void *hpk_acquire_b(struct hpool *pool)
{
	void *obj = hpool_acquire(pool, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(obj);
	return obj;
}

/*
 * Acquire @nr objects of @pool into @objs through @fn; all must come. One
 * call site for all: @nr is hidden from the compiler, which would otherwise
 * unroll a short loop into as many calls, each a stack of its own (it does,
 * built into a kernel).
 */
static void hpk_take(struct kunit *test, struct hpool *pool,
		     void *(*fn)(struct hpool *pool), void **objs, unsigned int nr)
{
	unsigned int i;

	OPTIMIZER_HIDE_VAR(nr);
	for (i = 0; i < nr; i++) {
		objs[i] = fn(pool);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
}

static void hpk_give(struct hpool *pool, void **objs, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		hpool_release(pool, objs[i]);
}

/* Whether a group's stack has a frame in the function called @fn. */
static bool hpk_stack_has(const struct hpool_track_group *g, const char *fn)
{
	char *buf = kmalloc(2048, GFP_KERNEL);
	bool found;

	if (!buf || !g->stack) {
		kfree(buf);
		return false;
	}
	stack_depot_snprint(g->stack, buf, 2048, 0);
	found = strstr(buf, fn);
	kfree(buf);
	return found;
}

/* The group of @pool whose stack goes through @fn, or NULL. */
static const struct hpool_track_group *
hpk_group(const struct hpool_track_groups *gs, struct hpool *pool, const char *fn)
{
	unsigned int i;

	for (i = 0; i < gs->nr; i++)
		if (gs->g[i].pool == pool && hpk_stack_has(&gs->g[i], fn))
			return &gs->g[i];
	return NULL;
}

static void hpk_collect(struct kunit *test, struct hpool *root, struct hpool *under,
			struct hpool_track_groups *gs)
{
	int ret = hpool_track_collect(root->tree, under, gs);

	if (ret)
		hpool_track_groups_free(gs);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

/*
 * Tracking is @on and the whole tree of @root has @nr records; @groups is
 * how many groups they make (-1: any number).
 */
static void hpk_expect_tracked(struct kunit *test, int line, struct hpool *root,
			       bool on, unsigned long nr, int groups)
{
	struct hpool_track_groups gs;

	hpk_collect(test, root, NULL, &gs);
	KUNIT_EXPECT_EQ_MSG(test, gs.on, on, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, gs.nr_tracked, nr, "line %d", line);
	if (groups >= 0)
		KUNIT_EXPECT_EQ_MSG(test, gs.nr, groups, "line %d", line);
	hpool_track_groups_free(&gs);
}

#define HPK_EXPECT_TRACKED(test, root, nr) \
	hpk_expect_tracked(test, __LINE__, root, true, nr, -1)

/*
 * Each object is recorded against the pool that handed it out: a child's
 * borrows from its parent count on the child, the parent's own acquisitions
 * on the parent; a collect restricted to the child sees only the child's.
 */
static void hpool_test_track_right_pool(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-track-pool", 32);
	struct hpool *child = hpt_child(test, root, "c", 2, 8);
	const struct hpool_track_group *g;
	struct hpool_track_groups gs;
	void *cobj[5], *robj[3];

	hpk_track_on(test);
	hpk_take(test, child, hpk_acquire_a, cobj, 5);	/* borrowed from the root */
	hpk_take(test, root, hpk_acquire_a, robj, 3);

	hpk_collect(test, root, NULL, &gs);
	KUNIT_EXPECT_TRUE(test, gs.on);
	KUNIT_EXPECT_EQ(test, gs.nr_tracked, 8);
	KUNIT_EXPECT_EQ(test, gs.nr, 2);
	g = hpk_group(&gs, child, "hpk_acquire_a");
	KUNIT_EXPECT_NOT_NULL(test, g);
	if (g) {
		KUNIT_EXPECT_EQ(test, g->nr, 5);
		KUNIT_EXPECT_EQ(test, g->id, child->seq);
	}
	g = hpk_group(&gs, root, "hpk_acquire_a");
	KUNIT_EXPECT_NOT_NULL(test, g);
	if (g)
		KUNIT_EXPECT_EQ(test, g->nr, 3);
	/* Sorted, most first. */
	KUNIT_EXPECT_PTR_EQ(test, gs.g[0].pool, child);
	hpool_track_groups_free(&gs);

	hpk_collect(test, root, child, &gs);
	KUNIT_EXPECT_EQ(test, gs.nr_tracked, 5);
	KUNIT_EXPECT_EQ(test, gs.nr, 1);
	hpool_track_groups_free(&gs);

	hpk_give(child, cobj, 5);
	hpk_give(root, robj, 3);
}

/* One group per acquiring stack, each with its own count. */
static void hpool_test_track_per_stack(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-track-stack", 32);
	const struct hpool_track_group *a, *b;
	struct hpool_track_groups gs;
	void *oa[6], *ob[2];

	hpk_track_on(test);
	hpk_take(test, root, hpk_acquire_a, oa, 6);
	hpk_take(test, root, hpk_acquire_b, ob, 2);

	hpk_collect(test, root, NULL, &gs);
	KUNIT_EXPECT_EQ(test, gs.nr_tracked, 8);
	KUNIT_EXPECT_EQ(test, gs.nr, 2);
	a = hpk_group(&gs, root, "hpk_acquire_a");
	b = hpk_group(&gs, root, "hpk_acquire_b");
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	if (a)
		KUNIT_EXPECT_EQ(test, a->nr, 6);
	if (b)
		KUNIT_EXPECT_EQ(test, b->nr, 2);
	hpool_track_groups_free(&gs);

	/* Releasing some of one stack's objects lowers that group only. */
	hpk_give(root, oa, 4);
	hpk_collect(test, root, NULL, &gs);
	a = hpk_group(&gs, root, "hpk_acquire_a");
	b = hpk_group(&gs, root, "hpk_acquire_b");
	KUNIT_EXPECT_EQ(test, gs.nr_tracked, 4);
	if (a && b) {
		KUNIT_EXPECT_EQ(test, a->nr, 2);
		KUNIT_EXPECT_EQ(test, b->nr, 2);
	} else {
		KUNIT_FAIL(test, "a group is missing after the releases");
	}
	hpool_track_groups_free(&gs);

	hpk_give(root, oa + 4, 2);
	hpk_give(root, ob, 2);
}

/*
 * Nothing is left once everything is back: releases on the fast path, along
 * a borrow chain and through the wrong pool all forget their records, and
 * objects reacquired from the caches are recorded again.
 */
static void hpool_test_track_nothing_left(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-track-left", 64);
	struct hpool *child = hpt_child(test, root, "c", 4, 16);
	struct hpool *leaf = hpt_child(test, child, "l", 2, 16);
	void *objs[HPK_MAX];
	int round;

	hpk_track_on(test);
	for (round = 0; round < 3; round++) {
		hpk_take(test, leaf, hpk_acquire_a, objs, 10);
		hpk_take(test, root, hpk_acquire_b, objs + 10, 4);
		HPK_EXPECT_TRACKED(test, root, 14);
		hpk_give(leaf, objs, 10);
		hpk_give(root, objs + 10, 4);
		hpk_expect_tracked(test, __LINE__, root, true, 0, 0);
	}

	/* Released through the wrong pool (warned, routed home): forgotten too. */
	objs[0] = hpk_acquire_a(child);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	HPOOL_EXPECT_WARN_BEGIN(test);
	hpool_release(root, objs[0]);
	HPOOL_EXPECT_WARN_END(test);
	HPK_EXPECT_TRACKED(test, root, 0);
}

/*
 * Switching with objects out: those acquired while off stay untracked when
 * it goes on (their release finds nothing to forget); switching off forgets
 * every record; on again, only new acquisitions are recorded.
 */
static void hpool_test_track_switch(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-track-switch", 32);
	void *off1[3], *on1[4], *on2[2];

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpk_track_off, NULL), 0);
	KUNIT_ASSERT_EQ(test, hpool_track_set(false), 0);
	hpk_take(test, root, hpk_acquire_a, off1, 3);
	hpk_expect_tracked(test, __LINE__, root, false, 0, 0);

	KUNIT_ASSERT_EQ(test, hpool_track_set(true), 0);
	hpk_take(test, root, hpk_acquire_b, on1, 4);
	hpk_expect_tracked(test, __LINE__, root, true, 4, 1);
	/* An untracked object comes back: the tracked ones are untouched. */
	hpk_give(root, off1, 1);
	HPK_EXPECT_TRACKED(test, root, 4);

	/* Off: everything forgotten; releases with it off find nothing. */
	KUNIT_ASSERT_EQ(test, hpool_track_set(false), 0);
	KUNIT_EXPECT_FALSE(test, hpool_track_enabled());
	hpk_give(root, on1, 2);
	KUNIT_ASSERT_EQ(test, hpool_track_set(true), 0);
	HPK_EXPECT_TRACKED(test, root, 0);

	/* On again: only what is acquired from now on. */
	hpk_take(test, root, hpk_acquire_a, on2, 2);
	hpk_give(root, on1 + 2, 2);
	hpk_give(root, off1 + 1, 2);
	hpk_expect_tracked(test, __LINE__, root, true, 2, 1);
	hpk_give(root, on2, 2);
	HPK_EXPECT_TRACKED(test, root, 0);
	/* Setting what is set already changes nothing. */
	KUNIT_EXPECT_EQ(test, hpool_track_set(true), 0);
	KUNIT_EXPECT_TRUE(test, hpool_track_enabled());
}

static struct kunit_case hpool_track_cases[] = {
	KUNIT_CASE(hpool_test_track_right_pool),
	KUNIT_CASE(hpool_test_track_per_stack),
	KUNIT_CASE(hpool_test_track_nothing_left),
	KUNIT_CASE(hpool_test_track_switch),
	{}
};

static struct kunit_suite hpool_track_suite = {
	.name = "hpool_track",
	.test_cases = hpool_track_cases,
};

kunit_test_suite(hpool_track_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's object tracking");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
