// SPDX-License-Identifier: GPL-2.0
/*
 * hpool lifecycle: creating a pool (Documentation/hpool.rst#hpool-api),
 * its prewarm, and the two halves of its destroy (hpool-lifetime), which
 * hpool_destroy(), devres and the orphan reaper (hpool_devres.c) share.
 * Calls sysfs, the rebalancer, state and the layers below only.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "hpool_lifecycle.h"
#include "hpool_obj.h"
#include "hpool_rebalance.h"
#include "hpool_shrink.h"
#include "hpool_state.h"
#include "hpool_sysfs.h"
#include "hpool_trace.h"
#include "hpool_track.h"

static u64 hpool_seq;	/* T: creation order */

/*
 * One pass, as it runs on every creation of a request-scoped child: 1 to
 * HPOOL_NAME_MAX - 1 characters of [A-Za-z0-9_.-], not "." or "..".
 */
static bool hpool_name_valid(const char *name)
{
	size_t len, dots = 0;

	if (!name)
		return false;
	for (len = 0; name[len]; len++) {
		char ch = name[len];

		if (len == HPOOL_NAME_MAX - 1)
			return false;
		/* ASCII only: the kernel's isalnum() also takes Latin-1 letters. */
		if (ch == '.')
			dots++;
		else if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
			 !(ch >= '0' && ch <= '9') && ch != '_' && ch != '-')
			return false;
	}
	return len && !(dots == len && len <= 2);
}

/*
 * The parameters of a new pool (hpool.rst#hpool-api): the tunables by the
 * rules their setters use (hpool_state.h), the rest by those of creation.
 */
static int hpool_check_params(const struct hpool *parent,
			      const struct hpool_params *p)
{
	bool root = !parent;

	if (!p || !hpool_name_valid(p->name))
		return -EINVAL;
	if (p->flags & ~(HPOOL_F_AUTO_GROW | HPOOL_F_NO_SYSFS))
		return -EINVAL;
	if (hpool_rule_prio(p->prio) ||
	    hpool_rule_reserve(p->reserve, p->capacity) ||
	    hpool_rule_borrow_limit(root, p->borrow_limit) ||
	    hpool_rule_auto_grow(root, p->flags & HPOOL_F_AUTO_GROW) ||
	    hpool_rule_threshold(p->rebalance_threshold))
		return -EINVAL;
	/* The rebalancer's tunables are the tree's: given to a root only. */
	if ((p->rebalance_interval_ms || p->rebalance_threshold) &&
	    hpool_rule_root_only(root))
		return -EINVAL;
	if (p->prewarm > p->capacity)
		return -EINVAL;
	if (root) {
		if (!p->obj_size)
			return -EINVAL;
		if (p->align && !is_power_of_2(p->align))
			return -EINVAL;
		/* the slab object must fit an unsigned int */
		if (p->obj_size > INT_MAX / 2 || p->align > PAGE_SIZE)
			return -EINVAL;
	} else {
		/* The cache and its callbacks are the tree's too. */
		if (p->obj_size || p->align || p->ctor || p->reset)
			return -EINVAL;
		if (parent->depth + 1 >= HPOOL_MAX_DEPTH)
			return -EINVAL;
	}
	return 0;
}

static struct hpool_tree *hpool_tree_create(const struct hpool_params *p)
{
	size_t align = max_t(size_t, p->align, __alignof__(struct hpool_obj));
	struct hpool_tree *tree;

	tree = kzalloc(sizeof(*tree), GFP_KERNEL);
	if (!tree)
		return NULL;
	tree->obj_size = p->obj_size;
	tree->hdr_size = ALIGN(sizeof(struct hpool_obj), align);
	tree->ctor = p->ctor;
	tree->reset = p->reset;
	tree->rebalance_interval_ms = p->rebalance_interval_ms;
	tree->rebalance_threshold = p->rebalance_threshold ?: 80;
	INIT_DELAYED_WORK(&tree->rebalance_work, hpool_rebalance_workfn);
	snprintf(tree->cache_name, sizeof(tree->cache_name), "hpool-%s", p->name);
	tree->cache = kmem_cache_create(tree->cache_name,
					tree->hdr_size + tree->obj_size,
					align, 0, NULL);
	if (!tree->cache) {
		kfree(tree);
		return NULL;
	}
	hpool_track_tree_init(tree);
	return tree;
}

static bool hpool_name_taken(struct list_head *siblings, const char *name)
{
	struct hpool *p;

	lockdep_assert_held(&hpool_topology_mutex);
	list_for_each_entry(p, siblings, sibling)
		if (!strcmp(p->name, name))
			return true;
	return false;
}

