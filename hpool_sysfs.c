// SPDX-License-Identifier: GPL-2.0
/*
 * hpool sysfs: /sys/kernel/hpool/<root>/[children/<child>/...]
 *
 * One directory per pool, made of the kobject embedded in struct hpool; its
 * release (hpool_kobj_release(), here) frees the pool, so a registered pool
 * is only ever freed through its last kobject reference. Under each pool
 * directory: the files of Documentation/hpool.rst#hpool-sysfs, a "stats"
 * attribute group (a subdirectory of the same kobject) and a "children"
 * kobject that holds the directories of the child pools.
 *
 * Every store parses its whole input, then calls the setter that holds the
 * rule (hpool_state.c, hpool_rebalance.c), which changes nothing on an
 * error. No store takes hpool_topology_mutex: hpool_destroy() removes the
 * directory (kobject_del() waits for running shows and stores) after it has
 * marked the pool dead, and a store that finds the pool dead returns -ENODEV.
 * Calls the rebalancer, state, per-CPU and tracking layers only.
 *
 * See Documentation/ABI/testing/sysfs-kernel-hpool.
 *
 * Also each root's /sys/kernel/debug/hpool/<root>/objects (the objects in
 * use in its tree, by pool and acquiring stack: hpool.rst#hpool-debugging),
 * made and removed with the root's directory.
 */

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "hpool_rebalance.h"
#include "hpool_state.h"
#include "hpool_sysfs.h"
#include "hpool_track.h"

/* /sys/kernel/hpool */
static struct kobject *hpool_kobj;

/**
 * struct hpool_attribute - a file of a pool directory
 * @attr: the sysfs attribute
 * @show: read it (may be NULL for a write-only file)
 * @store: write it; called with a NUL-free buffer, on a live pool
 * @offset: offset of the field shown: in &struct hpool for HPOOL_FIELD_ATTR
 *	files, in &struct hpool_stats for stats/ counters
 */
struct hpool_attribute {
	struct attribute attr;
	ssize_t (*show)(struct hpool *pool, const struct hpool_attribute *ha,
			char *buf);
	ssize_t (*store)(struct hpool *pool, const char *buf, size_t count);
	size_t offset;
};

#define to_hpool_attr(a) container_of(a, struct hpool_attribute, attr)
#define to_hpool(k) container_of(k, struct hpool, kobj)

