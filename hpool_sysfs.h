/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/hpool/ (hpool_sysfs.c): a pool's directory, and the reference
 * that frees the pool.
 */
#ifndef _HPOOL_SYSFS_H
#define _HPOOL_SYSFS_H

#include "hpool_internal.h"

int hpool_sysfs_init(void);
void hpool_sysfs_exit(void);
int hpool_sysfs_add(struct hpool *pool);
void hpool_sysfs_del(struct hpool *pool);
void hpool_put_pool(struct hpool *pool);

#endif /* _HPOOL_SYSFS_H */
