// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the hpool core: the model (hpool.rst#hpool-model), acquire
 * and release (hpool.rst#hpool-acquire, hpool.rst#hpool-release), the
 * lifecycle (hpool.rst#hpool-lifecycle) and the API's errors
 * (hpool.rst#hpool-api), each rule with exact counters.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "hpool_test.h"

/*
 * hpool's module, found among the modules this one uses (the list only
 * changes when this module is loaded or unloaded, so no lock is needed), and
 * its reference count. NULL and 0 when either is built into the kernel
 * (lib/hpool/, Kconfig) or modules cannot be unloaded.
 */
#if defined(MODULE) && defined(CONFIG_MODULE_UNLOAD)
static struct module *hpool_test_hpool_module(void)
{
	struct module_use *use;

	list_for_each_entry(use, &THIS_MODULE->target_list, target_list)
		if (!strcmp(use->target->name, "hpool"))
			return use->target;
	return NULL;
}

static int hpt_module_refs(struct module *mod)
{
	return mod ? module_refcount(mod) : 0;
}
#else
static struct module *hpool_test_hpool_module(void)
{
	return NULL;
}

static int hpt_module_refs(struct module *mod)
{
	return 0;
}
#endif

/* hpool's module holds @refs references; nothing to count when built in. */
static void hpt_expect_refs(struct kunit *test, struct module *mod, int refs)
{
	if (mod)
		KUNIT_EXPECT_EQ(test, hpt_module_refs(mod), refs);
}

/*
 * While hpool is loaded its sysfs root /sys/kernel/hpool exists, a root made
 * with sysfs has its directory there and a hidden one has none
 * (hpool.rst#hpool-sysfs); each tree holds one reference on hpool's module
 * (children none), dropped when its root is destroyed
 * (hpool.rst#hpool-module-ref). Built into the kernel there is no module
 * (CONFIG_HPOOL=y, or these tests built in): sysfs and trees are checked,
 * references not.
 */
static void hpool_test_module_loaded(struct kunit *test)
{
	struct hpool_params hp = {
		.name = "t-loaded-hidden", .obj_size = 8, .capacity = 1,
		.flags = HPOOL_F_NO_SYSFS,
	};
	unsigned int trees = hpool_nr_trees();
	struct module *mod = hpool_test_hpool_module();
	struct kernfs_node *dir, *kn;
	struct hpool *root, *hidden;
	int refs;

	if (!IS_BUILTIN(CONFIG_HPOOL))
		KUNIT_ASSERT_NOT_NULL_MSG(test, mod, "hpool's module not found");
	refs = hpt_module_refs(mod);
	dir = kernfs_find_and_get(kernel_kobj->sd, "hpool");
	KUNIT_ASSERT_NOT_NULL_MSG(test, dir, "no /sys/kernel/hpool");

	root = hpt_root(test, "t-loaded", 1);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
	kn = kernfs_find_and_get(dir, "t-loaded");
	KUNIT_EXPECT_NOT_NULL_MSG(test, kn, "no /sys/kernel/hpool/t-loaded");
	kernfs_put(kn);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), trees + 1);
	hpt_expect_refs(test, mod, refs + 1);

	/* A child takes no reference; a hidden root takes its own. */
	hpt_child(test, root, "c", 1, 0);
	hpt_expect_refs(test, mod, refs + 1);
	hidden = hpt_new(test, NULL, &hp);
	kn = kernfs_find_and_get(dir, "t-loaded-hidden");
	KUNIT_EXPECT_NULL(test, kn);
	kernfs_put(kn);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), trees + 2);
	hpt_expect_refs(test, mod, refs + 2);

	hpt_destroy(test, hidden);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), trees + 1);
	hpt_expect_refs(test, mod, refs + 1);
	kernfs_put(dir);
}

/*
 * hpool.rst#hpool-acquire, step 1: a released object is handed out again from
 * the free list.
 */
