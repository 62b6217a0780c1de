/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool tracepoints: failed acquisitions, borrows, steals, moves of stock,
 * rebalancing passes and state changes, under events/hpool/ in tracefs.
 *
 * Every event carries the pool's id (its sysfs file "id"), unique among all
 * pools for as long as hpool is loaded. Pool names are copied into the
 * events of the slow paths (HPOOL_NAME_MAX bytes each), so a trace stays
 * readable after its pools, or the module, are gone; the per-object events
 * hpool_acquire and hpool_release carry the id alone.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hpool

#if !defined(_HPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _HPOOL_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "hpool_internal.h"

TRACE_DEFINE_ENUM(HPOOL_STARTING);
TRACE_DEFINE_ENUM(HPOOL_WARMING);
TRACE_DEFINE_ENUM(HPOOL_ACTIVE);
TRACE_DEFINE_ENUM(HPOOL_DRAINING);
TRACE_DEFINE_ENUM(HPOOL_STOPPED);

#define hpool_show_state(s)					\
	__print_symbolic(s,					\
			 { HPOOL_STARTING, "starting" },	\
			 { HPOOL_WARMING, "warming" },		\
			 { HPOOL_ACTIVE, "active" },		\
			 { HPOOL_DRAINING, "draining" },	\
			 { HPOOL_STOPPED, "stopped" })

TRACE_DEFINE_ENUM(HPOOL_FAIL_LIMIT);
TRACE_DEFINE_ENUM(HPOOL_FAIL_NOMEM);
TRACE_DEFINE_ENUM(HPOOL_FAIL_STATE);

#define hpool_show_fail(r)					\
	__print_symbolic(r,					\
			 { HPOOL_FAIL_LIMIT, "limit" },		\
			 { HPOOL_FAIL_NOMEM, "nomem" },		\
			 { HPOOL_FAIL_STATE, "state" })

TRACE_DEFINE_ENUM(HPOOL_STEP_CACHE);
TRACE_DEFINE_ENUM(HPOOL_STEP_FREE_LIST);
TRACE_DEFINE_ENUM(HPOOL_STEP_BORROW);
TRACE_DEFINE_ENUM(HPOOL_STEP_SLAB);
TRACE_DEFINE_ENUM(HPOOL_STEP_STEAL);

#define hpool_show_step(s)					\
	__print_symbolic(s,					\
			 { HPOOL_STEP_CACHE, "cache" },		\
			 { HPOOL_STEP_FREE_LIST, "free_list" },	\
			 { HPOOL_STEP_BORROW, "borrow" },	\
			 { HPOOL_STEP_SLAB, "slab" },		\
			 { HPOOL_STEP_STEAL, "steal" })

/*
 * hpool_acquire*() handed out obj, found at step, to call_site. Fires on
 * the fast path: the id only, no names.
 */
TRACE_EVENT(hpool_acquire,
	    TP_PROTO(struct hpool *pool, void *obj, unsigned long call_site,
		     enum hpool_step step),
	    TP_ARGS(pool, obj, call_site, step),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(void *, obj)
			     __field(unsigned long, call_site)
			     __field(int, step)),
	    TP_fast_assign(__entry->id = pool->seq;
			   __entry->obj = obj;
			   __entry->call_site = call_site;
			   __entry->step = step;),
	    TP_printk("id=%llu obj=%p call_site=%pS step=%s", __entry->id,
		      __entry->obj, (void *)__entry->call_site,
		      hpool_show_step(__entry->step))
);

/* hpool_release() of obj, handed out by the pool id, from call_site. */
TRACE_EVENT(hpool_release,
	    TP_PROTO(struct hpool *owner, void *obj, unsigned long call_site),
	    TP_ARGS(owner, obj, call_site),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(void *, obj)
			     __field(unsigned long, call_site)),
	    TP_fast_assign(__entry->id = owner->seq;
			   __entry->obj = obj;
			   __entry->call_site = call_site;),
	    TP_printk("id=%llu obj=%p call_site=%pS", __entry->id, __entry->obj,
		      (void *)__entry->call_site)
);

/* An acquisition that returned NULL, and why. */
TRACE_EVENT(hpool_acquire_fail,
	    TP_PROTO(struct hpool *pool, enum hpool_fail reason,
		     unsigned long call_site),
	    TP_ARGS(pool, reason, call_site),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, pool, HPOOL_NAME_MAX)
			     __field(u64, id)
			     __field(unsigned long, call_site)
			     __field(int, reason)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(pool)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->pool, pool->name, HPOOL_NAME_MAX);
			   __entry->id = pool->seq;
			   __entry->call_site = call_site;
			   __entry->reason = reason;),
	    TP_printk("root=%s pool=%s id=%llu reason=%s call_site=%pS",
		      __entry->root, __entry->pool, __entry->id,
		      hpool_show_fail(__entry->reason), (void *)__entry->call_site)
);

