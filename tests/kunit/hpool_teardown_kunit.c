// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of teardown under concurrency (Documentation/hpool.rst,
 * "Lifetime" and "In the field"): destroy against a parent's destroy, a
 * destroy while the release that stopped the pool is still returning,
 * orphans, devm pools destroyed by hand, gfp flags and the rebalancer with
 * many siblings.
 *
 * The windows are a few instructions wide: hpool_test_hook (test build only)
 * runs the racing call inside them, so each case loses on code that has the
 * race. Built only with HPOOL_DEBUG=y, which compiles the hooks in.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>

#include "hpool_lifecycle.h"
#include "hpool_obj.h"
#include "hpool_test.h"

/* What the hook of the running case does, and what it saw. */
static struct {
	struct hpool *target;	/* compared only: it may be freed */
	struct hpool *victim;	/* destroyed from inside the window */
	enum hpool_hook where;
	unsigned int sleep_ms;
	int drain_ret, destroy_ret;
	bool fired;
} hpt_hook;

static void hpt_hook_fn(enum hpool_hook where, struct hpool *pool)
{
	if (where != hpt_hook.where || pool != hpt_hook.target || hpt_hook.fired)
		return;
	hpt_hook.fired = true;
	if (hpt_hook.sleep_ms)
		msleep(hpt_hook.sleep_ms);
	if (hpt_hook.victim) {
		hpt_hook.drain_ret = hpool_drain(hpt_hook.victim, 0);
		hpt_hook.destroy_ret = hpool_destroy(hpt_hook.victim);
	}
}

static void hpt_hook_set(enum hpool_hook where, struct hpool *target,
			 struct hpool *victim, unsigned int sleep_ms)
{
	hpt_hook.where = where;
	hpt_hook.target = target;
	hpt_hook.victim = victim;
	hpt_hook.sleep_ms = sleep_ms;
	hpt_hook.drain_ret = 1;
	hpt_hook.destroy_ret = 1;
	hpt_hook.fired = false;
	hpool_set_test_hook(hpt_hook_fn);
}

static void hpt_hook_clear(void)
{
	hpool_set_test_hook(NULL);
}

static int hpt_td_init(struct kunit *test)
{
	hpt_hook_clear();
	return 0;
}

/* Before the case's pools are destroyed (deferred actions run after exit). */
static void hpt_td_exit(struct kunit *test)
{
	hpt_hook_clear();
}

/*
 * Defect 1: a child's destroy touched its parent (uncharge) and the tree's
 * cache (free) after unlinking, so a retried destroy of the parent in that
 * window freed both under it. The parent's destroy must fail with -EBUSY
 * until the child's has returned.
 */
static void hpool_test_destroy_parent_in_window(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-td-win", .obj_size = 64,
				   .capacity = 8, .flags = HPOOL_F_NO_SYSFS };
	struct hpool_params cp = { .name = "c", .capacity = 4 };
	struct hpool *root, *child;
	void *a, *b;

	root = hpt_new(test, NULL, &rp);
	child = hpt_new(test, root, &cp);
	a = hpool_acquire(child, GFP_KERNEL);
	b = hpool_acquire(child, GFP_KERNEL);
	hpool_release(child, a);
	hpool_release(child, b);
	HPT_EXPECT_GAUGES(test, child, 2, 2, 0, 0);

	/* The parent's destroy, retried from inside the child's teardown. */
	hpt_hook_set(HPOOL_HOOK_DESTROY, child, root, 0);
	hpt_destroy(test, child);
	hpt_hook_clear();
	KUNIT_EXPECT_TRUE(test, hpt_hook.fired);
	KUNIT_EXPECT_EQ(test, hpt_hook.destroy_ret, -EBUSY);
	if (hpt_hook.destroy_ret == 0) {
		hpt_forget(test, root);
		return;		/* freed already: nothing left to check */
	}
	/* The child's objects were uncharged from the living root. */
	HPT_EXPECT_GAUGES(test, root, 0, 0, 0, 0);
	hpt_destroy(test, root);
}