static void hpool_test_local_hit(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-local", 4);
	void *a, *b;

	a = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	HPT_EXPECT_SERVED(test, root, 0, 0, 1);
	HPT_EXPECT_GAUGES(test, root, 1, 0, 1, 0);

	hpool_release(root, a);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 1);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);

	b = hpool_acquire(root, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	HPT_EXPECT_SERVED(test, root, 1, 0, 1);
	HPT_EXPECT_GAUGES(test, root, 1, 0, 1, 0);
	KUNIT_EXPECT_EQ(test, HPT(root, peak_in_use), 1);
	hpool_release(root, b);
}

/*
 * hpool.rst#hpool-acquire, step 2: a child with an empty free list borrows its
 * parent's free object.
 */
static void hpool_test_borrow(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-borrow", 10);
	struct hpool *child = hpt_child(test, root, "c", 5, 2);
	void *obj;

	hpool_release(root, hpool_acquire(root, GFP_KERNEL));
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);

	obj = hpool_acquire(child, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	HPT_EXPECT_SERVED(test, child, 0, 1, 0);
	HPT_EXPECT_GAUGES(test, child, 0, 0, 1, 1);
	HPT_EXPECT_SERVED(test, root, 1, 0, 1);
	HPT_EXPECT_GAUGES(test, root, 1, 0, 1, 0);

	hpool_release(child, obj);
	KUNIT_EXPECT_EQ(test, HPT(child, releases), 1);
	KUNIT_EXPECT_EQ(test, HPT(root, releases), 1);	/* only the first one */
	HPT_EXPECT_GAUGES(test, child, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
}

/*
 * hpool.rst#hpool-acquire, step 2, chained: a borrow goes up two levels and
 * the root allocates.
 */
static void hpool_test_chained_borrow(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-chain", 10);
	struct hpool *mid = hpt_child(test, root, "mid", 5, 5);
	struct hpool *leaf = hpt_child(test, mid, "leaf", 5, 5);
	void *a, *b;

	a = hpool_acquire(leaf, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	HPT_EXPECT_SERVED(test, leaf, 0, 1, 0);
	HPT_EXPECT_SERVED(test, mid, 0, 1, 0);
	HPT_EXPECT_SERVED(test, root, 0, 0, 1);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 1, 1);
	HPT_EXPECT_GAUGES(test, mid, 0, 0, 1, 1);
	HPT_EXPECT_GAUGES(test, root, 1, 0, 1, 0);

	hpool_release(leaf, a);
	HPT_EXPECT_GAUGES(test, leaf, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, mid, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);

	/* Again: now the root serves from its free list. */
	b = hpool_acquire(leaf, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	HPT_EXPECT_SERVED(test, leaf, 0, 2, 0);
	HPT_EXPECT_SERVED(test, mid, 0, 2, 0);
	HPT_EXPECT_SERVED(test, root, 1, 0, 1);
	hpool_release(leaf, b);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
}

/*
 * hpool.rst#hpool-acquire, step 3: past borrow_limit the child allocates,
 * charged up the tree.
 */
static void hpool_test_borrow_limit(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-blimit", 10);
	struct hpool *child = hpt_child(test, root, "c", 5, 1);
	void *a, *b;

	a = hpool_acquire(child, GFP_KERNEL);
	b = hpool_acquire(child, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	HPT_EXPECT_SERVED(test, child, 0, 1, 1);
	HPT_EXPECT_GAUGES(test, child, 1, 0, 2, 1);
	HPT_EXPECT_SERVED(test, root, 0, 0, 1);
	HPT_EXPECT_GAUGES(test, root, 2, 0, 1, 0);

	hpool_release(child, a);
	hpool_release(child, b);
	/* Each went home: a to the root, b to the child. */
	HPT_EXPECT_GAUGES(test, child, 1, 1, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 2, 1, 0, 0);
}

/*
 * hpool.rst#hpool-model: an ancestor's capacity stops a grandchild; the
 * failure counts once.
 */
static void hpool_test_ancestor_capacity(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-anccap", 2);
	struct hpool *mid = hpt_child(test, root, "mid", 10, 0);
	struct hpool *leaf = hpt_child(test, mid, "leaf", 10, 0);
	void *a, *b;

	a = hpool_acquire(leaf, GFP_KERNEL);
	b = hpool_acquire(leaf, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_NULL(test, hpool_acquire(leaf, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(leaf, fail_limit), 1);
	KUNIT_EXPECT_EQ(test, HPT(mid, fail_limit), 0);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 0);
	HPT_EXPECT_GAUGES(test, leaf, 2, 0, 2, 0);
	HPT_EXPECT_GAUGES(test, mid, 2, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, root, 2, 0, 0, 0);
	hpool_release(leaf, a);
	hpool_release(leaf, b);
}

/*
 * hpool.rst#hpool-acquire, step 2: a borrow the parent cannot serve is not
 * counted on the parent.
 */
static void hpool_test_borrow_refused(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-refuse", 1);
	struct hpool *child = hpt_child(test, root, "c", 0, 4);
	void *a;

	a = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_NULL(test, hpool_acquire(child, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(child, fail_limit), 1);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 0);
	HPT_EXPECT_GAUGES(test, child, 0, 0, 0, 0);
	hpool_release(root, a);
}

/*
 * hpool.rst#hpool-acquire, step 3: AUTO_GROW passes the child's capacity,
 * never an ancestor's.
 */
static void hpool_test_auto_grow(struct kunit *test)
{
	struct hpool_params p = {
		.name = "g", .capacity = 2, .flags = HPOOL_F_AUTO_GROW,
	};
	struct hpool *root = hpt_root(test, "t-grow", 3);
	struct hpool *child = hpt_new(test, root, &p);
	void *objs[3];
	int i;

	for (i = 0; i < 3; i++) {
		objs[i] = hpool_acquire(child, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, HPT(child, allocations), 3);
	KUNIT_EXPECT_EQ(test, HPT(child, grows), 1);
	HPT_EXPECT_GAUGES(test, child, 3, 0, 3, 0);
	/* The root's capacity of 3 still holds. */
	KUNIT_EXPECT_NULL(test, hpool_acquire(child, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(child, fail_limit), 1);
	KUNIT_EXPECT_EQ(test, HPT(child, grows), 1);
	for (i = 0; i < 3; i++)
		hpool_release(child, objs[i]);
	HPT_EXPECT_GAUGES(test, root, 3, 0, 0, 0);
}

static atomic_t hpool_test_ctor_calls, hpool_test_reset_calls;

static void hpool_test_ctor(void *obj)
{
	memset(obj, 0xc5, 64);
	atomic_inc(&hpool_test_ctor_calls);
}

static void hpool_test_reset(void *obj)
{
	memset(obj, 0x5e, 64);
	atomic_inc(&hpool_test_reset_calls);
}

/*
 * hpool.rst#hpool-release: reset runs on every release, ctor once per object
 * taken from the slab.
 */
static void hpool_test_ctor_reset(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-ctor", .obj_size = 64, .capacity = 8,
		.ctor = hpool_test_ctor, .reset = hpool_test_reset,
	};
	struct hpool *root;
	u8 *objs[3];
	int i, round;

	atomic_set(&hpool_test_ctor_calls, 0);
	atomic_set(&hpool_test_reset_calls, 0);
	root = hpt_new(test, NULL, &p);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 3; i++) {
			objs[i] = hpool_acquire(root, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
			KUNIT_EXPECT_EQ(test, objs[i][63], round ? 0x5e : 0xc5);
		}
		for (i = 0; i < 3; i++)
			hpool_release(root, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&hpool_test_ctor_calls), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&hpool_test_reset_calls), 6);
	KUNIT_EXPECT_EQ(test, HPT(root, allocations), 3);
}

/*
 * hpool.rst#hpool-acquire: alignment is honoured and the object is writable to
 * its last byte.
 */
static void hpool_test_align(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-align", .obj_size = 100, .align = 128, .capacity = 4,
	};
	struct hpool *root = hpt_new(test, NULL, &p);
	u8 *a = hpool_acquire(root, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, (unsigned long)a % 128, 0);
	memset(a, 0xff, 100);
	hpool_release(root, a);
}

/*
 * hpool.rst#hpool-release, misuse: a release through the wrong pool goes back
 * as if right.
 */
static void hpool_test_bad_release_wrong_pool(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-wrong", 10);
	struct hpool *c1 = hpt_child(test, root, "c1", 5, 0);
	struct hpool *c2 = hpt_child(test, root, "c2", 5, 0);
	struct hpool *other = hpt_root(test, "t-wrong-other", 10);
	void *a = hpool_acquire(c1, GFP_KERNEL);
	void *b = hpool_acquire(c1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	HPOOL_EXPECT_WARN_BEGIN(test);
	hpool_release(c2, a);
	hpool_release(other, b);	/* another tree altogether */
	HPOOL_EXPECT_WARN_END(test);
	KUNIT_EXPECT_EQ(test, HPT(c2, bad_releases), 1);
	KUNIT_EXPECT_EQ(test, HPT(other, bad_releases), 1);
	KUNIT_EXPECT_EQ(test, HPT(c1, bad_releases), 0);
	KUNIT_EXPECT_EQ(test, HPT(c1, releases), 2);
	HPT_EXPECT_GAUGES(test, c1, 2, 2, 0, 0);
	HPT_EXPECT_GAUGES(test, c2, 0, 0, 0, 0);
	HPT_EXPECT_GAUGES(test, other, 0, 0, 0, 0);
}

/*
 * hpool.rst#hpool-release, misuse: a double release changes nothing but
 * bad_releases.
 */
static void hpool_test_bad_release_double(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-double", 10);
	struct hpool_stats before;
	void *a = hpool_acquire(root, GFP_KERNEL), *b;

	KUNIT_ASSERT_NOT_NULL(test, a);
	hpool_release(root, a);
	hpool_get_stats(root, &before);
	HPOOL_EXPECT_WARN_BEGIN(test);
	hpool_release(root, a);
	HPOOL_EXPECT_WARN_END(test);
	HPT_EXPECT_SAME(test, root, &before, 1);
	/* The free list holds it once: one acquire takes it, the next allocates. */
	KUNIT_EXPECT_PTR_EQ(test, hpool_acquire(root, GFP_KERNEL), a);
	b = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, HPT(root, allocations), 2);
	hpool_release(root, a);
	hpool_release(root, b);
	HPT_EXPECT_GAUGES(test, root, 2, 2, 0, 0);
}

/*
 * hpool.rst#hpool-release, misuse, HPOOL_DEBUG=y: a pointer hpool never handed
 * out is put nowhere.
 */
static void hpool_test_bad_release_foreign(struct kunit *test)
{
#ifdef CONFIG_HPOOL_DEBUG
	struct hpool *root = hpt_root(test, "t-foreign", 10);
	struct hpool_stats before;
	void *a = hpool_acquire(root, GFP_KERNEL);
	u8 *foreign = kunit_kzalloc(test, 128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	hpool_get_stats(root, &before);
	HPOOL_EXPECT_WARN_BEGIN(test);
	hpool_release(root, foreign + 64);
	HPOOL_EXPECT_WARN_END(test);
	HPT_EXPECT_SAME(test, root, &before, 1);
	hpool_release(root, a);
#else
	kunit_skip(test, "needs a build with HPOOL_DEBUG=y");
#endif
}

/* Release of NULL is a no-op, like kfree(NULL). */
static void hpool_test_release_null(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-null", 1);
	struct hpool_stats before;

	hpool_get_stats(root, &before);
	hpool_release(root, NULL);
	HPT_EXPECT_SAME(test, root, &before, 0);
}

/* Names a create refuses with -EINVAL. */
struct hpool_test_name {
	const char *name;
	const char *desc;
};

static const struct hpool_test_name hpool_test_bad_names[] = {
	{ NULL, "NULL" },
	{ "", "empty" },
	{ ".", "dot" },
	{ "..", "dot dot" },
	{ "a/b", "a slash" },
	{ "a b", "a space" },
	{ "caf\xc3\xa9", "not ASCII" },
	{ "x\n", "a newline" },
	{ "0123456789012345678901234567890123", "34 characters" },
	{ "01234567890123456789012345678901", "32 characters, one too many" },
};

KUNIT_ARRAY_PARAM_DESC(hpool_test_bad_names, hpool_test_bad_names, desc);

/* hpool.rst#hpool-names: one that is not allowed is -EINVAL. */
static void hpool_test_names_bad(struct kunit *test)
{
	const struct hpool_test_name *bad = test->param_value;
	struct hpool_params p = { .name = bad->name, .obj_size = 8, .capacity = 1 };

	hpt_expect_create_fails(test, NULL, &p, -EINVAL);
}

/* hpool.rst#hpool-names: the names allowed, and unique among siblings. */
static void hpool_test_names(struct kunit *test)
{
	struct hpool_params p = { .obj_size = 8, .capacity = 1 };
	struct hpool *root, *a;

	p.name = "t-Names_1.9-x012345678901234567";	/* 31 chars, every class */
	root = hpt_new(test, NULL, &p);
	hpt_expect_create_fails(test, NULL, &p, -EEXIST);

	a = hpt_child(test, root, "a", 1, 0);
	hpt_child(test, root, "b", 1, 0);
	p = (struct hpool_params){ .name = "a", .capacity = 1 };
	hpt_expect_create_fails(test, root, &p, -EEXIST);
	/* The same name under another parent is fine. */
	hpt_child(test, a, "b", 1, 0);
	/* Only "." and ".." are taken: dots are fine elsewhere. */
	hpt_child(test, a, "...", 1, 0);
	hpt_child(test, a, ".a.", 1, 0);
}

/* hpool.rst#hpool-model: depths 0 to HPOOL_MAX_DEPTH - 1; deeper is -EINVAL. */
static void hpool_test_depth(struct kunit *test)
{
	struct hpool_params p = { .name = "d", .capacity = 4, .borrow_limit = 4 };
	struct hpool *root = hpt_root(test, "t-depth", 4), *pool = root;
	void *obj;
	int depth;

	for (depth = 1; depth < HPOOL_MAX_DEPTH; depth++)
		pool = hpt_new(test, pool, &p);
	hpt_expect_create_fails(test, pool, &p, -EINVAL);

	/* A borrow chains through all eight levels. */
	obj = hpool_acquire(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, HPT(pool, parent_borrows), 1);
	HPT_EXPECT_GAUGES(test, root, 1, 0, 1, 0);
	hpool_release(pool, obj);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
}

/* A create that must fail with -EINVAL, and why. */
struct hpool_test_bad {
	struct hpool_params p;
	const char *desc;
};

static const struct hpool_test_bad hpool_test_root_bad[] = {
	{ { .name = "r", .obj_size = 0, .capacity = 1 }, "obj_size 0" },
	{ { .name = "r", .obj_size = 8, .align = 3, .capacity = 1 }, "align 3" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .borrow_limit = 1 }, "borrow_limit" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .flags = HPOOL_F_AUTO_GROW },
	  "AUTO_GROW" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .reserve = 2 }, "reserve over capacity" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .prewarm = 2 }, "prewarm over capacity" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .rebalance_threshold = 101 },
	  "rebalance_threshold 101" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .prio = 3 }, "prio 3" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .prio = -2 }, "prio -2" },
	{ { .name = "r", .obj_size = 8, .capacity = 1, .flags = 0x4 }, "unknown flag 0x4" },
};

