// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_pressure: allocate anonymous memory until the kernel reclaims and a
 * pool's free stock falls, for the hpool memory-pressure selftest.
 *
 *   hpool_pressure NR_FREE_FILE MAX_MB
 *
 * Touches MAX_MB at most, 1 MB at a time, reading NR_FREE_FILE (a pool's
 * sysfs nr_free) after each; stops as soon as it is below what it was at the
 * start, or when free memory comes within 2 MB of min_free_kbytes (no OOM
 * kill: the VM harness fails on its stack trace). Prints what it saw; exit
 * status 0 when the free stock fell, 1 when it did not, 2 on usage or I/O
 * errors. The memory is given back on exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MB (1024L * 1024)

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

int main(int argc, char **argv)
{
	long start, now, mb, max_mb, min_kb, free_kb;
	char *p;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NR_FREE_FILE MAX_MB\n", argv[0]);
		return 2;
	}
	max_mb = strtol(argv[2], NULL, 10);
	start = read_long(argv[1], NULL);
	now = start;
	min_kb = read_long("/proc/sys/vm/min_free_kbytes", NULL);
	if (start < 0 || min_kb < 0 || max_mb <= 0) {
		fprintf(stderr, "%s: cannot read %s or min_free_kbytes\n", argv[0], argv[1]);
		return 2;
	}
	for (mb = 1; mb <= max_mb; mb++) {
		free_kb = read_long("/proc/meminfo", "MemFree:");
		if (free_kb >= 0 && free_kb < min_kb + 2048) {
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
		now = read_long(argv[1], NULL);
		if (now < start) {
			printf("nr_free %ld -> %ld after %ld MB (MemFree %ld kB, min %ld kB)\n",
			       start, now, mb, free_kb, min_kb);
			return 0;
		}
	}
	printf("nr_free stayed %ld after %ld MB\n", start, max_mb);
	return 1;
}