/*
 * Link @pool at the end of @siblings (@link), or unlink it: under the
 * topology mutex and, for a child, its parent's children_lock, which the
 * walkers of atomic context hold.
 */
static void hpool_link(struct hpool *pool, struct list_head *siblings, bool link)
{
	struct hpool *parent = pool->parent;
	int d = link ? 1 : -1;

	lockdep_assert_held(&hpool_topology_mutex);
	if (!parent) {
		if (link)
			list_add_tail(&pool->sibling, siblings);
		else
			list_del(&pool->sibling);
		return;
	}
	write_lock_irq(&parent->children_lock);
	if (link)
		list_add_tail(&pool->sibling, siblings);
	else
		list_del(&pool->sibling);
	write_unlock_irq(&parent->children_lock);
	parent->nr_children += d;
	if (pool->flags & HPOOL_F_NO_SYSFS)
		WRITE_ONCE(parent->nr_children_hidden, parent->nr_children_hidden + d);
}

/*
 * The work of a new pool with @prewarm objects (hpool.rst#hpool-lifecycle):
 * fills the free list with up to @prewarm objects (within every capacity),
 * then turns the pool active. Stops early when the pool is drained or
 * destroyed while warming.
 */
static void hpool_prewarm_workfn(struct work_struct *work)
{
	struct hpool *pool = container_of(work, struct hpool, prewarm_work);
	struct hpool_obj *hdr;
	unsigned long flags;
	unsigned int i;
	bool grew, ok;

	for (i = 0; i < pool->prewarm; i++) {
		if (READ_ONCE(pool->state) != HPOOL_WARMING)
			break;
		if (!hpool_charge(pool, NULL, false, &grew))
			break;
		hdr = hpool_alloc_obj(pool, GFP_KERNEL);
		if (!hdr) {
			hpool_uncharge(pool, NULL, 1);
			break;
		}
		hpool_lock(pool, &flags);
		ok = !pool->dead && pool->state == HPOOL_WARMING;
		if (ok) {
			__hpool_push_locked(pool, hdr);
			pool->c.allocations++;
		}
		hpool_unlock(pool, flags);
		if (!ok) {
			hpool_uncharge(pool, NULL, 1);
			hpool_free_objs(pool, hdr);
			break;
		}
		cond_resched();
	}

	hpool_lock(pool, &flags);
	if (pool->state == HPOOL_WARMING)
		__hpool_set_state_locked(pool, HPOOL_ACTIVE);
	hpool_unlock(pool, flags);
}

/**
 * hpool_create_pool() - create a root (@parent NULL) or a child
 * @parent: the parent, or NULL
 * @p: the parameters
 *
 * Context: process context, may sleep.
 * Return: the pool, or an ERR_PTR() as hpool_create() or hpool_create_child().
 */