KUNIT_ARRAY_PARAM_DESC(hpool_test_root_bad, hpool_test_root_bad, desc);

static const struct hpool_test_bad hpool_test_child_bad[] = {
	{ { .name = "c", .capacity = 1, .obj_size = 8 }, "obj_size" },
	{ { .name = "c", .capacity = 1, .align = 8 }, "align" },
	{ { .name = "c", .capacity = 1, .ctor = hpool_test_ctor }, "ctor" },
	{ { .name = "c", .capacity = 1, .reset = hpool_test_reset }, "reset" },
	{ { .name = "c", .capacity = 1, .rebalance_interval_ms = 10 }, "rebalance_interval_ms" },
	{ { .name = "c", .capacity = 1, .rebalance_threshold = 50 }, "rebalance_threshold" },
	{ { .name = "c", .capacity = 1, .reserve = 2 }, "reserve over capacity" },
	{ { .name = "c", .capacity = 1, .flags = 0x80 }, "unknown flag 0x80" },
};

KUNIT_ARRAY_PARAM_DESC(hpool_test_child_bad, hpool_test_child_bad, desc);

/* hpool.rst#hpool-api: every parameter error of creating a root. */
static void hpool_test_create_errors_root(struct kunit *test)
{
	const struct hpool_test_bad *bad = test->param_value;

	hpt_expect_create_fails(test, NULL, &bad->p, -EINVAL);
}