/*
 * Defect 2: hpool_return() read p->parent after dropping p's lock. Drain and
 * destroy the request-scoped child right there, as "drain, then destroy" on
 * another CPU would: the release must not touch it again.
 */
static void hpool_test_destroy_while_release_returns(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-td-ret", 8);
	struct hpool_params cp = { .name = "req", .capacity = 0, .borrow_limit = 2,
				   .flags = HPOOL_F_NO_SYSFS };
	struct hpool *req;
	void *obj;

	req = hpt_new(test, root, &cp);
	obj = hpool_acquire(req, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	HPT_EXPECT_GAUGES(test, req, 0, 0, 1, 1);

	hpt_hook_set(HPOOL_HOOK_RETURN, req, req, 0);
	hpool_release(req, obj);
	hpt_hook_clear();
	KUNIT_EXPECT_TRUE(test, hpt_hook.fired);
	KUNIT_EXPECT_EQ(test, hpt_hook.drain_ret, 0);
	KUNIT_EXPECT_EQ(test, hpt_hook.destroy_ret, 0);
	if (!hpt_hook.destroy_ret)
		hpt_forget(test, req);	/* destroyed in the hook */
	/* The object is back home, counted once. */
	HPT_EXPECT_GAUGES(test, root, 1, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), 0);
}

struct hpt_retry {
	struct hpool *pool;
	struct completion started;
	unsigned long busy;
	int ret;
};

/* A driver retrying hpool_destroy() of a parent on -EBUSY, on its own CPU. */
static int hpt_retry_destroy(void *data)
{
	struct hpt_retry *r = data;

	complete(&r->started);
	for (;;) {
		/*
		 * Stopped only once the child's destroy has returned: the try
		 * that follows must succeed. If it does not (a child that could
		 * not go), give up rather than keep kthread_stop() waiting.
		 */
		bool last = kthread_should_stop();

		r->ret = hpool_destroy(r->pool);
		if (r->ret != -EBUSY || last)
			break;
		r->busy++;
		cond_resched();
	}
	return 0;
}

/*
 * Defect 1 with real threads: the parent's destroy is retried on the other
 * CPU while the child's runs, its window widened by the hook (1 ms).
 */
static void hpool_test_destroy_race_threads(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-td-thr", .obj_size = 64,
				   .capacity = 8, .flags = HPOOL_F_NO_SYSFS };
	struct hpool_params cp = { .name = "c", .capacity = 4 };
	struct task_struct *t;
	struct hpt_retry r;
	struct hpool *child;
	int i, bad = 0;
	void *obj;

	for (i = 0; i < 20; i++) {
		/* The case destroys whatever the race leaves behind. */
		r.pool = hpt_new(test, NULL, &rp);
		child = hpt_new(test, r.pool, &cp);
		obj = hpool_acquire(child, GFP_KERNEL);
		hpool_release(child, obj);
		init_completion(&r.started);
		r.busy = 0;
		t = kthread_create(hpt_retry_destroy, &r, "hpt-retry");
		if (IS_ERR(t)) {
			/* Nothing started: clean up, then fail. */
			hpt_destroy(test, child);
			hpt_destroy(test, r.pool);
			KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(t));
			return;
		}
		get_task_struct(t);
		kthread_bind(t, num_online_cpus() > 1 ? 1 : 0);
		wake_up_process(t);
		wait_for_completion(&r.started);
		hpt_hook_set(HPOOL_HOOK_DESTROY, child, NULL, 1);
		if (hpool_destroy(child))
			bad++;
		else
			hpt_forget(test, child);
		hpt_hook_clear();
		kthread_stop(t);
		put_task_struct(t);
		if (r.ret)
			bad++;
		else
			hpt_forget(test, r.pool);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

struct hpt_rel {
	struct hpool *pool;
	void *obj;
	struct completion go;
};

