/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by hpool's KUnit suites: pools that are destroyed at the end
 * of a case (children first), exact stats checks, and the markers that tell
 * the VM harness a warning is expected.
 */
#ifndef _HPOOL_TEST_H
#define _HPOOL_TEST_H

#include <kunit/test.h>
#include <linux/printk.h>

#include <hpool.h>

/* The VM harness forgives a WARN only between these two kernel log lines. */
#define HPOOL_EXPECT_WARN_BEGIN(test) \
	pr_info("HPOOL-EXPECT-WARN-BEGIN %s\n", (test)->name)
#define HPOOL_EXPECT_WARN_END(test) \
	pr_info("HPOOL-EXPECT-WARN-END %s\n", (test)->name)

/* Internal, exported to KUnit modules only (EXPORT_SYMBOL_IF_KUNIT). */
void hpool_flush_work(struct hpool *pool);
int hpool_set_rebalance_interval(struct hpool *root, unsigned int ms);
bool hpool_rebalance_armed(struct hpool *root);

#define HPT_MAX_POOLS 16

/* Per-case state: the pools a case created, destroyed in reverse at exit. */
struct hpt_ctx {
	struct hpool *pools[HPT_MAX_POOLS];
	int nr;
};

static inline struct hpool *hpt_new(struct kunit *test, struct hpool *parent,
				    const struct hpool_params *p)
{
	struct hpt_ctx *ctx = test->priv;
	struct hpool *pool;

	KUNIT_ASSERT_LT(test, ctx->nr, HPT_MAX_POOLS);
	pool = parent ? hpool_create_child(parent, p) : hpool_create(p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	ctx->pools[ctx->nr++] = pool;
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

/* Destroy one pool now (it must succeed) and forget it. */
static inline void hpt_destroy(struct kunit *test, struct hpool *pool)
{
	struct hpt_ctx *ctx = test->priv;
	int i;

	KUNIT_EXPECT_EQ(test, hpool_destroy(pool), 0);
	for (i = 0; i < ctx->nr; i++)
		if (ctx->pools[i] == pool)
			ctx->pools[i] = NULL;
}

static inline int hpt_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct hpt_ctx), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static inline void hpt_exit(struct kunit *test)
{
	struct hpt_ctx *ctx = test->priv;
	int i;

	for (i = ctx->nr - 1; i >= 0; i--)
		if (ctx->pools[i])
			KUNIT_EXPECT_EQ(test, hpool_destroy(ctx->pools[i]), 0);
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
