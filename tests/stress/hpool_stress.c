// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_stress: a stress run of hpool, driven from the guest. Never installed.
 *
 * Loading it does nothing. /sys/kernel/debug/hpool_stress/ctl takes:
 *
 *   run     build a tree of depth 4 (11 pools), then for @seconds run
 *           @threads acquirer kthreads (0: one per online CPU, bound to
 *           them) taking and giving back objects at every depth with random
 *           priorities and gfp, one kthread creating and destroying children
 *           (with and without HPOOL_F_NO_SYSFS, some with a child of their
 *           own, so down to depth 5) and using them, one draining and
 *           activating pools, one running hpool_distribute(),
 *           hpool_reclaim() and hpool_rebalance(), and the tree's periodic
 *           rebalancer; then stop them all. The write returns when they
 *           have stopped.
 *   check   with nothing running any more (the caller stops its sysfs
 *           writers first): check conservation on every pool, destroy the
 *           tree, and keep the result as TAP lines, which reading ctl gives.
 *
 * Module parameters @seconds and @threads may be changed between runs.
 * Unloading stops a run and destroys what is left.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* hpool_set_rebalance_interval(), hpool_flush_work(): exported to tests */
#include "hpool_lifecycle.h"
#include "hpool_compat.h"

static unsigned int seconds = 10;
module_param(seconds, uint, 0644);
MODULE_PARM_DESC(seconds, "length of a run in seconds (default 10)");

static unsigned int threads;
module_param(threads, uint, 0644);
MODULE_PARM_DESC(threads, "acquirer kthreads (default 0: one per online CPU)");

#define HPS_NR		11	/* static pools: depth 0 to 3 */
#define HPS_HELD	16	/* objects an acquirer holds at most */
#define HPS_OBJ_SIZE	64
#define HPS_DYN_HELD	6

/* The static tree: parent index of each pool (-1: the root). */
static const int hps_parent[HPS_NR] = { -1, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6 };
static const char *const hps_names[HPS_NR] = {
	"hpool-stress", "m0", "m1", "c0", "c1", "c2", "c3", "g0", "g1", "g2", "g3",
};

struct hps_run {
	struct hpool *pools[HPS_NR];
	atomic_long_t acquired[HPS_NR];		/* successful acquisitions */
	atomic_long_t failed[HPS_NR];		/* acquisitions that returned NULL */
	atomic_long_t dyn_borrows[HPS_NR];	/* borrows by destroyed children */
	atomic_long_t corrupt;			/* an object seen by two users */
	atomic_long_t releases, prio_calls;
	atomic_long_t created, create_refused, destroyed, dyn_acquired;
	atomic_long_t drains, activations;
	atomic_long_t distributed, reclaimed, rebalances;
	atomic_t stop;
	struct completion start;
	struct task_struct **tasks;
	unsigned int nr_tasks, nr_workers;
	bool built;
};

static DEFINE_MUTEX(hps_lock);	/* one command at a time */
static struct hps_run *hps;	/* hps_lock */
static char *hps_result;	/* hps_lock: TAP lines of the last check */
static struct dentry *hps_dir;

static void hps_zero(void *obj)
{
	memset(obj, 0, HPS_OBJ_SIZE);
}

static u32 hps_rand(struct rnd_state *rnd, u32 n)
{
	return prandom_u32_state(rnd) % n;
}

static enum hpool_prio hps_prio(struct rnd_state *rnd)
{
	return HPOOL_PRIO_LOW + hps_rand(rnd, 4);
}

/* Take one object; ctor and reset zero it, so a non-zero word is a second user. */
static u32 *hps_get(struct hps_run *run, struct hpool *pool, struct rnd_state *rnd,
		    u32 stamp)
{
	gfp_t gfp = hps_rand(rnd, 2) ? GFP_ATOMIC : GFP_KERNEL;
	u32 *obj;
	int i;

	if (hps_rand(rnd, 2)) {
		obj = hpool_acquire_prio(pool, hps_prio(rnd), gfp);
		atomic_long_inc(&run->prio_calls);
	} else {
		obj = hpool_acquire(pool, gfp);
	}
	if (!obj)
		return NULL;
	for (i = 0; i < HPS_OBJ_SIZE / 4; i++) {
		if (obj[i])
			atomic_long_inc(&run->corrupt);
		obj[i] = stamp;
	}
	return obj;
}

static void hps_put(struct hps_run *run, struct hpool *pool, u32 *obj, u32 stamp)
{
	int i;

	for (i = 0; i < HPS_OBJ_SIZE / 4; i++)
		if (obj[i] != stamp)
			atomic_long_inc(&run->corrupt);
	hpool_release(pool, obj);
	atomic_long_inc(&run->releases);
}