/* hpool.rst#hpool-api: every parameter error of creating a child. */
static void hpool_test_create_errors_child(struct kunit *test)
{
	const struct hpool_test_bad *bad = test->param_value;
	struct hpool *root = hpt_root(test, "t-errors", 4);

	hpt_expect_create_fails(test, root, &bad->p, -EINVAL);
	/* Nothing was left behind by the failure. */
	hpt_destroy(test, root);
}

/*
 * hpool.rst#hpool-lifecycle: prewarm fills the free list on a work item, then
 * the pool is active.
 */
static void hpool_test_prewarm(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-prewarm", .obj_size = 32, .capacity = 10, .prewarm = 6,
	};
	struct hpool *root = hpt_new(test, NULL, &p);
	void *a;

	hpool_flush_work(root);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
	KUNIT_EXPECT_EQ(test, HPT(root, allocations), 6);
	HPT_EXPECT_GAUGES(test, root, 6, 6, 0, 0);
	a = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	HPT_EXPECT_SERVED(test, root, 1, 0, 6);
	hpool_release(root, a);
}

/*
 * hpool.rst#hpool-lifecycle: a warming pool serves acquisitions and refuses
 * activate; draining it stops the prewarm.
 */
static void hpool_test_prewarm_drain(struct kunit *test)
{
	struct hpool_params p = {
		.name = "t-warmdrain", .obj_size = 32, .capacity = 200000,
		.prewarm = 200000,
	};
	struct hpool *root = hpt_new(test, NULL, &p);
	struct hpool_stats st;
	void *a;

	/* 200000 slab allocations take far longer than these few calls. */
	KUNIT_ASSERT_EQ(test, hpool_state(root), HPOOL_WARMING);
	a = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), -EBUSY);
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), -ETIMEDOUT);
	hpool_flush_work(root);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_DRAINING);
	hpool_get_stats(root, &st);
	KUNIT_EXPECT_LT(test, st.nr_objects, 200000);
	KUNIT_EXPECT_EQ(test, st.nr_objects, st.nr_free + 1);
	KUNIT_EXPECT_EQ(test, st.allocations, st.nr_objects);
	hpool_release(root, a);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
}

