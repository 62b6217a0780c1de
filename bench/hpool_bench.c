// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_bench: time hpool's acquire + release against the kernel's own
 * allocators (kmem_cache, mempool, objpool), in one module load.
 *
 * Every case runs with one kthread and with @threads kthreads (default one
 * per online CPU; each bound to a CPU, all started together): one warm-up
 * round, then @rounds timed rounds of @iters pairs per thread, timed with
 * ktime_get_ns(). A row shows the median round: ns per pair (the wall time
 * of the round divided by the pairs of one thread) and pairs per second (all
 * threads); and the ratio to the case's reference, the kmem_cache case of
 * the same shape (kmem_cache_alloc() + kmem_cache_free() with GFP_KERNEL, as
 * a driver calls them; a burst of N against the same burst on the slab),
 * with the same number of threads: each timed round of the case follows a
 * round of its reference, and the row's ratio is the median of the rounds'
 * ratios, so that a host whose load changes during the run shifts both.
 *
 * The table goes to the kernel log; the table and one machine-readable line
 * per row ("bench: case=... threads=... ns_per_pair=... ratio_vs_kmem_cache=...
 * pairs_per_sec=... unit=...") to /sys/kernel/debug/hpool_bench/results.
 * init always returns 0 (a failed row says "error="): unload with rmmod.
 *
 * This is a benchmark, not a test: nothing here judges a timing. A row is
 * invalid only when the pools misbehave: an acquire that must succeed fails,
 * one that must fail succeeds, or objects are still in use afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

/* objpool arrived in 6.7: on older kernels its rows are left out. */
#include "hpool_compat.h"
#ifdef HPOOL_HAVE_OBJPOOL
#include <linux/objpool.h>
#define BENCH_OBJPOOL 1
#endif

#include <linux/hpool.h>
#include "hpool_internal.h"	/* sizeof() only, for the memory overhead */

#define BENCH_BULK		64	/* most objects held at once (bursts) */
#define BENCH_REQ_OBJS		4	/* objects of one request-scoped cycle */
#define BENCH_MAX_ROUNDS	31
#define BENCH_CHAIN		4	/* depth of the borrowing leaf */
#define BENCH_UNLIMITED		BIT(24)	/* capacity/borrow_limit "no limit" */
#define BENCH_STEAL		32	/* stock of a steal case's victim */
#define BENCH_OUT_SIZE		(64 * 1024)

static unsigned int iters = 100000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "pairs per thread and round (default 100000; request cycles run fewer)");

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "timed rounds per row after one warm-up, median shown (1-31, default 5)");

static char *cases = "all";
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "comma-separated case names or \"all\"; the references of those chosen run too");

static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kthreads of the multi-thread rows (default 0: one per online CPU)");

static unsigned int obj_size = 64;
module_param(obj_size, uint, 0444);
MODULE_PARM_DESC(obj_size, "object size in bytes (default 64)");

struct bench_ctx;

struct bench_thread {
	struct bench_ctx *ctx;
	struct task_struct *task;
	struct completion done;		/* the timed loop is over */
	unsigned int idx;
	u64 start, end;			/* ktime_get_ns() around the loop */
	int err;
	char name[HPOOL_NAME_MAX];	/* of its request-scoped child */
	struct hpool *pool;		/* the pool its loop works on */
	struct hpool *own_root;		/* this thread's own tree, if any */
	struct hpool *own_pool;
	void *objs[BENCH_BULK];
};

struct bench_case {
	const char *name;
	const char *unit;		/* what one "pair" of the row is */
	unsigned int per_loop;		/* pairs per loop iteration (burst) */
	unsigned int iter_div;		/* runs iters / iter_div pairs */
	int (*setup)(struct bench_ctx *ctx);
	int (*loop)(struct bench_thread *t, unsigned int n);
	int (*check)(struct bench_ctx *ctx);
	void (*teardown)(struct bench_ctx *ctx);
	unsigned int flags;		/* BENCH_* below */
	const char *ref;		/* the reference case; NULL: none */
	unsigned int capacity;		/* of the per-thread children */
};

#define BENCH_HIDDEN		0x1	/* children with HPOOL_F_NO_SYSFS */
#define BENCH_ATOMIC		0x2	/* GFP_ATOMIC instead of GFP_KERNEL */

struct bench_ctx {
	const struct bench_case *bc;
	unsigned int nr_threads;
	unsigned int loops;		/* loop iterations per thread and round */
	atomic_t ready;			/* start gate */
	bool abort;			/* a thread could not be started */
	struct bench_thread *th;

	struct kmem_cache *cache;
	mempool_t *mempool;
#ifdef BENCH_OBJPOOL
	struct objpool_head objpool;
	bool objpool_live;		/* objpool_init() succeeded */
#endif
	struct hpool *root;
	struct hpool *chain[BENCH_CHAIN];	/* root's descendants, top down */
	struct hpool *pool;		/* the pool the loop works on */
	void *held;			/* the exhausted pool's only object */

	/* filled by check(), printed on the row */
	const char *extra_name;
	unsigned long extra_x100;
};

struct bench_row {
	const struct bench_case *bc;
	const struct bench_case *ref;
	unsigned int threads;
	int err;
	u64 ns_x10;			/* ns per pair, in tenths */
	u64 pairs_per_sec;
	u64 ratio_x100;
	const char *extra_name;
	unsigned long extra_x100;
};

