// SPDX-License-Identifier: Apache-2.0
/*
 * Captures one rtnetlink dump answer (RTM_GETLINK or RTM_GETADDR) from a
 * network namespace, byte for byte as the kernel sent it, for the fixtures
 * under tests/fixtures/netlink. Run by capture_netlink.sh, as root.
 *
 *	capture_netlink NETNS-PATH link|addr OUTPUT
 *
 * OUTPUT holds the received datagrams one after the other, up to and
 * including NLMSG_DONE; every kernel message is padded to 4 bytes, so the
 * file reads back as one stream of messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "rtnl.h"

static int usage(void)
{
	fprintf(stderr, "usage: capture_netlink NETNS-PATH link|addr OUTPUT\n");
	return 2;
}

/* True when the datagram holds the end of the answer. */
static int datagram_ends(const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR)
			return 1;
	}
	return 0;
}

static int capture(struct mnl_socket *nl, uint16_t type, FILE *out)
{
	static char buf[MNL_SOCKET_DUMP_SIZE];
	unsigned seq = (unsigned)time(NULL);
	ssize_t n;
	int err;

	err = rtnl_setup(nl, 0);
	if (!err)
		err = rtnl_dump_request(nl, type, seq, buf);
	while (!err) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -EIO;
		if (datagram_ends(buf, (size_t)n))
			break;
	}
	return err;
}

int main(int argc, char **argv)
{
	struct mnl_socket *nl = NULL;
	int ns_fd, home_fd, err;
	uint16_t type;
	FILE *out;

	if (argc != 4)
		return usage();
	if (!strcmp(argv[2], "link"))
		type = RTM_GETLINK;
	else if (!strcmp(argv[2], "addr"))
		type = RTM_GETADDR;
	else
		return usage();
	ns_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0 || home_fd < 0) {
		perror("open");
		return 1;
	}
	err = rtnl_open_in(ns_fd, home_fd, &nl);
	close(ns_fd);
	close(home_fd);
	if (err) {
		fprintf(stderr, "cannot open a socket in %s: %s\n", argv[1],
			strerror(-err));
		return 1;
	}
	out = fopen(argv[3], "wb");
	if (!out) {
		perror(argv[3]);
		mnl_socket_close(nl);
		return 1;
	}
	err = capture(nl, type, out);
	mnl_socket_close(nl);
	if (fclose(out) != 0 && !err)
		err = -EIO;
	if (err) {
		fprintf(stderr, "capture failed: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
