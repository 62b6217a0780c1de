// SPDX-License-Identifier: GPL-2.0
/*
 * hpool under memory pressure (Documentation/hpool.rst#hpool-memory-pressure):
 * the shrinker, which gives the free stock beyond each pool's reserve back
 * to the slab, the idle trim, which folds the per-CPU caches that saw no
 * traffic for a second back into their pools, and
 * /sys/kernel/debug/hpool/pcp, which shows what the caches hold.
 *
 * All three walk hpool_shrink_list, every pool that is not being destroyed,
 * under hpool_shrink_mutex (S in the legend of hpool_internal.h): reclaim
 * cannot wait on it, because nothing allocates memory while holding it. A
 * pool on the list is alive, and so is its tree: its destroy takes it off
 * first (hpool_shrink_del()). Calls the state, per-CPU and object layers.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/list_sort.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>

#include "hpool_compat.h"
#include "hpool_obj.h"
#include "hpool_shrink.h"
#include "hpool_state.h"
#include "hpool_trace.h"
#include "hpool_track.h"

static DEFINE_MUTEX(hpool_shrink_mutex);
static LIST_HEAD(hpool_shrink_list);	/* S: every pool not being destroyed */

/* The most objects one pool lock hold frees (its irq-off time is bounded). */
#define HPOOL_SHRINK_BATCH	64

/**
 * hpool_shrink_add() - let the shrinker and the idle trim see a new pool
 * @pool: the pool, linked in its tree
 *
 * Context: under hpool_topology_mutex.
 */
void hpool_shrink_add(struct hpool *pool)
{
	lockdep_assert_held(&hpool_topology_mutex);
	mutex_lock(&hpool_shrink_mutex);
	list_add_tail(&pool->shrink_node, &hpool_shrink_list);
	mutex_unlock(&hpool_shrink_mutex);
}

/**
 * hpool_shrink_del() - hide a pool whose destroy has begun
 * @pool: the pool, marked dead
 *
 * Waits for a shrinker or idle pass that is working on it: once this
 * returns, nothing of this file touches @pool or its tree.
 *
 * Context: under hpool_topology_mutex.
 */
void hpool_shrink_del(struct hpool *pool)
{
	lockdep_assert_held(&hpool_topology_mutex);
	mutex_lock(&hpool_shrink_mutex);
	list_del_init(&pool->shrink_node);
	mutex_unlock(&hpool_shrink_mutex);
}

/*
 * Note what the shrinker needs to know of a pool, under its plain lock (no
 * fold: counting must not empty the caches): its free objects beyond its
 * reserve, caches included, and its utilisation.
 */
static unsigned int hpool_shrink_snap(struct hpool *pool)
{
	unsigned int nr_free;
	unsigned long flags;

	lockdep_assert_held(&hpool_shrink_mutex);
	spin_lock_irqsave(&pool->lock, flags);
	nr_free = pool->nr_free;
	if (pool->pcp)
		nr_free += hpool_pcp_cached(pool);
	pool->shrink_surplus = nr_free > pool->reserve ? nr_free - pool->reserve : 0;
	pool->shrink_util = hpool_util(pool->nr_in_use, pool->capacity);
	spin_unlock_irqrestore(&pool->lock, flags);
	return pool->shrink_surplus;
}

/*
 * The order in which the shrinker visits the pools: the deepest first, so
 * that leaves go before their parents and roots last, and among pools of
 * one depth the coolest first, then the oldest.
 */
static int hpool_shrink_cmp(void *priv, const struct list_head *a,
			    const struct list_head *b)
{
	const struct hpool *pa = list_entry(a, struct hpool, shrink_node);
	const struct hpool *pb = list_entry(b, struct hpool, shrink_node);

	if (pa->depth != pb->depth)
		return pa->depth < pb->depth ? 1 : -1;
	if (pa->shrink_util != pb->shrink_util)
		return pa->shrink_util > pb->shrink_util ? 1 : -1;
	return pa->seq > pb->seq ? 1 : -1;
}

/**
 * hpool_shrink_count() - the shrinker's count_objects
 * @s: the shrinker
 * @sc: the request
 *
 * Return: the free objects of every pool beyond its reserve, per-CPU caches
 * included, or SHRINK_EMPTY.
 */
unsigned long hpool_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long nr = 0;
	struct hpool *pool;

	mutex_lock(&hpool_shrink_mutex);
	list_for_each_entry(pool, &hpool_shrink_list, shrink_node)
		nr += hpool_shrink_snap(pool);
	mutex_unlock(&hpool_shrink_mutex);
	return nr ?: SHRINK_EMPTY;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_shrink_count);

/**
 * hpool_shrink_scan() - the shrinker's scan_objects
 * @s: the shrinker
 * @sc: the request: sc->nr_to_scan objects at most
 *
 * Frees free objects beyond each pool's reserve, per-CPU caches included
 * (a pool is folded first), in the order of hpool_shrink_cmp(), in batches
 * of HPOOL_SHRINK_BATCH per pool lock. Never an object in use, never below a
 * reserve. Each counts in the pool's frees and shrunk.
 *
 * Return: how many objects went back to the slab, or SHRINK_STOP when none
 * could.
 */