/*
 * hpool.rst#hpool-lifecycle: drain with an object out times out and stays
 * draining.
 */
static void hpool_test_drain_timeout(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-drain-to", 4);
	struct hpool *child = hpt_child(test, root, "c", 4, 4);
	void *a = hpool_acquire(root, GFP_KERNEL);
	void *b;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, hpool_drain(root, msecs_to_jiffies(20)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_DRAINING);
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), -ETIMEDOUT);

	/* Acquisitions fail with fail_state; a child's borrow is refused too. */
	KUNIT_EXPECT_NULL(test, hpool_acquire(root, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_state), 1);
	b = hpool_acquire(child, GFP_KERNEL);	/* allocates locally instead */
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, HPT(child, parent_borrows), 0);
	KUNIT_EXPECT_EQ(test, HPT(child, allocations), 1);
	KUNIT_EXPECT_EQ(test, HPT(root, fail_state), 1);

	/* The last release stops it. */
	hpool_release(root, a);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), 0);
	hpool_release(child, b);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
}

struct hpool_test_later {
	struct delayed_work work;
	struct hpool *pool;
	void *obj;
};

static void hpool_test_later_release(struct work_struct *work)
{
	struct hpool_test_later *l = container_of(to_delayed_work(work),
						  struct hpool_test_later, work);

	hpool_release(l->pool, l->obj);
}

