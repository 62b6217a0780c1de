// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the setters (hpool.rst#hpool-setters): each tunable's rule,
 * as hpool_create() and the sysfs files apply it too; a refused value
 * changes nothing; a lowered capacity frees the surplus; NULL and a pool
 * being destroyed are refused.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "hpool_internal.h"
#include "hpool_test.h"

#ifdef CONFIG_HPOOL_DEBUG
#include "hpool_obj.h"
#endif

enum hps_setter {
	HPS_CAPACITY, HPS_RESERVE, HPS_BORROW_LIMIT, HPS_PRIO, HPS_AUTO_GROW,
	HPS_INTERVAL, HPS_THRESHOLD,
};

static int hps_set(struct hpool *pool, enum hps_setter which, int val)
{
	switch (which) {
	case HPS_CAPACITY:
		return hpool_set_capacity(pool, val);
	case HPS_RESERVE:
		return hpool_set_reserve(pool, val);
	case HPS_BORROW_LIMIT:
		return hpool_set_borrow_limit(pool, val);
	case HPS_PRIO:
		return hpool_set_prio(pool, val);
	case HPS_AUTO_GROW:
		return hpool_set_auto_grow(pool, val);
	case HPS_INTERVAL:
		return hpool_set_rebalance_interval(pool, val);
	case HPS_THRESHOLD:
		return hpool_set_rebalance_threshold(pool, val);
	}
	return -EINVAL;
}

/* Every tunable of a pool and its tree, as one value to compare. */
struct hps_tunables {
	unsigned int capacity, reserve, borrow_limit, flags;
	int prio;
	unsigned int interval, threshold;
};

static void hps_read(struct hpool *pool, struct hps_tunables *t)
{
	memset(t, 0, sizeof(*t));
	t->capacity = READ_ONCE(pool->capacity);
	t->reserve = READ_ONCE(pool->reserve);
	t->borrow_limit = READ_ONCE(pool->borrow_limit);
	t->flags = READ_ONCE(pool->flags);
	t->prio = READ_ONCE(pool->prio);
	t->interval = READ_ONCE(pool->tree->rebalance_interval_ms);
	t->threshold = READ_ONCE(pool->tree->rebalance_threshold);
}

/* Where a setter writes, in struct hps_tunables. */
static unsigned int *hps_field(struct hps_tunables *t, enum hps_setter which)
{
	switch (which) {
	case HPS_CAPACITY:
		return &t->capacity;
	case HPS_RESERVE:
		return &t->reserve;
	case HPS_BORROW_LIMIT:
		return &t->borrow_limit;
	case HPS_PRIO:
		return (unsigned int *)&t->prio;
	case HPS_AUTO_GROW:
		return &t->flags;
	case HPS_INTERVAL:
		return &t->interval;
	case HPS_THRESHOLD:
		return &t->threshold;
	}
	return NULL;
}

struct hps_case {
	const char *desc;
	enum hps_setter which;
	bool on_root;
	int val;
	int ret;
	int want;	/* the field after a success (flags for auto_grow) */
};

/*
 * The tree of every case: root (capacity 16, reserve 2) and child
 * (capacity 8, borrow_limit 4, reserve 1).
 */