static int hpt_release_fn(void *data)
{
	struct hpt_rel *r = data;

	wait_for_completion(&r->go);
	hpool_release(r->pool, r->obj);
	return 0;
}

/*
 * Defect 2 with real threads: CPU 1 releases the last object of a
 * request-scoped child (the hook holds it 1 ms after the child's unlock)
 * while CPU 0 drains the child and destroys it at once.
 */
static void hpool_test_destroy_while_release_threads(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-td-relthr", 8);
	struct hpool_params cp = { .name = "req", .capacity = 0, .borrow_limit = 1,
				   .flags = HPOOL_F_NO_SYSFS };
	struct task_struct *t;
	struct hpt_rel r;
	int i, ret, bad = 0;

	for (i = 0; i < 20; i++) {
		r.pool = hpt_new(test, root, &cp);
		r.obj = hpool_acquire(r.pool, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r.obj);
		init_completion(&r.go);
		t = kthread_create(hpt_release_fn, &r, "hpt-release");
		if (IS_ERR(t)) {
			hpool_release(r.pool, r.obj);
			hpt_destroy(test, r.pool);
			KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(t));
			return;
		}
		get_task_struct(t);
		kthread_bind(t, num_online_cpus() > 1 ? 1 : 0);
		hpt_hook_set(HPOOL_HOOK_RETURN, r.pool, NULL, 1);
		wake_up_process(t);
		complete(&r.go);
		ret = hpool_drain(r.pool, 10 * HZ);
		if (!ret)
			ret = hpool_destroy(r.pool);
		if (ret)
			bad++;
		else
			hpt_forget(test, r.pool);
		kthread_stop(t);
		put_task_struct(t);
		hpt_hook_clear();
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	/* Every object is back home, free. */
	KUNIT_EXPECT_EQ(test, HPT(root, nr_in_use), 0);
	KUNIT_EXPECT_EQ(test, HPT(root, nr_free), HPT(root, nr_objects));
	KUNIT_EXPECT_EQ(test, READ_ONCE(root->nr_children_hidden), 0);
}

/*
 * A device with a devm root (hidden, so freed at once: KASAN sees a use
 * after free) and a child, devm or plain, holding one object.
 */
static struct device *hpt_devm_tree(struct kunit *test, const char *name,
				    bool devm_child, unsigned int cap,
				    unsigned int borrow, struct hpool **child,
				    void **obj)
{
	struct hpool_params rp = { .name = name, .obj_size = 32,
				   .capacity = 8, .flags = HPOOL_F_NO_SYSFS };
	struct hpool_params cp = { .name = "c", .capacity = cap,
				   .borrow_limit = borrow };
	struct hpool *root;
	struct device *dev;

	dev = hpool_kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	root = devm_hpool_create(dev, &rp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, root);
	/* A plain child is the case's: destroyed at its end if still there. */
	*child = devm_child ? devm_hpool_create_child(dev, root, &cp) :
			      hpt_new(test, root, &cp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *child);
	*obj = hpool_acquire(*child, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *obj);
	return dev;
}

/*
 * Defect 3: a devm child and its devm parent stop on the same release. The
 * child's destroy sleeps in its window; the parent must not go before the
 * child's destroy has returned (one reaper, children first).
 */
static void hpool_test_orphan_cascade(struct kunit *test)
{
	unsigned int base = hpool_nr_trees();
	struct device *dev;
	struct hpool *child;
	void *obj;

	dev = hpt_devm_tree(test, "t-td-orph", true, 0, 2, &child, &obj);
	/* Two orphans; no WARN: a device going is no kernel bug (defect 8). */
	hpool_kunit_device_unregister(test, dev);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), base + 1);
	/* Orphans belong to the reaper. */
	KUNIT_EXPECT_EQ(test, hpool_destroy(child), -EINVAL);

	hpt_hook_set(HPOOL_HOOK_DESTROY, child, NULL, 200);
	hpool_release(child, obj);	/* both stop here */
	hpool_flush_all();
	hpool_flush_all();
	hpt_hook_clear();
	KUNIT_EXPECT_TRUE(test, hpt_hook.fired);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), base);
}

