/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moving free stock between pools (hpool_move.c): what the acquire path
 * (stealing) and the rebalancer use.
 */
#ifndef _HPOOL_MOVE_H
#define _HPOOL_MOVE_H

#include "hpool_internal.h"

/* What a steal or a rebalance needs to know of a pool, read under its lock. */
struct hpool_snap {
	int prio;
	unsigned int nr_free, reserve, util;
	bool usable;		/* not dead, draining or stopped */
};

bool hpool_steal(struct hpool *pool, enum hpool_prio prio, struct hpool_obj **hdrp);
int hpool_move_one(struct hpool *from, struct hpool *to, struct hpool *parent,
		   unsigned long *out, unsigned long *in, bool reserve);
void hpool_snap(struct hpool *pool, struct hpool_snap *s);

#endif /* _HPOOL_MOVE_H */
