// SPDX-License-Identifier: GPL-2.0
/*
 * hpoolstat: print the hpool tree of /sys/kernel/hpool/ as a table or JSON,
 * as slabtop does for the slab caches. The manual is hpoolstat.8.
 *
 *   hpoolstat [-1] [-w SECONDS] [-n COUNT] [-i SECONDS] [-j] [-s FIELD]
 *             [-p PATTERN] [-r DIR] | --help | --version
 *
 * Every pool is one row: its name indented by depth, state, health, capacity,
 * objects charged, free, in use, borrowed, utilisation with a bar, and the
 * per-second rates of local hits, parent borrows and failures (fail_limit +
 * fail_nomem + fail_state) between two samples; a TOTAL row ends the table.
 *
 *   -1            one shot (the default): sample, wait -i, sample, print
 *   -w SECONDS    refresh every SECONDS until interrupted (or -n COUNT times);
 *                 the rates are over the last SECONDS
 *   -n COUNT      with -w: stop after COUNT tables
 *   -i SECONDS    one shot: the rate interval (default 1; 0: one sample, no
 *                 rates)
 *   -j            JSON: one object per sample, each on one line
 *   -s FIELD      sort siblings by FIELD (name, the default, ascending; the
 *                 numbers descending), children stay under their parent
 *   -p PATTERN    only the pools whose name matches the shell PATTERN
 *   -r DIR        read DIR instead of /sys/kernel/hpool (for tests)
 *
 * Every argument is checked before anything is read. Exit status: 0; 1 on a
 * usage error; 2 when hpool is not loaded (no DIR).
 * Dynamically linked (tools/hpoolstat/Makefile); the test VM builds it static.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The kernel's one list of counters (the repository's top directory). */
#include "../../hpool_counters.h"

/* The VERSION file, passed by the Makefile (and tests/vm/run-vm). */
#ifndef HPOOL_VERSION
#error "build with -DHPOOL_VERSION='\"$(cat VERSION)\"' (tools/hpoolstat/Makefile)"
#endif

#define HPOOLSTAT_ROOT		"/sys/kernel/hpool"
#define HPOOLSTAT_NAME_MAX	32
#define HPOOLSTAT_BAR		10

/* The files of a pool's stats/ directory: the counters, then peak_in_use. */
#define HPOOLSTAT_ENUM(name) HPOOLSTAT_##name,
enum hpoolstat_stat {
	HPOOL_COUNTERS(HPOOLSTAT_ENUM)
	HPOOLSTAT_peak_in_use,
	HPOOLSTAT_NR_STATS
};

#define HPOOLSTAT_NAME(name) { #name },
static const struct {
	const char *name;
} hpoolstat_stats[HPOOLSTAT_NR_STATS] = {
	HPOOL_COUNTERS(HPOOLSTAT_NAME)
	{ "peak_in_use" },
};

/* One pool, as read from its sysfs directory. */
struct hpoolstat_pool {
	char path[PATH_MAX];		/* relative to the root dir: a/children/b */
	char name[HPOOLSTAT_NAME_MAX];
	char state[16], health[16], prio[16];
	int depth;
	unsigned long long capacity, borrow_limit, reserve;
	unsigned long long nr_objects, nr_free, nr_in_use, nr_borrowed;
	unsigned long long utilization, nr_children_hidden;
	unsigned long long stats[HPOOLSTAT_NR_STATS];
};

/* A snapshot of every pool, parents before children, siblings by name. */
struct hpoolstat_sample {
	struct hpoolstat_pool *pools;
	int nr, alloc;
	double when;			/* CLOCK_MONOTONIC, seconds */
};

static const char *hpoolstat_root = HPOOLSTAT_ROOT;