static void hpool_test_later_activate(struct work_struct *work)
{
	struct hpool_test_later *l = container_of(to_delayed_work(work),
						  struct hpool_test_later, work);

	hpool_activate(l->pool);
}

/*
 * hpool.rst#hpool-lifecycle: a waiting drain completes when the last object
 * comes back.
 */
static void hpool_test_drain_completes(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-drain-ok", 4);
	struct hpool_test_later l = { .pool = root };

	l.obj = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l.obj);
	INIT_DELAYED_WORK_ONSTACK(&l.work, hpool_test_later_release);
	schedule_delayed_work(&l.work, msecs_to_jiffies(50));
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 30 * HZ), 0);
	flush_delayed_work(&l.work);
	destroy_delayed_work_on_stack(&l.work);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
	KUNIT_EXPECT_NULL(test, hpool_acquire(root, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, HPT(root, fail_state), 1);

	/* activate: back to work. */
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
	l.obj = hpool_acquire(root, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, l.obj);
	KUNIT_EXPECT_EQ(test, HPT(root, local_hits), 1);
	hpool_release(root, l.obj);
}

/*
 * hpool.rst#hpool-lifecycle: activate while a drain waits: the drain returns
 * -ECANCELED.
 */
static void hpool_test_drain_canceled(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-drain-cancel", 4);
	struct hpool_test_later l = { .pool = root };
	void *a = hpool_acquire(root, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	INIT_DELAYED_WORK_ONSTACK(&l.work, hpool_test_later_activate);
	schedule_delayed_work(&l.work, msecs_to_jiffies(50));
	KUNIT_EXPECT_EQ(test, hpool_drain(root, 30 * HZ), -ECANCELED);
	flush_delayed_work(&l.work);
	destroy_delayed_work_on_stack(&l.work);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
	hpool_release(root, a);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_ACTIVE);
}

