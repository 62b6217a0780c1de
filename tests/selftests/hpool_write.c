// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_write: write bytes to a file in one write() and print what happened,
 * for the hpool selftests (busybox sh cannot report a write's errno).
 *
 *   hpool_write [-u UID] [-c CMD] FILE DATA   DATA with \n \t \\ \0 \xHH
 *   hpool_write [-u UID] [-c CMD] -R N C FILE N copies of the character C
 *
 * -u: setgid()+setuid() to UID before opening FILE.
 * -c: run CMD with /bin/sh -c after FILE is open, before the write.
 * Prints "OK" when the whole buffer was written, "SHORT <n>" for a short
 * write, else the name of the errno of open() or write() (EINVAL, ...).
 * Exit status: 0 OK, 1 error or short write, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define E(x) { x, #x }
static const struct {
	int e;
	const char *name;
} errnames[] = {
	E(EINVAL), E(ERANGE), E(EBUSY), E(EACCES), E(EPERM), E(ENODEV),
	E(ENOENT), E(EIO), E(EAGAIN), E(EEXIST), E(ENOMEM), E(ETIMEDOUT),
	E(ECANCELED), E(ENOSPC),
};

static const char *errname(int e)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++) {
		if (errnames[i].e == e)
			return errnames[i].name;
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after a backslash: its byte and its length, or 0. */
static size_t escape(const char *in, char *out)
{
	static const char plain[] = "n\nt\t0\0\\\\";
	size_t i;

	for (i = 0; i < sizeof(plain) - 1; i += 2) {
		if (*in == plain[i]) {
			*out = plain[i + 1];
			return 1;
		}
	}
	if (*in == 'x' && hexval(in[1]) >= 0 && hexval(in[2]) >= 0) {
		*out = (char)(hexval(in[1]) * 16 + hexval(in[2]));
		return 3;
	}
	return 0;
}

/* Decode escapes in place; returns the length. */
static size_t unescape(char *s)
{
	char *in = s, *out = s;
	size_t n;

	while (*in) {
		if (in[0] == '\\' && in[1]) {
			n = escape(in + 1, out);
			if (n) {
				in += 1 + n;
				out++;
				continue;
			}
		}
		*out++ = *in++;
	}
	return out - s;
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-u UID] [-c CMD] FILE DATA\n"
		"       %s [-u UID] [-c CMD] -R N C FILE\n", prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd = NULL, *file;
	long uid = -1, repeat = -1;
	char *data, fill = 0;
	size_t len;
	ssize_t n;
	int opt, fd;

	while ((opt = getopt(argc, argv, "+u:c:R:")) != -1) {
		if (opt == 'u')
			uid = atol(optarg);
		else if (opt == 'c')
			cmd = optarg;
		else if (opt == 'R')
			repeat = atol(optarg);
		else
			print_usage(argv[0]);
	}
	if (repeat >= 0) {
		if (argc - optind != 2 || strlen(argv[optind]) != 1)
			print_usage(argv[0]);
		fill = argv[optind][0];
		file = argv[optind + 1];
		data = malloc(repeat + 1);
		if (!data)
			return 2;
		memset(data, fill, repeat);
		len = repeat;
	} else {
		if (argc - optind != 2)
			print_usage(argv[0]);
		file = argv[optind];
		data = argv[optind + 1];
		len = unescape(data);
	}

	if (uid >= 0 && (setgid(uid) || setuid(uid))) {
		printf("setuid: %s\n", errname(errno));
		return 2;
	}
	fd = open(file, O_WRONLY);
	if (fd < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	if (cmd && system(cmd) != 0)
		fprintf(stderr, "hpool_write: '%s' failed\n", cmd);
	n = write(fd, data, len);
	if (n < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	if ((size_t)n != len) {
		printf("SHORT %zd\n", n);
		return 1;
	}
	printf("OK\n");
	return 0;
}
