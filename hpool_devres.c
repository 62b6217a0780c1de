// SPDX-License-Identifier: GPL-2.0
/*
 * hpool teardown from outside: hpool_destroy(), device-managed pools, and
 * orphans (Documentation/hpool.rst#hpool-lifetime and hpool-orphans).
 *
 * hpool_destroy() lives here, above the lifecycle layer, because it must
 * also remove a devm pool from its device's resources, as devm_kfree() does:
 * the devres release function is this file's. Calls the lifecycle, state
 * and per-CPU layers only.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/bug.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/module.h>

#include "hpool_devres.h"
#include "hpool_lifecycle.h"
#include "hpool_state.h"

static LIST_HEAD(hpool_orphans);	/* T: pools that lost their device */

static int devm_hpool_match(struct device *dev, void *res, void *data)
{
	return *(struct hpool **)res == data;
}

static void devm_hpool_release(struct device *dev, void *res);

/**
 * hpool_destroy() - free a pool that has no children and nothing in use
 * @pool: the pool
 *
 * Its free objects go back to the slab (uncharged up the tree), its sysfs
 * directory goes, and it is freed; destroying a root also destroys its cache.
 * A device-managed pool is released from its device too, as devm_kfree()
 * does, so that the device's detach does not destroy it again.
 *
 * Safe against every call on any other pool: while a child's destroy runs,
 * the parent's returns -EBUSY. Once hpool_drain() has returned 0, the pool
 * may be destroyed at once, even while the hpool_release() that stopped it
 * is still returning.
 *
 * Context: process context, may sleep.
 * Return: 0; -EBUSY, changing nothing, while @pool has children or objects
 * in use; -EINVAL for a NULL pool, one whose destruction has begun, or an
 * orphan (hpool destroys those itself).
 */
int hpool_destroy(struct hpool *pool)
{
	struct hpool_obj *list;
	unsigned int nr;
	int ret;

	if (WARN_ON_ONCE(!pool))
		return -EINVAL;
	might_sleep();

	mutex_lock(&hpool_topology_mutex);
	if (pool->orphan && !pool->dead) {
		/* Its driver gave it up with its device: the reaper owns it. */
		mutex_unlock(&hpool_topology_mutex);
		return -EINVAL;
	}
	ret = hpool_destroy_begin(pool, &list, &nr);
	if (!ret && pool->dev) {
		WARN_ON(devres_destroy(pool->dev, devm_hpool_release,
				       devm_hpool_match, pool));
		pool->dev = NULL;
	}
	/* Objects out (not only children): say who holds them. */
	if (ret == -EBUSY)
		hpool_report_in_use(pool, "destroy refused");
	mutex_unlock(&hpool_topology_mutex);
	if (!ret)
		hpool_destroy_finish(pool, list, nr);
	return ret;
}
EXPORT_SYMBOL_GPL(hpool_destroy);

/* ---- device-managed pools and orphans ---- */

/*
 * Orphans (see devm_hpool_release()) wait on hpool_orphans until they have
 * neither objects out nor children, and one work item, never two at once,
 * destroys them: children go first, as a parent's destroy fails while it
 * has any. The tree's reference on this module keeps hpool loaded meanwhile.
 */
static void hpool_reap_workfn(struct work_struct *work)
{
	struct hpool_obj *list;
	struct hpool *pool;
	unsigned int nr;
	bool found;

	do {
		found = false;
		mutex_lock(&hpool_topology_mutex);
		list_for_each_entry(pool, &hpool_orphans, orphan_node) {
			/* -EBUSY while it has objects out or children */
			if (!hpool_destroy_begin(pool, &list, &nr)) {
				found = true;
				break;
			}
		}
		mutex_unlock(&hpool_topology_mutex);
		if (found)
			hpool_destroy_finish(pool, list, nr);
	} while (found);
}

