// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of scoped lifetimes: devres-managed pools (destroyed when the
 * device goes, children first; orphans destroyed when their objects come
 * back) and request-scoped HPOOL_F_NO_SYSFS children.
 */

#include <kunit/test.h>
#include <linux/kernfs.h>
#include <linux/module.h>

#include "hpool_lifecycle.h"
#include "hpool_test.h"

/* The name is free again only once the root was really destroyed. */
static void hpt_expect_root_gone(struct kunit *test, const char *name)
{
	struct hpool_params p = { .name = name, .obj_size = 8, .capacity = 1 };

	hpt_destroy(test, hpt_new(test, NULL, &p));
}

/* devres destroys a tree when the device goes, children before parents. */
static void hpool_test_devm_order(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-devm", .obj_size = 32, .capacity = 8 };
	struct hpool_params cp = { .name = "c", .capacity = 4, .borrow_limit = 2 };
	struct hpool *root, *child, *leaf;
	struct device *dev;
	void *obj;

	dev = hpool_kunit_device_register(test, "hpool-devm");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	root = devm_hpool_create(dev, &rp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, root);
	child = devm_hpool_create_child(dev, root, &cp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, child);
	cp.name = "leaf";
	leaf = devm_hpool_create_child(dev, child, &cp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, leaf);
	obj = hpool_acquire(leaf, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hpool_release(leaf, obj);
	KUNIT_EXPECT_EQ(test, hpool_destroy(root), -EBUSY);

	/* A destroy out of order would fail and warn; the harness fails on that. */
	hpool_kunit_device_unregister(test, dev);
	hpt_expect_root_gone(test, "t-devm");
}

/* A devm pool with an object out: warned, drained, destroyed when it is back. */
static void hpool_test_devm_objects_out(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-devm-out", .obj_size = 32, .capacity = 8 };
	struct hpool_params cp = { .name = "c", .capacity = 4 };
	struct hpool *root, *child;
	struct device *dev;
	void *obj;

	dev = hpool_kunit_device_register(test, "hpool-devm-out");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	root = devm_hpool_create(dev, &rp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, root);
	child = devm_hpool_create_child(dev, root, &cp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, child);
	obj = hpool_acquire(child, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hpool_release(child, hpool_acquire(child, GFP_KERNEL));	/* one free */
	HPT_EXPECT_GAUGES(test, child, 2, 1, 1, 0);

	/* A dev_warn(), not a WARN: a device going is no kernel bug. */
	hpool_kunit_device_unregister(test, dev);
	hpool_flush_all();

	/* Torn down as far as is safe: free object freed, no new acquisitions. */
	KUNIT_EXPECT_EQ(test, hpool_state(child), HPOOL_DRAINING);
	HPT_EXPECT_GAUGES(test, child, 1, 0, 1, 0);
	KUNIT_EXPECT_NULL(test, hpool_acquire(child, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(child, fail_state), 1);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);

	/* The last object back: the child, then its orphaned parent, go. */
	hpool_release(child, obj);
	hpool_flush_all();
	hpool_flush_all();
	hpt_expect_root_gone(test, "t-devm-out");
}

/* A hidden child's counters roll up like any other child's. */
static void hpool_test_hidden_rollup(struct kunit *test)
{
	struct hpool_params hp = {
		.name = "req", .capacity = 4, .borrow_limit = 2,
		.flags = HPOOL_F_NO_SYSFS,
	};
	struct hpool *root = hpt_root(test, "t-hidden", 16);
	struct hpool *svc = hpt_child(test, root, "svc", 8, 0);
	struct hpool *req = hpt_new(test, svc, &hp);
	void *objs[5];
	int i;

	KUNIT_EXPECT_FALSE(test, req->in_sysfs);
	KUNIT_EXPECT_EQ(test, READ_ONCE(svc->nr_children_hidden), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), 0);
	/* 2 borrowed (svc allocates them), then 3 allocated by req itself. */
	for (i = 0; i < 5; i++) {
		objs[i] = hpool_acquire(req, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	HPT_EXPECT_SERVED(test, req, 0, 2, 3);
	HPT_EXPECT_GAUGES(test, req, 3, 0, 5, 2);
	HPT_EXPECT_GAUGES(test, svc, 5, 0, 2, 0);
	HPT_EXPECT_GAUGES(test, root, 5, 0, 0, 0);
	for (i = 0; i < 5; i++)
		hpool_release(req, objs[i]);
	HPT_EXPECT_GAUGES(test, req, 3, 3, 0, 0);
	HPT_EXPECT_GAUGES(test, svc, 5, 2, 0, 0);
	hpt_destroy(test, req);
	HPT_EXPECT_GAUGES(test, svc, 2, 2, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 2, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(svc->nr_children_hidden), 0);
}

/* nr_children_hidden follows creates and destroys; descendants stay hidden. */
static void hpool_test_hidden_count(struct kunit *test)
{
	struct hpool_params hp = { .capacity = 2, .flags = HPOOL_F_NO_SYSFS };
	struct hpool_params vp = { .name = "visible", .capacity = 2 };
	struct hpool *root = hpt_root(test, "t-hidden-nr", 16);
	struct hpool *h[3], *under;
	static const char *const names[] = { "h0", "h1", "h2" };
	int i;

	hpt_child(test, root, "shown", 2, 0);
	for (i = 0; i < 3; i++) {
		hp.name = names[i];
		h[i] = hpt_new(test, root, &hp);
		KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), i + 1);
	}
	/* A child of a hidden pool has no directory either, flag or not. */
	under = hpt_new(test, h[2], &vp);
	KUNIT_EXPECT_FALSE(test, under->in_sysfs);
	KUNIT_EXPECT_EQ(test, READ_ONCE(h[2]->nr_children_hidden), 0);
	hpt_destroy(test, under);
	hpt_destroy(test, h[1]);
	KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), 2);
	hpt_destroy(test, h[0]);
	hpt_destroy(test, h[2]);
	KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), 0);
}