struct hpool *hpool_create_pool(struct hpool *parent,
				const struct hpool_params *p)
{
	struct list_head *siblings;
	struct hpool *pool;
	int ret;

	might_sleep();
	ret = hpool_check_params(parent, p);
	if (ret)
		return ERR_PTR(ret);

	/*
	 * Not kmem_cache_zalloc(): a memset() of constant size is inlined,
	 * where the slab's zeroing calls memset() with the cache's size (make
	 * bench under TCG: 0.5 us less per create, a third of a request cycle's
	 * create and destroy), and the fields after HPOOL_INIT_ZEROED are
	 * initialised here, one by one.
	 */
	pool = hpool_pool_alloc();
	if (!pool)
		return ERR_PTR(-ENOMEM);
	memset(pool, 0, HPOOL_INIT_ZEROED);
	INIT_LIST_HEAD(&pool->children);
	rwlock_init(&pool->children_lock);
	INIT_LIST_HEAD(&pool->sibling);
	INIT_WORK(&pool->prewarm_work, hpool_prewarm_workfn);
	INIT_LIST_HEAD(&pool->orphan_node);
	INIT_LIST_HEAD(&pool->shrink_node);
	INIT_LIST_HEAD(&pool->notify_node);
	pool->health_notified_at = jiffies - HPOOL_NOTIFY_LAG;
	init_waitqueue_head(&pool->drain_wq);
	spin_lock_init(&pool->lock);
	strscpy(pool->name, p->name, sizeof(pool->name));
	/* Request-scoped pools live too short for per-CPU caches to pay off. */
	if (!(p->flags & HPOOL_F_NO_SYSFS) && hpool_pcp_alloc(pool)) {
		hpool_free_pool(pool);
		return ERR_PTR(-ENOMEM);
	}
	pool->state = HPOOL_STARTING;
	pool->capacity = p->capacity;
	pool->borrow_limit = p->borrow_limit;
	pool->reserve = p->reserve;
	pool->prewarm = p->prewarm;
	pool->prio = p->prio;
	pool->flags = p->flags;
	pool->parent = parent;

	if (parent) {
		pool->tree = parent->tree;
		pool->depth = parent->depth + 1;
	} else {
		pool->tree = hpool_tree_create(p);
		if (!pool->tree) {
			hpool_free_pool(pool);
			return ERR_PTR(-ENOMEM);
		}
		pool->tree->root = pool;
	}

	mutex_lock(&hpool_topology_mutex);
	if (parent) {
		/*
		 * No need for the parent's lock (and its fold): @dead is written
		 * under the topology mutex too, and a drain that races with this
		 * check is one that came after the creation.
		 */
		enum hpool_state pstate = READ_ONCE(parent->state);

		ret = parent->dead ? -ENOENT : 0;
		if (!ret && (pstate == HPOOL_DRAINING || pstate == HPOOL_STOPPED))
			ret = -EBUSY;
		if (ret)
			goto out_unlock;
	}
	siblings = parent ? &parent->children : &hpool_roots;
	if (hpool_name_taken(siblings, pool->name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	pool->seq = ++hpool_seq;
	/*
	 * Ready before anything can see it (sysfs, the walkers, the caller): no
	 * lock, no waiter, no notification. The fast path arms at the first
	 * unlock of the pool.
	 */
	pool->state = pool->prewarm ? HPOOL_WARMING : HPOOL_ACTIVE;
	pool->in_sysfs = !(p->flags & HPOOL_F_NO_SYSFS) &&
			 (!parent || parent->in_sysfs);
	if (pool->in_sysfs) {
		ret = hpool_sysfs_add(pool);
		if (ret)
			goto out_unlock;
	}
	trace_hpool_state_change(pool, HPOOL_STARTING, pool->state);
	hpool_link(pool, siblings, true);
	hpool_shrink_add(pool);
	/* hpool cannot be unloaded while a tree lives, orphans included. */
	if (!parent)
		__module_get(THIS_MODULE);
	mutex_unlock(&hpool_topology_mutex);

	if (pool->prewarm)
		queue_work(hpool_wq, &pool->prewarm_work);
	if (!parent)
		hpool_rebalance_arm(pool->tree);
	return pool;

out_unlock:
	mutex_unlock(&hpool_topology_mutex);
	if (!parent)
		kmem_cache_destroy(pool->tree->cache);
	hpool_put_pool(pool);
	return ERR_PTR(ret);
}

/**
 * hpool_create() - create a root pool and its kmem_cache
 * @p: the parameters (see &struct hpool_params)
 *
 * The root owns a cache named "hpool-<name>" and appears in
 * /sys/kernel/hpool/<name>/ unless created with HPOOL_F_NO_SYSFS.
 *
 * Context: process context, may sleep.
 * Return: the pool, or ERR_PTR(-EINVAL) on bad parameters, ERR_PTR(-EEXIST)
 * when a root of that name exists, ERR_PTR(-ENOMEM).
 */
struct hpool *hpool_create(const struct hpool_params *p)
{
	return hpool_create_pool(NULL, p);
}
EXPORT_SYMBOL_GPL(hpool_create);

/**
 * hpool_create_child() - create a pool under another
 * @parent: the parent pool
 * @p: the parameters; roots-only fields must be 0
 *
 * Context: process context, may sleep.
 * Return: the pool, or ERR_PTR(-EINVAL) on bad parameters or depth,
 * ERR_PTR(-EEXIST) when a sibling has that name, ERR_PTR(-EBUSY) when
 * @parent is draining or stopped, ERR_PTR(-ENOMEM).
 */
struct hpool *hpool_create_child(struct hpool *parent, const struct hpool_params *p)
{
	if (WARN_ON_ONCE(!parent))
		return ERR_PTR(-EINVAL);
	return hpool_create_pool(parent, p);
}
EXPORT_SYMBOL_GPL(hpool_create_child);

/**
 * hpool_destroy_begin() - the first half of a destroy: check, mark dead
 * @pool: the pool
 * @list: its free objects, taken off it, for hpool_destroy_finish()
 * @nr: how many
 *
 * Teardown, in one path for hpool_destroy(), devres and the orphan reaper
 * (Documentation/hpool.rst#hpool-lifetime):
 *
 * hpool_destroy_begin(), under the topology mutex and the pool's lock,
 * checks that nothing is in use and no child is linked, and marks the pool
 * dead: from then on nothing adds to it and nothing arms its work.
 * hpool_destroy_finish() then, without the mutex, cancels its work, uncharges
 * and frees its free objects, removes its sysfs directory (and, for a root,
 * destroys the cache), and only then, under the mutex again, unlinks it. A
 * pool stays linked, so counted in its parent's nr_children, for as long as
 * its teardown touches the parent or the tree: the parent's own destroy
 * returns -EBUSY until then.
 *
 * Context: under hpool_topology_mutex.
 * Return: 0, and hpool_destroy_finish() must follow; -EBUSY while @pool has
 * children or objects in use; -EINVAL (warned once) when already dead.
 */
int hpool_destroy_begin(struct hpool *pool, struct hpool_obj **list,
			unsigned int *nr)
{
	unsigned long flags;

	lockdep_assert_held(&hpool_topology_mutex);
	hpool_lock(pool, &flags);
	if (pool->dead) {
		hpool_unlock(pool, flags);
		WARN_ONCE(1, "hpool: %s destroyed twice\n", pool->name);
		return -EINVAL;
	}
	if (pool->nr_children || pool->nr_in_use) {
		hpool_unlock(pool, flags);
		return -EBUSY;
	}
	/*
	 * From here on no borrow, move of stock or prewarm adds to the pool, and
	 * nothing arms the rebalancer (sysfs and hpool_set_rebalance_interval()
	 * check @dead under the lock): the cancels below are final.
	 */
	pool->dead = true;
	*list = pool->free_list;
	*nr = pool->nr_free;
	pool->free_list = NULL;
	pool->nr_free = 0;
	pool->c.frees += *nr;
	hpool_unlock(pool, flags);
	hpool_shrink_del(pool);
	if (pool->orphan)
		list_del_init(&pool->orphan_node);
	return 0;
}

/**
 * hpool_destroy_finish() - the second half: free, remove, unlink, free
 * @pool: the pool, after hpool_destroy_begin() returned 0
 * @list: the free objects that hpool_destroy_begin() took
 * @nr: how many
 *
 * Context: process context, without hpool_topology_mutex.
 */
void hpool_destroy_finish(struct hpool *pool, struct hpool_obj *list,
			  unsigned int nr)
{
	struct hpool *parent = pool->parent;

	if (pool->prewarm)
		cancel_work_sync(&pool->prewarm_work);
	if (!parent)
		cancel_delayed_work_sync(&pool->tree->rebalance_work);
	if (nr) {
		hpool_uncharge(pool, NULL, nr);
		hpool_free_objs(pool, list);
	}
	if (pool->in_sysfs)
		hpool_sysfs_del(pool);
	if (!parent)
		kmem_cache_destroy(pool->tree->cache);
	hpool_hook(HPOOL_HOOK_DESTROY, pool);

	/* Last: the parent may go once this is done. */
	mutex_lock(&hpool_topology_mutex);
	hpool_link(pool, NULL, false);
	if (parent && parent->orphan && !parent->nr_children)
		queue_work(hpool_wq, &hpool_reap_work);
	mutex_unlock(&hpool_topology_mutex);

	hpool_put_pool(pool);
	if (!parent)
		module_put(THIS_MODULE);
}

/**
 * hpool_flush_work() - wait for a pool's prewarm (and its tree's rebalance)
 * @pool: the pool
 *
 * For tests: makes the end of warming deterministic.
 */
void hpool_flush_work(struct hpool *pool)
{
	flush_work(&pool->prewarm_work);
	flush_delayed_work(&pool->tree->rebalance_work);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_flush_work);

/**
 * hpool_flush_all() - wait for every queued hpool work item
 *
 * For tests: orphan destruction, prewarm and rebalance passes.
 */
void hpool_flush_all(void)
{
	flush_workqueue(hpool_wq);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_flush_all);

/**
 * hpool_nr_trees() - how many pool trees live, orphans included
 *
 * For tests: each holds a reference on this module.
 *
 * Return: the number of roots.
 */
unsigned int hpool_nr_trees(void)
{
	struct hpool *root;
	unsigned int nr = 0;

	mutex_lock(&hpool_topology_mutex);
	list_for_each_entry(root, &hpool_roots, sibling)
		nr++;
	mutex_unlock(&hpool_topology_mutex);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(hpool_nr_trees);
