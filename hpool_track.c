// SPDX-License-Identifier: GPL-2.0
/*
 * hpool object tracking (Documentation/hpool.rst#hpool-debugging): who holds
 * the objects. Off by default; /sys/module/hpool/parameters/track switches it
 * at run time. On, every object handed out gets a record (the pool that
 * handed it out, when, and the acquiring stack in the stack depot) in its
 * tree's xarray, indexed by its address, until it is released. Off, the
 * hooks in the acquire and release paths are static branches, not taken.
 * Objects acquired while tracking was off have no record: "untracked".
 *
 * Records and pools: a record is stored after its object was counted in its
 * pool's nr_in_use and erased before the object goes back, so a record found
 * under the xarray's lock names a pool (and ancestors) that cannot be
 * destroyed before the lock is dropped. Switching off forgets every record
 * (a release with tracking off erases nothing); hpool_track_on, checked
 * under the xarray's lock by every reader and writer, keeps a record from
 * being stored, or read, once that began.
 *
 * Also owns /sys/kernel/debug/hpool/. Calls the object layer only.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stacktrace.h>

#include "hpool_obj.h"
#include "hpool_track.h"

/* Frames saved per acquisition, hpool's own included (then dropped). */
#define HPOOL_TRACK_DEPTH	24
/* Groups hpool_track_collect() keeps; further records are only counted. */
#define HPOOL_TRACK_GROUPS	256
/* Stacks a destroy, drain or orphan report prints. */
#define HPOOL_TRACK_REPORT_TOP	3

DEFINE_STATIC_KEY_FALSE(hpool_track_key);

/*
 * Records may be stored and are valid (see the top of the file). Written
 * under hpool_track_mutex; read under a tree's xarray lock.
 */
static bool hpool_track_on;
/* Serialises switching; protects hpool_track_trees. Taken alone. */
static DEFINE_MUTEX(hpool_track_mutex);
static LIST_HEAD(hpool_track_trees);

struct dentry *hpool_debugfs_dir;

/* One object in use, while tracking is on. */
struct hpool_track_rec {
	struct hpool *pool;		/* handed it out */
	unsigned long when;		/* jiffies */
	depot_stack_handle_t stack;	/* 0 if the depot had no room */
};

static unsigned long hpool_track_index(void *obj)
{
	/*
	 * Slab objects are in the direct map and at least 8-byte aligned: their
	 * physical address over 8 makes small indices, so a shallow tree (each
	 * level of an xarray takes 6 bits), fewer nodes to allocate and free.
	 */
	return __pa(obj) >> 3;
}

/**
 * __hpool_track_acquire() - record an object handed out
 * @pool: the pool that handed it out
 * @obj: the object
 * @ip: the return address into the caller of hpool_acquire*()
 *
 * The stack saved starts at @ip: whichever path inside hpool found the
 * object, one call site gives one stack.
 *
 * Context: any context. A record that cannot be allocated leaves the object
 * untracked.
 */
void __hpool_track_acquire(struct hpool *pool, void *obj, unsigned long ip)
{
	struct hpool_tree *tree = pool->tree;
	unsigned long entries[HPOOL_TRACK_DEPTH];
	struct hpool_track_rec *rec;
	unsigned long flags;
	unsigned int nr, i;
	void *old = NULL;

	rec = kmalloc(sizeof(*rec), GFP_ATOMIC | __GFP_NOWARN);
	if (!rec)
		return;
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	/* Drop hpool's frames: up to the return into the caller. */
	for (i = 0; i < nr && entries[i] != ip; i++)
		;
	if (i == nr)
		i = 0;
	rec->stack = stack_depot_save(entries + i, nr - i, GFP_ATOMIC | __GFP_NOWARN);
	rec->pool = pool;
	rec->when = jiffies;

	xa_lock_irqsave(&tree->track_objs, flags);
	if (READ_ONCE(hpool_track_on))
		old = __xa_store(&tree->track_objs, hpool_track_index(obj), rec,
				 GFP_ATOMIC | __GFP_NOWARN);
	else
		old = rec;
	xa_unlock_irqrestore(&tree->track_objs, flags);
	/* Not stored (off, or no memory), or a record nobody erased. */
	if (xa_is_err(old))
		kfree(rec);
	else
		kfree(old);
}

/**
 * __hpool_track_release() - forget an object coming back
 * @owner: the pool that handed it out
 * @obj: the object
 *
 * Context: any context. Nothing to forget for an untracked object.
 */
void __hpool_track_release(struct hpool *owner, void *obj)
{
	struct hpool_tree *tree = owner->tree;
	unsigned long flags;
	void *rec;

	xa_lock_irqsave(&tree->track_objs, flags);
	rec = __xa_erase(&tree->track_objs, hpool_track_index(obj));
	xa_unlock_irqrestore(&tree->track_objs, flags);
	kfree(rec);
}