/* Defect 4: an orphan whose last child is a plain pool goes with that child. */
static void hpool_test_orphan_plain_child(struct kunit *test)
{
	unsigned int base = hpool_nr_trees();
	struct hpool *root, *child;
	struct device *dev;
	void *obj;

	dev = hpt_devm_tree(test, "t-td-plain", false, 2, 1, &child, &obj);
	root = child->parent;
	hpool_kunit_device_unregister(test, dev);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_DRAINING);
	hpool_release(child, obj);
	hpool_flush_all();
	/* Stopped, but its child keeps it. */
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), base + 1);
	KUNIT_EXPECT_EQ(test, hpool_state(root), HPOOL_STOPPED);
	/* The child is the driver's: it still works, but borrows no more. */
	obj = hpool_acquire(child, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hpool_release(child, obj);

	hpt_destroy(test, child);
	hpool_flush_all();
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), base);
}

/*
 * Defect 9: a devm pool destroyed by hand (hpool_destroy() or
 * devm_hpool_destroy()) is not destroyed again when its device goes.
 */
static void hpool_test_devm_destroy_by_hand(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-td-hand", .obj_size = 32, .capacity = 8 };
	struct hpool_params cp = { .name = "c", .capacity = 2 };
	unsigned int base = hpool_nr_trees();
	struct device *dev, *other;
	struct hpool *root, *child;

	dev = hpool_kunit_device_register(test, "hpool-td-hand");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	other = hpool_kunit_device_register(test, "hpool-td-other");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	root = devm_hpool_create(dev, &rp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, root);
	child = devm_hpool_create_child(dev, root, &cp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, child);

	KUNIT_EXPECT_EQ(test, devm_hpool_destroy(other, child), -EINVAL);
	KUNIT_EXPECT_EQ(test, devm_hpool_destroy(dev, root), -EBUSY);
	KUNIT_EXPECT_EQ(test, devm_hpool_destroy(dev, child), 0);
	KUNIT_EXPECT_EQ(test, hpool_destroy(root), 0);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), base);
	/* Nothing left for devres: no second destroy, no warning. */
	hpool_kunit_device_unregister(test, dev);
	hpool_kunit_device_unregister(test, other);
	KUNIT_EXPECT_EQ(test, hpool_nr_trees(), base);
}

static void hpt_ctor_fill(void *obj)
{
	memset(obj, 0x5a, 64);
}

static bool hpt_all(const void *obj, u8 c, size_t n)
{
	return !memchr_inv(obj, c, n);
}

/* Defect 7: __GFP_ZERO on new objects (after the ctor) and recycled ones. */
static void hpool_test_gfp_zero(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-td-zero", .obj_size = 64,
				   .capacity = 4, .ctor = hpt_ctor_fill };
	struct hpool *root = hpt_new(test, NULL, &rp);
	struct hpool *child = hpt_child(test, root, "c", 2, 2);
	void *a, *b;

	a = hpool_acquire(root, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_TRUE(test, hpt_all(a, 0x5a, 64));	/* the ctor ran */
	hpool_release(root, a);

	b = hpool_acquire(root, GFP_KERNEL | __GFP_ZERO);	/* recycled */
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, hpt_all(b, 0, 64));
	memset(b, 0xa5, 64);
	a = hpool_acquire(root, GFP_KERNEL | __GFP_ZERO);	/* new, ctor'd */
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_TRUE(test, hpt_all(a, 0, 64));
	hpool_release(root, a);
	hpool_release(root, b);

	/* Borrowed from the parent: dirty there, zero here. */
	a = hpool_acquire(child, GFP_ATOMIC | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_TRUE(test, hpt_all(a, 0, 64));
	hpool_release(child, a);
}