#define HPOOL_ATTR_RO(_name)						\
	static struct hpool_attribute hpool_attr_##_name =		\
		__ATTR(_name, 0444, _name##_show, NULL)
#define HPOOL_ATTR_RW(_name)						\
	static struct hpool_attribute hpool_attr_##_name =		\
		__ATTR(_name, 0644, _name##_show, _name##_store)
#define HPOOL_ATTR_WO(_name)						\
	static struct hpool_attribute hpool_attr_##_name =		\
		__ATTR(_name, 0200, NULL, _name##_store)

/* A file showing the unsigned int field of struct hpool of the same name. */
#define HPOOL_FIELD_ATTR(_name, _mode, _store)				\
	static struct hpool_attribute hpool_attr_##_name = {		\
		.attr = { .name = __stringify(_name), .mode = _mode },	\
		.show = hpool_field_show, .store = _store,		\
		.offset = offsetof(struct hpool, _name),		\
	}
#define HPOOL_FIELD_ATTR_RO(_name) HPOOL_FIELD_ATTR(_name, 0444, NULL)
#define HPOOL_FIELD_ATTR_RW(_name) HPOOL_FIELD_ATTR(_name, 0644, _name##_store)

/* Read under the pool's lock, so that a gauge includes every CPU's cache. */
static ssize_t hpool_field_show(struct hpool *pool, const struct hpool_attribute *ha,
				char *buf)
{
	unsigned long flags;
	unsigned int val;

	hpool_lock(pool, &flags);
	val = *(unsigned int *)((char *)pool + ha->offset);
	hpool_unlock(pool, flags);
	return sysfs_emit(buf, "%u\n", val);
}

static ssize_t hpool_attr_show(struct kobject *kobj, struct attribute *attr,
			       char *buf)
{
	const struct hpool_attribute *ha = to_hpool_attr(attr);

	if (!ha->show)
		return -EIO;
	return ha->show(to_hpool(kobj), ha, buf);
}

static ssize_t hpool_attr_store(struct kobject *kobj, struct attribute *attr,
				const char *buf, size_t count)
{
	const struct hpool_attribute *ha = to_hpool_attr(attr);
	struct hpool *pool = to_hpool(kobj);

	if (!ha->store)
		return -EIO;
	/* Binary input: an embedded NUL would hide whatever follows it. */
	if (strnlen(buf, count) != count)
		return -EINVAL;
	/*
	 * Unlocked: a store racing with hpool_destroy() before it marks the
	 * pool dead acts on a pool that still works; kobject_del() then waits
	 * for it to return.
	 */
	if (READ_ONCE(pool->dead))
		return -ENODEV;
	return ha->store(pool, buf, count);
}

static const struct sysfs_ops hpool_sysfs_ops = {
	.show = hpool_attr_show,
	.store = hpool_attr_store,
};

/* A decimal unsigned int: -EINVAL for garbage, -ERANGE for overflow. */
static int hpool_parse_uint(const char *buf, unsigned int *val)
{
	return kstrtouint(buf, 10, val);
}

/* A file that takes a decimal unsigned int and hands it to its setter. */
static ssize_t hpool_store_uint(struct hpool *pool, const char *buf, size_t count,
				int (*set)(struct hpool *pool, unsigned int val))
{
	unsigned int val;
	int ret;

	ret = hpool_parse_uint(buf, &val);
	if (!ret)
		ret = set(pool, val);
	return ret ? ret : count;
}

#define HPOOL_UINT_STORE(_name, _set)					\
	static ssize_t _name##_store(struct hpool *pool, const char *buf,	\
				     size_t count)				\
	{								\
		return hpool_store_uint(pool, buf, count, _set);	\
	}

/* ---- configuration ---- */

static ssize_t state_show(struct hpool *pool, const struct hpool_attribute *ha,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", hpool_state_names[READ_ONCE(pool->state)]);
}

static ssize_t state_store(struct hpool *pool, const char *buf, size_t count)
{
	int ret;

	if (sysfs_streq(buf, "drain")) {
		/* Returns at once: -ETIMEDOUT only says it is still draining. */
		ret = hpool_drain(pool, 0);
		if (ret == -ETIMEDOUT)
			ret = 0;
	} else if (sysfs_streq(buf, "activate")) {
		ret = hpool_activate(pool);
	} else {
		ret = -EINVAL;
	}
	return ret ? ret : count;
}
HPOOL_ATTR_RW(state);

HPOOL_UINT_STORE(capacity, hpool_set_capacity)
HPOOL_FIELD_ATTR_RW(capacity);

HPOOL_UINT_STORE(borrow_limit, hpool_set_borrow_limit)
HPOOL_FIELD_ATTR_RW(borrow_limit);

HPOOL_UINT_STORE(reserve, hpool_set_reserve)
HPOOL_FIELD_ATTR_RW(reserve);

/* Indexed by prio - HPOOL_PRIO_LOW. */
static const char *const hpool_prio_names[] = {
	"low", "normal", "high", "critical",
};

static ssize_t priority_show(struct hpool *pool, const struct hpool_attribute *ha,
			     char *buf)
{
	int prio = READ_ONCE(pool->prio);

	if (WARN_ON_ONCE(prio < HPOOL_PRIO_LOW || prio > HPOOL_PRIO_CRITICAL))
		return -EIO;
	return sysfs_emit(buf, "%s\n", hpool_prio_names[prio - HPOOL_PRIO_LOW]);
}

static ssize_t priority_store(struct hpool *pool, const char *buf, size_t count)
{
	int i, ret;

	BUILD_BUG_ON(ARRAY_SIZE(hpool_prio_names) !=
		     HPOOL_PRIO_CRITICAL - HPOOL_PRIO_LOW + 1);
	i = sysfs_match_string(hpool_prio_names, buf);
	if (i < 0)
		return -EINVAL;
	ret = hpool_set_prio(pool, i + HPOOL_PRIO_LOW);
	return ret ? ret : count;
}
HPOOL_ATTR_RW(priority);

static ssize_t auto_grow_show(struct hpool *pool,
			      const struct hpool_attribute *ha, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  !!(READ_ONCE(pool->flags) & HPOOL_F_AUTO_GROW));
}

static ssize_t auto_grow_store(struct hpool *pool, const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = hpool_parse_uint(buf, &val);
	if (ret)
		return ret;
	if (val > 1)
		return -EINVAL;
	ret = hpool_set_auto_grow(pool, val);
	return ret ? ret : count;
}
HPOOL_ATTR_RW(auto_grow);

static ssize_t obj_size_show(struct hpool *pool, const struct hpool_attribute *ha,
			     char *buf)
{
	return sysfs_emit(buf, "%zu\n", pool->tree->obj_size);
}
HPOOL_ATTR_RO(obj_size);

