// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_testdrv: a test-only driver that lets selftests drive real traffic
 * through hpool. Never installed.
 *
 * /sys/kernel/debug/hpool_test/ctl takes one command per write:
 *
 *   create <path> cap=N [borrow=N] [reserve=N] [prio=low|normal|high|critical]
 *          [grow] [hidden] [prewarm=N] [obj=N] [interval=N] [threshold=N]
 *   acquire <path> N          acquire N objects (GFP_KERNEL) and hold them
 *   acquire_prio <path> <prio> N
 *   release <path> N          release N held objects of that pool, LIFO
 *   destroy <path>
 *   drain <path> <ms>         hpool_drain(), waiting up to <ms>
 *   activate <path>
 *   distribute <path> N | reclaim <path> | rebalance <path>
 *   use_after_release <path>  acquire an object, release it, then read it:
 *                             a KASAN report (hpool.rst#hpool-kasan);
 *                             -EOPNOTSUPP on a kernel without generic KASAN
 *
 * <path> is a root name or root/child/...; a child's parent must have been
 * created through this file. A write returns its length, or -errno: the
 * error of the hpool call, -EINVAL for a malformed command, -ENOENT for an
 * unknown path, -EAGAIN when acquire got fewer than N objects (those it got
 * stay held). Reading ctl lists every pool as "<path> held=<n>".
 *
 * The driver holds what it created; module unload releases every held
 * object and destroys the pools, children first.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/hpool.h>

#define HPOOL_TESTDRV_PATH_MAX	(HPOOL_MAX_DEPTH * HPOOL_NAME_MAX)
#define HPOOL_TESTDRV_CMD_MAX	512
#define HPOOL_TESTDRV_MAX_ARGS	16

/* A pool this driver created. */
struct hpool_testdrv_pool {
	struct list_head node;		/* in hpool_testdrv_pools, creation order */
	struct hpool *pool;
	struct list_head held;		/* objects we hold, newest first */
	unsigned long nr_held;
	char path[HPOOL_TESTDRV_PATH_MAX];
};

/* What we keep in an object we hold (obj_size >= this). */
struct hpool_testdrv_obj {
	struct list_head node;
};

static DEFINE_MUTEX(hpool_testdrv_lock);
static LIST_HEAD(hpool_testdrv_pools);	/* hpool_testdrv_lock */
static struct dentry *hpool_testdrv_dir;

static struct hpool_testdrv_pool *hpool_testdrv_find(const char *path)
{
	struct hpool_testdrv_pool *tp;

	lockdep_assert_held(&hpool_testdrv_lock);
	list_for_each_entry(tp, &hpool_testdrv_pools, node) {
		if (!strcmp(tp->path, path))
			return tp;
	}
	return NULL;
}

static int hpool_testdrv_parse_prio(const char *s, enum hpool_prio *prio)
{
	static const char *const names[] = { "low", "normal", "high", "critical" };
	int i = match_string(names, ARRAY_SIZE(names), s);

	if (i < 0)
		return -EINVAL;
	*prio = i + HPOOL_PRIO_LOW;
	return 0;
}

static int hpool_testdrv_create(char **argv, int argc)
{
	struct hpool_testdrv_pool *tp, *parent = NULL;
	struct hpool_params p = { .obj_size = 64 };
	struct hpool *pool;
	bool have_cap = false;
	char *slash;
	int i, ret;

	if (argc < 2 || strlen(argv[1]) >= HPOOL_TESTDRV_PATH_MAX)
		return -EINVAL;
	if (hpool_testdrv_find(argv[1]))
		return -EEXIST;

	for (i = 2; i < argc; i++) {
		char *val = strchr(argv[i], '=');
		unsigned int *dst = NULL;

		if (val)
			*val++ = '\0';
		if (!strcmp(argv[i], "grow") && !val) {
			p.flags |= HPOOL_F_AUTO_GROW;
			continue;
		}
		if (!strcmp(argv[i], "hidden") && !val) {
			p.flags |= HPOOL_F_NO_SYSFS;
			continue;
		}
		if (!val)
			return -EINVAL;
		if (!strcmp(argv[i], "prio")) {
			ret = hpool_testdrv_parse_prio(val, &p.prio);
			if (ret)
				return ret;
			continue;
		}
		if (!strcmp(argv[i], "obj")) {
			ret = kstrtoul(val, 10, &p.obj_size);
			if (ret)
				return ret;
			continue;
		}
		if (!strcmp(argv[i], "cap")) {
			dst = &p.capacity;
			have_cap = true;
		} else if (!strcmp(argv[i], "borrow")) {
			dst = &p.borrow_limit;
		} else if (!strcmp(argv[i], "reserve")) {
			dst = &p.reserve;
		} else if (!strcmp(argv[i], "prewarm")) {
			dst = &p.prewarm;
		} else if (!strcmp(argv[i], "interval")) {
			dst = &p.rebalance_interval_ms;
		} else if (!strcmp(argv[i], "threshold")) {
			dst = &p.rebalance_threshold;
		} else {
			return -EINVAL;
		}
		ret = kstrtouint(val, 10, dst);
		if (ret)
			return ret;
	}
	if (!have_cap)
		return -EINVAL;

	tp = kzalloc(sizeof(*tp), GFP_KERNEL);
	if (!tp)
		return -ENOMEM;
	strscpy(tp->path, argv[1], sizeof(tp->path));
	INIT_LIST_HEAD(&tp->held);

	slash = strrchr(argv[1], '/');
	if (slash) {
		*slash = '\0';
		parent = hpool_testdrv_find(argv[1]);
		p.name = slash + 1;
		if (!parent) {
			ret = -ENOENT;
			goto out_free;
		}
		/* Children inherit the object size. */
		p.obj_size = 0;
		pool = hpool_create_child(parent->pool, &p);
	} else {
		if (p.obj_size < sizeof(struct hpool_testdrv_obj)) {
			ret = -EINVAL;
			goto out_free;
		}
		p.name = argv[1];
		pool = hpool_create(&p);
	}
	if (IS_ERR(pool)) {
		ret = PTR_ERR(pool);
		goto out_free;
	}
	tp->pool = pool;
	list_add_tail(&tp->node, &hpool_testdrv_pools);
	return 0;

out_free:
	kfree(tp);
	return ret;
}

static int hpool_testdrv_acquire(struct hpool_testdrv_pool *tp, bool prio_path,
				 enum hpool_prio prio, unsigned int nr)
{
	struct hpool_testdrv_obj *obj;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (prio_path)
			obj = hpool_acquire_prio(tp->pool, prio, GFP_KERNEL);
		else
			obj = hpool_acquire(tp->pool, GFP_KERNEL);
		if (!obj)
			return -EAGAIN;
		list_add(&obj->node, &tp->held);
		tp->nr_held++;
	}
	return 0;
}

