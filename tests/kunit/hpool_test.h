/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by hpool's KUnit suites: pools that are destroyed at the end
 * of a case (children first), creates that must fail, exact stats checks, and
 * the markers that tell the VM harness a warning is expected.
 */
#ifndef _HPOOL_TEST_H
#define _HPOOL_TEST_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/bug.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/printk.h>

#include <linux/hpool.h>

#include "hpool_compat.h"

/* The VM harness forgives a WARN only between these two kernel log lines. */
#define HPOOL_EXPECT_WARN_BEGIN(test) \
	pr_info("HPOOL-EXPECT-WARN-BEGIN %s\n", (test)->name)
#define HPOOL_EXPECT_WARN_END(test) \
	pr_info("HPOOL-EXPECT-WARN-END %s\n", (test)->name)

/* Internal, exported to KUnit modules only (EXPORT_SYMBOL_IF_KUNIT). */
void hpool_flush_work(struct hpool *pool);
int hpool_set_rebalance_interval(struct hpool *root, unsigned int ms);
bool hpool_rebalance_armed(struct hpool *root);
unsigned int hpool_nr_trees(void);

/*
 * The pools a case creates through these helpers are destroyed at the end of
 * the case by KUnit deferred actions (kunit_add_action()), in the reverse
 * order of their creation: children before their parents. Each destroy must
 * succeed: a pool still busy at the end of a case is a failure of that case.
 * The action's context is the pool itself; the case is the one running in
 * the current task (KUnit sets it for the case and for its cleanup).
 */
static void __maybe_unused hpt_destroy_action(void *ctx)
{
	struct kunit *test = kunit_get_current_test();
	struct hpool *pool = ctx;
	int ret = hpool_destroy(pool);

	if (test)
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "destroy of pool %p at the end of the case",
				    pool);
	else
		WARN(ret, "hpool test: destroy of pool %p: %d\n", pool, ret);
}

/* Have the case destroy @pool at its end (an error or NULL fails the case). */
static inline struct hpool *hpt_adopt(struct kunit *test, struct hpool *pool)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	/* On failure the action runs at once: the pool is destroyed. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hpt_destroy_action, pool), 0);
	return pool;
}

static inline struct hpool *hpt_new(struct kunit *test, struct hpool *parent,
				    const struct hpool_params *p)
{
	return hpt_adopt(test, parent ? hpool_create_child(parent, p) : hpool_create(p));
}

/*
 * hpt_new() for where a case must not return early (threads running, task
 * pinned): fails the case without an assertion; NULL when no pool was made.
 */
static inline struct hpool *hpt_try_new(struct kunit *test, struct hpool *parent,
					const struct hpool_params *p)
{
	struct hpool *pool = parent ? hpool_create_child(parent, p) : hpool_create(p);

	if (IS_ERR_OR_NULL(pool)) {
		KUNIT_FAIL(test, "create of %s: %ld", p->name, PTR_ERR(pool));
		return NULL;
	}
	if (kunit_add_action_or_reset(test, hpt_destroy_action, pool)) {
		KUNIT_FAIL(test, "%s: cannot defer the destroy", p->name);
		return NULL;
	}
	return pool;
}

static inline struct hpool *hpt_root(struct kunit *test, const char *name,
				     unsigned int capacity)
{
	struct hpool_params p = {
		.name = name, .obj_size = 64, .capacity = capacity,
	};

	return hpt_new(test, NULL, &p);
}

static inline struct hpool *hpt_child(struct kunit *test, struct hpool *parent,
				      const char *name, unsigned int capacity,
				      unsigned int borrow_limit)
{
	struct hpool_params p = {
		.name = name, .capacity = capacity, .borrow_limit = borrow_limit,
	};

	return hpt_new(test, parent, &p);
}

/*
 * Destroy one pool now (it must succeed) and forget it. A pool whose destroy
 * failed stays with the case, destroyed (and checked) again at its end.
 * Returns hpool_destroy()'s result.
 */
static inline int hpt_destroy(struct kunit *test, struct hpool *pool)
{
	int ret = hpool_destroy(pool);

	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!ret)
		kunit_remove_action(test, hpt_destroy_action, pool);
	return ret;
}

/* @pool was destroyed by other means (a hook, a thread): forget it. */
static inline void hpt_forget(struct kunit *test, struct hpool *pool)
{
	kunit_remove_action(test, hpt_destroy_action, pool);
}

/*
 * @pool is what a create that must fail with @err returned: a pool made by
 * mistake is left to the end of the case (so it does not leak) and the
 * expectation fails.
 */