static ssize_t depth_show(struct hpool *pool, const struct hpool_attribute *ha,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", pool->depth);
}
HPOOL_ATTR_RO(depth);

static ssize_t id_show(struct hpool *pool, const struct hpool_attribute *ha,
		       char *buf)
{
	return sysfs_emit(buf, "%llu\n", pool->seq);
}
HPOOL_ATTR_RO(id);

/* ---- gauges ---- */

static ssize_t nr_objects_show(struct hpool *pool,
			       const struct hpool_attribute *ha, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pool->nr_objects));
}
HPOOL_ATTR_RO(nr_objects);

HPOOL_FIELD_ATTR_RO(nr_free);
HPOOL_FIELD_ATTR_RO(nr_in_use);
HPOOL_FIELD_ATTR_RO(nr_borrowed);

static unsigned int hpool_read_util(struct hpool *pool)
{
	unsigned long flags;
	unsigned int util;

	hpool_lock(pool, &flags);
	util = hpool_util(pool->nr_in_use, pool->capacity);
	hpool_unlock(pool, flags);
	return util;
}

static ssize_t utilization_show(struct hpool *pool,
				const struct hpool_attribute *ha, char *buf)
{
	return sysfs_emit(buf, "%u\n", hpool_read_util(pool));
}
HPOOL_ATTR_RO(utilization);

static ssize_t health_show(struct hpool *pool, const struct hpool_attribute *ha,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  hpool_health_names[hpool_health_of(hpool_read_util(pool))]);
}
HPOOL_ATTR_RO(health);

static ssize_t nr_children_hidden_show(struct hpool *pool,
				       const struct hpool_attribute *ha,
				       char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pool->nr_children_hidden));
}
HPOOL_ATTR_RO(nr_children_hidden);

static struct attribute *hpool_attrs[] = {
	&hpool_attr_state.attr,
	&hpool_attr_capacity.attr,
	&hpool_attr_borrow_limit.attr,
	&hpool_attr_reserve.attr,
	&hpool_attr_priority.attr,
	&hpool_attr_auto_grow.attr,
	&hpool_attr_obj_size.attr,
	&hpool_attr_depth.attr,
	&hpool_attr_id.attr,
	&hpool_attr_nr_objects.attr,
	&hpool_attr_nr_free.attr,
	&hpool_attr_nr_in_use.attr,
	&hpool_attr_nr_borrowed.attr,
	&hpool_attr_utilization.attr,
	&hpool_attr_health.attr,
	&hpool_attr_nr_children_hidden.attr,
	NULL,
};

static const struct attribute_group hpool_group = {
	.attrs = hpool_attrs,
};

/* ---- roots only: the rebalancer ---- */

static ssize_t rebalance_interval_ms_show(struct hpool *pool,
					  const struct hpool_attribute *ha,
					  char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(pool->tree->rebalance_interval_ms));
}

HPOOL_UINT_STORE(rebalance_interval_ms, hpool_set_rebalance_interval)
HPOOL_ATTR_RW(rebalance_interval_ms);

static ssize_t rebalance_threshold_show(struct hpool *pool,
					const struct hpool_attribute *ha,
					char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pool->tree->rebalance_threshold));
}

HPOOL_UINT_STORE(rebalance_threshold, hpool_set_rebalance_threshold)
HPOOL_ATTR_RW(rebalance_threshold);

static ssize_t rebalance_store(struct hpool *pool, const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = hpool_parse_uint(buf, &val);
	if (ret)
		return ret;
	if (val != 1)
		return -EINVAL;
	ret = hpool_rebalance_kick(pool);
	return ret ? ret : count;
}
HPOOL_ATTR_WO(rebalance);

static struct attribute *hpool_root_attrs[] = {
	&hpool_attr_rebalance_interval_ms.attr,
	&hpool_attr_rebalance_threshold.attr,
	&hpool_attr_rebalance.attr,
	NULL,
};

static umode_t hpool_root_is_visible(struct kobject *kobj,
				     struct attribute *attr, int n)
{
	return hpool_is_root(to_hpool(kobj)) ? attr->mode : 0;
}

static const struct attribute_group hpool_root_group = {
	.attrs = hpool_root_attrs,
	.is_visible = hpool_root_is_visible,
};

/* ---- stats/ ---- */

static ssize_t hpool_counter_show(struct hpool *pool,
				  const struct hpool_attribute *ha, char *buf)
{
	struct hpool_stats st;

	hpool_read_stats(pool, &st);
	return sysfs_emit(buf, "%lu\n",
			  *(unsigned long *)((char *)&st + ha->offset));
}

