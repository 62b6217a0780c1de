// SPDX-License-Identifier: GPL-2.0
/*
 * hpool moving stock: free objects between a pool and its children
 * (Documentation/hpool.rst#hpool-moving-stock and hpool-stealing).
 *
 * An object is taken off one free list, its charge moved, and put on the
 * other: only free objects move, and the charge of every pool stays equal to
 * what its subtree holds. Locking: the legend in hpool_internal.h (a walk
 * holds C, then takes L of one pool at a time). Calls the state, per-CPU and
 * object layers only.
 */

#include "hpool_move.h"
#include "hpool_obj.h"
#include "hpool_state.h"
#include "hpool_trace.h"

/**
 * hpool_take_free() - take up to @nr free objects above a pool's reserve
 * @pool: the pool
 * @nr: most objects to take
 * @list: the objects, linked through ->next
 *
 * Fails on a dead pool. The caller counts and moves what it took.
 *
 * Return: how many objects were taken.
 */
static unsigned int hpool_take_free(struct hpool *pool, unsigned int nr,
				    struct hpool_obj **list)
{
	struct hpool_obj *hdr;
	unsigned int taken = 0;
	unsigned long flags;

	*list = NULL;
	hpool_lock(pool, &flags);
	while (!pool->dead && taken < nr && pool->nr_free > pool->reserve) {
		hdr = __hpool_pop_locked(pool);
		hdr->next = *list;
		*list = hdr;
		taken++;
	}
	hpool_unlock(pool, flags);
	return taken;
}

/**
 * hpool_give_free() - put free objects on a pool's free list
 * @pool: the new home; the objects are charged to it already
 * @list: objects linked through ->next
 * @counter: the counter of @pool to raise by their number, or NULL
 *
 * Return: false (nothing done) when @pool is dead.
 */
static bool hpool_give_free(struct hpool *pool, struct hpool_obj *list,
			    unsigned long *counter)
{
	unsigned long flags;

	hpool_lock(pool, &flags);
	if (pool->dead) {
		hpool_unlock(pool, flags);
		return false;
	}
	while (list) {
		struct hpool_obj *next = list->next;

		__hpool_push_locked(pool, list);
		if (counter)
			(*counter)++;
		list = next;
	}
	hpool_unlock(pool, flags);
	return true;
}

/**
 * hpool_move_one() - move one free object from a pool to a sibling or child
 * @from: the pool that gives (above its reserve)
 * @to: the pool that takes, within its capacity
 * @parent: their common ancestor that both stay charged under: @from's parent
 *	when @to is a sibling, @from itself when @to is its child
 * @out: counter of @from to raise, or NULL
 * @in: counter of @to to raise
 * @reserve: respect @from's reserve (false for a parent's own stock)
 *
 * Return: 1 when moved, 0 when @from had nothing to give, -ENOSPC when @to
 * is full or dead (nothing moved).
 */
int hpool_move_one(struct hpool *from, struct hpool *to, struct hpool *parent,
		   unsigned long *out, unsigned long *in, bool reserve)
{
	struct hpool_obj *hdr;
	unsigned long flags;
	bool grew;

	if (!hpool_charge(to, parent, false, &grew))
		return -ENOSPC;

	hpool_lock(from, &flags);
	hdr = NULL;
	if (!from->dead && (!reserve || from->nr_free > from->reserve))
		hdr = __hpool_pop_locked(from);
	if (hdr && out)
		(*out)++;
	hpool_unlock(from, flags);
	if (!hdr) {
		hpool_uncharge(to, parent, 1);
		return 0;
	}

	hdr->next = NULL;
	if (hpool_give_free(to, hdr, in)) {
		if (from != parent)
			hpool_uncharge(from, parent, 1);
		return 1;
	}
	/* @to is being destroyed: put the object back where it was. */
	hpool_uncharge(to, parent, 1);
	hpool_lock(from, &flags);
	__hpool_push_locked(from, hdr);
	if (out)
		(*out)--;
	hpool_unlock(from, flags);
	return -ENOSPC;
}

/**
 * hpool_snap() - what a steal or a rebalance needs to know of a pool
 * @pool: the pool
 * @s: filled under @pool's lock
 */
void hpool_snap(struct hpool *pool, struct hpool_snap *s)
{
	unsigned long flags;

	hpool_lock(pool, &flags);
	s->prio = pool->prio;
	s->nr_free = pool->nr_free;
	s->reserve = pool->reserve;
	s->util = hpool_util(pool->nr_in_use, pool->capacity);
	s->usable = !pool->dead && pool->state != HPOOL_DRAINING &&
		    pool->state != HPOOL_STOPPED;
	hpool_unlock(pool, flags);
}

