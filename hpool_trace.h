/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool tracepoints: failed acquisitions, borrows, steals, moves of stock,
 * rebalancing passes and state changes, under events/hpool/ in tracefs.
 *
 * Pool names are copied into the event (HPOOL_NAME_MAX bytes each), so a
 * trace stays readable after its pools, or the module, are gone.
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

/* An acquisition that returned NULL: reason is "limit", "nomem" or "state". */
TRACE_EVENT(hpool_acquire_fail,
	    TP_PROTO(struct hpool *pool, const char *reason),
	    TP_ARGS(pool, reason),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, pool, HPOOL_NAME_MAX)
			     __array(char, reason, 8)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(pool)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->pool, pool->name, HPOOL_NAME_MAX);
			   strscpy(__entry->reason, reason, sizeof(__entry->reason));),
	    TP_printk("root=%s pool=%s reason=%s",
		      __entry->root, __entry->pool, __entry->reason)
);

/* A child borrowed one object from its parent, the lender. */
TRACE_EVENT(hpool_borrow,
	    TP_PROTO(struct hpool *borrower, struct hpool *lender),
	    TP_ARGS(borrower, lender),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, borrower, HPOOL_NAME_MAX)
			     __array(char, lender, HPOOL_NAME_MAX)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(borrower)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->borrower, borrower->name, HPOOL_NAME_MAX);
			   strscpy(__entry->lender, lender->name, HPOOL_NAME_MAX);),
	    TP_printk("root=%s borrower=%s lender=%s",
		      __entry->root, __entry->borrower, __entry->lender)
);

/* hpool_acquire_prio() stole one free object from a child, the victim. */
TRACE_EVENT(hpool_steal,
	    TP_PROTO(struct hpool *thief, struct hpool *victim),
	    TP_ARGS(thief, victim),
	    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
			     __array(char, thief, HPOOL_NAME_MAX)
			     __array(char, victim, HPOOL_NAME_MAX)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(thief)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->thief, thief->name, HPOOL_NAME_MAX);
			   strscpy(__entry->victim, victim->name, HPOOL_NAME_MAX);),
	    TP_printk("root=%s thief=%s victim=%s",
		      __entry->root, __entry->thief, __entry->victim)
);

/* A move of free stock on one pool: how many objects moved. */
DECLARE_EVENT_CLASS(hpool_moved,
		    TP_PROTO(struct hpool *pool, unsigned int nr),
		    TP_ARGS(pool, nr),
		    TP_STRUCT__entry(__array(char, root, HPOOL_NAME_MAX)
				     __array(char, pool, HPOOL_NAME_MAX)
				     __field(unsigned int, nr)),
		    TP_fast_assign(strscpy(__entry->root, hpool_root(pool)->name, HPOOL_NAME_MAX);
				   strscpy(__entry->pool, pool->name, HPOOL_NAME_MAX);
				   __entry->nr = nr;),
		    TP_printk("root=%s pool=%s nr=%u",
			      __entry->root, __entry->pool, __entry->nr)
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
			     __field(int, old)
			     __field(int, new)),
	    TP_fast_assign(strscpy(__entry->root, hpool_root(pool)->name, HPOOL_NAME_MAX);
			   strscpy(__entry->pool, pool->name, HPOOL_NAME_MAX);
			   __entry->old = old;
			   __entry->new = new;),
	    TP_printk("root=%s pool=%s old=%s new=%s", __entry->root, __entry->pool,
		      hpool_show_state(__entry->old), hpool_show_state(__entry->new))
);

#endif /* _HPOOL_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hpool_trace
#include <trace/define_trace.h>
