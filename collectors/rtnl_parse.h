/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding of rtnetlink dump answers without a socket: RTM_NEWLINK and
 * RTM_NEWADDR messages into small fixed-size structs, and the walk over the
 * datagrams of one dump, so that captured messages replay in tests exactly
 * as the kernel sent them.
 */
#ifndef NSE_RTNL_PARSE_H
#define NSE_RTNL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>

/* IFNAMSIZ: 15 bytes of name and the NUL */
#define RTNL_IFNAME_SIZE 16
/* MAX_ADDR_LEN: the longest link-layer address the kernel keeps */
#define RTNL_HWADDR_MAX 32
/* IFLA_INFO_KIND names are short ("veth", "macvlan", "ip6gretap") */
#define RTNL_KIND_SIZE 32

/*
 * The link counters, composed as the columns of /proc/net/dev (the kernel's
 * dev_seq_printf_stats) plus rx_nohandler, always from the 64-bit stats.
 */
enum rtnl_counter {
	RTNL_RX_BYTES,
	RTNL_RX_PACKETS,
	RTNL_RX_ERRS,	    /* rx_errors */
	RTNL_RX_DROP,	    /* rx_dropped + rx_missed_errors */
	RTNL_RX_FIFO,	    /* rx_fifo_errors */
	RTNL_RX_FRAME,	    /* rx_length, rx_over, rx_crc and rx_frame errors */
	RTNL_RX_COMPRESSED, /* rx_compressed */
	RTNL_RX_MULTICAST,  /* multicast */
	RTNL_RX_NOHANDLER,  /* rx_nohandler */
	RTNL_TX_BYTES,
	RTNL_TX_PACKETS,
	RTNL_TX_ERRS,	    /* tx_errors */
	RTNL_TX_DROP,	    /* tx_dropped */
	RTNL_TX_FIFO,	    /* tx_fifo_errors */
	RTNL_TX_COLLS,	    /* collisions */
	RTNL_TX_CARRIER,    /* tx_carrier, aborted, window, heartbeat errors */
	RTNL_TX_COMPRESSED, /* tx_compressed */
	RTNL_COUNTER_COUNT,
};

/* One network device as RTM_NEWLINK describes it. */
struct rtnl_link {
	uint64_t counters[RTNL_COUNTER_COUNT]; /* zero without IFLA_STATS64 */
	uint32_t ifindex;
	/*
	 * IFLA_LINK, ifindex when absent: the kernel omits it when it equals
	 * ifindex, except with IFLA_LINK_NETNSID (since Linux 5.6), where a
	 * device without a lower one (a vxlan) then sends its own index
	 */
	uint32_t iflink;
	/*
	 * IFLA_VXLAN_LINK of a vxlan: its lower device, an index in the link
	 * namespace (a vxlan has no IFLA_LINK); 0 when none or not a vxlan
	 */
	uint32_t vxlan_link;
	uint32_t master; /* IFLA_MASTER, 0 when none */
	uint32_t flags;	 /* ifi_flags (IFF_UP, ...) */
	uint32_t mtu;
	/* IFLA_LINK_NETNSID: an id only meaningful inside this namespace */
	int32_t link_netnsid;
	bool has_link_netnsid;
	uint8_t operstate; /* IF_OPER_* */
	uint8_t address_len;
	uint8_t broadcast_len;
	uint8_t address[RTNL_HWADDR_MAX];
	uint8_t broadcast[RTNL_HWADDR_MAX];
	char ifname[RTNL_IFNAME_SIZE];
	char kind[RTNL_KIND_SIZE]; /* IFLA_INFO_KIND, empty when none */
};

/* One address as RTM_NEWADDR describes it (AF_INET or AF_INET6). */
struct rtnl_addr {
	uint32_t ifindex;
	uint32_t flags; /* IFA_FLAGS (32 bits), else the 8-bit ifa_flags */
	uint8_t family;
	uint8_t prefixlen;
	uint8_t scope;
	/* IFA_LOCAL for IPv4 when present, else IFA_ADDRESS; 4 or 16 bytes */
	uint8_t address[16];
};

/*
 * Decodes one RTM_NEWLINK message whose nlmsg_len the caller has checked
 * against the buffer (mnl_cb_run does). Attributes we do not use are
 * skipped; those we read are validated. Returns 0 and fills link, or
 * -EINVAL for a malformed message (link then undefined).
 */
int rtnl_link_parse(const struct nlmsghdr *nlh, struct rtnl_link *link);

/*
 * Decodes one RTM_NEWADDR message, as rtnl_link_parse. Returns 0 and fills
 * addr, -EAFNOSUPPORT for a family other than AF_INET and AF_INET6 (to be
 * skipped), or -EINVAL for a malformed message.
 */
int rtnl_addr_parse(const struct nlmsghdr *nlh, struct rtnl_addr *addr);

/*
 * Decodes the answer to RTM_GETNSID: one RTM_NEWNSID message (checked as
 * rtnl_link_parse wants). Returns 0 and the id in *nsid, which is
 * NETNSA_NSID_NOT_ASSIGNED (-1) when the asking namespace has none for the
 * one asked about, or -EINVAL for a malformed message.
 */
int rtnl_nsid_parse(const struct nlmsghdr *nlh, int32_t *nsid);

/*
 * Feeds one datagram received after an RTM_GETNSID request with sequence
 * number seq on port portid. Returns 0 and *nsid when the answer was in
 * it, 1 when the datagram held no message of ours (keep reading), or a
 * negative errno: the kernel's error, -EINVAL for a malformed answer,
 * -EPROTO for a message of another request (sequence number) and -ESRCH
 * for one sent to another port.
 */
int rtnl_nsid_feed(const void *buf, size_t len, unsigned int seq,
		   unsigned int portid, int32_t *nsid);

/* Composes the /proc/net/dev columns from the kernel's 64-bit stats. */
void rtnl_stats_compose(const struct rtnl_link_stats64 *stats,
			uint64_t counters[RTNL_COUNTER_COUNT]);

/*
 * The walk over one dump answer, a datagram at a time. libmnl 1.0.4 stops
 * at the first message flagged NLM_F_DUMP_INTR and leaves the rest of the
 * answer unread; the walk then drains the datagrams up to NLMSG_DONE so
 * that the socket is clean for a retry.
 */
struct rtnl_dump {
	unsigned int seq;
	unsigned int portid;
	mnl_cb_t cb; /* called for each data message */
	void *data;
	bool interrupted;
};

/* Starts a walk; cb gets each data message with data. */
void rtnl_dump_init(struct rtnl_dump *dump, unsigned int seq,
		    unsigned int portid, mnl_cb_t cb, void *data);

/*
 * Feeds one received datagram. Returns 1 while the answer goes on, 0 when
 * it ended complete, -EINTR when it ended and was interrupted (what cb saw
 * is not a consistent list), or another negative errno: an error message
 * from the kernel, a message of another sequence or port, or what cb set
 * in errno when it returned MNL_CB_ERROR.
 */
int rtnl_dump_feed(struct rtnl_dump *dump, const void *buf, size_t len);

#endif
