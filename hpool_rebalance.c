// SPDX-License-Identifier: GPL-2.0
/*
 * hpool rebalancer (Documentation/hpool.rst#hpool-rebalance): a tree's
 * periodic (or kicked) pass that moves free objects from cool siblings to hot
 * ones, and its tunables.
 *
 * A pass runs on hpool_wq under T, so the tree cannot change shape under
 * it, and moves objects with hpool_move_one() (locking: the legend in
 * hpool_internal.h). The work is queued only under the root's lock, on a
 * root that is not dead; the root's destroy marks it dead under that lock
 * and then cancels the work synchronously. Calls the moving-stock, state
 * and per-CPU layers only.
 */

#include <linux/jiffies.h>
#include <linux/module.h>

#include "hpool_move.h"
#include "hpool_obj.h"
#include "hpool_rebalance.h"
#include "hpool_state.h"
#include "hpool_trace.h"

/* Coolest usable sibling with free objects above its reserve. */
static struct hpool *hpool_pick_donor(struct hpool *parent, unsigned int threshold)
{
	struct hpool *child, *best = NULL;
	struct hpool_snap s, b = {};

	hpool_for_each_child(child, parent) {
		hpool_snap(child, &s);
		if (!s.usable || s.util >= threshold || s.nr_free <= s.reserve)
			continue;
		if (!best || s.util < b.util ||
		    (s.util == b.util && s.nr_free > b.nr_free)) {
			best = child;
			b = s;
		}
	}
	return best;
}

/* Hottest usable child above @threshold not served yet (ties: creation order). */
static struct hpool *hpool_pick_hot(struct hpool *parent, unsigned int threshold)
{
	struct hpool *child, *best = NULL;
	struct hpool_snap s, b = {};

	hpool_for_each_child(child, parent) {
		if (child->rb_served)
			continue;
		hpool_snap(child, &s);
		if (!s.usable || s.util <= threshold)
			continue;
		if (!best || s.util > b.util) {
			best = child;
			b = s;
		}
	}
	return best;
}

/* Returns how many objects moved. */
static unsigned int hpool_rebalance_siblings(struct hpool *parent,
					     unsigned int threshold)
{
	unsigned int misses, taken, moved = 0;
	struct hpool *hot, *donor;
	int ret;

	lockdep_assert_held(&hpool_topology_mutex);
	/* Every sibling may be served once a pass, however many there are. */
	hpool_for_each_child(hot, parent)
		hot->rb_served = false;
	for (;;) {
		hot = hpool_pick_hot(parent, threshold);
		if (!hot)
			return moved;
		hot->rb_served = true;
		/*
		 * misses: a donor that acquirers emptied under us; bounded.
		 * taken: at most @hot's capacity in one turn. What leaves @hot
		 * meanwhile (a steal uncharges it) would otherwise make room
		 * again and again: the pass, with the topology mutex held,
		 * would last as long as the traffic does.
		 */
		taken = 0;
		for (misses = 0; misses < 16 && taken < READ_ONCE(hot->capacity);) {
			donor = hpool_pick_donor(parent, threshold);
			if (!donor)
				return moved;	/* no cool sibling has anything to give */
			ret = hpool_move_one(donor, hot, parent,
					     &donor->c.rebalanced_out,
					     &hot->c.rebalanced_in, true);
			if (ret < 0)
				break;	/* @hot is full: next hot child */
			if (!ret)
				misses++;
			moved += ret;
			taken += ret;
			if (ret)
				hpool_hook(HPOOL_HOOK_REBALANCE, hot);
		}
	}
	return moved;
}

/* Returns how many objects moved in @pool's subtree. */
static unsigned int hpool_rebalance_subtree(struct hpool *pool,
					    unsigned int threshold)
{
	unsigned int moved = 0;
	struct hpool *child;

	lockdep_assert_held(&hpool_topology_mutex);
	if (pool->nr_children >= 2)
		moved += hpool_rebalance_siblings(pool, threshold);
	hpool_for_each_child(child, pool)
		moved += hpool_rebalance_subtree(child, threshold);
	return moved;
}

/* One pass over the tree; false when the root is being destroyed. */
static bool hpool_rebalance_pass(struct hpool *root)
{
	unsigned int moved;
	bool alive;

	mutex_lock(&hpool_topology_mutex);
	alive = !READ_ONCE(root->dead);
	if (alive) {
		moved = hpool_rebalance_subtree(root,
						READ_ONCE(root->tree->rebalance_threshold));
		trace_hpool_rebalance(root, moved);
	}
	mutex_unlock(&hpool_topology_mutex);
	return alive;
}

/**
 * hpool_rebalance() - run one rebalancing pass over a tree now
 * @root: the tree's root
 *
 * Visits every pool with two or more children, parents before children,
 * children in creation order, and moves free objects from cool siblings to
 * hot ones (Documentation/hpool.rst#hpool-rebalance).
 *
 * Context: process context; sleeps on hpool's topology mutex.
 */
void hpool_rebalance(struct hpool *root)
{
	if (WARN_ON_ONCE(!root || !hpool_is_root(root)))
		return;
	hpool_rebalance_pass(root);
}
EXPORT_SYMBOL_GPL(hpool_rebalance);