static const struct hps_case hps_cases[] = {
	{ "capacity above the reserve", HPS_CAPACITY, false, 4, 0, 4 },
	{ "capacity to the reserve", HPS_CAPACITY, false, 1, 0, 1 },
	{ "capacity below the reserve", HPS_CAPACITY, false, 0, -EINVAL },
	{ "root capacity below its reserve", HPS_CAPACITY, true, 1, -EINVAL },
	{ "reserve to the capacity", HPS_RESERVE, false, 8, 0, 8 },
	{ "reserve above the capacity", HPS_RESERVE, false, 9, -EINVAL },
	{ "reserve 0", HPS_RESERVE, true, 0, 0, 0 },
	{ "borrow_limit of a child", HPS_BORROW_LIMIT, false, 7, 0, 7 },
	{ "borrow_limit 0 of a child", HPS_BORROW_LIMIT, false, 0, 0, 0 },
	{ "borrow_limit of a root", HPS_BORROW_LIMIT, true, 3, -EINVAL },
	{ "borrow_limit 0 of a root", HPS_BORROW_LIMIT, true, 0, -EINVAL },
	{ "prio critical", HPS_PRIO, false, HPOOL_PRIO_CRITICAL, 0, HPOOL_PRIO_CRITICAL },
	{ "prio low", HPS_PRIO, true, HPOOL_PRIO_LOW, 0, HPOOL_PRIO_LOW },
	{ "prio below low", HPS_PRIO, false, HPOOL_PRIO_LOW - 1, -EINVAL },
	{ "prio above critical", HPS_PRIO, false, HPOOL_PRIO_CRITICAL + 1, -EINVAL },
	{ "auto_grow on a child", HPS_AUTO_GROW, false, 1, 0, HPOOL_F_AUTO_GROW },
	{ "auto_grow off a child", HPS_AUTO_GROW, false, 0, 0, 0 },
	{ "auto_grow on a root", HPS_AUTO_GROW, true, 1, -EINVAL },
	{ "auto_grow off a root", HPS_AUTO_GROW, true, 0, 0, 0 },
	{ "rebalance interval of a root", HPS_INTERVAL, true, 60000, 0, 60000 },
	{ "rebalance interval of a child", HPS_INTERVAL, false, 100, -EINVAL },
	{ "rebalance threshold 100", HPS_THRESHOLD, true, 100, 0, 100 },
	{ "rebalance threshold 0", HPS_THRESHOLD, true, 0, 0, 0 },
	{ "rebalance threshold 101", HPS_THRESHOLD, true, 101, -EINVAL },
	{ "rebalance threshold of a child", HPS_THRESHOLD, false, 50, -EINVAL },
};

static void hps_case_desc(const struct hps_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hps_rules, hps_cases, hps_case_desc);

static void hps_tree(struct kunit *test, struct hpool **root, struct hpool **child)
{
	struct hpool_params rp = { .name = "hps", .obj_size = 32, .capacity = 16,
				   .reserve = 2 };
	struct hpool_params cp = { .name = "c", .capacity = 8, .borrow_limit = 4,
				   .reserve = 1 };

	*root = hpt_new(test, NULL, &rp);
	*child = hpt_new(test, *root, &cp);
}

/* One rule: the setter's answer, and exactly its field changed, or nothing. */
static void hps_rule(struct kunit *test)
{
	const struct hps_case *c = test->param_value;
	struct hps_tunables before, after;
	struct hpool_stats st0, st1;
	struct hpool *root, *child, *pool;

	hps_tree(test, &root, &child);
	pool = c->on_root ? root : child;
	hps_read(pool, &before);
	hpool_get_stats(pool, &st0);

	KUNIT_EXPECT_EQ(test, hps_set(pool, c->which, c->val), c->ret);

	hps_read(pool, &after);
	if (!c->ret)
		*hps_field(&before, c->which) = c->want;
	KUNIT_EXPECT_MEMEQ(test, &after, &before, sizeof(after));
	hpool_get_stats(pool, &st1);
	KUNIT_EXPECT_MEMEQ(test, &st1, &st0, sizeof(st1));
}

/* -EBUSY below what the subtree has in use; the surplus of a lower one is freed. */
static void hps_capacity_in_use(struct kunit *test)
{
	struct hpool *root, *child;
	void *objs[6];
	int i;

	hps_tree(test, &root, &child);
	for (i = 0; i < 6; i++) {
		objs[i] = hpool_acquire(root, GFP_KERNEL);
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, objs[i]);
	}
	/* 6 in use: 5 is refused, the capacity stays. */
	KUNIT_EXPECT_EQ(test, hpool_set_capacity(root, 5), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(root->capacity), 16);
	for (i = 2; i < 6; i++)
		hpool_release(root, objs[i]);
	/* 2 in use, 4 free: capacity 3 keeps 1 free object and frees 3. */
	KUNIT_EXPECT_EQ(test, hpool_set_capacity(root, 3), 0);
	HPT_EXPECT_GAUGES(test, root, 3, 1, 2, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, frees), 3);
	/* The new capacity holds: one more allocation, then a limit. */
	objs[2] = hpool_acquire(root, GFP_KERNEL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, objs[2]);
	objs[3] = hpool_acquire(root, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, objs[3]);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 1);
	for (i = 0; i < 3; i++)
		hpool_release(root, objs[i]);
}