static unsigned int bench_cpus[NR_CPUS];
static unsigned int bench_nr_cpus;
static char *bench_out;
static size_t bench_out_len;
static struct debugfs_blob_wrapper bench_blob;
static struct dentry *bench_dir;

/* ---- output ---- */

static __printf(1, 2) void bench_emit(const char *fmt, ...)
{
	va_list args;

	if (!bench_out || bench_out_len >= BENCH_OUT_SIZE - 1)
		return;
	va_start(args, fmt);
	bench_out_len += vscnprintf(bench_out + bench_out_len,
				    BENCH_OUT_SIZE - bench_out_len, fmt, args);
	va_end(args);
}

/* A line of the readable table: the kernel log and the results file. */
static __printf(1, 2) void bench_table(const char *fmt, ...)
{
	char line[160];
	va_list args;

	va_start(args, fmt);
	vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	pr_info("%s\n", line);
	bench_emit("%s\n", line);
}

/* ---- the kernel's allocators ---- */

static int bench_kmem_setup(struct bench_ctx *ctx)
{
	ctx->cache = kmem_cache_create("hpool_bench", obj_size, 0, 0, NULL);
	return ctx->cache ? 0 : -ENOMEM;
}

static void bench_kmem_teardown(struct bench_ctx *ctx)
{
	kmem_cache_destroy(ctx->cache);
	ctx->cache = NULL;
}

static int bench_kmem_loop(struct bench_thread *t, unsigned int n)
{
	struct kmem_cache *cache = t->ctx->cache;
	gfp_t gfp = t->ctx->bc->flags & BENCH_ATOMIC ? GFP_ATOMIC : GFP_KERNEL;
	void *obj;

	while (n--) {
		obj = kmem_cache_alloc(cache, gfp);
		if (!obj)
			return -ENOMEM;
		kmem_cache_free(cache, obj);
	}
	return 0;
}

/* A burst: take per_loop objects, then give them all back. */
static int bench_kmem_burst_loop(struct bench_thread *t, unsigned int n)
{
	struct kmem_cache *cache = t->ctx->cache;
	unsigned int i, got, burst = t->ctx->bc->per_loop;
	int ret = 0;

	while (n-- && !ret) {
		for (got = 0; got < burst; got++) {
			t->objs[got] = kmem_cache_alloc(cache, GFP_KERNEL);
			if (!t->objs[got]) {
				ret = -ENOMEM;
				break;
			}
		}
		for (i = 0; i < got; i++)
			kmem_cache_free(cache, t->objs[i]);
	}
	return ret;
}

static int bench_mempool_setup(struct bench_ctx *ctx)
{
	int ret = bench_kmem_setup(ctx);

	if (ret)
		return ret;
	/* A small reserve: mempool_alloc() takes from the slab first. */
	ctx->mempool = mempool_create_slab_pool(16, ctx->cache);
	if (!ctx->mempool) {
		bench_kmem_teardown(ctx);
		return -ENOMEM;
	}
	return 0;
}

static void bench_mempool_teardown(struct bench_ctx *ctx)
{
	mempool_destroy(ctx->mempool);
	ctx->mempool = NULL;
	bench_kmem_teardown(ctx);
}