#define HPOOL_COUNTER_ATTR(_name)					\
	{								\
		.attr = { .name = __stringify(_name), .mode = 0444 },	\
		.show = hpool_counter_show,				\
		.offset = offsetof(struct hpool_stats, _name),		\
	},

/* One file per counter of HPOOL_COUNTERS(), in its order. */
static struct hpool_attribute hpool_counter_attrs[] = {
	HPOOL_COUNTERS(HPOOL_COUNTER_ATTR)
};

HPOOL_FIELD_ATTR_RO(peak_in_use);

/* The counters, then peak_in_use: filled in by hpool_sysfs_init(). */
static struct attribute *hpool_stats_attrs[ARRAY_SIZE(hpool_counter_attrs) + 2];

/* A named group: the stats/ subdirectory, made and removed with the pool's. */
static const struct attribute_group hpool_stats_group = {
	.name = "stats",
	.attrs = hpool_stats_attrs,
};

static const struct attribute_group *hpool_groups[] = {
	&hpool_group,
	&hpool_root_group,
	&hpool_stats_group,
	NULL,
};

/* The release of a pool's kobject frees the pool. */
static void hpool_kobj_release(struct kobject *kobj)
{
	hpool_free_pool(to_hpool(kobj));
}

static const struct kobj_type hpool_ktype = {
	.release = hpool_kobj_release,
	.sysfs_ops = &hpool_sysfs_ops,
	.default_groups = hpool_groups,
};

/* ---- /sys/kernel/debug/hpool/<root>/objects ---- */

/* Objects @pool handed out to its callers: not those lent to its children. */
static unsigned int hpool_callers_in_use(struct hpool *pool)
{
	unsigned int in_use, lent = 0;
	struct hpool *child;
	unsigned long flags;

	hpool_lock(pool, &flags);
	in_use = pool->nr_in_use;
	hpool_unlock(pool, flags);
	hpool_for_each_child(child, pool) {
		hpool_lock(child, &flags);
		lent += child->nr_borrowed;
		hpool_unlock(child, flags);
	}
	/* Each pool read at its own moment: a snapshot may be off by a race. */
	return in_use > lent ? in_use - lent : 0;
}

/* @pool's line and groups, then its subtree's; under T. */
static void hpool_objects_show_pool(struct seq_file *m, struct hpool *pool,
				    const struct hpool_track_groups *gs,
				    char *path, size_t len)
{
	unsigned long tracked = 0;
	struct hpool *child;
	unsigned int i, out;

	snprintf(path + len, HPOOL_MAX_DEPTH * HPOOL_NAME_MAX - len, "%s%s",
		 len ? "/" : "", pool->name);
	len = strlen(path);
	out = hpool_callers_in_use(pool);
	for (i = 0; i < gs->nr; i++)
		if (gs->g[i].pool == pool)
			tracked += gs->g[i].nr;
	if (out || tracked) {
		seq_printf(m, "%s id=%llu: %u in use, %lu tracked, %lu untracked\n",
			   path, pool->seq, out, tracked,
			   out > tracked ? out - tracked : 0);
		for (i = 0; i < gs->nr; i++) {
			if (gs->g[i].pool != pool)
				continue;
			seq_printf(m, "%8u objects, oldest acquired %u ms ago, at:\n",
				   gs->g[i].nr,
				   jiffies_to_msecs(jiffies - gs->g[i].oldest));
			hpool_track_seq_group(m, &gs->g[i]);
		}
	}
	hpool_for_each_child(child, pool)
		hpool_objects_show_pool(m, child, gs, path, len);
}

