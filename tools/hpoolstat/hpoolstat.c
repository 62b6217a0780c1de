// SPDX-License-Identifier: GPL-2.0
/*
 * hpoolstat: print the hpool tree of /sys/kernel/hpool/ as a table or JSON.
 *
 *   hpoolstat [-1] [-w SECONDS] [-n COUNT] [-i SECONDS] [-j] [-r DIR]
 *
 * Every pool is one row: its name indented by depth, state, health, capacity,
 * objects charged, free, in use, borrowed, utilisation with a bar, and the
 * per-second rates of local hits, parent borrows and failures (fail_limit +
 * fail_nomem + fail_state) between two samples.
 *
 *   -1            one shot (the default): sample, wait -i, sample, print
 *   -w SECONDS    refresh every SECONDS until interrupted (or -n COUNT times);
 *                 the rates are over the last SECONDS
 *   -n COUNT      with -w: stop after COUNT tables
 *   -i SECONDS    one shot: the rate interval (default 1; 0: one sample, no
 *                 rates)
 *   -j            JSON: one object, one pool per line in "pools"
 *   -r DIR        read DIR instead of /sys/kernel/hpool (for tests)
 *
 * Exit status: 0; 1 on a usage error; 2 when hpool is not loaded (no DIR).
 * Built static (tools/hpoolstat/Makefile) so that it runs in the test VM.
 */
#include <dirent.h>
#include <errno.h>
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

static void hpoolstat_print_table(const struct hpoolstat_sample *cur,
				  const struct hpoolstat_sample *prev)
{
	char name[64], bar[HPOOLSTAT_BAR + 1], rate[3][16];
	int i, j, k, fill;
	double r[3];

	printf("%-28s %-8s %-8s %7s %7s %7s %7s %7s %4s %-12s %8s %8s %8s\n",
	       "POOL", "STATE", "HEALTH", "CAP", "OBJS", "FREE", "INUSE", "BORROW",
	       "UTIL", "", "HIT/s", "BRW/s", "FAIL/s");
	if (!cur->nr)
		printf("(no pools)\n");
	for (i = 0; i < cur->nr; i++) {
		const struct hpoolstat_pool *p = &cur->pools[i];

		snprintf(name, sizeof(name), "%*s%s", 2 * p->depth, "", p->name);
		fill = p->utilization > 100 ? HPOOLSTAT_BAR :
		       (int)(p->utilization * HPOOLSTAT_BAR + 50) / 100;
		for (j = 0; j < HPOOLSTAT_BAR; j++)
			bar[j] = j < fill ? '#' : '.';
		bar[HPOOLSTAT_BAR] = '\0';
		if (hpoolstat_rates(cur, prev, p, r)) {
			for (k = 0; k < 3; k++)
				snprintf(rate[k], sizeof(rate[k]), "%.0f", r[k]);
		} else {
			for (k = 0; k < 3; k++)
				snprintf(rate[k], sizeof(rate[k]), "-");
		}
		printf("%-28s %-8s %-8s %7llu %7llu %7llu %7llu %7llu %3llu%% [%s] %8s %8s %8s\n",
		       name, p->state, p->health, p->capacity, p->nr_objects,
		       p->nr_free, p->nr_in_use, p->nr_borrowed, p->utilization,
		       bar, rate[0], rate[1], rate[2]);
		if (p->nr_children_hidden)
			printf("%*s(+%llu hidden children)\n", 2 * p->depth + 2, "",
			       p->nr_children_hidden);
	}
}

static void hpoolstat_print_json(const struct hpoolstat_sample *cur,
				 const struct hpoolstat_sample *prev)
{
	double r[3];
	int i, j;

	printf("{\"root\": \"%s\", \"interval\": %.3f, \"pools\": [\n",
	       hpoolstat_root, prev ? cur->when - prev->when : 0.0);
	for (i = 0; i < cur->nr; i++) {
		const struct hpoolstat_pool *p = &cur->pools[i];

		/* Names are [A-Za-z0-9_.-]: nothing to escape. */
		printf("{\"path\": \"%s\", \"name\": \"%s\", \"depth\": %d, ",
		       p->path, p->name, p->depth);
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
		printf("}, \"rates\": ");
		if (hpoolstat_rates(cur, prev, p, r))
			printf("{\"hits\": %.1f, \"borrows\": %.1f, \"fails\": %.1f}",
			       r[0], r[1], r[2]);
		else
			printf("null");
		printf("}%s\n", i + 1 < cur->nr ? "," : "");
	}
	printf("]}\n");
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
		"usage: hpoolstat [-1] [-w SECONDS] [-n COUNT] [-i SECONDS] [-j] [-r DIR]\n"
		"  -1          one shot (default): two samples -i apart, one table\n"
		"  -w SECONDS  refresh every SECONDS (rates over that interval)\n"
		"  -n COUNT    with -w: stop after COUNT tables\n"
		"  -i SECONDS  one shot: rate interval (default 1; 0 = no rates)\n"
		"  -j          JSON output\n"
		"  -r DIR      read DIR instead of " HPOOLSTAT_ROOT "\n");
}

static double hpoolstat_seconds(const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < 0 || v > 86400) {
		fprintf(stderr, "hpoolstat: bad number of seconds '%s'\n", arg);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct hpoolstat_sample a = {}, b = {};
	struct hpoolstat_sample *cur = &a, *prev = &b, *tmp;
	double watch = 0, interval = 1;
	bool json = false, tty;
	long count = -1, shown = 0;
	struct stat st;
	int opt;

	while ((opt = getopt(argc, argv, "1w:n:i:jr:h")) != -1) {
		switch (opt) {
		case '1':
			watch = 0;
			break;
		case 'w':
			watch = hpoolstat_seconds(optarg);
			if (watch <= 0) {
				fprintf(stderr, "hpoolstat: -w needs a positive interval\n");
				return 1;
			}
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'i':
			interval = hpoolstat_seconds(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'r':
			hpoolstat_root = optarg;
			break;
		case 'h':
			hpoolstat_usage(stdout);
			return 0;
		default:
			hpoolstat_usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		hpoolstat_usage(stderr);
		return 1;
	}
	if (stat(hpoolstat_root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"hpoolstat: hpool is not loaded: %s does not exist (load it with 'insmod hpool.ko' or 'modprobe hpool')\n",
			hpoolstat_root);
		return 2;
	}

	tty = isatty(STDOUT_FILENO);

	if (!watch) {
		hpoolstat_sample(prev);
		if (interval > 0) {
			hpoolstat_sleep(interval);
			hpoolstat_sample(cur);
		} else {
			cur = prev;	/* one sample: no rates */
			prev = NULL;
		}
		if (json)
			hpoolstat_print_json(cur, prev);
		else
			hpoolstat_print_table(cur, prev);
		free(a.pools);
		free(b.pools);
		return 0;
	}

	hpoolstat_sample(prev);
	/* Until interrupted (SIGINT's default action) or -n tables. */
	while (count < 0 || shown < count) {
		hpoolstat_sleep(watch);
		if (stat(hpoolstat_root, &st)) {
			fprintf(stderr, "hpoolstat: %s is gone: hpool was unloaded\n",
				hpoolstat_root);
			break;
		}
		hpoolstat_sample(cur);
		if (tty && !json)
			printf("\033[H\033[2J");
		if (json) {
			hpoolstat_print_json(cur, prev);
		} else {
			printf("hpoolstat: %s, every %.1f s\n", hpoolstat_root, watch);
			hpoolstat_print_table(cur, prev);
			printf("\n");
		}
		fflush(stdout);
		shown++;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	free(a.pools);
	free(b.pools);
	return 0;
}