static noinline __maybe_unused void
hpt_expect_err(struct kunit *test, struct hpool *pool, int err, const char *what)
{
	if (!IS_ERR_OR_NULL(pool) &&
	    kunit_add_action_or_reset(test, hpt_destroy_action, pool))
		KUNIT_FAIL(test, "%s: cannot defer the destroy", what);
	KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(pool), err, "%s", what);
}

/* A create (of a root if !@parent) that must fail with @err. */
static noinline __maybe_unused void
hpt_expect_create_fails(struct kunit *test, struct hpool *parent,
			const struct hpool_params *p, int err)
{
	struct hpool *pool = parent ? hpool_create_child(parent, p) : hpool_create(p);

	hpt_expect_err(test, pool, err, p->name ? p->name : "(null name)");
}

/* One field of a pool's stats; out of line to keep KASAN stack frames small. */
static noinline __maybe_unused unsigned long
hpt_field(struct hpool *pool, size_t off)
{
	struct hpool_stats st;

	hpool_get_stats(pool, &st);
	/* The counters (unsigned long) come first, then the gauges. */
	if (off < offsetof(struct hpool_stats, nr_objects))
		return *(unsigned long *)((char *)&st + off);
	return *(unsigned int *)((char *)&st + off);
}

/* Traffic on one CPU: a kthread bound there acquires n objects, then releases them. */
#define HPT_TRAFFIC_MAX	16

struct hpt_traffic {
	struct hpool *pool;
	unsigned int n, got;
	struct completion done;
};

static int __maybe_unused hpt_traffic_fn(void *data)
{
	struct hpt_traffic *w = data;
	void *objs[HPT_TRAFFIC_MAX];
	unsigned int i;

	for (i = 0; i < w->n; i++) {
		objs[i] = hpool_acquire(w->pool, GFP_KERNEL);
		if (objs[i])
			w->got++;
	}
	for (i = 0; i < w->n; i++)
		hpool_release(w->pool, objs[i]);
	complete(&w->done);
	return 0;
}

/* Acquire then release @n objects of @pool on @cpu; all @n must be served. */
static noinline __maybe_unused void
hpt_traffic_on(struct kunit *test, struct hpool *pool, unsigned int cpu, unsigned int n)
{
	struct hpt_traffic w = { .pool = pool, .n = min_t(unsigned int, n, HPT_TRAFFIC_MAX) };
	struct task_struct *t;

	init_completion(&w.done);
	t = kthread_create(hpt_traffic_fn, &w, "hpt_traffic");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_EQ(test, w.got, n);
}

#define HPT(pool, field) hpt_field(pool, offsetof(struct hpool_stats, field))

static noinline __maybe_unused void
hpt_expect_gauges(struct kunit *test, int line, struct hpool *pool, unsigned int objs,
		  unsigned int free, unsigned int inuse, unsigned int borrowed)
{
	struct hpool_stats st;

	hpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.nr_objects, objs, "nr_objects, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nr_free, free, "nr_free, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nr_in_use, inuse, "nr_in_use, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nr_borrowed, borrowed, "nr_borrowed, line %d", line);
}

static noinline __maybe_unused void
hpt_expect_served(struct kunit *test, int line, struct hpool *pool, unsigned long hits,
		  unsigned long borrows, unsigned long allocs)
{
	struct hpool_stats st;

	hpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.local_hits, hits, "local_hits, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.parent_borrows, borrows, "parent_borrows, line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.allocations, allocs, "allocations, line %d", line);
}

/* Gauges of one pool: objects, free, in use, borrowed. */
#define HPT_EXPECT_GAUGES(test, pool, objs, free, inuse, borrowed) \
	hpt_expect_gauges(test, __LINE__, pool, objs, free, inuse, borrowed)

/* How a pool served: local hits, parent borrows, allocations. */
#define HPT_EXPECT_SERVED(test, pool, hits, borrows, allocs) \
	hpt_expect_served(test, __LINE__, pool, hits, borrows, allocs)

/* The whole snapshot is unchanged but for bad_releases, which rose by @bad. */
static noinline __maybe_unused void
hpt_expect_same(struct kunit *test, int line, struct hpool *pool,
		const struct hpool_stats *before, unsigned long bad)
{
	struct hpool_stats st;

	hpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.bad_releases, before->bad_releases + bad,
			    "bad_releases, line %d", line);
	st.bad_releases = before->bad_releases;
	KUNIT_EXPECT_MEMEQ_MSG(test, &st, before, sizeof(st), "line %d", line);
}

#define HPT_EXPECT_SAME(test, pool, before, bad) \
	hpt_expect_same(test, __LINE__, pool, before, bad)

#endif /* _HPOOL_TEST_H */
