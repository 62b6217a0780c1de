// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: a C helper built on the host with gcc -static. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