/* Stay until kthread_stop(), which must find the task alive. */
static int hps_park(void)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static int hps_acquirer(void *data)
{
	struct hps_run *run = hps;
	u32 stamp = 0x57000000 | (u32)(unsigned long)data;
	u32 *held[HPS_HELD];
	int where[HPS_HELD];
	struct rnd_state rnd;
	int i, nr = 0, idx;

	prandom_seed_state(&rnd, stamp);
	wait_for_completion(&run->start);
	while (!atomic_read(&run->stop)) {
		if (nr < HPS_HELD && (hps_rand(&rnd, 2) || !nr)) {
			idx = hps_rand(&rnd, HPS_NR);
			held[nr] = hps_get(run, run->pools[idx], &rnd, stamp);
			if (held[nr]) {
				atomic_long_inc(&run->acquired[idx]);
				where[nr++] = idx;
			} else {
				atomic_long_inc(&run->failed[idx]);
			}
		} else {
			i = hps_rand(&rnd, nr);
			hps_put(run, run->pools[where[i]], held[i], stamp);
			held[i] = held[--nr];
			where[i] = where[nr];
		}
		if (!hps_rand(&rnd, 64))
			cond_resched();
	}
	while (nr--)
		hps_put(run, run->pools[where[nr]], held[nr], stamp);
	return hps_park();
}

/* Destroy a pool of ours that has nothing in use; retry while busy. */
static int hps_destroy(struct hpool *pool)
{
	int ret, tries;

	for (tries = 0; tries < 1000; tries++) {
		ret = hpool_destroy(pool);
		if (ret != -EBUSY)
			return ret;
		usleep_range(100, 200);
	}
	return ret;
}

/*
 * Children come and go under random static pools: with or without sysfs,
 * auto-grow, prewarm, a child of their own; objects taken through them
 * borrow up the tree. Their parent_borrows are kept for the parent's laws.
 */
static int hps_churn(void *data)
{
	struct hps_run *run = hps;
	struct hpool *dyn, *sub;
	struct rnd_state rnd;
	u32 *held[HPS_DYN_HELD];
	struct hpool *from[HPS_DYN_HELD];
	struct hpool_stats st;
	unsigned long seq = 0;
	char name[HPOOL_NAME_MAX];
	int nr, i, idx;

	prandom_seed_state(&rnd, 0xc4);
	wait_for_completion(&run->start);
	while (!atomic_read(&run->stop)) {
		struct hpool_params p = {};

		idx = hps_rand(&rnd, HPS_NR);
		snprintf(name, sizeof(name), "d%lu", seq++);
		p.name = name;
		p.capacity = 1 + hps_rand(&rnd, 8);
		p.borrow_limit = hps_rand(&rnd, 6);
		p.reserve = hps_rand(&rnd, 2);
		p.prewarm = hps_rand(&rnd, 3) ? 0 : hps_rand(&rnd, p.capacity + 1);
		p.prio = hps_prio(&rnd);
		p.flags = (hps_rand(&rnd, 2) ? HPOOL_F_NO_SYSFS : 0) |
			  (hps_rand(&rnd, 3) ? 0 : HPOOL_F_AUTO_GROW);
		dyn = hpool_create_child(run->pools[idx], &p);
		if (IS_ERR(dyn)) {
			/* a draining or stopped parent refuses */
			if (PTR_ERR(dyn) != -EBUSY)
				pr_err("create_child under %s: %ld\n", hps_names[idx],
				       PTR_ERR(dyn));
			atomic_long_inc(&run->create_refused);
			usleep_range(100, 300);
			continue;
		}
		atomic_long_inc(&run->created);
		sub = NULL;
		if (hps_rand(&rnd, 2)) {
			p.name = "s";
			p.prewarm = 0;
			sub = hpool_create_child(dyn, &p);
			if (IS_ERR(sub))
				sub = NULL;
			else
				atomic_long_inc(&run->created);
		}
		nr = hps_rand(&rnd, HPS_DYN_HELD + 1);
		for (i = 0; i < nr; i++) {
			from[i] = sub && hps_rand(&rnd, 2) ? sub : dyn;
			held[i] = hps_get(run, from[i], &rnd, 0xd0d0d0d0);
			if (!held[i])
				break;
			atomic_long_inc(&run->dyn_acquired);
		}
		nr = i;
		if (hps_rand(&rnd, 4) == 0) {
			hpool_drain(dyn, 0);
			hpool_activate(dyn);
		}
		while (nr--)
			hps_put(run, from[nr], held[nr], 0xd0d0d0d0);
		if (sub) {
			if (hps_destroy(sub))
				pr_err("destroy of %s/%s/s failed\n", hps_names[idx], name);
			else
				atomic_long_inc(&run->destroyed);
		}
		/* Only we acquire through it: its parent_borrows are final now. */
		hpool_get_stats(dyn, &st);
		if (hps_destroy(dyn)) {
			pr_err("destroy of %s/%s failed\n", hps_names[idx], name);
		} else {
			atomic_long_add(st.parent_borrows, &run->dyn_borrows[idx]);
			atomic_long_inc(&run->destroyed);
		}
	}
	return hps_park();
}