static int bench_mempool_loop(struct bench_thread *t, unsigned int n)
{
	mempool_t *pool = t->ctx->mempool;
	void *obj;

	while (n--) {
		obj = mempool_alloc(pool, GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		mempool_free(obj, pool);
	}
	return 0;
}

#ifdef BENCH_OBJPOOL
static int bench_objpool_setup(struct bench_ctx *ctx)
{
	/* Enough for every CPU's share to cover a bulk round. */
	int ret = objpool_init(&ctx->objpool, 2 * BENCH_BULK * num_possible_cpus(),
			       obj_size, GFP_KERNEL, NULL, NULL, NULL);

	ctx->objpool_live = !ret;
	return ret;
}

static void bench_objpool_teardown(struct bench_ctx *ctx)
{
	if (ctx->objpool_live)
		objpool_fini(&ctx->objpool);
	ctx->objpool_live = false;
}

static int bench_objpool_loop(struct bench_thread *t, unsigned int n)
{
	struct objpool_head *pool = &t->ctx->objpool;
	void *obj;

	while (n--) {
		obj = objpool_pop(pool);
		if (!obj)
			return -ENOMEM;
		objpool_push(obj, pool);
	}
	return 0;
}

static int bench_objpool_burst_loop(struct bench_thread *t, unsigned int n)
{
	struct objpool_head *pool = &t->ctx->objpool;
	unsigned int i, got, burst = t->ctx->bc->per_loop;
	int ret = 0;

	while (n-- && !ret) {
		for (got = 0; got < burst; got++) {
			t->objs[got] = objpool_pop(pool);
			if (!t->objs[got]) {
				ret = -ENOMEM;
				break;
			}
		}
		for (i = 0; i < got; i++)
			objpool_push(t->objs[i], pool);
	}
	return ret;
}
#endif /* BENCH_OBJPOOL */

/* ---- hpool ---- */

static struct hpool *bench_root_create(const char *name, unsigned int capacity)
{
	struct hpool_params p = {
		.name = name,
		.obj_size = obj_size,
		.capacity = capacity,
	};

	return hpool_create(&p);
}

static struct hpool *bench_child_create(struct hpool *parent, const char *name,
					unsigned int capacity,
					unsigned int borrow_limit,
					unsigned int flags)
{
	struct hpool_params p = {
		.name = name,
		.capacity = capacity,
		.borrow_limit = borrow_limit,
		.flags = flags,
	};

	return hpool_create_child(parent, &p);
}

static void bench_destroy(struct hpool **pool, const char *what,
			  const struct bench_ctx *ctx)
{
	int ret;

	if (IS_ERR_OR_NULL(*pool)) {
		*pool = NULL;
		return;
	}
	ret = hpool_destroy(*pool);
	if (ret)
		pr_err("cannot destroy %s of %s: %d\n", what, ctx->bc->name, ret);
	*pool = NULL;
}

static void bench_hpool_teardown(struct bench_ctx *ctx)
{
	unsigned int t;
	int i, ret;

	for (t = 0; t < ctx->nr_threads; t++) {
		bench_destroy(&ctx->th[t].own_pool, "a thread's pool", ctx);
		bench_destroy(&ctx->th[t].own_root, "a thread's root", ctx);
	}

	if (ctx->held) {
		hpool_release(ctx->pool, ctx->held);
		ctx->held = NULL;
	}
	for (i = BENCH_CHAIN - 1; i >= 0; i--) {
		if (!ctx->chain[i])
			continue;
		ret = hpool_destroy(ctx->chain[i]);
		if (ret)
			pr_err("cannot destroy a pool of %s: %d\n", ctx->bc->name, ret);
		ctx->chain[i] = NULL;
	}
	if (ctx->root) {
		ret = hpool_destroy(ctx->root);
		if (ret)
			pr_err("cannot destroy the root of %s: %d\n", ctx->bc->name, ret);
		ctx->root = NULL;
	}
	ctx->pool = NULL;
}

/* Root, local hit: the objects live on the root's own free list. */
static int bench_root_setup(struct bench_ctx *ctx)
{
	ctx->root = bench_root_create("bench_root", BENCH_UNLIMITED);
	if (IS_ERR(ctx->root)) {
		int ret = PTR_ERR(ctx->root);

		ctx->root = NULL;
		return ret;
	}
	ctx->pool = ctx->root;
	return 0;
}

/*
 * Object tracking on or off (Documentation/hpool.rst#hpool-debugging),
 * through its parameter file, as an administrator switches it.
 */
static int bench_set_track(const char *val)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/sys/module/hpool/parameters/track", O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return n < 0 ? n : 0;
}

/* The root's local hit with tracking on: what tracking costs. */
static int bench_root_tracked_setup(struct bench_ctx *ctx)
{
	int ret = bench_set_track("1");

	if (ret)
		return ret;
	ret = bench_root_setup(ctx);
	if (ret)
		bench_set_track("0");
	return ret;
}

static void bench_tracked_teardown(struct bench_ctx *ctx)
{
	bench_hpool_teardown(ctx);
	bench_set_track("0");
}

/* Child in steady state: objects allocated by the child, so home there. */
static int bench_child_setup(struct bench_ctx *ctx)
{
	struct hpool *child;
	int ret = bench_root_setup(ctx);

	if (ret)
		return ret;
	child = bench_child_create(ctx->root, "child", BENCH_UNLIMITED, 0, 0);
	if (IS_ERR(child))
		return PTR_ERR(child);
	ctx->chain[0] = child;
	ctx->pool = child;
	return 0;
}

/*
 * A depth-4 leaf that owns nothing: it and the pools between it and the root
 * have capacity 0 and an unlimited borrow limit, so every acquire borrows
 * through every level from the root's free list, and every release walks the
 * chain back. With BENCH_HIDDEN, the four children have no sysfs directory.
 */
static int bench_chain_setup(struct bench_ctx *ctx)
{
	static const char *const names[BENCH_CHAIN] = { "l1", "l2", "l3", "leaf" };
	unsigned int flags = ctx->bc->flags & BENCH_HIDDEN ? HPOOL_F_NO_SYSFS : 0;
	struct hpool *parent;
	int i, ret = bench_root_setup(ctx);

	if (ret)
		return ret;
	parent = ctx->root;
	for (i = 0; i < BENCH_CHAIN; i++) {
		parent = bench_child_create(parent, names[i], 0, BENCH_UNLIMITED, flags);
		if (IS_ERR(parent))
			return PTR_ERR(parent);
		ctx->chain[i] = parent;
	}
	ctx->pool = parent;
	return 0;
}

/* Exhausted: a root of capacity 1 whose only object is in use. */
static int bench_exhausted_setup(struct bench_ctx *ctx)
{
	ctx->root = bench_root_create("bench_exhausted", 1);
	if (IS_ERR(ctx->root)) {
		int ret = PTR_ERR(ctx->root);

		ctx->root = NULL;
		return ret;
	}
	ctx->pool = ctx->root;
	ctx->held = hpool_acquire(ctx->root, GFP_KERNEL);
	return ctx->held ? 0 : -ENOMEM;
}

/*
 * Bursts: every thread has its own child of the root, of capacity
 * bc->capacity (the capacity bounds the child's per-CPU caches); the objects
 * are the child's own after the warm-up, as in hpool_child.
 */