static void devm_hpool_release(struct device *dev, void *res)
{
	struct hpool *pool = *(struct hpool **)res;
	struct hpool_obj *list;
	unsigned long flags;
	unsigned int nr;
	int ret;

	mutex_lock(&hpool_topology_mutex);
	pool->dev = NULL;		/* devres is releasing it already */
	ret = hpool_destroy_begin(pool, &list, &nr);
	if (!ret) {
		mutex_unlock(&hpool_topology_mutex);
		hpool_destroy_finish(pool, list, nr);
		return;
	}
	/*
	 * Objects out or children left: an ordinary event when a device goes,
	 * not a kernel bug. Under the mutex, the reaper cannot see the pool
	 * before it is drained.
	 */
	hpool_lock(pool, &flags);
	pool->orphan = true;
	nr = pool->nr_in_use;
	hpool_unlock(pool, flags);
	dev_warn(dev, "hpool: %s detached with %u objects in use and %u children; destroyed when they are back\n",
		 pool->name, nr, pool->nr_children);
	hpool_report_in_use(pool, "orphaned, waits for its objects");
	/* Free what is free; stop new acquisitions. */
	hpool_trim(pool, 0);
	hpool_drain(pool, 0);
	list_add_tail(&pool->orphan_node, &hpool_orphans);
	mutex_unlock(&hpool_topology_mutex);
	queue_work(hpool_wq, &hpool_reap_work);
}

static struct hpool *devm_hpool_add(struct device *dev, struct hpool *parent,
				    const struct hpool_params *p)
{
	struct hpool **res, *pool;

	res = devres_alloc(devm_hpool_release, sizeof(*res), GFP_KERNEL);
	if (!res)
		return ERR_PTR(-ENOMEM);
	pool = hpool_create_pool(parent, p);
	if (IS_ERR(pool)) {
		devres_free(res);
		return pool;
	}
	*res = pool;
	mutex_lock(&hpool_topology_mutex);
	pool->dev = dev;
	mutex_unlock(&hpool_topology_mutex);
	devres_add(dev, res);
	return pool;
}

/**
 * devm_hpool_create() - hpool_create() tied to a device's driver
 * @dev: the device; the pool is destroyed when its driver detaches
 * @p: the parameters (see &struct hpool_params)
 *
 * devres releases in reverse order, so children created later with
 * devm_hpool_create_child() go before their parent. A pool that still has
 * objects in use at that point is not freed under them: hpool warns with its
 * name and counts, frees its free objects, drains it, and destroys it (and
 * then its orphaned parent) when the last object comes back.
 *
 * Context: process context, may sleep.
 * Return: the pool, or an ERR_PTR() as hpool_create().
 */
struct hpool *devm_hpool_create(struct device *dev, const struct hpool_params *p)
{
	if (WARN_ON_ONCE(!dev))
		return ERR_PTR(-EINVAL);
	return devm_hpool_add(dev, NULL, p);
}
EXPORT_SYMBOL_GPL(devm_hpool_create);

/**
 * devm_hpool_create_child() - hpool_create_child() tied to a device's driver
 * @dev: the device; the pool is destroyed when its driver detaches
 * @parent: the parent pool
 * @p: the parameters; roots-only fields must be 0
 *
 * See devm_hpool_create().
 *
 * Context: process context, may sleep.
 * Return: the pool, or an ERR_PTR() as hpool_create_child().
 */
struct hpool *devm_hpool_create_child(struct device *dev, struct hpool *parent,
				      const struct hpool_params *p)
{
	if (WARN_ON_ONCE(!dev || !parent))
		return ERR_PTR(-EINVAL);
	return devm_hpool_add(dev, parent, p);
}
EXPORT_SYMBOL_GPL(devm_hpool_create_child);

/**
 * devm_hpool_destroy() - destroy a device-managed pool before its device goes
 * @dev: the device it was created for
 * @pool: the pool, from devm_hpool_create() or devm_hpool_create_child()
 *
 * Like devm_kfree(): the pool is destroyed now and removed from @dev's
 * resources, so the detach does not destroy it again.
 *
 * Context: process context, may sleep.
 * Return: as hpool_destroy(); -EINVAL when @pool is not @dev's.
 */
int devm_hpool_destroy(struct device *dev, struct hpool *pool)
{
	bool mine;

	if (WARN_ON_ONCE(!dev || !pool))
		return -EINVAL;
	mutex_lock(&hpool_topology_mutex);
	mine = pool->dev == dev;
	mutex_unlock(&hpool_topology_mutex);
	if (!mine)
		return -EINVAL;
	return hpool_destroy(pool);
}
EXPORT_SYMBOL_GPL(devm_hpool_destroy);

/**
 * hpool_devres_init() - make the reaper ready, before any pool exists
 */
void hpool_devres_init(void)
{
	INIT_WORK(&hpool_reap_work, hpool_reap_workfn);
}
