/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rebalancer of a tree (hpool_rebalance.c): what creation, sysfs and the
 * teardown use.
 */
#ifndef _HPOOL_REBALANCE_H
#define _HPOOL_REBALANCE_H

#include "hpool_internal.h"

void hpool_rebalance_workfn(struct work_struct *work);
void hpool_rebalance_arm(struct hpool_tree *tree);
int hpool_rebalance_kick(struct hpool *root);
bool hpool_rebalance_armed(struct hpool *root);

#endif /* _HPOOL_REBALANCE_H */