/* Defect 7: __GFP_NOFAIL warns once and is treated as absent. */
static void hpool_test_gfp_nofail(struct kunit *test)
{
	struct hpool *root = hpt_root(test, "t-td-nofail", 1);
	void *a, *b;

	HPOOL_EXPECT_WARN_BEGIN(test);
	a = hpool_acquire(root, GFP_KERNEL | __GFP_NOFAIL);
	b = hpool_acquire(root, GFP_KERNEL | __GFP_NOFAIL);
	HPOOL_EXPECT_WARN_END(test);
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_NULL(test, b);		/* full: a pool can fail */
	KUNIT_EXPECT_EQ(test, HPT(root, fail_limit), 1);
	hpool_release(root, a);
}

#define HPT_MANY 70

/*
 * Defect 6: the rebalancer served at most 64 hot siblings a pass. Seventy
 * full capacity-0 children, hotter than anything, come first; the real hot
 * sibling after them must still be served.
 */
static void hpool_test_rebalance_many_siblings(struct kunit *test)
{
	struct hpool_params rp = { .name = "t-td-many", .obj_size = 16,
				   .capacity = HPT_MANY + 32, .flags = HPOOL_F_NO_SYSFS };
	struct hpool_params cp = { .capacity = 0, .borrow_limit = 1 };
	struct hpool **kids, *root, *hot, *cool;
	void **objs, *held[9], *c[5];
	char name[16];
	int i;

	kids = kunit_kcalloc(test, HPT_MANY, sizeof(*kids), GFP_KERNEL);
	objs = kunit_kcalloc(test, HPT_MANY, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kids);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	/* The case destroys the whole tree at its end, children first. */
	root = hpt_new(test, NULL, &rp);
	for (i = 0; i < HPT_MANY; i++) {
		snprintf(name, sizeof(name), "full%d", i);
		cp.name = name;
		kids[i] = hpt_new(test, root, &cp);
		objs[i] = hpool_acquire(kids[i], GFP_KERNEL);	/* util 100 */
	}
	cp.name = "hot";
	cp.capacity = 10;
	cp.borrow_limit = 0;
	hot = hpt_new(test, root, &cp);
	cp.name = "cool";
	cool = hpt_new(test, root, &cp);
	for (i = 0; i < 9; i++)
		held[i] = hpool_acquire(hot, GFP_KERNEL);	/* util 90 */
	/* cool: five free objects, nothing in use */
	for (i = 0; i < 5; i++)
		c[i] = hpool_acquire(cool, GFP_KERNEL);
	for (i = 0; i < 5; i++)
		hpool_release(cool, c[i]);
	hpool_rebalance(root);
	KUNIT_EXPECT_EQ(test, HPT(hot, rebalanced_in), 1);
	KUNIT_EXPECT_EQ(test, HPT(cool, rebalanced_out), 1);
	for (i = 0; i < 9; i++)
		hpool_release(hot, held[i]);
	for (i = 0; i < HPT_MANY; i++)
		hpool_release(kids[i], objs[i]);
}

static struct kunit_case hpool_teardown_cases[] = {
	KUNIT_CASE(hpool_test_destroy_parent_in_window),
	KUNIT_CASE(hpool_test_destroy_while_release_returns),
	KUNIT_CASE(hpool_test_destroy_race_threads),
	KUNIT_CASE(hpool_test_destroy_while_release_threads),
	KUNIT_CASE(hpool_test_orphan_cascade),
	KUNIT_CASE(hpool_test_orphan_plain_child),
	KUNIT_CASE(hpool_test_devm_destroy_by_hand),
	KUNIT_CASE(hpool_test_gfp_zero),
	KUNIT_CASE(hpool_test_gfp_nofail),
	KUNIT_CASE(hpool_test_rebalance_many_siblings),
	{}
};

static struct kunit_suite hpool_teardown_suite = {
	.name = "hpool_teardown",
	.init = hpt_td_init,
	.exit = hpt_td_exit,
	.test_cases = hpool_teardown_cases,
};

kunit_test_suite(hpool_teardown_suite);

MODULE_DESCRIPTION("KUnit tests of hpool's teardown under concurrency");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