static double hpoolstat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a one-line file into buf (newline stripped); false if unreadable. */
static bool hpoolstat_read_str(const char *dir, const char *file, char *buf,
			       size_t len)
{
	char path[PATH_MAX + 64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return true;
}

static unsigned long long hpoolstat_read_num(const char *dir, const char *file)
{
	char buf[64];

	if (!hpoolstat_read_str(dir, file, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

static int hpoolstat_cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int hpoolstat_not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void hpoolstat_read_stats(const char *dir, struct hpoolstat_pool *p)
{
	char sdir[PATH_MAX + 16];
	int i;

	memset(p->stats, 0, sizeof(p->stats));
	if (snprintf(sdir, sizeof(sdir), "%s/stats", dir) >= (int)sizeof(sdir))
		return;
	for (i = 0; i < HPOOLSTAT_NR_STATS; i++)
		p->stats[i] = hpoolstat_read_num(sdir, hpoolstat_stats[i].name);
}

static unsigned long long hpoolstat_fails(const struct hpoolstat_pool *p)
{
	return p->stats[HPOOLSTAT_fail_limit] + p->stats[HPOOLSTAT_fail_nomem] +
	       p->stats[HPOOLSTAT_fail_state];
}

static struct hpoolstat_pool *hpoolstat_add(struct hpoolstat_sample *s)
{
	if (s->nr == s->alloc) {
		int alloc = s->alloc ? 2 * s->alloc : 64;
		struct hpoolstat_pool *pools;

		pools = realloc(s->pools, alloc * sizeof(*pools));
		if (!pools) {
			fprintf(stderr, "hpoolstat: out of memory\n");
			exit(1);
		}
		s->pools = pools;
		s->alloc = alloc;
	}
	return &s->pools[s->nr++];
}

/* Add every pool directory under dir (the root dir or a children/ dir). */
static void hpoolstat_walk(struct hpoolstat_sample *s, const char *rel, int depth)
{
	char dir[PATH_MAX + 16], crel[PATH_MAX + 16];
	struct dirent **names;
	struct hpoolstat_pool *p;
	int i, n;

	snprintf(dir, sizeof(dir), "%s%s%s", hpoolstat_root, *rel ? "/" : "", rel);
	n = scandir(dir, &names, hpoolstat_not_dot, hpoolstat_cmp_names);
	for (i = 0; i < n; i++) {
		char pdir[PATH_MAX + HPOOLSTAT_NAME_MAX];

		if (snprintf(pdir, sizeof(pdir), "%s/%s", dir,
			     names[i]->d_name) >= (int)sizeof(pdir)) {
			free(names[i]);
			continue;
		}
		p = hpoolstat_add(s);
		memset(p, 0, sizeof(*p));
		/* A pool destroyed under us has no state file: skip it. */
		if (!hpoolstat_read_str(pdir, "state", p->state, sizeof(p->state))) {
			s->nr--;
			free(names[i]);
			continue;
		}
		snprintf(p->path, sizeof(p->path), "%s%s%s", rel, *rel ? "/" : "",
			 names[i]->d_name);
		snprintf(p->name, sizeof(p->name), "%.31s", names[i]->d_name);
		p->depth = depth;
		hpoolstat_read_str(pdir, "health", p->health, sizeof(p->health));
		hpoolstat_read_str(pdir, "priority", p->prio, sizeof(p->prio));
		p->capacity = hpoolstat_read_num(pdir, "capacity");
		p->borrow_limit = hpoolstat_read_num(pdir, "borrow_limit");
		p->reserve = hpoolstat_read_num(pdir, "reserve");
		p->nr_objects = hpoolstat_read_num(pdir, "nr_objects");
		p->nr_free = hpoolstat_read_num(pdir, "nr_free");
		p->nr_in_use = hpoolstat_read_num(pdir, "nr_in_use");
		p->nr_borrowed = hpoolstat_read_num(pdir, "nr_borrowed");
		p->utilization = hpoolstat_read_num(pdir, "utilization");
		p->nr_children_hidden = hpoolstat_read_num(pdir, "nr_children_hidden");
		hpoolstat_read_stats(pdir, p);
		/* p may move when the array grows: copy the path first. */
		snprintf(crel, sizeof(crel), "%s/children", p->path);
		free(names[i]);
		hpoolstat_walk(s, crel, depth + 1);
	}
	if (n >= 0)
		free(names);
}

static void hpoolstat_sample(struct hpoolstat_sample *s)
{
	s->nr = 0;
	s->when = hpoolstat_now();
	hpoolstat_walk(s, "", 0);
}

static const struct hpoolstat_pool *
hpoolstat_find(const struct hpoolstat_sample *s, const char *path)
{
	int i;

	if (!s)
		return NULL;
	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->pools[i].path, path))
			return &s->pools[i];
	return NULL;
}

/* Rates of p since old (same path in the previous sample); false if none. */
static bool hpoolstat_rates(const struct hpoolstat_sample *cur,
			    const struct hpoolstat_sample *prev,
			    const struct hpoolstat_pool *p, double r[3])
{
	const struct hpoolstat_pool *o = hpoolstat_find(prev, p->path);
	double dt;

	if (!o)
		return false;
	dt = cur->when - prev->when;
	if (dt <= 0)
		return false;
	r[0] = (p->stats[HPOOLSTAT_local_hits] - o->stats[HPOOLSTAT_local_hits]) / dt;
	r[1] = (p->stats[HPOOLSTAT_parent_borrows] -
		o->stats[HPOOLSTAT_parent_borrows]) / dt;
	r[2] = (hpoolstat_fails(p) - hpoolstat_fails(o)) / dt;
	return true;
}

/* The fields of -s: a row's key, the sort descending but for the name. */
enum hpoolstat_field {
	HPOOLSTAT_F_NAME, HPOOLSTAT_F_CAP, HPOOLSTAT_F_OBJS, HPOOLSTAT_F_FREE,
	HPOOLSTAT_F_INUSE, HPOOLSTAT_F_BORROW, HPOOLSTAT_F_UTIL,
	HPOOLSTAT_F_HITS, HPOOLSTAT_F_BORROWS, HPOOLSTAT_F_FAILS,
	HPOOLSTAT_NR_FIELDS
};

static const char * const hpoolstat_fields[HPOOLSTAT_NR_FIELDS] = {
	"name", "cap", "objs", "free", "inuse", "borrow", "util",
	"hits", "borrows", "fails",
};

/* What the command line asked for, all checked before anything is read. */
static struct {
	double watch, interval;
	long count;
	bool json;
	enum hpoolstat_field sort;
	const char *pattern;
} hpoolstat_opt = { .interval = 1, .count = -1 };

/*
 * The key of p for -s: the rate fields are per second when there is an
 * earlier sample, else the counters' totals.
 */
static double hpoolstat_key(const struct hpoolstat_sample *cur,
			    const struct hpoolstat_sample *prev,
			    const struct hpoolstat_pool *p, enum hpoolstat_field f)
{
	double r[3];
	bool rates = hpoolstat_rates(cur, prev, p, r);

	switch (f) {
	case HPOOLSTAT_F_CAP:
		return p->capacity;
	case HPOOLSTAT_F_OBJS:
		return p->nr_objects;
	case HPOOLSTAT_F_FREE:
		return p->nr_free;
	case HPOOLSTAT_F_INUSE:
		return p->nr_in_use;
	case HPOOLSTAT_F_BORROW:
		return p->nr_borrowed;
	case HPOOLSTAT_F_UTIL:
		return p->utilization;
	case HPOOLSTAT_F_HITS:
		return rates ? r[0] : p->stats[HPOOLSTAT_local_hits];
	case HPOOLSTAT_F_BORROWS:
		return rates ? r[1] : p->stats[HPOOLSTAT_parent_borrows];
	case HPOOLSTAT_F_FAILS:
		return rates ? r[2] : hpoolstat_fails(p);
	default:
		return 0;
	}
}

/* One subtree among its siblings: pools[start, end) of the sample. */
struct hpoolstat_subtree {
	int start, end;
	double key;
	const char *name;
};

static int hpoolstat_cmp_subtrees(const void *a, const void *b)
{
	const struct hpoolstat_subtree *x = a, *y = b;

	if (hpoolstat_opt.sort != HPOOLSTAT_F_NAME && x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * Copy the sibling subtrees in[lo, hi) to out[*k...], siblings in -s order,
 * each followed by its own children, sorted the same way.
 */
static void hpoolstat_sort_range(const struct hpoolstat_sample *cur,
				 const struct hpoolstat_sample *prev,
				 struct hpoolstat_pool *out, int *k, int lo, int hi)
{
	const struct hpoolstat_pool *in = cur->pools;
	struct hpoolstat_subtree *sub;
	int i, j, n = 0;

	if (lo >= hi)
		return;
	sub = calloc(hi - lo, sizeof(*sub));
	if (!sub) {
		fprintf(stderr, "hpoolstat: out of memory\n");
		exit(1);
	}
	for (j = lo; j < hi; n++) {
		sub[n].start = j;
		sub[n].name = in[j].name;
		sub[n].key = hpoolstat_key(cur, prev, &in[j], hpoolstat_opt.sort);
		for (j++; j < hi && in[j].depth > in[lo].depth; j++)
			;
		sub[n].end = j;
	}
	qsort(sub, n, sizeof(*sub), hpoolstat_cmp_subtrees);
	for (i = 0; i < n; i++) {
		out[(*k)++] = in[sub[i].start];
		hpoolstat_sort_range(cur, prev, out, k, sub[i].start + 1, sub[i].end);
	}
	free(sub);
}

/* Order cur's siblings by -s (the walk reads them by name). */
static void hpoolstat_sort(struct hpoolstat_sample *cur,
			   const struct hpoolstat_sample *prev)
{
	struct hpoolstat_pool *out;
	int k = 0;

	if (hpoolstat_opt.sort == HPOOLSTAT_F_NAME || cur->nr < 2)
		return;
	out = malloc(cur->nr * sizeof(*out));
	if (!out) {
		fprintf(stderr, "hpoolstat: out of memory\n");
		exit(1);
	}
	hpoolstat_sort_range(cur, prev, out, &k, 0, cur->nr);
	memcpy(cur->pools, out, cur->nr * sizeof(*out));
	free(out);
}

/* -p: whether p is shown. */
static bool hpoolstat_shown(const struct hpoolstat_pool *p)
{
	return !hpoolstat_opt.pattern || !fnmatch(hpoolstat_opt.pattern, p->name, 0);
}

/*
 * The TOTAL row, over every pool (-p shows fewer): the objects charged to
 * the roots (which hold all others), every free list, and the summed rates.
 */
struct hpoolstat_totals {
	int pools;
	unsigned long long objs, free;
	bool rates;
	double r[3];
};

static void hpoolstat_total(const struct hpoolstat_sample *cur,
			    const struct hpoolstat_sample *prev,
			    struct hpoolstat_totals *t)
{
	double r[3];
	int i, k;

	memset(t, 0, sizeof(*t));
	t->pools = cur->nr;
	t->rates = cur->nr && prev;
	for (i = 0; i < cur->nr; i++) {
		const struct hpoolstat_pool *p = &cur->pools[i];

		if (!p->depth)
			t->objs += p->nr_objects;
		t->free += p->nr_free;
		if (!hpoolstat_rates(cur, prev, p, r)) {
			t->rates = false;
			continue;
		}
		for (k = 0; k < 3; k++)
			t->r[k] += r[k];
	}
}

static void hpoolstat_format_rates(bool ok, const double r[3], char rate[3][16])
{
	int k;

	for (k = 0; k < 3; k++) {
		if (ok)
			snprintf(rate[k], sizeof(rate[k]), "%.0f", r[k]);
		else
			snprintf(rate[k], sizeof(rate[k]), "-");
	}
}

static void hpoolstat_print_table(const struct hpoolstat_sample *cur,
				  const struct hpoolstat_sample *prev)
{
	char name[2 * HPOOLSTAT_NAME_MAX * 8 + HPOOLSTAT_NAME_MAX];
	char bar[HPOOLSTAT_BAR + 1], rate[3][16];
	struct hpoolstat_totals t;
	int i, j, fill, width = 5, shown = 0;
	double r[3];

	/* As wide as the deepest name (indented by 2 a level), and TOTAL. */
	for (i = 0; i < cur->nr; i++) {
		const struct hpoolstat_pool *p = &cur->pools[i];
		int w = 2 * p->depth + (int)strlen(p->name);

		if (hpoolstat_shown(p) && w > width)
			width = w;
	}
	printf("%-*s %-8s %-8s %7s %7s %7s %7s %7s %4s %-12s %8s %8s %8s\n",
	       width, "POOL", "STATE", "HEALTH", "CAP", "OBJS", "FREE", "INUSE",
	       "BORROW", "UTIL", "", "HIT/s", "BRW/s", "FAIL/s");
	for (i = 0; i < cur->nr; i++) {
		const struct hpoolstat_pool *p = &cur->pools[i];

		if (!hpoolstat_shown(p))
			continue;
		shown++;
		snprintf(name, sizeof(name), "%*s%s", 2 * p->depth, "", p->name);
		fill = p->utilization > 100 ? HPOOLSTAT_BAR :
		       (int)(p->utilization * HPOOLSTAT_BAR + 50) / 100;
		for (j = 0; j < HPOOLSTAT_BAR; j++)
			bar[j] = j < fill ? '#' : '.';
		bar[HPOOLSTAT_BAR] = '\0';
		hpoolstat_format_rates(hpoolstat_rates(cur, prev, p, r), r, rate);
		printf("%-*s %-8s %-8s %7llu %7llu %7llu %7llu %7llu %3llu%% [%s] %8s %8s %8s\n",
		       width, name, p->state, p->health, p->capacity, p->nr_objects,
		       p->nr_free, p->nr_in_use, p->nr_borrowed, p->utilization,
		       bar, rate[0], rate[1], rate[2]);
		if (p->nr_children_hidden)
			printf("%*s(+%llu hidden children)\n", 2 * p->depth + 2, "",
			       p->nr_children_hidden);
	}
	if (!cur->nr) {
		printf("(no pools)\n");
		return;
	}
	if (!shown)
		printf("(no pools match '%s')\n", hpoolstat_opt.pattern);
	hpoolstat_total(cur, prev, &t);
	hpoolstat_format_rates(t.rates, t.r, rate);
	printf("%-*s %-8s %-8s %7s %7llu %7llu %7s %7s %4s %-12s %8s %8s %8s\n",
	       width, "TOTAL", "-", "-", "-", t.objs, t.free, "-", "-", "-",
	       "", rate[0], rate[1], rate[2]);
}

static void hpoolstat_json_rates(bool ok, const double r[3])
{
	if (ok)
		printf("\"rates\": {\"hits\": %.1f, \"borrows\": %.1f, \"fails\": %.1f}",
		       r[0], r[1], r[2]);
	else
		printf("\"rates\": null");
}

/* One sample as one JSON object on one line (JSON Lines with -w). */
static void hpoolstat_print_json(const struct hpoolstat_sample *cur,
				 const struct hpoolstat_sample *prev)
{
	struct hpoolstat_totals t;
	bool first = true;
	double r[3];
	int i, j;

	/* The root and the pattern are printed as given: no quotes in them. */
	printf("{\"root\": \"%s\", \"interval\": %.3f, \"pools\": [",
	       hpoolstat_root, prev ? cur->when - prev->when : 0.0);
	for (i = 0; i < cur->nr; i++) {
		const struct hpoolstat_pool *p = &cur->pools[i];

		if (!hpoolstat_shown(p))
			continue;
		/* Names are [A-Za-z0-9_.-]: nothing to escape. */
		printf("%s{\"path\": \"%s\", \"name\": \"%s\", \"depth\": %d, ",
		       first ? "" : ", ", p->path, p->name, p->depth);
		first = false;
		printf("\"state\": \"%s\", \"health\": \"%s\", \"priority\": \"%s\", ",
		       p->state, p->health, p->prio);
		printf("\"capacity\": %llu, \"borrow_limit\": %llu, \"reserve\": %llu, ",
		       p->capacity, p->borrow_limit, p->reserve);
		printf("\"nr_objects\": %llu, \"nr_free\": %llu, \"nr_in_use\": %llu, ",
		       p->nr_objects, p->nr_free, p->nr_in_use);
		printf("\"nr_borrowed\": %llu, \"utilization\": %llu, ",
		       p->nr_borrowed, p->utilization);
		printf("\"nr_children_hidden\": %llu, ", p->nr_children_hidden);
		printf("\"stats\": {");
		for (j = 0; j < HPOOLSTAT_NR_STATS; j++)
			printf("%s\"%s\": %llu", j ? ", " : "", hpoolstat_stats[j].name,
			       p->stats[j]);
		printf("}, ");
		hpoolstat_json_rates(hpoolstat_rates(cur, prev, p, r), r);
		printf("}");
	}
	hpoolstat_total(cur, prev, &t);
	printf("], \"totals\": {\"pools\": %d, \"nr_objects\": %llu, ",
	       t.pools, t.objs);
	printf("\"nr_free\": %llu, ", t.free);
	hpoolstat_json_rates(t.rates, t.r);
	printf("}}\n");
}

static void hpoolstat_sleep(double sec)
{
	struct timespec ts = {
		.tv_sec = (time_t)sec,
		.tv_nsec = (long)((sec - (time_t)sec) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void hpoolstat_usage(FILE *f)
{
	fprintf(f,
		"usage: hpoolstat [-1] [-w SECONDS] [-n COUNT] [-i SECONDS] [-j] [-s FIELD]\n"
		"                 [-p PATTERN] [-r DIR]\n"
		"       hpoolstat --help | --version\n"
		"  -1          one shot (default): two samples -i apart, one table\n"
		"  -w SECONDS  refresh every SECONDS (rates over that interval)\n"
		"  -n COUNT    with -w: stop after COUNT tables\n"
		"  -i SECONDS  one shot: rate interval (default 1; 0 = no rates)\n"
		"  -j          JSON, one object per sample on one line\n"
		"  -s FIELD    sort siblings by FIELD: name (default), cap, objs, free,\n"
		"              inuse, borrow, util, hits, borrows, fails\n"
		"  -p PATTERN  only the pools whose name matches the shell PATTERN\n"
		"  -r DIR      read DIR instead of " HPOOLSTAT_ROOT "\n"
		"Exit status: 0, 1 on a usage error, 2 when hpool is not loaded.\n");
}

/* A usage error: its message, naming the option, and exit status 1. */
static void hpoolstat_bad(int opt, const char *arg, const char *what)
{
	fprintf(stderr, "hpoolstat: -%c '%s': %s\n", opt, arg, what);
	fprintf(stderr, "Try 'hpoolstat --help'.\n");
	exit(1);
}

static double hpoolstat_seconds(int opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0) || v > 86400)
		hpoolstat_bad(opt, arg, "not a number of seconds from 0 to 86400");
	return v;
}

static void hpoolstat_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool count_set = false;
	struct stat st;
	char *end;
	int opt, f;

	while ((opt = getopt_long(argc, argv, "1w:n:i:js:p:r:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case '1':
			hpoolstat_opt.watch = 0;
			break;
		case 'w':
			hpoolstat_opt.watch = hpoolstat_seconds(opt, optarg);
			if (hpoolstat_opt.watch <= 0)
				hpoolstat_bad(opt, optarg, "not a positive interval");
			break;
		case 'n':
			errno = 0;
			hpoolstat_opt.count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || hpoolstat_opt.count <= 0)
				hpoolstat_bad(opt, optarg, "not a positive integer");
			count_set = true;
			break;
		case 'i':
			hpoolstat_opt.interval = hpoolstat_seconds(opt, optarg);
			break;
		case 'j':
			hpoolstat_opt.json = true;
			break;
		case 's':
			for (f = 0; f < HPOOLSTAT_NR_FIELDS; f++)
				if (!strcmp(optarg, hpoolstat_fields[f]))
					break;
			if (f == HPOOLSTAT_NR_FIELDS)
				hpoolstat_bad(opt, optarg,
					      "not a field (name, cap, objs, free, inuse, borrow, util, hits, borrows, fails)");
			hpoolstat_opt.sort = f;
			break;
		case 'p':
			hpoolstat_opt.pattern = optarg;
			break;
		case 'r':
			/* Missing is "not loaded" (exit 2); not a directory is bad. */
			if (!*optarg || (!stat(optarg, &st) && !S_ISDIR(st.st_mode)))
				hpoolstat_bad(opt, optarg, "not a directory");
			hpoolstat_root = optarg;
			break;
		case 'h':
			hpoolstat_usage(stdout);
			exit(0);
		case 'V':
			printf("hpoolstat %s\n", HPOOL_VERSION);
			exit(0);
		default:
			hpoolstat_usage(stderr);
			exit(1);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hpoolstat: unexpected argument '%s'\n", argv[optind]);
		hpoolstat_usage(stderr);
		exit(1);
	}
	if (count_set && !hpoolstat_opt.watch) {
		fprintf(stderr, "hpoolstat: -n needs -w\n");
		exit(1);
	}
}

static void hpoolstat_print(struct hpoolstat_sample *cur,
			    const struct hpoolstat_sample *prev)
{
	hpoolstat_sort(cur, prev);
	if (hpoolstat_opt.json)
		hpoolstat_print_json(cur, prev);
	else
		hpoolstat_print_table(cur, prev);
}

int main(int argc, char **argv)
{
	struct hpoolstat_sample a = {}, b = {};
	struct hpoolstat_sample *cur = &a, *prev = &b, *tmp;
	long shown = 0;
	struct stat st;
	bool tty;

	hpoolstat_args(argc, argv);
	if (stat(hpoolstat_root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"hpoolstat: hpool is not loaded: %s does not exist (load it with 'insmod hpool.ko' or 'modprobe hpool')\n",
			hpoolstat_root);
		return 2;
	}

	tty = isatty(STDOUT_FILENO);

	if (!hpoolstat_opt.watch) {
		hpoolstat_sample(prev);
		if (hpoolstat_opt.interval > 0) {
			hpoolstat_sleep(hpoolstat_opt.interval);
			hpoolstat_sample(cur);
		} else {
			cur = prev;	/* one sample: no rates */
			prev = NULL;
		}
		hpoolstat_print(cur, prev);
		free(a.pools);
		free(b.pools);
		return 0;
	}

	hpoolstat_sample(prev);
	/* Until interrupted (SIGINT's default action) or -n tables. */
	while (hpoolstat_opt.count < 0 || shown < hpoolstat_opt.count) {
		hpoolstat_sleep(hpoolstat_opt.watch);
		if (stat(hpoolstat_root, &st)) {
			fprintf(stderr, "hpoolstat: %s is gone: hpool was unloaded\n",
				hpoolstat_root);
			break;
		}
		hpoolstat_sample(cur);
		if (tty && !hpoolstat_opt.json)
			printf("\033[H\033[2J");
		if (!hpoolstat_opt.json)
			printf("hpoolstat: %s, every %.1f s\n", hpoolstat_root,
			       hpoolstat_opt.watch);
		hpoolstat_print(cur, prev);
		if (!hpoolstat_opt.json)
			printf("\n");
		fflush(stdout);
		shown++;
		/* prev is looked up by path: sorting cur did not disturb it. */
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	free(a.pools);
	free(b.pools);
	return 0;
}
