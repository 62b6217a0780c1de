/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object tracking (hpool_track.c, Documentation/hpool.rst#hpool-debugging):
 * with /sys/module/hpool/parameters/track set, every object handed out is
 * recorded with the pool that handed it out, when, and the acquiring stack,
 * until it comes back. Off, the hooks below are a static branch that is not
 * taken. Also /sys/kernel/debug/hpool/, the directory. Calls the object
 * layer only.
 */
#ifndef _HPOOL_TRACK_H
#define _HPOOL_TRACK_H

#include <linux/jump_label.h>
#include <linux/stackdepot.h>

#include "hpool_internal.h"

struct seq_file;

DECLARE_STATIC_KEY_FALSE(hpool_track_key);

void __hpool_track_acquire(struct hpool *pool, void *obj, unsigned long ip);
void __hpool_track_release(struct hpool *owner, void *obj);

/* An object was handed out by @pool to the caller at @ip: record it. */
static __always_inline void hpool_track_acquire(struct hpool *pool, void *obj,
						unsigned long ip)
{
	if (static_branch_unlikely(&hpool_track_key))
		__hpool_track_acquire(pool, obj, ip);
}

/* An object handed out by @owner is being released: forget it. */
static __always_inline void hpool_track_release(struct hpool *owner, void *obj)
{
	if (static_branch_unlikely(&hpool_track_key))
		__hpool_track_release(owner, obj);
}

int hpool_track_set(bool on);
bool hpool_track_enabled(void);
void hpool_track_tree_init(struct hpool_tree *tree);
void hpool_track_tree_exit(struct hpool_tree *tree);

/*
 * The records of a tree, grouped by pool and acquiring stack
 * (hpool_track_collect()): groups sorted by count, most first.
 */
struct hpool_track_group {
	struct hpool *pool;		/* alive only while the caller keeps
					 * the tree's shape (T)
					 */
	u64 id;				/* the pool's id */
	depot_stack_handle_t stack;	/* 0: the stack was not saved */
	unsigned int nr;		/* objects in this group */
	unsigned long oldest;		/* jiffies of the oldest acquisition */
};

struct hpool_track_groups {
	struct hpool_track_group *g;
	unsigned int nr;		/* groups in g */
	unsigned long nr_tracked;	/* records seen */
	unsigned long nr_lumped;	/* records past the last group */
	bool on;			/* tracking was on */
};

int hpool_track_collect(struct hpool_tree *tree, struct hpool *under,
			struct hpool_track_groups *gs);
void hpool_track_groups_free(struct hpool_track_groups *gs);
void hpool_track_seq_group(struct seq_file *m, const struct hpool_track_group *g);
void hpool_track_report(struct hpool *pool, const char *what, unsigned int nr_out);

extern struct dentry *hpool_debugfs_dir;
void hpool_debugfs_init(void);
void hpool_debugfs_exit(void);

#endif /* _HPOOL_TRACK_H */
