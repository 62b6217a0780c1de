/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one list of hpool's counters, in the order of struct hpool_stats
 * (include/linux/hpool.h). Everything that names a counter is generated from it:
 * struct hpool_counters and its static_assert()s against struct hpool_stats
 * (hpool_internal.h), the files of a pool's stats/ directory
 * (hpool_sysfs.c) and hpoolstat's names (tools/hpoolstat). Their meaning:
 * Documentation/hpool.rst#hpool-counters.
 *
 * No includes: hpoolstat, a user-space program, includes it too. The
 * macros that the kernel side expands on it are here as well, so that the
 * X-macro idiom (which checkpatch cannot tell from a statement macro: the
 * lint ignores COMPLEX_MACRO, MACRO_ARG_REUSE and TRAILING_SEMICOLON in this
 * file only) is in one place.
 */
#ifndef _HPOOL_COUNTERS_H
#define _HPOOL_COUNTERS_H

#define HPOOL_COUNTERS(X)	\
	X(local_hits)		\
	X(parent_borrows)	\
	X(allocations)		\
	X(frees)		\
	X(releases)		\
	X(grows)		\
	X(steals)		\
	X(stolen)		\
	X(distributed_in)	\
	X(reclaimed_out)	\
	X(rebalanced_in)	\
	X(rebalanced_out)	\
	X(fail_limit)		\
	X(fail_nomem)		\
	X(fail_state)		\
	X(bad_releases)		\
	X(shrunk)

/* A field of struct hpool_counters (hpool_internal.h). */
#define HPOOL_COUNTER_FIELD(name) unsigned long name;

/* The field lies where struct hpool_stats has it. */
#define HPOOL_COUNTER_ASSERT(name)					\
	static_assert(offsetof(struct hpool_counters, name) ==		\
		      offsetof(struct hpool_stats, name));

#endif /* _HPOOL_COUNTERS_H */