static int hpool_objects_show(struct seq_file *m, void *v)
{
	struct hpool *root = m->private;
	struct hpool_track_groups gs;
	char *path;
	int ret;

	path = kzalloc(HPOOL_MAX_DEPTH * HPOOL_NAME_MAX, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	/* No pool with objects out can be destroyed meanwhile: the groups stay valid. */
	mutex_lock(&hpool_topology_mutex);
	ret = hpool_track_collect(root->tree, NULL, &gs);
	if (!ret) {
		seq_printf(m, "# tracking %s (/sys/module/hpool/parameters/track)\n",
			   gs.on ? "on" : "off");
		if (gs.nr_lumped)
			seq_printf(m, "# %lu tracked objects in more groups than shown\n",
				   gs.nr_lumped);
		hpool_objects_show_pool(m, root, &gs, path, 0);
	}
	mutex_unlock(&hpool_topology_mutex);
	hpool_track_groups_free(&gs);
	kfree(path);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(hpool_objects);

/* /sys/kernel/debug/hpool/<root>/objects; errors only lose the file. */
static void hpool_debugfs_add(struct hpool *root)
{
	struct dentry *dir = debugfs_create_dir(root->name, hpool_debugfs_dir);

	debugfs_create_file("objects", 0400, dir, root, &hpool_objects_fops);
	root->tree->debugfs = dir;
}

/* ---- directories ---- */

/**
 * hpool_sysfs_add() - make a pool's sysfs directory
 * @pool: a new pool, not yet linked into its parent's children
 *
 * Context: process context, under hpool_topology_mutex.
 * Return: 0, or an error with @pool->kobj initialised (the caller drops it
 * with kobject_put(), which frees the pool).
 */
int hpool_sysfs_add(struct hpool *pool)
{
	struct kobject *parent;
	int ret;

	lockdep_assert_held(&hpool_topology_mutex);
	parent = pool->parent ? pool->parent->children_kobj : hpool_kobj;
	/* Not zeroed with the pool (HPOOL_INIT_ZEROED): a kobject must be. */
	memset(&pool->kobj, 0, sizeof(pool->kobj));
	ret = kobject_init_and_add(&pool->kobj, &hpool_ktype, parent, "%s",
				   pool->name);
	if (ret)
		return ret;

	pool->children_kobj = kobject_create_and_add("children", &pool->kobj);
	if (!pool->children_kobj) {
		ret = -ENOMEM;
		goto out_del;
	}
	pool->state_kn = sysfs_get_dirent(pool->kobj.sd, "state");
	pool->health_kn = sysfs_get_dirent(pool->kobj.sd, "health");
	if (!pool->state_kn || !pool->health_kn) {
		ret = -ENOENT;
		goto out_put_kn;
	}
	if (hpool_is_root(pool))
		hpool_debugfs_add(pool);
	return 0;

out_put_kn:
	sysfs_put(pool->state_kn);
	sysfs_put(pool->health_kn);
	pool->state_kn = NULL;
	pool->health_kn = NULL;
	kobject_del(pool->children_kobj);
	kobject_put(pool->children_kobj);
	pool->children_kobj = NULL;
out_del:
	kobject_del(&pool->kobj);
	return ret;
}

/**
 * hpool_sysfs_del() - remove a pool's sysfs directory
 * @pool: a pool being destroyed (dead, without children)
 *
 * Waits for running shows and stores of its files. The caller drops the last
 * reference of @pool->kobj afterwards.
 *
 * Context: process context, no hpool lock held.
 */
void hpool_sysfs_del(struct hpool *pool)
{
	struct kernfs_node *state_kn, *health_kn;
	unsigned long flags;

	/* Waits for a read of objects, which takes the topology mutex: not held. */
	if (hpool_is_root(pool)) {
		debugfs_remove(pool->tree->debugfs);
		pool->tree->debugfs = NULL;
	}
	hpool_lock(pool, &flags);
	state_kn = pool->state_kn;
	health_kn = pool->health_kn;
	pool->state_kn = NULL;
	WRITE_ONCE(pool->health_kn, NULL);
	hpool_unlock(pool, flags);
	hpool_notify_cancel(pool);
	sysfs_put(state_kn);
	sysfs_put(health_kn);

	kobject_del(pool->children_kobj);
	kobject_put(pool->children_kobj);
	pool->children_kobj = NULL;
	kobject_del(&pool->kobj);
}

/**
 * hpool_sysfs_init() - make /sys/kernel/hpool
 *
 * Return: 0 or -ENOMEM.
 */
int hpool_sysfs_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(hpool_counter_attrs); i++)
		hpool_stats_attrs[i] = &hpool_counter_attrs[i].attr;
	hpool_stats_attrs[i] = &hpool_attr_peak_in_use.attr;
	hpool_kobj = kobject_create_and_add("hpool", kernel_kobj);
	return hpool_kobj ? 0 : -ENOMEM;
}

/**
 * hpool_sysfs_exit() - remove /sys/kernel/hpool (every pool is gone)
 */
void hpool_sysfs_exit(void)
{
	/* Gone from sysfs now, even if the release is delayed. */
	kobject_del(hpool_kobj);
	kobject_put(hpool_kobj);
	hpool_kobj = NULL;
}

/**
 * hpool_put_pool() - drop the creator's reference of a pool
 * @pool: a pool that nothing can reach any more (unlinked, its directory
 *	removed), or a new one whose creation failed
 *
 * The pool is freed now, or by the release of its kobject.
 */
void hpool_put_pool(struct hpool *pool)
{
	if (pool->in_sysfs)
		kobject_put(&pool->kobj);
	else
		hpool_free_pool(pool);
}