/* A child borrowed one object from its parent, the lender. */
TRACE_EVENT(hpool_borrow,
	    TP_PROTO(struct hpool *borrower, struct hpool *lender),
	    TP_ARGS(borrower, lender),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, borrower, HPOOL_NAME_MAX)
			     __array(char, lender, HPOOL_NAME_MAX)
			     __field(u64, id)
			     __field(u64, lender_id)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(borrower)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->borrower, borrower->name, HPOOL_NAME_MAX);
			   strscpy(__entry->lender, lender->name, HPOOL_NAME_MAX);
			   __entry->id = borrower->seq;
			   __entry->lender_id = lender->seq;),
	    TP_printk("root=%s borrower=%s lender=%s id=%llu lender_id=%llu",
		      __entry->root, __entry->borrower, __entry->lender,
		      __entry->id, __entry->lender_id)
);

/* hpool_acquire_prio() stole one free object from a child, the victim. */
TRACE_EVENT(hpool_steal,
	    TP_PROTO(struct hpool *thief, struct hpool *victim),
	    TP_ARGS(thief, victim),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, thief, HPOOL_NAME_MAX)
			     __array(char, victim, HPOOL_NAME_MAX)
			     __field(u64, id)
			     __field(u64, victim_id)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(thief)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->thief, thief->name, HPOOL_NAME_MAX);
			   strscpy(__entry->victim, victim->name, HPOOL_NAME_MAX);
			   __entry->id = thief->seq;
			   __entry->victim_id = victim->seq;),
	    TP_printk("root=%s thief=%s victim=%s id=%llu victim_id=%llu",
		      __entry->root, __entry->thief, __entry->victim,
		      __entry->id, __entry->victim_id)
);

/* A move of free stock on one pool: how many objects moved. */
DECLARE_EVENT_CLASS(hpool_moved,
		    TP_PROTO(struct hpool *pool, unsigned int nr),
		    TP_ARGS(pool, nr),
		    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
				     __array(char, pool, HPOOL_NAME_MAX)
				     __field(u64, id)
				     __field(unsigned int, nr)),
		    TP_fast_assign(strscpy(__entry->root, hpool_root(pool)->name, HPOOL_NAME_MAX);
				   strscpy(__entry->pool, pool->name, HPOOL_NAME_MAX);
				   __entry->id = pool->seq;
				   __entry->nr = nr;),
		    TP_printk("root=%s pool=%s id=%llu nr=%u",
			      __entry->root, __entry->pool, __entry->id, __entry->nr)
);

/* hpool_distribute(): nr objects moved from pool down to its children. */
DEFINE_EVENT(hpool_moved,
	     hpool_distribute,
	     TP_PROTO(struct hpool *pool, unsigned int nr),
	     TP_ARGS(pool, nr)
);

/* hpool_reclaim(): nr objects moved from pool's children up to pool. */
DEFINE_EVENT(hpool_moved,
	     hpool_reclaim,
	     TP_PROTO(struct hpool *pool, unsigned int nr),
	     TP_ARGS(pool, nr)
);

/* One rebalancing pass over a tree: nr objects moved between siblings. */
DEFINE_EVENT(hpool_moved,
	     hpool_rebalance,
	     TP_PROTO(struct hpool *root, unsigned int nr),
	     TP_ARGS(root, nr)
);

/* Free objects of a pool given back to the slab by the shrinker. */
DEFINE_EVENT(hpool_moved,
	     hpool_shrink,
	     TP_PROTO(struct hpool *pool, unsigned int nr),
	     TP_ARGS(pool, nr)
);

/* A pool's lifecycle state changed. */
TRACE_EVENT(hpool_state_change,
	    TP_PROTO(struct hpool *pool, enum hpool_state old, enum hpool_state new),
	    TP_ARGS(pool, old, new),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, pool, HPOOL_NAME_MAX)
			     __field(u64, id)
			     __field(int, old)
			     __field(int, new)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(pool)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->pool, pool->name, HPOOL_NAME_MAX);
			   __entry->id = pool->seq;
			   __entry->old = old;
			   __entry->new = new;),
	    TP_printk("root=%s pool=%s id=%llu old=%s new=%s", __entry->root,
		      __entry->pool, __entry->id, hpool_show_state(__entry->old),
		      hpool_show_state(__entry->new))
);

#endif /* _HPOOL_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hpool_trace
#include <trace/define_trace.h>