static int hps_lifecycle(void *data)
{
	struct hps_run *run = hps;
	struct rnd_state rnd;
	struct hpool *pool;

	prandom_seed_state(&rnd, 0x11fe);
	wait_for_completion(&run->start);
	while (!atomic_read(&run->stop)) {
		pool = run->pools[hps_rand(&rnd, HPS_NR)];
		hpool_drain(pool, hps_rand(&rnd, 2));
		atomic_long_inc(&run->drains);
		usleep_range(200, 2000);
		if (!hpool_activate(pool))
			atomic_long_inc(&run->activations);
		usleep_range(500, 3000);
	}
	return hps_park();
}

static int hps_mover(void *data)
{
	struct hps_run *run = hps;
	struct rnd_state rnd;
	struct hpool *pool;

	prandom_seed_state(&rnd, 0x30e);
	wait_for_completion(&run->start);
	while (!atomic_read(&run->stop)) {
		/* pools with children: the root, mids, children (which have one) */
		pool = run->pools[hps_rand(&rnd, 7)];
		switch (hps_rand(&rnd, 3)) {
		case 0:
			atomic_long_add(hpool_distribute(pool, 1 + hps_rand(&rnd, 8)),
					&run->distributed);
			break;
		case 1:
			atomic_long_add(hpool_reclaim(pool), &run->reclaimed);
			break;
		default:
			hpool_rebalance(run->pools[0]);
			atomic_long_inc(&run->rebalances);
			break;
		}
		usleep_range(100, 1000);
	}
	return hps_park();
}

static void hps_stop_tasks(struct hps_run *run)
{
	unsigned int i;

	atomic_set(&run->stop, 1);
	complete_all(&run->start);
	for (i = 0; i < run->nr_tasks; i++)
		kthread_stop(run->tasks[i]);
	run->nr_tasks = 0;
}

static void hps_destroy_tree(struct hps_run *run)
{
	int i;

	for (i = HPS_NR - 1; i >= 0; i--) {
		if (!run->pools[i])
			continue;
		hpool_activate(run->pools[i]);
		if (hps_destroy(run->pools[i]))
			pr_err("destroy of %s failed\n", hps_names[i]);
		run->pools[i] = NULL;
	}
}

static void hps_free(struct hps_run *run)
{
	if (!run)
		return;
	hps_stop_tasks(run);
	hps_destroy_tree(run);
	kfree(run->tasks);
	kfree(run);
}

static int hps_build(struct hps_run *run)
{
	struct hpool_params rp = {
		.name = hps_names[0], .obj_size = HPS_OBJ_SIZE, .capacity = 256,
		.rebalance_interval_ms = 20, .rebalance_threshold = 30,
		.ctor = hps_zero, .reset = hps_zero,
	};
	struct hpool_params p = {};
	int i;

	run->pools[0] = hpool_create(&rp);
	if (IS_ERR(run->pools[0])) {
		int ret = PTR_ERR(run->pools[0]);

		run->pools[0] = NULL;
		return ret;
	}
	for (i = 1; i < HPS_NR; i++) {
		int depth = i < 3 ? 1 : i < 7 ? 2 : 3;

		p.name = hps_names[i];
		p.capacity = 256 >> depth;
		p.borrow_limit = 24 >> depth;
		p.reserve = i % 3 ? 0 : 2;
		p.prio = HPOOL_PRIO_LOW + i % 4;
		p.flags = i == 4 || i == 8 ? HPOOL_F_AUTO_GROW : 0;
		run->pools[i] = hpool_create_child(run->pools[hps_parent[i]], &p);
		if (IS_ERR(run->pools[i])) {
			int ret = PTR_ERR(run->pools[i]);

			run->pools[i] = NULL;
			return ret;
		}
	}
	return 0;
}