/* hpool_create() refuses what the setters refuse: the same rules. */
static void hps_create_same_rules(struct kunit *test)
{
	struct hpool_params rp = { .name = "hps", .obj_size = 32, .capacity = 4 };
	struct hpool_params p;
	struct hpool *root, *pool;

	root = hpt_new(test, NULL, &rp);

	p = (struct hpool_params){ .name = "r", .capacity = 4, .reserve = 5 };
	pool = hpool_create_child(root, &p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	p = (struct hpool_params){ .name = "p", .capacity = 4, .prio = 3 };
	pool = hpool_create_child(root, &p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	p = (struct hpool_params){ .name = "t", .capacity = 4, .rebalance_threshold = 50 };
	pool = hpool_create_child(root, &p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	p = (struct hpool_params){ .name = "hps2", .obj_size = 8, .capacity = 4,
				   .borrow_limit = 1 };
	pool = hpool_create(&p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	p = (struct hpool_params){ .name = "hps2", .obj_size = 8, .capacity = 4,
				   .flags = HPOOL_F_AUTO_GROW };
	pool = hpool_create(&p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
	p = (struct hpool_params){ .name = "hps2", .obj_size = 8, .capacity = 4,
				   .rebalance_threshold = 101 };
	pool = hpool_create(&p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pool), -EINVAL);
}

/* NULL: -EINVAL and one warning each. */
static void hps_null(struct kunit *test)
{
	enum hps_setter which;

	HPOOL_EXPECT_WARN_BEGIN(test);
	for (which = HPS_CAPACITY; which <= HPS_THRESHOLD; which++)
		KUNIT_EXPECT_EQ(test, hps_set(NULL, which, 1), -EINVAL);
	HPOOL_EXPECT_WARN_END(test);
}

#ifdef CONFIG_HPOOL_DEBUG
static struct {
	struct hpool *target;
	int ret[HPS_THRESHOLD + 1];
	bool fired;
} hps_hook;

/* Inside the destroy of the target, dead and not yet unlinked: try every setter. */
static void hps_hook_fn(enum hpool_hook where, struct hpool *pool)
{
	enum hps_setter which;

	if (where != HPOOL_HOOK_DESTROY || pool != hps_hook.target || hps_hook.fired)
		return;
	hps_hook.fired = true;
	for (which = HPS_CAPACITY; which <= HPS_THRESHOLD; which++)
		hps_hook.ret[which] = hps_set(pool, which, 0);
}

static void hps_hook_clear(void *unused)
{
	hpool_set_test_hook(NULL);
}

/* A pool whose destroy has begun refuses every setter with -ENODEV. */
static void hps_dead(struct kunit *test)
{
	struct hpool_params rp = { .name = "hps", .obj_size = 32, .capacity = 4 };
	enum hps_setter which;
	struct hpool *root;

	root = hpool_create(&rp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, root);
	memset(&hps_hook, 0, sizeof(hps_hook));
	hps_hook.target = root;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hps_hook_clear, NULL), 0);
	hpool_set_test_hook(hps_hook_fn);
	KUNIT_EXPECT_EQ(test, hpool_destroy(root), 0);
	hpool_set_test_hook(NULL);
	KUNIT_ASSERT_TRUE(test, hps_hook.fired);
	for (which = HPS_CAPACITY; which <= HPS_THRESHOLD; which++)
		KUNIT_EXPECT_EQ_MSG(test, hps_hook.ret[which], -ENODEV, "setter %d", which);
}
#endif

static struct kunit_case hpool_setters_cases[] = {
	KUNIT_CASE_PARAM(hps_rule, hps_rules_gen_params),
	KUNIT_CASE(hps_capacity_in_use),
	KUNIT_CASE(hps_create_same_rules),
	KUNIT_CASE(hps_null),
#ifdef CONFIG_HPOOL_DEBUG
	KUNIT_CASE(hps_dead),
#endif
	{}
};

static struct kunit_suite hpool_setters_suite = {
	.name = "hpool_setters",
	.test_cases = hpool_setters_cases,
};

kunit_test_suite(hpool_setters_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's setters");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