/*
 * hpool.rst#hpool-lifecycle: destroy is refused, changing nothing, with
 * children or objects out.
 */
static void hpool_test_destroy_busy(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-busy", 4);
	struct hpool *child = hpt_child(test, root, "c", 4, 0);
	struct hpool_stats before;
	void *a = hpool_acquire(child, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	hpool_get_stats(child, &before);
	KUNIT_EXPECT_EQ(test, hpool_destroy(root), -EBUSY);
	KUNIT_EXPECT_EQ(test, hpool_destroy(child), -EBUSY);
	HPT_EXPECT_SAME(test, child, &before, 0);
	KUNIT_EXPECT_EQ(test, hpool_state(child), HPOOL_ACTIVE);
	hpool_release(child, a);
	KUNIT_EXPECT_PTR_EQ(test, hpool_acquire(child, GFP_KERNEL), a);
	hpool_release(child, a);
	KUNIT_EXPECT_EQ(test, hpool_destroy(root), -EBUSY);	/* still a child */
	hpt_destroy(test, child);
	/* The child's free object went back to the slab, uncharged. */
	HPT_EXPECT_GAUGES(test, root, 0, 0, 0, 0);
}

/*
 * hpool.rst#hpool-lifecycle: destroying a whole tree frees every object
 * (kmemleak checks the rest).
 */
static void hpool_test_destroy_tree(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-tree", 64);
	struct hpool *mid = hpt_child(test, root, "mid", 32, 4);
	struct hpool *leaf = hpt_child(test, mid, "leaf", 16, 4);
	void *objs[24];
	int i;

	for (i = 0; i < 24; i++) {
		objs[i] = hpool_acquire(i % 3 == 0 ? root : i % 3 == 1 ? mid : leaf,
					GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < 24; i++)
		hpool_release(i % 3 == 0 ? root : i % 3 == 1 ? mid : leaf, objs[i]);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_objects), 24);
	KUNIT_EXPECT_EQ(test, HPT(root, allocations) + HPT(mid, allocations) +
			HPT(leaf, allocations), 24);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_objects),
			HPT(root, nr_free) + HPT(mid, nr_objects));
	KUNIT_EXPECT_EQ(test, HPT(mid, nr_objects),
			HPT(mid, nr_free) + HPT(leaf, nr_objects));
	KUNIT_EXPECT_EQ(test, HPT(leaf, nr_objects), HPT(leaf, nr_free));
	hpt_destroy(test, leaf);
	KUNIT_EXPECT_EQ(test, HPT(mid, nr_objects), HPT(mid, nr_free));
	hpt_destroy(test, mid);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_objects), HPT(root, nr_free));
	hpt_destroy(test, root);
}