/**
 * hpool_rebalance_arm() - (re)start or stop a tree's periodic rebalancer
 * @tree: the tree, after its rebalance_interval_ms changed
 */
void hpool_rebalance_arm(struct hpool_tree *tree)
{
	unsigned int ms = READ_ONCE(tree->rebalance_interval_ms);

	if (ms)
		mod_delayed_work(hpool_wq, &tree->rebalance_work, msecs_to_jiffies(ms));
	else
		cancel_delayed_work(&tree->rebalance_work);
}

enum hpool_rb_op { HPOOL_RB_INTERVAL, HPOOL_RB_THRESHOLD, HPOOL_RB_KICK };

/*
 * The one body of the rebalancer's setters and of the kick, under the
 * root's lock, which its destroy sets @dead under before it cancels the
 * work: nothing is ever left queued on a freed tree. -EINVAL for NULL or a
 * pool that is not a root, -ENODEV for a dead root.
 */
static int hpool_rebalance_set(struct hpool *root, enum hpool_rb_op op,
			       unsigned int val)
{
	struct hpool_tree *tree;
	unsigned long flags;
	int ret;

	if (WARN_ON_ONCE(!root))
		return -EINVAL;
	ret = hpool_rule_root_only(hpool_is_root(root));
	if (!ret && op == HPOOL_RB_THRESHOLD)
		ret = hpool_rule_threshold(val);
	if (ret)
		return ret;
	tree = root->tree;
	hpool_lock(root, &flags);
	if (root->dead) {
		ret = -ENODEV;
	} else if (op == HPOOL_RB_INTERVAL) {
		WRITE_ONCE(tree->rebalance_interval_ms, val);
		hpool_rebalance_arm(tree);
	} else if (op == HPOOL_RB_THRESHOLD) {
		WRITE_ONCE(tree->rebalance_threshold, val);
	} else {
		mod_delayed_work(hpool_wq, &tree->rebalance_work, 0);
	}
	hpool_unlock(root, flags);
	return ret;
}

/**
 * hpool_set_rebalance_interval() - change a tree's rebalance period
 * @root: the tree's root
 * @ms: the new period in milliseconds; 0 stops the rebalancer
 *
 * Re-arms the work item so that the new period counts from now. See
 * :ref:`hpool-setters`.
 *
 * Context: any context.
 * Return: 0; -EINVAL for a pool that is not a root, or NULL; -ENODEV when
 * the root is being destroyed.
 */
int hpool_set_rebalance_interval(struct hpool *root, unsigned int ms)
{
	return hpool_rebalance_set(root, HPOOL_RB_INTERVAL, ms);
}
EXPORT_SYMBOL_GPL(hpool_set_rebalance_interval);

/**
 * hpool_set_rebalance_threshold() - change what the rebalancer calls hot
 * @root: the tree's root
 * @pct: the utilisation, in percent, above which a pool is hot and below
 *	which it may give
 *
 * See :ref:`hpool-setters`.
 *
 * Context: any context.
 * Return: 0; -EINVAL above 100, for a pool that is not a root, or NULL;
 * -ENODEV when the root is being destroyed.
 */
int hpool_set_rebalance_threshold(struct hpool *root, unsigned int pct)
{
	return hpool_rebalance_set(root, HPOOL_RB_THRESHOLD, pct);
}
EXPORT_SYMBOL_GPL(hpool_set_rebalance_threshold);

/**
 * hpool_rebalance_kick() - queue one rebalancing pass at once
 * @root: the tree's root
 *
 * The periodic pass, if any, is re-armed by the pass. hpool_rebalance() runs
 * one and waits for it; this one returns at once (sysfs "rebalance").
 *
 * Context: any context.
 * Return: 0; -EINVAL for a pool that is not a root, or NULL; -ENODEV when
 * the root is being destroyed.
 */
int hpool_rebalance_kick(struct hpool *root)
{
	return hpool_rebalance_set(root, HPOOL_RB_KICK, 0);
}

/**
 * hpool_rebalance_armed() - whether a tree's rebalancer is queued
 * @root: the tree's root
 *
 * Return: true while a pass is pending.
 */
bool hpool_rebalance_armed(struct hpool *root)
{
	return delayed_work_pending(&root->tree->rebalance_work);
}
EXPORT_SYMBOL_IF_KUNIT(hpool_rebalance_armed);

/**
 * hpool_rebalance_workfn() - the periodic (or sysfs-triggered) pass
 * @work: &hpool_tree.rebalance_work
 */
void hpool_rebalance_workfn(struct work_struct *work)
{
	struct hpool_tree *tree = container_of(to_delayed_work(work),
					       struct hpool_tree, rebalance_work);
	unsigned int ms;

	if (!hpool_rebalance_pass(tree->root))
		return;
	/* hpool_destroy() cancels us synchronously: a requeue now is undone there. */
	ms = READ_ONCE(tree->rebalance_interval_ms);
	if (ms)
		queue_delayed_work(hpool_wq, &tree->rebalance_work, msecs_to_jiffies(ms));
}