static int hpool_testdrv_release(struct hpool_testdrv_pool *tp, unsigned long nr)
{
	struct hpool_testdrv_obj *obj;

	if (nr > tp->nr_held)
		return -EINVAL;
	while (nr--) {
		obj = list_first_entry(&tp->held, struct hpool_testdrv_obj, node);
		list_del(&obj->node);
		tp->nr_held--;
		hpool_release(tp->pool, obj);
	}
	return 0;
}

/* A deliberate use after release, for KASAN to report (in this function). */
static noinline int hpool_testdrv_use_after_release(struct hpool_testdrv_pool *tp)
{
	char *obj;

	if (!IS_ENABLED(CONFIG_KASAN_GENERIC))
		return -EOPNOTSUPP;
	obj = hpool_acquire(tp->pool, GFP_KERNEL);
	if (!obj)
		return -EAGAIN;
	hpool_release(tp->pool, obj);
	OPTIMIZER_HIDE_VAR(obj);
	pr_info("read %d after release\n", READ_ONCE(obj[0]));
	return 0;
}

static int hpool_testdrv_destroy(struct hpool_testdrv_pool *tp)
{
	int ret;

	ret = hpool_destroy(tp->pool);
	if (ret)
		return ret;
	list_del(&tp->node);
	kfree(tp);
	return 0;
}