unsigned long hpool_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;
	unsigned int nr, done;
	struct hpool *pool;

	mutex_lock(&hpool_shrink_mutex);
	list_for_each_entry(pool, &hpool_shrink_list, shrink_node)
		hpool_shrink_snap(pool);
	list_sort(NULL, &hpool_shrink_list, hpool_shrink_cmp);
	list_for_each_entry(pool, &hpool_shrink_list, shrink_node) {
		if (!pool->shrink_surplus)
			continue;
		done = 0;
		do {
			nr = min_t(unsigned long, sc->nr_to_scan - freed,
				   HPOOL_SHRINK_BATCH);
			nr = hpool_give_back(pool, 0, pool->reserve, nr, true);
			done += nr;
			freed += nr;
		} while (nr && freed < sc->nr_to_scan);
		if (done)
			trace_hpool_shrink(pool, done);
		if (freed >= sc->nr_to_scan)
			break;
		cond_resched();
	}
	mutex_unlock(&hpool_shrink_mutex);
	return freed ?: SHRINK_STOP;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_shrink_scan);

/*
 * One look of the idle trim at every pool with per-CPU caches; again in a
 * period while some CPU still holds anything (hpool_pcp.c queues it when one
 * starts to).
 */
static void hpool_idle_workfn(struct work_struct *work)
{
	struct hpool *pool;
	bool again = false;

	mutex_lock(&hpool_shrink_mutex);
	list_for_each_entry(pool, &hpool_shrink_list, shrink_node) {
		if (pool->pcp && hpool_pcp_trim_idle(pool))
			again = true;
		/* A pure borrower's health, after a fold while traffic ran. */
		if (READ_ONCE(pool->health_stale))
			hpool_health_sync(pool);
	}
	mutex_unlock(&hpool_shrink_mutex);
	if (again)
		queue_delayed_work(system_wq, &hpool_idle_work, HPOOL_IDLE_PERIOD);
}

/**
 * hpool_idle_trim() - run one look of the idle trim now
 *
 * For tests: a CPU folds at the second look that finds it idle.
 */
void hpool_idle_trim(void)
{
	mod_delayed_work(system_wq, &hpool_idle_work, 0);
	flush_delayed_work(&hpool_idle_work);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_idle_trim);

/* "root/child/...": the names from the root down. */
static void hpool_seq_path(struct seq_file *m, struct hpool *pool)
{
	if (pool->parent) {
		hpool_seq_path(m, pool->parent);
		seq_putc(m, '/');
	}
	seq_puts(m, pool->name);
}

/*
 * /sys/kernel/debug/hpool/pcp: each CPU that holds anything of a pool, with
 * what it holds, read without folding (reading it changes nothing).
 */
static int hpool_pcp_show(struct seq_file *m, void *v)
{
	struct hpool *pool;
	unsigned long flags;
	unsigned int cpu;

	seq_puts(m, "# pool cpu nr_free in_use quota borrowed bquota\n");
	mutex_lock(&hpool_shrink_mutex);
	list_for_each_entry(pool, &hpool_shrink_list, shrink_node) {
		if (!pool->pcp)
			continue;
		spin_lock_irqsave(&pool->lock, flags);
		for_each_set_bit(cpu, pool->pcp_mask, nr_cpu_ids) {
			struct hpool_pcp *pc = per_cpu_ptr(pool->pcp, cpu);
			int in_use, quota, borrowed, bquota;
			unsigned int nr_free;

			raw_spin_lock(&pc->lock);
			nr_free = pc->nr_free;
			in_use = pc->in_use;
			quota = pc->quota;
			borrowed = pc->borrowed;
			bquota = pc->bquota;
			raw_spin_unlock(&pc->lock);
			hpool_seq_path(m, pool);
			seq_printf(m, " %u %u %d %d %d %d\n", cpu, nr_free, in_use, quota,
				   borrowed, bquota);
		}
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	mutex_unlock(&hpool_shrink_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hpool_pcp);

static struct shrinker *hpool_shrinker;

/**
 * hpool_shrink_init() - set up the idle trim, register the shrinker and
 *	debugfs' pcp file; before any pool exists
 *
 * Return: 0 or -ENOMEM.
 */
int hpool_shrink_init(void)
{
	INIT_DELAYED_WORK(&hpool_idle_work, hpool_idle_workfn);
	hpool_shrinker = hpool_shrinker_alloc("hpool");
	if (!hpool_shrinker)
		return -ENOMEM;
	hpool_shrinker->count_objects = hpool_shrink_count;
	hpool_shrinker->scan_objects = hpool_shrink_scan;
	hpool_shrinker_register(hpool_shrinker);
	debugfs_create_file("pcp", 0400, hpool_debugfs_dir, NULL, &hpool_pcp_fops);
	return 0;
}

/**
 * hpool_shrink_exit() - unregister the shrinker; every pool is gone
 */
void hpool_shrink_exit(void)
{
	hpool_shrinker_free(hpool_shrinker);
	cancel_delayed_work_sync(&hpool_idle_work);
}
