/* SPDX-License-Identifier: GPL-2.0 */
/* Device-managed pools and orphans (hpool_devres.c): what module init needs. */
#ifndef _HPOOL_DEVRES_H
#define _HPOOL_DEVRES_H

void hpool_devres_init(void);

#endif /* _HPOOL_DEVRES_H */
