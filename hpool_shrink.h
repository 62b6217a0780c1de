/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpool under memory pressure (hpool_shrink.c): the shrinker, the idle trim
 * of the per-CPU caches, and the list of pools they walk.
 */
#ifndef _HPOOL_SHRINK_H
#define _HPOOL_SHRINK_H

#include "hpool_internal.h"

struct shrinker;
struct shrink_control;

void hpool_shrink_add(struct hpool *pool);
void hpool_shrink_del(struct hpool *pool);
unsigned long hpool_shrink_count(struct shrinker *s, struct shrink_control *sc);
unsigned long hpool_shrink_scan(struct shrinker *s, struct shrink_control *sc);
void hpool_idle_trim(void);
int hpool_shrink_init(void);
void hpool_shrink_exit(void);

#endif /* _HPOOL_SHRINK_H */
