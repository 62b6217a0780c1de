// SPDX-License-Identifier: GPL-2.0
/*
 * hpool: hierarchical object pools on a kmem_cache. Module init and exit,
 * the top layer: the rest of the module is described in hpool_internal.h,
 * the contract in Documentation/hpool.rst.
 */

#define pr_fmt(fmt) "hpool: " fmt

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include "hpool_devres.h"
#include "hpool_shrink.h"
#include "hpool_state.h"
#include "hpool_sysfs.h"
#include "hpool_track.h"

static int __init hpool_init(void)
{
	int ret;

	hpool_devres_init();
	ret = hpool_cpuhp_init();
	if (ret)
		return ret;
	ret = hpool_pool_cache_init();
	if (ret)
		goto out_cpuhp;
	hpool_wq = alloc_workqueue("hpool", WQ_UNBOUND, 0);
	if (!hpool_wq) {
		ret = -ENOMEM;
		goto out_cache;
	}
	ret = hpool_sysfs_init();
	if (ret)
		goto out_wq;
	hpool_debugfs_init();
	ret = hpool_shrink_init();
	if (ret)
		goto out_debugfs;
	return 0;

out_debugfs:
	hpool_debugfs_exit();
	hpool_sysfs_exit();
out_wq:
	destroy_workqueue(hpool_wq);
out_cache:
	hpool_pool_cache_exit();
out_cpuhp:
	hpool_cpuhp_exit();
	return ret;
}

static void __exit hpool_exit(void)
{
	/* Every tree holds the module (hpool.rst#hpool-module-ref): all are gone. */
	WARN_ON(!list_empty(&hpool_roots));
	hpool_shrink_exit();
	hpool_notify_exit();
	hpool_debugfs_exit();
	hpool_sysfs_exit();
	/* Before the workqueue: a pool's last kobject release may be delayed. */
	hpool_pool_cache_exit();
	destroy_workqueue(hpool_wq);
	hpool_cpuhp_exit();
}

module_init(hpool_init);
module_exit(hpool_exit);

MODULE_DESCRIPTION("Hierarchical object pools");
MODULE_LICENSE("GPL");
MODULE_VERSION(HPOOL_VERSION);