/* Forget every record of @tree; under hpool_track_mutex. */
static void hpool_track_clear(struct hpool_tree *tree)
{
	XA_STATE(xas, &tree->track_objs, 0);
	struct hpool_track_rec *rec;
	unsigned long flags;

	lockdep_assert_held(&hpool_track_mutex);
	xas_lock_irqsave(&xas, flags);
	xas_for_each(&xas, rec, ULONG_MAX) {
		xas_store(&xas, NULL);
		kfree(rec);
	}
	xas_unlock_irqrestore(&xas, flags);
}

/**
 * hpool_track_set() - switch object tracking on or off
 * @on: the new setting
 *
 * Off forgets every record: the objects still out become untracked.
 *
 * Context: process context, may sleep.
 * Return: 0, or the error of stack_depot_init().
 */
int hpool_track_set(bool on)
{
	struct hpool_tree *tree;
	int ret = 0;

	mutex_lock(&hpool_track_mutex);
	if (on == hpool_track_on)
		goto out_unlock;
	if (on) {
		ret = stack_depot_init();
		if (ret)
			goto out_unlock;
		/*
		 * The branch first: a release that can find a record always
		 * takes it (records are stored only once the flag is set).
		 */
		static_branch_enable(&hpool_track_key);
		WRITE_ONCE(hpool_track_on, true);
	} else {
		/* The flag first: no record is stored or read from here on. */
		WRITE_ONCE(hpool_track_on, false);
		static_branch_disable(&hpool_track_key);
		list_for_each_entry(tree, &hpool_track_trees, track_node)
			hpool_track_clear(tree);
	}
out_unlock:
	mutex_unlock(&hpool_track_mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_track_set);

/**
 * hpool_track_enabled() - whether object tracking is on
 *
 * Return: the setting of /sys/module/hpool/parameters/track.
 */
bool hpool_track_enabled(void)
{
	return READ_ONCE(hpool_track_on);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_track_enabled);

static int hpool_track_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int on;
	int ret;

	ret = kstrtouint(val, 10, &on);
	if (ret)
		return ret;
	if (on > 1)
		return -EINVAL;
	return hpool_track_set(on);
}

static int hpool_track_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", hpool_track_enabled());
}

static const struct kernel_param_ops hpool_track_param_ops = {
	.set = hpool_track_param_set,
	.get = hpool_track_param_get,
};
module_param_cb(track, &hpool_track_param_ops, NULL, 0644);
MODULE_PARM_DESC(track, "Record who acquired every object in use (0 or 1)");

/**
 * hpool_track_tree_init() - give a new tree its records
 * @tree: the tree, not yet visible
 */
void hpool_track_tree_init(struct hpool_tree *tree)
{
	xa_init_flags(&tree->track_objs, XA_FLAGS_LOCK_IRQ);
	mutex_lock(&hpool_track_mutex);
	list_add_tail(&tree->track_node, &hpool_track_trees);
	mutex_unlock(&hpool_track_mutex);
}

/**
 * hpool_track_tree_exit() - forget a tree that has nothing in use
 * @tree: the tree, unreachable
 */
void hpool_track_tree_exit(struct hpool_tree *tree)
{
	mutex_lock(&hpool_track_mutex);
	list_del(&tree->track_node);
	/* Empty but for records nobody erased: none, unless hpool has a bug. */
	WARN_ON_ONCE(!xa_empty(&tree->track_objs));
	hpool_track_clear(tree);
	mutex_unlock(&hpool_track_mutex);
	xa_destroy(&tree->track_objs);
}

/* Whether @pool is @under or below it; pools alive (see the top). */
static bool hpool_track_below(struct hpool *pool, struct hpool *under)
{
	for (; pool; pool = pool->parent)
		if (pool == under)
			return true;
	return false;
}