/*
 * hpool.rst#hpool-api: a create_child on a draining parent is refused with
 * -EBUSY.
 */
static void hpool_test_child_of_draining(struct kunit *test)
{
	struct hpool_params p = { .name = "c", .capacity = 1 };
	struct hpool *root = hpt_root(test, "t-drainparent", 4);

	KUNIT_EXPECT_EQ(test, hpool_drain(root, 0), 0);
	hpt_expect_create_fails(test, root, &p, -EBUSY);
	KUNIT_EXPECT_EQ(test, hpool_activate(root), 0);
	hpt_new(test, root, &p);
}

static struct kunit_case hpool_core_cases[] = {
	KUNIT_CASE(hpool_test_module_loaded),
	KUNIT_CASE(hpool_test_local_hit),
	KUNIT_CASE(hpool_test_borrow),
	KUNIT_CASE(hpool_test_chained_borrow),
	KUNIT_CASE(hpool_test_borrow_limit),
	KUNIT_CASE(hpool_test_ancestor_capacity),
	KUNIT_CASE(hpool_test_borrow_refused),
	KUNIT_CASE(hpool_test_auto_grow),
	KUNIT_CASE(hpool_test_ctor_reset),
	KUNIT_CASE(hpool_test_align),
	KUNIT_CASE(hpool_test_bad_release_wrong_pool),
	KUNIT_CASE(hpool_test_bad_release_double),
	KUNIT_CASE(hpool_test_bad_release_foreign),
	KUNIT_CASE(hpool_test_release_null),
	KUNIT_CASE_PARAM(hpool_test_names_bad, hpool_test_bad_names_gen_params),
	KUNIT_CASE(hpool_test_names),
	KUNIT_CASE(hpool_test_depth),
	KUNIT_CASE_PARAM(hpool_test_create_errors_root, hpool_test_root_bad_gen_params),
	KUNIT_CASE_PARAM(hpool_test_create_errors_child, hpool_test_child_bad_gen_params),
	KUNIT_CASE(hpool_test_prewarm),
	KUNIT_CASE(hpool_test_prewarm_drain),
	KUNIT_CASE(hpool_test_drain_timeout),
	KUNIT_CASE(hpool_test_drain_completes),
	KUNIT_CASE(hpool_test_drain_canceled),
	KUNIT_CASE(hpool_test_destroy_busy),
	KUNIT_CASE(hpool_test_destroy_tree),
	KUNIT_CASE(hpool_test_child_of_draining),
	{}
};

static struct kunit_suite hpool_core_suite = {
	.name = "hpool_core",
	.test_cases = hpool_core_cases,
};

kunit_test_suite(hpool_core_suite);

MODULE_DESCRIPTION("KUnit tests of the hpool core");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
