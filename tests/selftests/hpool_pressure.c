// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_pressure: allocate anonymous memory until the kernel reclaims and a
 * pool's free stock falls, for the hpool memory-pressure selftest.
 *
 *   hpool_pressure NR_FREE_FILE MAX_MB
 *
 * Touches MAX_MB at most, 1 MB at a time, reading NR_FREE_FILE (a pool's
 * sysfs nr_free) after each; stops as soon as it is below what it was at the
 * start, or when free memory comes within MARGIN_KB of min_free_kbytes (no
 * OOM kill: the VM harness fails on its stack trace). Prints what it saw;
 * exit status 0 when the free stock fell, 1 when it did not, 2 on usage or
 * I/O errors. The memory is given back on exit.
 *
 * Without swap, nothing but the page cache and the shrinkers can give
 * memory back, and a shrinker of a few thousand objects (DEFAULT_SEEKS) is
 * only asked for some when reclaim's priority is low: with the default
 * watermarks that happens within a few MB of the min watermark, where the
 * OOM killer may come first. So while it runs it raises
 * vm.watermark_scale_factor to WSF (10% of memory between the min, low and
 * high watermarks): kswapd then wakes far above the min watermark, finds
 * nothing else to reclaim, lowers its priority and calls the shrinkers while
 * there is room. The old value is written back before it exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#define MB (1024L * 1024)
#define MARGIN_KB (16L * 1024)
#define WSF 1000
#define WSF_FILE "/proc/sys/vm/watermark_scale_factor"

static long read_long(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtol(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", v) < 0;
	ret |= fclose(f);
	return ret ? -1 : 0;
}

static int run(const char *file, long max_mb)
{
	const struct timespec pause = { .tv_nsec = 2000000 };
	long start, now, mb, min_kb, free_kb;
	char *p;

	start = read_long(file, NULL);
	now = start;
	min_kb = read_long("/proc/sys/vm/min_free_kbytes", NULL);
	if (start < 0 || min_kb < 0 || max_mb <= 0) {
		fprintf(stderr, "hpool_pressure: cannot read %s or min_free_kbytes\n", file);
		return 2;
	}
	for (mb = 1; mb <= max_mb; mb++) {
		free_kb = read_long("/proc/meminfo", "MemFree:");
		if (free_kb >= 0 && free_kb < min_kb + MARGIN_KB) {
			printf("memory low (MemFree %ld kB, min %ld kB) after %ld MB; ",
			       free_kb, min_kb, mb - 1);
			printf("nr_free %ld -> %ld\n", start, now);
			return 1;
		}
		p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED) {
			printf("mmap failed after %ld MB\n", mb - 1);
			return 1;
		}
		memset(p, 0x5a, MB);
		/* Time for kswapd, on another CPU, to act on the last MB. */
		nanosleep(&pause, NULL);
		now = read_long(file, NULL);
		if (now < start) {
			printf("nr_free %ld -> %ld after %ld MB (MemFree %ld kB, min %ld kB)\n",
			       start, now, mb, free_kb, min_kb);
			return 0;
		}
	}
	printf("nr_free stayed %ld after %ld MB\n", start, max_mb);
	return 1;
}

int main(int argc, char **argv)
{
	long max_mb, wsf;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NR_FREE_FILE MAX_MB\n", argv[0]);
		return 2;
	}
	max_mb = strtol(argv[2], NULL, 10);
	wsf = read_long(WSF_FILE, NULL);
	if (wsf < 0 || write_long(WSF_FILE, WSF)) {
		fprintf(stderr, "%s: cannot set %s\n", argv[0], WSF_FILE);
		return 2;
	}
	ret = run(argv[1], max_mb);
	if (write_long(WSF_FILE, wsf)) {
		fprintf(stderr, "%s: cannot restore %s to %ld\n", argv[0], WSF_FILE, wsf);
		return 2;
	}
	return ret;
}
