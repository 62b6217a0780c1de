// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_poll: check that poll() on a sysfs file wakes when it changes.
 *
 *   hpool_poll [-t MS] FILE [CMD]
 *
 * Opens and reads FILE (sysfs arms poll on read), runs CMD with /bin/sh -c,
 * then polls FILE for POLLPRI|POLLERR for up to MS milliseconds (default
 * 2000). Prints "woke <old> -> <new>" and exits 0 when woken, prints
 * "timeout <old>" and exits 1 when not, exits 2 on other errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_all(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	char before[256], after[256];
	int opt, fd, ret, ms = 2000;
	struct pollfd pfd;

	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't')
			return 2;
		ms = atoi(optarg);
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "usage: hpool_poll [-t MS] FILE [CMD]\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || read_all(fd, before, sizeof(before))) {
		perror(argv[optind]);
		return 2;
	}
	if (argc - optind == 2 && system(argv[optind + 1]) != 0)
		fprintf(stderr, "hpool_poll: '%s' failed\n", argv[optind + 1]);

	pfd.fd = fd;
	pfd.events = POLLPRI;
	ret = poll(&pfd, 1, ms);
	if (ret < 0) {
		perror("poll");
		return 2;
	}
	if (ret == 0 || !(pfd.revents & (POLLPRI | POLLERR))) {
		printf("timeout %s\n", before);
		return 1;
	}
	if (read_all(fd, after, sizeof(after))) {
		perror(argv[optind]);
		return 2;
	}
	printf("woke %s -> %s\n", before, after);
	return 0;
}