static int bench_burst_setup(struct bench_ctx *ctx)
{
	char name[HPOOL_NAME_MAX];
	unsigned int i;
	int ret = bench_root_setup(ctx);

	if (ret)
		return ret;
	for (i = 0; i < ctx->nr_threads; i++) {
		struct bench_thread *t = &ctx->th[i];

		snprintf(name, sizeof(name), "burst%u", i);
		t->own_pool = bench_child_create(ctx->root, name, ctx->bc->capacity, 0, 0);
		if (IS_ERR(t->own_pool))
			return PTR_ERR(t->own_pool);
		t->pool = t->own_pool;
	}
	return 0;
}

/*
 * Steals: every thread has its own root of capacity BENCH_STEAL whose only
 * child, of low priority, holds all BENCH_STEAL objects on its free list.
 * An acquire on the root finds nothing and may allocate nothing, so
 * hpool_acquire_prio() steals from the child; the loop gives the stolen
 * objects back with one hpool_distribute() per BENCH_STEAL steals.
 */
static int bench_steal_setup(struct bench_ctx *ctx)
{
	struct hpool_params p = {
		.name = "victim",
		.capacity = BENCH_STEAL,
		.prio = HPOOL_PRIO_LOW,
	};
	char name[HPOOL_NAME_MAX];
	unsigned int i, j, got;

	for (i = 0; i < ctx->nr_threads; i++) {
		struct bench_thread *t = &ctx->th[i];

		snprintf(name, sizeof(name), "bench_steal%u", i);
		t->own_root = bench_root_create(name, BENCH_STEAL);
		if (IS_ERR(t->own_root))
			return PTR_ERR(t->own_root);
		t->own_pool = hpool_create_child(t->own_root, &p);
		if (IS_ERR(t->own_pool))
			return PTR_ERR(t->own_pool);
		t->pool = t->own_root;
		for (got = 0; got < BENCH_STEAL; got++) {
			t->objs[got] = hpool_acquire(t->own_pool, GFP_KERNEL);
			if (!t->objs[got])
				break;
		}
		for (j = 0; j < got; j++)
			hpool_release(t->own_pool, t->objs[j]);
		if (got < BENCH_STEAL)
			return -ENOMEM;
	}
	return 0;
}

/* Parent of the request-scoped children: stock on its free list. */
static int bench_req_setup(struct bench_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_threads; i++)
		snprintf(ctx->th[i].name, sizeof(ctx->th[i].name), "req%u", i);
	return bench_root_setup(ctx);
}