static int hps_spawn(struct hps_run *run, int (*fn)(void *), void *data,
		     const char *what, int cpu)
{
	struct task_struct *t;

	t = kthread_create(fn, data, "hpool-stress/%s", what);
	if (IS_ERR(t))
		return PTR_ERR(t);
	if (cpu >= 0)
		kthread_bind(t, cpu);
	run->tasks[run->nr_tasks++] = t;
	wake_up_process(t);
	return 0;
}

static int hps_cmd_run(void)
{
	unsigned int nr = threads ?: num_online_cpus(), i, cpu;
	struct hps_run *run;
	char what[16];
	int ret;

	hps_free(hps);
	hps = NULL;
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	run->tasks = kcalloc(nr + 3, sizeof(*run->tasks), GFP_KERNEL);
	if (!run->tasks) {
		kfree(run);
		return -ENOMEM;
	}
	init_completion(&run->start);
	hps = run;
	ret = hps_build(run);
	if (ret)
		goto out_free;
	run->built = true;
	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < nr; i++) {
		snprintf(what, sizeof(what), "a%u", i);
		ret = hps_spawn(run, hps_acquirer, (void *)(unsigned long)i, what, cpu);
		if (ret)
			goto out_free;
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	run->nr_workers = nr;
	ret = hps_spawn(run, hps_churn, NULL, "churn", -1) ?:
	      hps_spawn(run, hps_lifecycle, NULL, "life", -1) ?:
	      hps_spawn(run, hps_mover, NULL, "mover", -1);
	if (ret)
		goto out_free;

	pr_info("running %u acquirers for %u s\n", nr, seconds);
	complete_all(&run->start);
	/* interruptible: a long run must not look like a hung task */
	for (i = 0; i < seconds * 10 && !signal_pending(current); i++)
		msleep_interruptible(100);
	hps_stop_tasks(run);
	/* the periodic rebalancer goes too: check wants nothing moving */
	hpool_set_rebalance_interval(run->pools[0], 0);
	hpool_flush_work(run->pools[0]);
	return 0;

out_free:
	hps_free(run);
	hps = NULL;
	return ret;
}

/*
 * The laws, once nothing runs (as tests/kunit/hpool_concurrency_kunit.c):
 * everything acquired came back; fail_* counted what failed; every step a
 * pool served was for its callers or a child's borrow; a pool's charge is
 * its free list plus its children's charges; nothing in use or borrowed.
 */
static int hps_cmd_check(void)
{
	struct hps_run *run = hps;
	struct hpool_stats *st;
	unsigned long acquired = 0, failed = 0, steals = 0, moved, sum;
	unsigned long borrows_in, served, rebalanced, bad = 0;
	char *res, *p, *end;
	int i, c, ok = 1, destroyed;

	if (!run || !run->built || run->nr_tasks)
		return -EINVAL;
	st = kcalloc(HPS_NR, sizeof(*st), GFP_KERNEL);
	res = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!st || !res) {
		kfree(st);
		kfree(res);
		return -ENOMEM;
	}
	p = res;
	end = res + PAGE_SIZE;
