/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink sockets made inside a network namespace, and link and address
 * dumps over them. A socket belongs to the namespace it was created in for
 * its whole life, so the thread enters the namespace only to create it.
 */
#ifndef NSE_RTNL_H
#define NSE_RTNL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/*
 * libmnl 1.0.4 predates MNL_SOCKET_DUMP_SIZE; the kernel fills a dump
 * datagram up to 32 KiB when the reader's buffer is that large.
 */
#ifndef MNL_SOCKET_DUMP_SIZE
#define MNL_SOCKET_DUMP_SIZE 32768
#endif

/* How often an interrupted dump (NLM_F_DUMP_INTR) is tried in all. */
#define RTNL_DUMP_ATTEMPTS 3

/*
 * Returned when the thread entered a namespace and could not return to its
 * home: it must do no further work of any kind.
 */
#define RTNL_STRANDED (-ENOTRECOVERABLE)

/*
 * Enters the network namespace ns_fd, creates a NETLINK_ROUTE socket there
 * and returns the thread to home_fd, doing nothing else. Returns 0 and the
 * socket in *out (the caller closes it with mnl_socket_close), a negative
 * errno from setns or socket, or RTNL_STRANDED (no socket is returned).
 */
int rtnl_open_in(int ns_fd, int home_fd, struct mnl_socket **out);

/*
 * Binds a socket from rtnl_open_in (or mnl_socket_open2 in the thread's own
 * namespace) and bounds each receive by the deadline (CLOCK_MONOTONIC
 * seconds, 0 = none). Returns 0, -ETIMEDOUT when the deadline has passed,
 * or another negative errno.
 */
int rtnl_setup(struct mnl_socket *nl, double deadline);

/*
 * Asks for a dump of RTM_GETLINK or RTM_GETADDR (family AF_UNSPEC) with
 * sequence number seq, building the request in buf. 0 or -errno.
 */
int rtnl_dump_request(struct mnl_socket *nl, uint16_t type, unsigned int seq,
		      void *buf);

/* Where the messages of a dump go. */
struct rtnl_sink {
	mnl_cb_t cb; /* each data message; MNL_CB_ERROR with errno set fails */
	void *data;
	/* forgets what cb collected, before each attempt */
	void (*reset)(void *data);
};

/*
 * Dumps RTM_GETLINK or RTM_GETADDR (family AF_UNSPEC) into sink, using buf
 * (MNL_SOCKET_DUMP_SIZE bytes) to receive. An interrupted answer is drained
 * and asked again, RTNL_DUMP_ATTEMPTS times in all. Returns 0 when sink has
 * a complete, consistent answer; -EINTR when every attempt was interrupted,
 * -ETIMEDOUT at the deadline, or another negative errno.
 */
int rtnl_dump(struct mnl_socket *nl, uint16_t type,
	      const struct rtnl_sink *sink, void *buf, double deadline);

/*
 * Asks, over a socket from rtnl_open_in bound with rtnl_setup, which id
 * the socket's namespace has given the network namespace ns_fd refers to
 * (RTM_GETNSID with NETNSA_FD; it never assigns one). buf holds
 * MNL_SOCKET_DUMP_SIZE bytes. Returns 0 and *nsid, which is
 * NETNSA_NSID_NOT_ASSIGNED (-1) when there is no id; -ETIMEDOUT at the
 * deadline, or another negative errno.
 */
int rtnl_nsid_get(struct mnl_socket *nl, int ns_fd, void *buf, double deadline,
		  int32_t *nsid);

#endif