static int bench_hpool_loop(struct bench_thread *t, unsigned int n)
{
	struct hpool *pool = t->pool;
	void *obj;

	while (n--) {
		obj = hpool_acquire(pool, GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		hpool_release(pool, obj);
	}
	return 0;
}

static int bench_hpool_burst_loop(struct bench_thread *t, unsigned int n)
{
	struct hpool *pool = t->pool;
	unsigned int i, got, burst = t->ctx->bc->per_loop;
	int ret = 0;

	while (n-- && !ret) {
		for (got = 0; got < burst; got++) {
			t->objs[got] = hpool_acquire(pool, GFP_KERNEL);
			if (!t->objs[got]) {
				ret = -ENOMEM;
				break;
			}
		}
		for (i = 0; i < got; i++)
			hpool_release(pool, t->objs[i]);
	}
	return ret;
}

/*
 * A pair on the pool (its per-CPU cache on this CPU is then in use), then a
 * read of its statistics, what a sysfs read does: hpool_get_stats() folds
 * every possible CPU's cache.
 */
static int bench_stats_loop(struct bench_thread *t, unsigned int n)
{
	struct hpool *pool = t->pool;
	struct hpool_stats st;
	void *obj;

	while (n--) {
		obj = hpool_acquire(pool, GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		hpool_release(pool, obj);
		hpool_get_stats(pool, &st);
	}
	return 0;
}

/* BENCH_STEAL steals, their releases, one distribute that puts them back. */
static int bench_steal_loop(struct bench_thread *t, unsigned int n)
{
	struct hpool *root = t->own_root;
	unsigned int i, got;
	int ret = 0;

	while (n-- && !ret) {
		for (got = 0; got < BENCH_STEAL; got++) {
			t->objs[got] = hpool_acquire_prio(root, HPOOL_PRIO_NORMAL,
							  GFP_KERNEL);
			if (!t->objs[got]) {
				ret = -ENOMEM;
				break;
			}
		}
		for (i = 0; i < got; i++)
			hpool_release(root, t->objs[i]);
		if (hpool_distribute(root, got) != got && !ret)
			ret = -ENOSPC;
	}
	return ret;
}

/* The failure path: every acquire must return NULL. */
static int bench_exhausted_loop(struct bench_thread *t, unsigned int n)
{
	struct hpool *pool = t->pool;
	void *obj;

	while (n--) {
		obj = hpool_acquire(pool, GFP_KERNEL);
		if (obj) {
			hpool_release(pool, obj);
			return -EEXIST;
		}
	}
	return 0;
}

/*
 * One request: create a child that borrows from the root, acquire
 * BENCH_REQ_OBJS objects, release them, destroy the child.
 */
static int bench_req_loop(struct bench_thread *t, unsigned int n)
{
	unsigned int flags = t->ctx->bc->flags & BENCH_HIDDEN ? HPOOL_F_NO_SYSFS : 0;
	struct hpool *root = t->ctx->root, *child;
	unsigned int i, got;
	int ret = 0;

	while (n-- && !ret) {
		child = bench_child_create(root, t->name, BENCH_REQ_OBJS,
					   BENCH_REQ_OBJS, flags);
		if (IS_ERR(child))
			return PTR_ERR(child);
		for (got = 0; got < BENCH_REQ_OBJS; got++) {
			t->objs[got] = hpool_acquire(child, GFP_KERNEL);
			if (!t->objs[got]) {
				ret = -ENOMEM;
				break;
			}
		}
		for (i = 0; i < got; i++)
			hpool_release(child, t->objs[i]);
		if (hpool_destroy(child))
			return -EBUSY;
	}
	return ret;
}

/* Nothing may be left in use (but the exhausted pool's one object). */
static int bench_hpool_check(struct bench_ctx *ctx)
{
	unsigned long steals = 0;
	struct hpool_stats st;
	unsigned int n;
	int i;

	for (n = 0; n < ctx->nr_threads; n++) {
		struct bench_thread *t = &ctx->th[n];

		if (t->own_pool) {
			hpool_get_stats(t->own_pool, &st);
			if (st.nr_in_use || st.nr_borrowed)
				return -EBUSY;
		}
		if (t->own_root) {
			hpool_get_stats(t->own_root, &st);
			if (st.nr_in_use)
				return -EBUSY;
			steals += st.steals;
		}
	}
	if (ctx->bc->loop == bench_steal_loop) {
		/* Steals per acquire: 1.00 when every acquire stole. */
		u64 acquires = (u64)ctx->nr_threads * (rounds + 1) * ctx->loops *
			       ctx->bc->per_loop;

		ctx->extra_name = "steals_per_acquire";
		ctx->extra_x100 = (unsigned long)div64_u64((u64)steals * 100, acquires);
	}
	if (!ctx->root)
		return 0;
	hpool_get_stats(ctx->root, &st);
	if (st.nr_in_use != (ctx->held ? 1 : 0))
		return -EBUSY;
	for (i = 0; i < BENCH_CHAIN; i++) {
		if (!ctx->chain[i])
			continue;
		hpool_get_stats(ctx->chain[i], &st);
		if (st.nr_in_use || st.nr_borrowed)
			return -EBUSY;
	}
	if (ctx->chain[BENCH_CHAIN - 1]) {
		/* Borrows per pair on the leaf: 1.00 when no object stays there. */
		hpool_get_stats(ctx->chain[BENCH_CHAIN - 1], &st);
		ctx->extra_name = "leaf_borrows_per_pair";
		ctx->extra_x100 = st.releases ?
			(unsigned long)div_u64((u64)st.parent_borrows * 100, st.releases) : 0;
	}
	return 0;
}

#define BENCH_BURST(n, cap)						\
	{ "hpool_burst" #n "_cap" #cap, "pair", n, 1, bench_burst_setup,	\
	  bench_hpool_burst_loop, bench_hpool_check, bench_hpool_teardown,	\
	  0, "kmem_cache_burst" #n, cap }

/*
 * The first case is the reference of the pair cases; each kmem_cache_burst<N>
 * that of the bursts of N. A case's reference runs whenever it does.
 */
static const struct bench_case bench_cases[] = {
	{ "kmem_cache", "pair", 1, 1, bench_kmem_setup, bench_kmem_loop,
	  NULL, bench_kmem_teardown },
	{ "kmem_cache_atomic", "pair", 1, 1, bench_kmem_setup, bench_kmem_loop,
	  NULL, bench_kmem_teardown, BENCH_ATOMIC, "kmem_cache" },
	{ "mempool", "pair", 1, 1, bench_mempool_setup, bench_mempool_loop,
	  NULL, bench_mempool_teardown, 0, "kmem_cache" },
#ifdef BENCH_OBJPOOL
	{ "objpool", "pair", 1, 1, bench_objpool_setup, bench_objpool_loop,
	  NULL, bench_objpool_teardown, 0, "kmem_cache" },
#endif
	{ "hpool_root", "pair", 1, 1, bench_root_setup, bench_hpool_loop,
	  bench_hpool_check, bench_hpool_teardown, 0, "kmem_cache" },
#ifdef BENCH_OBJPOOL
	{ "hpool_root_vs_objpool", "pair", 1, 1, bench_root_setup,
	  bench_hpool_loop, bench_hpool_check, bench_hpool_teardown, 0,
	  "objpool" },
#endif
	{ "hpool_root_tracked", "pair", 1, 1, bench_root_tracked_setup,
	  bench_hpool_loop, bench_hpool_check, bench_tracked_teardown, 0,
	  "kmem_cache" },
	{ "hpool_child", "pair", 1, 1, bench_child_setup, bench_hpool_loop,
	  bench_hpool_check, bench_hpool_teardown, 0, "kmem_cache" },
	{ "hpool_leaf4", "pair", 1, 1, bench_chain_setup, bench_hpool_loop,
	  bench_hpool_check, bench_hpool_teardown, 0, "kmem_cache" },
	{ "hpool_leaf4_nosysfs", "pair", 1, 1, bench_chain_setup,
	  bench_hpool_loop, bench_hpool_check, bench_hpool_teardown,
	  BENCH_HIDDEN, "kmem_cache" },
	{ "hpool_exhausted", "failed_acquire", 1, 1, bench_exhausted_setup,
	  bench_exhausted_loop, bench_hpool_check, bench_hpool_teardown, 0,
	  "kmem_cache" },
	{ "kmem_cache_burst1", "pair", 1, 1, bench_kmem_setup,
	  bench_kmem_burst_loop, NULL, bench_kmem_teardown, 0, "kmem_cache" },
	{ "kmem_cache_burst16", "pair", 16, 1, bench_kmem_setup,
	  bench_kmem_burst_loop, NULL, bench_kmem_teardown, 0, "kmem_cache" },
	{ "kmem_cache_burst64", "pair", 64, 1, bench_kmem_setup,
	  bench_kmem_burst_loop, NULL, bench_kmem_teardown, 0, "kmem_cache" },
#ifdef BENCH_OBJPOOL
	{ "objpool_burst64", "pair", 64, 1, bench_objpool_setup,
	  bench_objpool_burst_loop, NULL, bench_objpool_teardown, 0,
	  "kmem_cache_burst64" },
#endif
	{ "hpool_root_burst64", "pair", 64, 1, bench_root_setup,
	  bench_hpool_burst_loop, bench_hpool_check, bench_hpool_teardown, 0,
	  "kmem_cache_burst64" },
	BENCH_BURST(1, 256),
	BENCH_BURST(16, 256),
	BENCH_BURST(64, 256),
	BENCH_BURST(1, 4096),
	BENCH_BURST(16, 4096),
	BENCH_BURST(64, 4096),
	{ "hpool_stats_read", "pair_and_read", 1, 16, bench_child_setup,
	  bench_stats_loop, bench_hpool_check, bench_hpool_teardown, 0,
	  "kmem_cache" },
	{ "hpool_steal", "steal", BENCH_STEAL, 16, bench_steal_setup,
	  bench_steal_loop, bench_hpool_check, bench_hpool_teardown, 0,
	  "kmem_cache" },
	{ "hpool_req_nosysfs", "request", 1, 16, bench_req_setup,
	  bench_req_loop, bench_hpool_check, bench_hpool_teardown,
	  BENCH_HIDDEN, "kmem_cache" },
	{ "hpool_req_sysfs", "request", 1, 256, bench_req_setup,
	  bench_req_loop, bench_hpool_check, bench_hpool_teardown, 0,
	  "kmem_cache" },
};

#define BENCH_NR_CASES	ARRAY_SIZE(bench_cases)

/* ---- running a case ---- */

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	struct bench_ctx *ctx = t->ctx;

	/*
	 * Start gate: every thread of the round begins at once. It yields while
	 * it waits: a voluntary-preemption kernel would otherwise never let a
	 * stop_machine() (the switch to the TSC clocksource, a second after
	 * boot) run on this CPU, and the other threads, whose CPUs wait in it,
	 * would never come (seen: soft lockups, a release-kernel run hung).
	 */
	atomic_inc(&ctx->ready);
	while (atomic_read(&ctx->ready) < ctx->nr_threads && !READ_ONCE(ctx->abort)) {
		cpu_relax();
		cond_resched();
	}
	if (!READ_ONCE(ctx->abort)) {
		t->start = ktime_get_ns();
		t->err = ctx->bc->loop(t, ctx->loops);
		t->end = ktime_get_ns();
	}
	complete(&t->done);
	/* Exit only through kthread_stop(), which waits for us. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* One round on ctx->nr_threads kthreads; its wall time and pairs per thread. */
static int bench_round(struct bench_ctx *ctx, u64 *wall)
{
	u64 first = U64_MAX, last = 0;
	unsigned int i, started;
	int ret = 0;

	atomic_set(&ctx->ready, 0);
	ctx->abort = false;
	for (started = 0; started < ctx->nr_threads; started++) {
		struct bench_thread *t = &ctx->th[started];

		t->err = -EINVAL;
		t->start = 0;
		t->end = 0;
		init_completion(&t->done);
		t->task = kthread_create(bench_thread_fn, t, "hpool_bench/%u", t->idx);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			WRITE_ONCE(ctx->abort, true);
			break;
		}
		kthread_bind(t->task, bench_cpus[started % bench_nr_cpus]);
		wake_up_process(t->task);
	}
	for (i = 0; i < started; i++) {
		struct bench_thread *t = &ctx->th[i];

		wait_for_completion(&t->done);
		kthread_stop(t->task);
		if (!ret && t->err)
			ret = t->err;
		first = min(first, t->start);
		last = max(last, t->end);
	}
	if (!ret)
		*wall = last > first ? last - first : 1;
	return ret;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_ctx_free(struct bench_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->th)
		ctx->bc->teardown(ctx);
	kfree(ctx->th);
	kfree(ctx);
}

/* A case set up on @nr_threads threads, or an ERR_PTR(). */
static struct bench_ctx *bench_ctx_new(const struct bench_case *bc,
				       unsigned int nr_threads)
{
	struct bench_ctx *ctx;
	unsigned int i;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->bc = bc;
	ctx->th = kcalloc(nr_threads, sizeof(*ctx->th), GFP_KERNEL);
	if (!ctx->th) {
		kfree(ctx);
		return ERR_PTR(-ENOMEM);
	}
	ctx->nr_threads = nr_threads;
	ctx->loops = max(1U, iters / bc->iter_div / bc->per_loop);
	for (i = 0; i < nr_threads; i++) {
		ctx->th[i].ctx = ctx;
		ctx->th[i].idx = i;
	}
	ret = bc->setup(ctx);
	for (i = 0; i < nr_threads; i++) {
		if (!ctx->th[i].pool)
			ctx->th[i].pool = ctx->pool;
	}
	if (ret) {
		bench_ctx_free(ctx);
		return ERR_PTR(ret);
	}
	return ctx;
}

/*
 * Round 0 of the case and of its reference warms up (and fills the pools);
 * then @rounds pairs of timed rounds, the reference's first. The row's
 * ratio is the median of the rounds' ratios.
 */
static void bench_run_row(const struct bench_case *bc, const struct bench_case *ref,
			  unsigned int nr_threads, struct bench_row *row)
{
	/* Off the stack: three of them are too much for a KASAN kernel's frames. */
	struct {
		u64 ns_x10[BENCH_MAX_ROUNDS], pps[BENCH_MAX_ROUNDS], ratio[BENCH_MAX_ROUNDS];
	} *m;
	struct bench_ctx *ctx, *rctx = NULL;
	unsigned int r, pairs, rpairs = 0;
	int ret = 0;

	row->bc = bc;
	row->ref = ref;
	row->threads = nr_threads;
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!m) {
		row->err = -ENOMEM;
		return;
	}
	ctx = bench_ctx_new(bc, nr_threads);
	if (IS_ERR(ctx)) {
		row->err = PTR_ERR(ctx);
		kfree(m);
		return;
	}
	if (ref) {
		rctx = bench_ctx_new(ref, nr_threads);
		if (IS_ERR(rctx)) {
			ret = PTR_ERR(rctx);
			rctx = NULL;
			goto out;
		}
		rpairs = rctx->loops * ref->per_loop;
	}
	pairs = ctx->loops * bc->per_loop;
	for (r = 0; r <= rounds; r++) {
		u64 wall, rwall = 0;

		if (rctx) {
			ret = bench_round(rctx, &rwall);
			if (ret)
				break;
		}
		ret = bench_round(ctx, &wall);
		if (ret)
			break;
		if (!r)
			continue;
		m->ns_x10[r - 1] = div64_u64(wall * 10, pairs);
		m->pps[r - 1] = div64_u64((u64)pairs * nr_threads * NSEC_PER_SEC, wall);
		/* ns per pair of the case over ns per pair of the reference */
		m->ratio[r - 1] = rctx ? div64_u64(wall * rpairs * 100, rwall * pairs) : 100;
	}
	if (!ret && bc->check)
		ret = bc->check(ctx);
	if (!ret) {
		sort(m->ns_x10, rounds, sizeof(u64), bench_cmp_u64, NULL);
		sort(m->pps, rounds, sizeof(u64), bench_cmp_u64, NULL);
		sort(m->ratio, rounds, sizeof(u64), bench_cmp_u64, NULL);
		row->ns_x10 = m->ns_x10[rounds / 2];
		row->pairs_per_sec = m->pps[rounds / 2];
		row->ratio_x100 = m->ratio[rounds / 2];
		row->extra_name = ctx->extra_name;
		row->extra_x100 = ctx->extra_x100;
	}
out:
	row->err = ret;
	bench_ctx_free(rctx);
	bench_ctx_free(ctx);
	kfree(m);
}

/* ---- the report ---- */

static void bench_print_row(const struct bench_row *row)
{
	char extra[64] = "";

	if (row->err) {
		bench_table("%-22s %7u  error %d", row->bc->name, row->threads, row->err);
		return;
	}
	if (row->extra_name)
		snprintf(extra, sizeof(extra), " %s=%lu.%02lu", row->extra_name,
			 row->extra_x100 / 100, row->extra_x100 % 100);
	bench_table("%-22s %7u %10llu.%llu %12llu %6llu.%02llu  %-18s %s%s",
		    row->bc->name, row->threads, row->ns_x10 / 10, row->ns_x10 % 10,
		    row->pairs_per_sec, row->ratio_x100 / 100, row->ratio_x100 % 100,
		    row->ref ? row->ref->name : "-", row->bc->unit, extra);
}

static void bench_line(const struct bench_row *row)
{
	if (row->err) {
		bench_emit("bench: case=%s threads=%u error=%d\n", row->bc->name,
			   row->threads, row->err);
		return;
	}
	bench_emit("bench: case=%s threads=%u", row->bc->name, row->threads);
	bench_emit(" ns_per_pair=%llu.%llu", row->ns_x10 / 10, row->ns_x10 % 10);
	bench_emit(" ratio_vs_kmem_cache=%llu.%02llu", row->ratio_x100 / 100,
		   row->ratio_x100 % 100);
	bench_emit(" pairs_per_sec=%llu unit=%s", row->pairs_per_sec, row->bc->unit);
	if (row->ref)
		bench_emit(" ref=%s", row->ref->name);
	if (row->extra_name)
		bench_emit(" %s=%lu.%02lu", row->extra_name, row->extra_x100 / 100,
			   row->extra_x100 % 100);
	bench_emit("\n");
}

/* Bytes hpool adds: per object (hidden header) and per pool. */
static void bench_overhead(void)
{
	size_t align = __alignof__(struct hpool_obj);
	size_t hdr = ALIGN(sizeof(struct hpool_obj), align);
	size_t pcp = 0;

#ifdef HPOOL_PCP_MAX
	pcp = sizeof(struct hpool_pcp);
#endif
	bench_table("memory: per object: a %zu-byte hidden header (%u-byte objects)",
		    hdr, obj_size);
	/* struct hpool comes from hpool's own cache, cache-line aligned. */
	bench_table("memory: per pool: struct hpool %zu bytes (slab %zu), %zu per CPU x %u",
		    sizeof(struct hpool), ALIGN(sizeof(struct hpool), L1_CACHE_BYTES),
		    pcp, num_possible_cpus());
	bench_table("memory: per root: struct hpool_tree %zu bytes (kmalloc %zu), a kmem_cache",
		    sizeof(struct hpool_tree),
		    kmalloc_size_roundup(sizeof(struct hpool_tree)));
	bench_emit("bench: overhead obj_header_bytes=%zu", hdr);
	bench_emit(" pool_bytes=%zu pool_slab_bytes=%zu", sizeof(struct hpool),
		   ALIGN(sizeof(struct hpool), L1_CACHE_BYTES));
	bench_emit(" pool_percpu_bytes=%zu possible_cpus=%u", pcp, num_possible_cpus());
	bench_emit(" root_tree_bytes=%zu root_tree_kmalloc_bytes=%zu\n",
		   sizeof(struct hpool_tree),
		   kmalloc_size_roundup(sizeof(struct hpool_tree)));
}

/* Parse @cases into @sel; false (and a message) on an unknown name. */
static bool bench_select(bool *sel)
{
	char *buf, *p, *name;
	bool ok = true;
	unsigned int i;

	sel[0] = true;
	if (!cases || !strcmp(cases, "all") || !*cases) {
		for (i = 1; i < BENCH_NR_CASES; i++)
			sel[i] = true;
		return true;
	}
	buf = kstrdup(cases, GFP_KERNEL);
	if (!buf)
		return false;
	p = buf;
	while ((name = strsep(&p, ","))) {
		for (i = 0; i < BENCH_NR_CASES; i++) {
			if (!strcmp(name, bench_cases[i].name))
				break;
		}
		if (i < BENCH_NR_CASES) {
			sel[i] = true;
		} else if (*name) {
			bench_table("error: unknown case '%s'", name);
			bench_emit("bench: error=unknown_case name=%s\n", name);
			ok = false;
		}
	}
	kfree(buf);
	return ok;
}

static const struct bench_case *bench_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < BENCH_NR_CASES; i++) {
		if (!strcmp(name, bench_cases[i].name))
			return &bench_cases[i];
	}
	return NULL;
}