#define HPS_LAW(cond, fmt, ...) do {						\
	if (!(cond)) {								\
		ok = 0;								\
		p += scnprintf(p, end - p, "# pool %s: " fmt "\n", hps_names[i],	\
			       ##__VA_ARGS__);					\
	}									\
} while (0)

	/* sysfs may have re-armed the rebalancer or queued a pass since run */
	hpool_set_rebalance_interval(run->pools[0], 0);
	hpool_flush_work(run->pools[0]);
	for (i = 0; i < HPS_NR; i++) {
		hpool_activate(run->pools[i]);
		hpool_get_stats(run->pools[i], &st[i]);
	}
	for (i = 0; i < HPS_NR; i++) {
		unsigned long acq = atomic_long_read(&run->acquired[i]);
		unsigned long fl = atomic_long_read(&run->failed[i]);

		acquired += acq;
		failed += fl;
		steals += st[i].steals;
		bad += st[i].bad_releases;
		HPS_LAW(st[i].releases == acq, "releases %lu != acquired %lu",
			st[i].releases, acq);
		HPS_LAW(st[i].fail_limit + st[i].fail_nomem + st[i].fail_state == fl,
			"fail_* %lu != failed %lu",
			st[i].fail_limit + st[i].fail_nomem + st[i].fail_state, fl);
		HPS_LAW(!st[i].nr_in_use && !st[i].nr_borrowed, "in use %u, borrowed %u",
			st[i].nr_in_use, st[i].nr_borrowed);
		HPS_LAW(!st[i].bad_releases, "bad_releases %lu", st[i].bad_releases);
		sum = st[i].nr_free;
		borrows_in = atomic_long_read(&run->dyn_borrows[i]);
		for (c = 0; c < HPS_NR; c++) {
			if (hps_parent[c] != i)
				continue;
			sum += st[c].nr_objects;
			borrows_in += st[c].parent_borrows;
		}
		HPS_LAW(st[i].nr_objects == sum, "nr_objects %u != free + children %lu",
			st[i].nr_objects, sum);
		served = st[i].local_hits + st[i].parent_borrows + st[i].allocations;
		HPS_LAW(served == acq - st[i].steals + borrows_in,
			"served %lu != acquired %lu - steals %lu + borrows in %lu",
			served, acq, st[i].steals, borrows_in);
	}
	i = 0;
	HPS_LAW(!atomic_long_read(&run->corrupt), "%ld objects seen by two users",
		atomic_long_read(&run->corrupt));
	HPS_LAW(acquired > 0, "nothing acquired");

	rebalanced = 0;
	for (i = 0; i < HPS_NR; i++)
		rebalanced += st[i].rebalanced_in;
	moved = atomic_long_read(&run->distributed) + atomic_long_read(&run->reclaimed) +
		steals + rebalanced;
	p += scnprintf(p, end - p, "%sok 1 - conservation\n", ok ? "" : "not ");
	p += scnprintf(p, end - p,
		       "# %u acquirers, %u s: %lu acquired (%ld more through children), %ld released, %lu failed, %ld acquire_prio calls\n",
		       run->nr_workers, seconds, acquired,
		       atomic_long_read(&run->dyn_acquired),
		       atomic_long_read(&run->releases), failed,
		       atomic_long_read(&run->prio_calls));
	p += scnprintf(p, end - p,
		       "# objects moved: %lu (distributed %ld, reclaimed %ld, stolen %lu, rebalanced %lu); %ld hpool_rebalance() calls\n",
		       moved, atomic_long_read(&run->distributed),
		       atomic_long_read(&run->reclaimed), steals, rebalanced,
		       atomic_long_read(&run->rebalances));
	p += scnprintf(p, end - p,
		       "# children: %ld created, %ld destroyed, %ld refused; %ld drains, %ld activations; root: %u objects, %lu allocations\n",
		       atomic_long_read(&run->created), atomic_long_read(&run->destroyed),
		       atomic_long_read(&run->create_refused),
		       atomic_long_read(&run->drains), atomic_long_read(&run->activations),
		       st[0].nr_objects, st[0].allocations);

	/* the whole tree goes, leaves first; each destroy must succeed */
	destroyed = 0;
	for (i = HPS_NR - 1; i >= 0; i--) {
		if (!hpool_destroy(run->pools[i]))
			destroyed++;
		else
			pr_err("destroy of %s failed\n", hps_names[i]);
		run->pools[i] = NULL;
	}
	p += scnprintf(p, end - p, "%sok 2 - tree destroyed\n# %d of %d pools destroyed\n",
		       destroyed == HPS_NR ? "" : "not ", destroyed, HPS_NR);
#undef HPS_LAW
	run->built = false;
	kfree(hps_result);
	hps_result = res;
	kfree(st);
	hps_free(run);
	hps = NULL;
	return 0;
}

static ssize_t hps_ctl_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[16];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	mutex_lock(&hps_lock);
	if (sysfs_streq(buf, "run"))
		ret = hps_cmd_run();
	else if (sysfs_streq(buf, "check"))
		ret = hps_cmd_check();
	else
		ret = -EINVAL;
	mutex_unlock(&hps_lock);
	return ret ?: len;
}

static int hps_ctl_show(struct seq_file *m, void *v)
{
	mutex_lock(&hps_lock);
	seq_puts(m, hps_result ?: "");
	mutex_unlock(&hps_lock);
	return 0;
}

static int hps_ctl_open(struct inode *inode, struct file *file)
{
	return single_open(file, hps_ctl_show, NULL);
}

static const struct file_operations hps_ctl_fops = {
	.owner = THIS_MODULE,
	.open = hps_ctl_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = hps_ctl_write,
};

static int __init hps_init(void)
{
	hps_dir = debugfs_create_dir("hpool_stress", NULL);
	debugfs_create_file("ctl", 0600, hps_dir, NULL, &hps_ctl_fops);
	return 0;
}

static void __exit hps_exit(void)
{
	debugfs_remove_recursive(hps_dir);
	mutex_lock(&hps_lock);
	hps_free(hps);
	hps = NULL;
	kfree(hps_result);
	hps_result = NULL;
	mutex_unlock(&hps_lock);
}

module_init(hps_init);
module_exit(hps_exit);

MODULE_DESCRIPTION("hpool stress run, driven from debugfs");
MODULE_LICENSE("GPL");
HPOOL_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
