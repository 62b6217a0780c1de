/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Creating and destroying pools (hpool_lifecycle.c): what devres and the
 * orphan reaper build on.
 */
#ifndef _HPOOL_LIFECYCLE_H
#define _HPOOL_LIFECYCLE_H

#include "hpool_internal.h"

struct hpool *hpool_create_pool(struct hpool *parent, const struct hpool_params *p);
int hpool_destroy_begin(struct hpool *pool, struct hpool_obj **list,
			unsigned int *nr);
void hpool_destroy_finish(struct hpool *pool, struct hpool_obj *list,
			  unsigned int nr);

/* For tests (EXPORT_SYMBOL_IF_KUNIT). */
void hpool_flush_work(struct hpool *pool);
void hpool_flush_all(void);
unsigned int hpool_nr_trees(void);

#endif /* _HPOOL_LIFECYCLE_H */
