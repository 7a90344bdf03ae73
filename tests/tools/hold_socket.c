/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/integration/it_holders.sh: makes a UDP socket in
 * the network namespace at PATH, goes back to its own, says "ready" on
 * stdout and waits to be killed. The socket then holds that namespace from
 * a process outside it.
 *
 *	hold_socket PATH
 */
#define _GNU_SOURCE /* setns */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int home, target, sock;

	if (argc != 2) {
		fprintf(stderr, "usage: hold_socket NETNS-PATH\n");
		return 2;
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	target = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (home < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
		perror("hold_socket: enter");
		return 1;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || setns(home, CLONE_NEWNET) < 0) {
		perror("hold_socket: socket");
		return 1;
	}
	close(target);
	close(home);
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
