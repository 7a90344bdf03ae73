/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink sockets created inside a network namespace, and dumps over them. */
#include "rtnl.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/if_addr.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "collector.h"
#include "rtnl_parse.h"

/* distinct per request, so a stray answer can never pass for ours */
static atomic_uint next_seq = 1;

int rtnl_open_in(int ns_fd, int home_fd, struct mnl_socket **out)
{
	struct mnl_socket *nl;
	int err;

	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return -errno;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	err = nl ? 0 : -errno;
	if (setns(home_fd, CLONE_NEWNET) < 0) {
		/* a thread stranded in a foreign netns must never work again */
		if (nl)
			mnl_socket_close(nl);
		return RTNL_STRANDED;
	}
	if (err)
		return err;
	*out = nl;
	return 0;
}

int rtnl_setup(struct mnl_socket *nl, double deadline)
{
	struct timeval timeout;
	double left;

	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	if (deadline <= 0)
		return 0;
	left = deadline - monotonic_seconds();
	if (left <= 0)
		return -ETIMEDOUT;
	if (left > 86400)
		return 0; /* (time_t) of a huge double is undefined: no limit */
	timeout.tv_sec = (time_t)left;
	timeout.tv_usec = (suseconds_t)((left - (double)timeout.tv_sec) * 1e6);
	/* a zero timeval means "wait for ever" to the kernel */
	if (!timeout.tv_sec && !timeout.tv_usec)
		timeout.tv_usec = 1;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)) < 0)
		return -errno;
	return 0;
}

int rtnl_dump_request(struct mnl_socket *nl, uint16_t type, unsigned int seq,
		      void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* the whole family header (AF_UNSPEC), as strict kernels want it */
	mnl_nlmsg_put_extra_header(nlh, type == RTM_GETLINK
						? sizeof(struct ifinfomsg)
						: sizeof(struct ifaddrmsg));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* Receives into buf, once; -ETIMEDOUT at the deadline or the timeout. */
static ssize_t receive_once(struct mnl_socket *nl, void *buf, double deadline)
{
	ssize_t n;

	do {
		if (deadline > 0 && monotonic_seconds() >= deadline)
			return -ETIMEDOUT;
		n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_DUMP_SIZE);
	} while (n < 0 && errno == EINTR); /* a signal, not the answer */
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT
							       : -errno;
	return n;
}

static int dump_receive(struct mnl_socket *nl, struct rtnl_dump *dump,
			void *buf, double deadline)
{
	ssize_t n;
	int ret;

	do {
		n = receive_once(nl, buf, deadline);
		if (n < 0)
			return (int)n;
		ret = rtnl_dump_feed(dump, buf, (size_t)n);
	} while (ret > 0);
	return ret;
}

int rtnl_dump(struct mnl_socket *nl, uint16_t type,
	      const struct rtnl_sink *sink, void *buf, double deadline)
{
	struct rtnl_dump dump;
	unsigned int seq;
	int attempt, err = -EINTR;

	for (attempt = 0; attempt < RTNL_DUMP_ATTEMPTS && err == -EINTR;
	     attempt++) {
		sink->reset(sink->data);
		seq = atomic_fetch_add(&next_seq, 1);
		err = rtnl_dump_request(nl, type, seq, buf);
		if (err)
			return err;
		rtnl_dump_init(&dump, seq, mnl_socket_get_portid(nl), sink->cb,
			       sink->data);
		err = dump_receive(nl, &dump, buf, deadline);
	}
	return err;
}

int rtnl_nsid_get(struct mnl_socket *nl, int ns_fd, void *buf, double deadline,
		  int32_t *nsid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *gen;
	unsigned int seq = atomic_fetch_add(&next_seq, 1);
	ssize_t n;
	int ret;

	/* RTM_GETNSID only reads: unlike RTM_NEWNSID it assigns no id */
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	gen = mnl_nlmsg_put_extra_header(nlh, sizeof(*gen));
	gen->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)ns_fd);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = receive_once(nl, buf, deadline);
		if (n < 0)
			return (int)n;
		ret = rtnl_nsid_feed(buf, (size_t)n, seq,
				     mnl_socket_get_portid(nl), nsid);
	} while (ret > 0);
	return ret;
}