static int hpool_track_cmp(const void *a, const void *b)
{
	const struct hpool_track_group *x = a, *y = b;

	if (x->nr != y->nr)
		return x->nr > y->nr ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/**
 * hpool_track_collect() - group a tree's records by pool and stack
 * @tree: the tree
 * @under: only the records of this pool's subtree (NULL: the whole tree)
 * @gs: filled in; hpool_track_groups_free() frees it, whatever the return
 *
 * At most HPOOL_TRACK_GROUPS groups, sorted by count, most first; the
 * records beyond are counted in @gs->nr_lumped. A group's pool may be
 * dereferenced only while the caller holds hpool_topology_mutex (no pool
 * with objects out can then be destroyed).
 *
 * Context: process context; the tree's xarray lock (interrupts off) is held
 * for one pass over its records.
 * Return: 0 or -ENOMEM.
 */
int hpool_track_collect(struct hpool_tree *tree, struct hpool *under,
			struct hpool_track_groups *gs)
{
	XA_STATE(xas, &tree->track_objs, 0);
	struct hpool_track_rec *rec;
	unsigned long flags;
	u16 *slot;	/* open addressing: group index + 1, 0 when empty */
	const unsigned int nr_slots = 2 * HPOOL_TRACK_GROUPS;

	memset(gs, 0, sizeof(*gs));
	gs->g = kvcalloc(HPOOL_TRACK_GROUPS, sizeof(*gs->g), GFP_KERNEL);
	slot = kcalloc(nr_slots, sizeof(*slot), GFP_KERNEL);
	if (!gs->g || !slot) {
		kfree(slot);
		return -ENOMEM;
	}

	xas_lock_irqsave(&xas, flags);
	gs->on = READ_ONCE(hpool_track_on);
	if (gs->on) {
		xas_for_each(&xas, rec, ULONG_MAX) {
			struct hpool_track_group *g = NULL;
			unsigned int h;

			if (under && !hpool_track_below(rec->pool, under))
				continue;
			gs->nr_tracked++;
			h = hash_long((unsigned long)rec->pool ^ rec->stack,
				      ilog2(nr_slots));
			for (; slot[h]; h = (h + 1) % nr_slots) {
				g = &gs->g[slot[h] - 1];
				if (g->pool == rec->pool && g->stack == rec->stack)
					break;
				g = NULL;
			}
			if (!g) {
				if (gs->nr == HPOOL_TRACK_GROUPS) {
					gs->nr_lumped++;
					continue;
				}
				g = &gs->g[gs->nr++];
				slot[h] = gs->nr;
				g->pool = rec->pool;
				g->id = rec->pool->seq;
				g->stack = rec->stack;
				g->oldest = rec->when;
			}
			g->nr++;
			if (time_before(rec->when, g->oldest))
				g->oldest = rec->when;
		}
	}
	xas_unlock_irqrestore(&xas, flags);
	kfree(slot);
	sort(gs->g, gs->nr, sizeof(*gs->g), hpool_track_cmp, NULL);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_track_collect);

/**
 * hpool_track_groups_free() - free what hpool_track_collect() allocated
 * @gs: the groups
 */
void hpool_track_groups_free(struct hpool_track_groups *gs)
{
	kvfree(gs->g);
	gs->g = NULL;
	gs->nr = 0;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_track_groups_free);

/**
 * hpool_track_seq_group() - a group's stack, as the objects file shows it
 * @m: the file
 * @g: the group
 */
void hpool_track_seq_group(struct seq_file *m, const struct hpool_track_group *g)
{
	unsigned long *entries;
	unsigned int i, nr;

	nr = g->stack ? stack_depot_fetch(g->stack, &entries) : 0;
	if (!nr)
		seq_puts(m, "    (stack not saved)\n");
	for (i = 0; i < nr; i++)
		seq_printf(m, "    %pS\n", (void *)entries[i]);
}

/**
 * hpool_track_report() - say who holds the objects of a pool that cannot go
 * @pool: the pool; its tree alive
 * @what: what cannot be done ("destroy", "drain", "orphan")
 * @nr_out: how many objects it has in use
 *
 * Ratelimited. With tracking on, adds the acquiring stacks of the most
 * objects of @pool's subtree.
 *
 * Context: process context, may sleep.
 */
void hpool_track_report(struct hpool *pool, const char *what, unsigned int nr_out)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	struct hpool_track_groups gs;
	unsigned int i;

	if (!__ratelimit(&rs))
		return;
	pr_warn("%s (id %llu): %s: %u objects in use\n", pool->name, pool->seq,
		what, nr_out);
	if (!hpool_track_enabled()) {
		pr_warn("%s: echo 1 > /sys/module/hpool/parameters/track to see who acquires them\n",
			pool->name);
		return;
	}
	if (hpool_track_collect(pool->tree, pool, &gs) || !gs.on)
		goto out_free;
	pr_warn("%s: %lu objects of its subtree tracked (the others were acquired while tracking was off)\n",
		pool->name, gs.nr_tracked);
	for (i = 0; i < gs.nr && i < HPOOL_TRACK_REPORT_TOP; i++) {
		pr_warn("%s: %u objects from pool id %llu, the oldest for %u ms, acquired at:\n",
			pool->name, gs.g[i].nr, gs.g[i].id,
			jiffies_to_msecs(jiffies - gs.g[i].oldest));
		if (gs.g[i].stack)
			stack_depot_print(gs.g[i].stack);
	}
out_free:
	hpool_track_groups_free(&gs);
}

/**
 * hpool_debugfs_init() - make /sys/kernel/debug/hpool/
 */
void hpool_debugfs_init(void)
{
	hpool_debugfs_dir = debugfs_create_dir("hpool", NULL);
	hpool_obj_debugfs_init(hpool_debugfs_dir);
}

/**
 * hpool_debugfs_exit() - remove it, and switch tracking off (every tree is
 *	gone)
 */
void hpool_debugfs_exit(void)
{
	debugfs_remove_recursive(hpool_debugfs_dir);
	hpool_debugfs_dir = NULL;
	hpool_track_set(false);
}