static void bench_run(void)
{
	bool sel[ARRAY_SIZE(bench_cases)] = { };
	unsigned int counts[2], nr_counts, c, i, nr_rows = 0, nr_valid = 0;
	const struct bench_case *ref;
	struct bench_row *rows;
	int cpu;

	for_each_online_cpu(cpu)
		bench_cpus[bench_nr_cpus++] = cpu;
	counts[0] = 1;
	counts[1] = threads ?: bench_nr_cpus;
	nr_counts = counts[1] > 1 ? 2 : 1;
	rounds = clamp(rounds, 1U, (unsigned int)BENCH_MAX_ROUNDS);
	iters = max(iters, 1U);
	obj_size = max(obj_size, 8U);

	bench_table("obj_size=%u iters=%u rounds=%u (median, 1 warm-up) online_cpus=%u threads=%u",
		    obj_size, iters, rounds, bench_nr_cpus, counts[nr_counts - 1]);
	if (!bench_select(sel)) {
		bench_emit("bench: done rows=0 valid=0 errors=1\n");
		return;
	}
	/* The references of the chosen cases run too (they come first). */
	for (c = BENCH_NR_CASES; c-- > 0;) {
		ref = bench_find(bench_cases[c].ref);
		if (sel[c] && ref)
			sel[ref - bench_cases] = true;
	}
	rows = kcalloc(BENCH_NR_CASES * nr_counts, sizeof(*rows), GFP_KERNEL);
	if (!rows) {
		bench_emit("bench: done rows=0 valid=0 errors=1\n");
		return;
	}
	bench_table("%-22s %7s %12s %12s %9s  %-18s %s", "case", "threads", "ns/pair",
		    "pairs/s", "x ref", "ref", "unit");
	for (c = 0; c < BENCH_NR_CASES; c++) {
		if (!sel[c])
			continue;
		ref = bench_find(bench_cases[c].ref);
		for (i = 0; i < nr_counts; i++) {
			struct bench_row *row = &rows[nr_rows++];

			bench_run_row(&bench_cases[c], ref, counts[i], row);
			bench_print_row(row);
			if (!row->err)
				nr_valid++;
		}
	}
	bench_overhead();
	for (i = 0; i < nr_rows; i++)
		bench_line(&rows[i]);
	bench_emit("bench: done rows=%u valid=%u errors=%u\n", nr_rows, nr_valid,
		   nr_rows - nr_valid);
	kfree(rows);
}

static int __init hpool_bench_init(void)
{
	bench_out = kzalloc(BENCH_OUT_SIZE, GFP_KERNEL);
	if (!bench_out)
		return 0;	/* nothing to report to; a failing init is retried */
	bench_run();
	bench_blob.data = bench_out;
	bench_blob.size = bench_out_len;
	bench_dir = debugfs_create_dir("hpool_bench", NULL);
	debugfs_create_blob("results", 0444, bench_dir, &bench_blob);
	return 0;
}

static void __exit hpool_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	kfree(bench_out);
}

module_init(hpool_bench_init);
module_exit(hpool_bench_exit);
MODULE_DESCRIPTION("hpool benchmark against kmem_cache, mempool and objpool");
MODULE_LICENSE("GPL");