/* Lowest priority first, then most free objects, then creation order. */
static struct hpool *hpool_pick_victim(struct hpool *pool, int prio)
{
	struct hpool *child, *best = NULL;
	struct hpool_snap s, b = {};

	hpool_for_each_child(child, pool) {
		hpool_snap(child, &s);
		if (s.prio >= prio || s.nr_free <= s.reserve)
			continue;
		if (!best || s.prio < b.prio ||
		    (s.prio == b.prio && s.nr_free > b.nr_free)) {
			best = child;
			b = s;
		}
	}
	return best;
}

/**
 * hpool_steal() - take a free object from a child of lower priority
 * @pool: the thief; the object's home becomes @pool
 * @prio: the priority of the request
 * @hdrp: the stolen object, counted in @pool's nr_in_use
 *
 * Context: any context.
 * Return: true when an object was stolen.
 */
bool hpool_steal(struct hpool *pool, enum hpool_prio prio, struct hpool_obj **hdrp)
{
	struct hpool_obj *hdr = NULL;
	unsigned long flags, cflags;
	struct hpool *victim;
	int tries;

	read_lock_irqsave(&pool->children_lock, cflags);
	/* A victim may lose its surplus under us: try again, a bounded number of times. */
	for (tries = 0; !hdr && tries < 4; tries++) {
		victim = hpool_pick_victim(pool, prio);
		if (!victim)
			break;
		hpool_lock(victim, &flags);
		if (!victim->dead && victim->nr_free > victim->reserve &&
		    victim->prio < prio) {
			hdr = __hpool_pop_locked(victim);
			victim->c.stolen++;
		}
		hpool_unlock(victim, flags);
		if (hdr) {
			hpool_uncharge(victim, pool, 1);
			trace_hpool_steal(pool, victim);
		}
	}
	read_unlock_irqrestore(&pool->children_lock, cflags);
	if (!hdr)
		return false;

	hpool_lock(pool, &flags);
	hdr->home = pool;
	pool->c.steals++;
	__hpool_in_use_inc_locked(pool);
	hpool_unlock(pool, flags);
	*hdrp = hdr;
	return true;
}

/**
 * hpool_distribute() - hand free objects of a pool down to its children
 * @pool: the parent
 * @nr: most objects to move
 *
 * Round-robin over the children in creation order, starting from the first
 * child at every call, one object per child per round, skipping children at
 * or over capacity. The objects' home becomes the child (distributed_in).
 *
 * Context: any context.
 * Return: how many objects moved.
 */
unsigned int hpool_distribute(struct hpool *pool, unsigned int nr)
{
	unsigned int moved = 0;
	struct hpool *child;
	bool progress = true;
	unsigned long cflags;
	int ret;

	if (WARN_ON_ONCE(!pool))
		return 0;
	read_lock_irqsave(&pool->children_lock, cflags);
	while (moved < nr && progress) {
		progress = false;
		hpool_for_each_child(child, pool) {
			if (moved == nr)
				break;
			ret = hpool_move_one(pool, child, pool, NULL,
					     &child->c.distributed_in, false);
			if (!ret)
				goto out;	/* @pool has no free object left */
			if (ret > 0) {
				moved++;
				progress = true;
			}
		}
	}
out:
	read_unlock_irqrestore(&pool->children_lock, cflags);
	trace_hpool_distribute(pool, moved);
	return moved;
}
EXPORT_SYMBOL_GPL(hpool_distribute);

/**
 * hpool_reclaim() - take the children's free objects back up
 * @pool: the parent
 *
 * Every free object of every child of @pool beyond the child's reserve goes
 * to @pool's free list (reclaimed_out on the child).
 *
 * Context: any context.
 * Return: how many objects moved.
 */
unsigned int hpool_reclaim(struct hpool *pool)
{
	struct hpool_obj *list;
	unsigned int moved = 0, nr;
	unsigned long flags, cflags;
	struct hpool *child;

	if (WARN_ON_ONCE(!pool))
		return 0;
	read_lock_irqsave(&pool->children_lock, cflags);
	hpool_for_each_child(child, pool) {
		nr = hpool_take_free(child, UINT_MAX, &list);
		if (!nr)
			continue;
		hpool_lock(child, &flags);
		child->c.reclaimed_out += nr;
		hpool_unlock(child, flags);
		hpool_uncharge(child, pool, nr);
		/* @pool cannot be dead while it has children. */
		hpool_lock(pool, &flags);
		while (list) {
			struct hpool_obj *next = list->next;

			__hpool_push_locked(pool, list);
			list = next;
		}
		hpool_unlock(pool, flags);
		moved += nr;
	}
	read_unlock_irqrestore(&pool->children_lock, cflags);
	trace_hpool_reclaim(pool, moved);
	return moved;
}
EXPORT_SYMBOL_GPL(hpool_reclaim);