/* A thousand request-scoped cycles leave nothing behind, and no directory. */
static void hpool_test_hidden_cycles(struct kunit *test)
{
	struct hpool_params hp = {
		.name = "req", .capacity = 10, .borrow_limit = 4,
		.flags = HPOOL_F_NO_SYSFS | HPOOL_F_AUTO_GROW,
	};
	struct hpool *root = hpt_root(test, "t-cycles", 64);
	struct hpool *svc = hpt_child(test, root, "svc", 32, 0);
	struct kernfs_node *kn;
	void *objs[4];
	int cycle, i;

	KUNIT_ASSERT_NOT_NULL(test, svc->children_kobj);
	for (cycle = 0; cycle < 1000; cycle++) {
		struct hpool *req = hpt_new(test, svc, &hp);

		kn = kernfs_find_and_get(svc->children_kobj->sd, "req");
		KUNIT_EXPECT_NULL(test, kn);
		kernfs_put(kn);
		for (i = 0; i < 4; i++) {
			objs[i] = hpool_acquire(req, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		}
		for (i = 0; i < 4; i++)
			hpool_release(req, objs[i]);
		KUNIT_ASSERT_EQ(test, hpt_destroy(test, req), 0);
	}
	/* Everything the requests borrowed is back; nothing was charged to them. */
	HPT_EXPECT_GAUGES(test, svc, 4, 4, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 4, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(svc->nr_children_hidden), 0);
	KUNIT_EXPECT_EQ(test, HPT(svc, local_hits), 4 * 1000 - 4);
}

static struct kunit_case hpool_scope_cases[] = {
	KUNIT_CASE(hpool_test_devm_order),
	KUNIT_CASE(hpool_test_devm_objects_out),
	KUNIT_CASE(hpool_test_hidden_rollup),
	KUNIT_CASE(hpool_test_hidden_count),
	KUNIT_CASE_SLOW(hpool_test_hidden_cycles),
	{}
};

static struct kunit_suite hpool_scope_suite = {
	.name = "hpool_scope",
	.test_cases = hpool_scope_cases,
};

kunit_test_suite(hpool_scope_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's devres and request-scoped pools");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