/* One command, split into words; hpool_testdrv_lock held. */
static int hpool_testdrv_run(char **argv, int argc)
{
	struct hpool_testdrv_pool *tp;
	enum hpool_prio prio;
	unsigned int nr;
	int ret;

	if (!strcmp(argv[0], "create"))
		return hpool_testdrv_create(argv, argc);
	if (argc < 2)
		return -EINVAL;
	tp = hpool_testdrv_find(argv[1]);
	if (!tp)
		return -ENOENT;

	if (!strcmp(argv[0], "acquire") && argc == 3) {
		ret = kstrtouint(argv[2], 10, &nr);
		return ret ? ret : hpool_testdrv_acquire(tp, false, 0, nr);
	}
	if (!strcmp(argv[0], "acquire_prio") && argc == 4) {
		ret = hpool_testdrv_parse_prio(argv[2], &prio);
		if (!ret)
			ret = kstrtouint(argv[3], 10, &nr);
		return ret ? ret : hpool_testdrv_acquire(tp, true, prio, nr);
	}
	if (!strcmp(argv[0], "release") && argc == 3) {
		ret = kstrtouint(argv[2], 10, &nr);
		return ret ? ret : hpool_testdrv_release(tp, nr);
	}
	if (!strcmp(argv[0], "destroy") && argc == 2)
		return hpool_testdrv_destroy(tp);
	if (!strcmp(argv[0], "drain") && argc == 3) {
		ret = kstrtouint(argv[2], 10, &nr);
		return ret ? ret : hpool_drain(tp->pool, msecs_to_jiffies(nr));
	}
	if (!strcmp(argv[0], "activate") && argc == 2)
		return hpool_activate(tp->pool);
	if (!strcmp(argv[0], "distribute") && argc == 3) {
		ret = kstrtouint(argv[2], 10, &nr);
		if (!ret)
			hpool_distribute(tp->pool, nr);
		return ret;
	}
	if (!strcmp(argv[0], "reclaim") && argc == 2) {
		hpool_reclaim(tp->pool);
		return 0;
	}
	if (!strcmp(argv[0], "rebalance") && argc == 2) {
		hpool_rebalance(tp->pool);
		return 0;
	}
	if (!strcmp(argv[0], "use_after_release") && argc == 2)
		return hpool_testdrv_use_after_release(tp);
	return -EINVAL;
}

static ssize_t hpool_testdrv_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char *argv[HPOOL_TESTDRV_MAX_ARGS];
	char *buf, *s, *word;
	int argc = 0, ret;

	if (!count || count >= HPOOL_TESTDRV_CMD_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	s = strim(buf);
	while ((word = strsep(&s, " \t")) != NULL) {
		if (!*word)
			continue;
		if (argc == HPOOL_TESTDRV_MAX_ARGS) {
			ret = -EINVAL;
			goto out_free;
		}
		argv[argc++] = word;
	}
	if (!argc) {
		ret = -EINVAL;
		goto out_free;
	}
	mutex_lock(&hpool_testdrv_lock);
	ret = hpool_testdrv_run(argv, argc);
	mutex_unlock(&hpool_testdrv_lock);

out_free:
	kfree(buf);
	return ret ? ret : count;
}

static int hpool_testdrv_show(struct seq_file *m, void *v)
{
	struct hpool_testdrv_pool *tp;

	mutex_lock(&hpool_testdrv_lock);
	list_for_each_entry(tp, &hpool_testdrv_pools, node)
		seq_printf(m, "%s held=%lu\n", tp->path, tp->nr_held);
	mutex_unlock(&hpool_testdrv_lock);
	return 0;
}

static int hpool_testdrv_open(struct inode *inode, struct file *file)
{
	return single_open(file, hpool_testdrv_show, NULL);
}

static const struct file_operations hpool_testdrv_fops = {
	.owner = THIS_MODULE,
	.open = hpool_testdrv_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = hpool_testdrv_write,
};

static int __init hpool_testdrv_init(void)
{
	hpool_testdrv_dir = debugfs_create_dir("hpool_test", NULL);
	debugfs_create_file("ctl", 0600, hpool_testdrv_dir, NULL,
			    &hpool_testdrv_fops);
	return 0;
}

static void __exit hpool_testdrv_exit(void)
{
	struct hpool_testdrv_pool *tp, *next;

	/* No new command can come in once the file is gone. */
	debugfs_remove_recursive(hpool_testdrv_dir);

	mutex_lock(&hpool_testdrv_lock);
	list_for_each_entry(tp, &hpool_testdrv_pools, node)
		hpool_testdrv_release(tp, tp->nr_held);
	/* Children were created after their parents: destroy newest first. */
	list_for_each_entry_safe_reverse(tp, next, &hpool_testdrv_pools, node) {
		if (hpool_testdrv_destroy(tp))
			pr_err("cannot destroy %s\n", tp->path);
	}
	mutex_unlock(&hpool_testdrv_lock);
}

module_init(hpool_testdrv_init);
module_exit(hpool_testdrv_exit);

MODULE_DESCRIPTION("hpool test driver: debugfs control of pools and traffic");
MODULE_LICENSE("GPL");
