// SPDX-License-Identifier: Apache-2.0
/*
 * The rtnetlink parser on dumps captured from real namespaces (see
 * tests/fixtures/netlink/README.md) and on messages built here to be odd:
 * truncated, malformed, or carrying attributes the parser does not know.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "rtnl_parse.h"

#define TEST_MAX_LINKS 16
#define TEST_MAX_ADDRS 16

struct blob {
	char *data;
	size_t len;
};

static struct blob blob_load(const char *name)
{
	char path[512];
	struct blob blob = {NULL, 0};
	FILE *file;
	long size;

	snprintf(path, sizeof(path), "%s/netlink/%s", NSE_FIXTURES, name);
	file = fopen(path, "rb");
	assert_non_null(file);
	assert_int_equal(fseek(file, 0, SEEK_END), 0);
	size = ftell(file);
	assert_true(size > 0);
	rewind(file);
	blob.data = malloc((size_t)size);
	assert_non_null(blob.data);
	assert_int_equal(fread(blob.data, 1, (size_t)size, file), (size_t)size);
	fclose(file);
	blob.len = (size_t)size;
	return blob;
}

/* Every message of a captured answer, in order. */
static size_t blob_messages(const struct blob *blob, struct nlmsghdr **out,
			    size_t max)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)blob->data;
	int left = (int)blob->len;
	size_t n = 0;

	while (mnl_nlmsg_ok(nlh, left)) {
		assert_true(n < max);
		out[n++] = nlh;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	assert_int_equal(left, 0);
	return n;
}

static size_t parse_links(const char *name, struct rtnl_link *links)
{
	struct blob blob = blob_load(name);
	struct nlmsghdr *msgs[64];
	size_t i, n, count = 0;

	n = blob_messages(&blob, msgs, 64);
	for (i = 0; i < n; i++) {
		if (msgs[i]->nlmsg_type != RTM_NEWLINK)
			continue;
		assert_true(count < TEST_MAX_LINKS);
		assert_int_equal(rtnl_link_parse(msgs[i], &links[count]), 0);
		count++;
	}
	assert_int_equal(msgs[n - 1]->nlmsg_type, NLMSG_DONE);
	free(blob.data);
	return count;
}

static const struct rtnl_link *find_link(const struct rtnl_link *links,
					 size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(links[i].ifname, name))
			return &links[i];
	}
	fail_msg("no link %s", name);
	return NULL;
}

static void assert_mac(const uint8_t *got, uint8_t got_len, const char *want)
{
	uint8_t bytes[RTNL_HWADDR_MAX];
	unsigned int b[6];

	assert_int_equal(sscanf(want, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2],
				&b[3], &b[4], &b[5]),
			 6);
	for (int i = 0; i < 6; i++)
		bytes[i] = (uint8_t)b[i];
	assert_int_equal(got_len, 6);
	assert_memory_equal(got, bytes, 6);
}

static void links_fixture_reads_loopback_past_2_to_32(void **state)
{
	struct rtnl_link links[TEST_MAX_LINKS];
	const struct rtnl_link *lo;
	size_t n;

	(void)state;
	n = parse_links("links-a.bin", links);
	assert_int_equal(n, 7);
	lo = find_link(links, n, "lo");
	assert_int_equal(lo->ifindex, 1);
	assert_int_equal(lo->iflink, 1);
	assert_int_equal(lo->mtu, 65536);
	assert_int_equal(lo->operstate, IF_OPER_UNKNOWN);
	assert_true(lo->flags & IFF_UP);
	assert_true(lo->flags & IFF_LOOPBACK);
	assert_mac(lo->address, lo->address_len, "00:00:00:00:00:00");
	assert_string_equal(lo->kind, "");
	assert_false(lo->has_link_netnsid);
	/* 80 000 datagrams of 65 028 bytes: the 32-bit copy says 907 272 704 */
	assert_int_equal(lo->counters[RTNL_RX_BYTES], 5202240000ULL);
	assert_int_equal(lo->counters[RTNL_TX_BYTES], 5202240000ULL);
	assert_int_equal(lo->counters[RTNL_RX_PACKETS], 80000);
	assert_int_equal(lo->counters[RTNL_TX_PACKETS], 80000);
	assert_int_equal(lo->counters[RTNL_RX_DROP], 0);
}

static void links_fixture_reads_veth_bridge_and_odd_names(void **state)
{
	struct rtnl_link links[TEST_MAX_LINKS];
	const struct rtnl_link *link;
	size_t n;

	(void)state;
	n = parse_links("links-a.bin", links);

	link = find_link(links, n, "vA");
	assert_int_equal(link->ifindex, 2);
	assert_string_equal(link->kind, "veth");
	assert_int_equal(link->operstate, IF_OPER_UP);
	assert_int_equal(link->mtu, 1500);
	assert_mac(link->address, link->address_len, "02:00:00:00:00:0a");
	assert_mac(link->broadcast, link->broadcast_len, "ff:ff:ff:ff:ff:ff");
	/* the peer vB is index 2 in the other namespace, id 0 seen from here */
	assert_int_equal(link->iflink, 2);
	assert_true(link->has_link_netnsid);
	assert_int_equal(link->link_netnsid, 0);
	assert_int_equal(link->vxlan_link, 0);
	assert_int_equal(link->counters[RTNL_RX_BYTES], 266);
	assert_int_equal(link->counters[RTNL_RX_PACKETS], 3);
	assert_int_equal(link->counters[RTNL_TX_BYTES], 516);
	assert_int_equal(link->counters[RTNL_TX_PACKETS], 6);

	link = find_link(links, n, "vD");
	assert_int_equal(link->ifindex, 3);
	assert_int_equal(link->iflink, 4);
	assert_false(link->has_link_netnsid);
	assert_int_equal(link->master, 5);
	assert_int_equal(link->operstate, IF_OPER_DOWN);
	assert_false(link->flags & IFF_UP);

	link = find_link(links, n, "br0");
	assert_int_equal(link->ifindex, 5);
	assert_string_equal(link->kind, "bridge");
	assert_int_equal(link->master, 0);
	assert_int_equal(link->iflink, 5);
	assert_int_equal(link->counters[RTNL_TX_DROP], 3);
	assert_mac(link->address, link->address_len, "02:00:00:00:00:b0");

	link = find_link(links, n, "a\"b\\c#d{e");
	assert_int_equal(link->ifindex, 6);
	assert_mac(link->address, link->address_len, "02:00:00:00:00:e1");

	link = find_link(links, n, "abcdefghijklmno");
	assert_int_equal(link->ifindex, 7);
	assert_int_equal(strlen(link->ifname), 15);
}

static void links_fixture_peer_side_has_its_own_netnsid(void **state)
{
	struct rtnl_link links[TEST_MAX_LINKS];
	const struct rtnl_link *link;
	size_t n;

	(void)state;
	n = parse_links("links-b.bin", links);
	assert_int_equal(n, 2);
	link = find_link(links, n, "vB");
	assert_int_equal(link->ifindex, 2);
	assert_int_equal(link->iflink, 2);
	assert_true(link->has_link_netnsid);
	assert_int_equal(link->link_netnsid, 0);
	assert_mac(link->address, link->address_len, "02:00:00:00:00:0b");
}

struct want_addr {
	uint32_t ifindex;
	uint8_t family;
	const char *text;
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t flags;
};

static void addrs_fixture_lists_every_state(void **state)
{
	/* the kernel's order: IPv4 by device, then IPv6 by device */
	static const struct want_addr want[] = {
		{1, AF_INET, "127.0.0.1", 8, RT_SCOPE_HOST, IFA_F_PERMANENT},
		{2, AF_INET, "192.0.2.1", 24, RT_SCOPE_UNIVERSE,
		 IFA_F_PERMANENT},
		/* a point-to-point address: ours is IFA_LOCAL, not the peer */
		{4, AF_INET, "198.51.100.1", 32, RT_SCOPE_UNIVERSE,
		 IFA_F_PERMANENT},
		{1, AF_INET6, "::1", 128, RT_SCOPE_HOST, IFA_F_PERMANENT},
		{2, AF_INET6, "2001:db8:8::1", 64, RT_SCOPE_UNIVERSE,
		 IFA_F_PERMANENT | IFA_F_DEPRECATED | IFA_F_NODAD},
		{2, AF_INET6, "2001:db8:6::1", 64, RT_SCOPE_UNIVERSE,
		 IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED},
		{2, AF_INET6, "fe80::1", 64, RT_SCOPE_LINK,
		 IFA_F_PERMANENT | IFA_F_NODAD},
		{5, AF_INET6, "2001:db8:7::1", 64, RT_SCOPE_UNIVERSE,
		 IFA_F_PERMANENT | IFA_F_TENTATIVE},
		{5, AF_INET6, "fe80::1", 64, RT_SCOPE_LINK,
		 IFA_F_PERMANENT | IFA_F_NODAD},
	};
	struct blob blob = blob_load("addrs-a.bin");
	struct nlmsghdr *msgs[64];
	struct rtnl_addr addr;
	char text[INET6_ADDRSTRLEN];
	size_t i, n, count = 0;

	(void)state;
	n = blob_messages(&blob, msgs, 64);
	for (i = 0; i < n; i++) {
		if (msgs[i]->nlmsg_type != RTM_NEWADDR)
			continue;
		assert_true(count < sizeof(want) / sizeof(want[0]));
		assert_int_equal(rtnl_addr_parse(msgs[i], &addr), 0);
		assert_non_null(inet_ntop(addr.family, addr.address, text,
					  sizeof(text)));
		assert_string_equal(text, want[count].text);
		assert_int_equal(addr.ifindex, want[count].ifindex);
		assert_int_equal(addr.family, want[count].family);
		assert_int_equal(addr.prefixlen, want[count].prefixlen);
		assert_int_equal(addr.scope, want[count].scope);
		assert_int_equal(addr.flags, want[count].flags);
		count++;
	}
	assert_int_equal(count, sizeof(want) / sizeof(want[0]));
	free(blob.data);
}

static void stats_compose_sums_like_proc_net_dev(void **state)
{
	struct rtnl_link_stats64 s;
	uint64_t c[RTNL_COUNTER_COUNT];
	uint64_t *field = (uint64_t *)&s;
	size_t i;

	(void)state;
	/* each field a distinct bit, so a wrong or missing term shows */
	for (i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
		field[i] = 1ULL << i;
	rtnl_stats_compose(&s, c);
	assert_int_equal(c[RTNL_RX_BYTES], s.rx_bytes);
	assert_int_equal(c[RTNL_RX_PACKETS], s.rx_packets);
	assert_int_equal(c[RTNL_RX_ERRS], s.rx_errors);
	assert_int_equal(c[RTNL_RX_DROP], s.rx_dropped | s.rx_missed_errors);
	assert_int_equal(c[RTNL_RX_FIFO], s.rx_fifo_errors);
	assert_int_equal(c[RTNL_RX_FRAME],
			 s.rx_length_errors | s.rx_over_errors |
				 s.rx_crc_errors | s.rx_frame_errors);
	assert_int_equal(c[RTNL_RX_COMPRESSED], s.rx_compressed);
	assert_int_equal(c[RTNL_RX_MULTICAST], s.multicast);
	assert_int_equal(c[RTNL_RX_NOHANDLER], s.rx_nohandler);
	assert_int_equal(c[RTNL_TX_BYTES], s.tx_bytes);
	assert_int_equal(c[RTNL_TX_PACKETS], s.tx_packets);
	assert_int_equal(c[RTNL_TX_ERRS], s.tx_errors);
	assert_int_equal(c[RTNL_TX_DROP], s.tx_dropped);
	assert_int_equal(c[RTNL_TX_FIFO], s.tx_fifo_errors);
	assert_int_equal(c[RTNL_TX_COLLS], s.collisions);
	assert_int_equal(c[RTNL_TX_CARRIER],
			 s.tx_carrier_errors | s.tx_aborted_errors |
				 s.tx_window_errors | s.tx_heartbeat_errors);
	assert_int_equal(c[RTNL_TX_COMPRESSED], s.tx_compressed);
}

/* A link message built here: ifinfomsg, then what the test adds. */
static struct nlmsghdr *link_msg(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	return nlh;
}

static void link_skips_unknown_attributes(void **state)
{
	char buf[1024] __attribute__((aligned(8))) = {0};
	struct nlmsghdr *nlh = link_msg(buf, 9);
	struct rtnl_link link;
	struct nlattr *nest;
	uint64_t junk = 42;

	(void)state;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth9");
	/* newer than any header we have, and one we do not use */
	mnl_attr_put(nlh, 0x3ff0, sizeof(junk), &junk);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 7);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_u32(nlh, 0x3ff1, 1);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1450);

	assert_int_equal(rtnl_link_parse(nlh, &link), 0);
	assert_string_equal(link.ifname, "eth9");
	assert_string_equal(link.kind, "vxlan");
	assert_int_equal(link.mtu, 1450);
	assert_int_equal(link.ifindex, 9);
	assert_int_equal(link.iflink, 9);
	assert_int_equal(link.address_len, 0);
	assert_int_equal(link.counters[RTNL_RX_BYTES], 0);
}

/*
 * A vxlan moved to another namespace: IFLA_LINK_NETNSID, and IFLA_LINK
 * left out as older kernels do (newer ones send the vxlan's own index).
 */
static struct nlmsghdr *vxlan_msg(char *buf, const char *kind, bool data_first,
				  uint16_t link_len)
{
	struct nlmsghdr *nlh = link_msg(buf, 5);
	struct nlattr *info, *data;
	uint32_t lower = 3;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "vx0");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	if (!data_first)
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, 42);
	mnl_attr_put(nlh, IFLA_VXLAN_LINK, link_len, &lower);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(4789));
	mnl_attr_nest_end(nlh, data);
	if (data_first)
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 1);
	return nlh;
}

static void link_reads_lower_device_of_a_vxlan(void **state)
{
	char buf[1024] __attribute__((aligned(8)));
	struct rtnl_link link;

	(void)state;
	for (int data_first = 0; data_first < 2; data_first++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(
			rtnl_link_parse(vxlan_msg(buf, "vxlan", data_first, 4),
					&link),
			0);
		assert_string_equal(link.kind, "vxlan");
		assert_int_equal(link.vxlan_link, 3);
		assert_int_equal(link.iflink, 5);
		assert_true(link.has_link_netnsid);
		assert_int_equal(link.link_netnsid, 1);
	}
	/* another kind's data has its own layout: not read as a vxlan's */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
		rtnl_link_parse(vxlan_msg(buf, "macvlan", false, 4), &link), 0);
	assert_int_equal(link.vxlan_link, 0);
	/* a vxlan's lower index of two bytes is malformed */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
		rtnl_link_parse(vxlan_msg(buf, "vxlan", false, 2), &link),
		-EINVAL);
}

/* RTM_NEWNSID as the kernel answers RTM_GETNSID: rtgenmsg, NETNSA_NSID. */
static struct nlmsghdr *nsid_msg(char *buf, unsigned int seq, int32_t nsid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *gen;

	nlh->nlmsg_type = RTM_NEWNSID;
	nlh->nlmsg_seq = seq;
	gen = mnl_nlmsg_put_extra_header(nlh, sizeof(*gen));
	gen->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)nsid);
	return nlh;
}

static void nsid_parse_reads_assigned_and_missing_ids(void **state)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int32_t nsid = 99;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rtnl_nsid_parse(nsid_msg(buf, 1, 7), &nsid), 0);
	assert_int_equal(nsid, 7);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
		rtnl_nsid_parse(nsid_msg(buf, 1, NETNSA_NSID_NOT_ASSIGNED),
				&nsid),
		0);
	assert_int_equal(nsid, -1);

	/* newer attributes are skipped; a missing id is malformed */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNSID;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtgenmsg));
	mnl_attr_put_u32(nlh, 0x3ff0, 1);
	assert_int_equal(rtnl_nsid_parse(nlh, &nsid), -EINVAL);
	mnl_attr_put_u32(nlh, NETNSA_NSID, 4);
	assert_int_equal(rtnl_nsid_parse(nlh, &nsid), 0);
	assert_int_equal(nsid, 4);
	/* another message type, and a short id */
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(rtnl_nsid_parse(nlh, &nsid), -EINVAL);
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNSID;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtgenmsg));
	mnl_attr_put_u16(nlh, NETNSA_NSID, 4);
	assert_int_equal(rtnl_nsid_parse(nlh, &nsid), -EINVAL);
	assert_int_equal(nsid, 4);
}

static void nsid_feed_takes_only_our_answer(void **state)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct nlmsgerr *err;
	int32_t nsid = 99;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = nsid_msg(buf, 41, 3);
	nlh->nlmsg_pid = 1234;
	assert_int_equal(rtnl_nsid_feed(buf, nlh->nlmsg_len, 41, 1234, &nsid),
			 0);
	assert_int_equal(nsid, 3);
	/* the answer to an earlier request, or to another socket */
	nsid = 99;
	assert_int_equal(rtnl_nsid_feed(buf, nlh->nlmsg_len, 42, 1234, &nsid),
			 -EPROTO);
	assert_int_equal(rtnl_nsid_feed(buf, nlh->nlmsg_len, 41, 99, &nsid),
			 -ESRCH);
	assert_int_equal(nsid, 99);
	/* nothing in the datagram: keep reading */
	assert_int_equal(rtnl_nsid_feed(buf, 0, 41, 1234, &nsid), 1);

	/* the kernel refused (a closed descriptor, say) */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 41;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = -EBADF;
	assert_int_equal(rtnl_nsid_feed(buf, nlh->nlmsg_len, 41, 0, &nsid),
			 -EBADF);
	/* an acknowledgement carries no id */
	err->error = 0;
	assert_int_equal(rtnl_nsid_feed(buf, nlh->nlmsg_len, 41, 0, &nsid),
			 -EPROTO);
	assert_int_equal(nsid, 99);
}

static void link_takes_stats64_of_older_and_newer_kernels(void **state)
{
	char buf[1024] __attribute__((aligned(8))) = {0};
	struct nlmsghdr *nlh;
	struct rtnl_link_stats64 stats;
	struct rtnl_link link;
	char longer[sizeof(stats) + 16];

	(void)state;
	memset(&stats, 0, sizeof(stats));
	stats.rx_bytes = 5016444477ULL;
	stats.rx_nohandler = 7;

	/* a kernel before rx_nohandler sends 23 fields */
	nlh = link_msg(buf, 1);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	mnl_attr_put(nlh, IFLA_STATS64,
		     offsetof(struct rtnl_link_stats64, rx_nohandler), &stats);
	assert_int_equal(rtnl_link_parse(nlh, &link), 0);
	assert_int_equal(link.counters[RTNL_RX_BYTES], 5016444477ULL);
	assert_int_equal(link.counters[RTNL_RX_NOHANDLER], 0);

	/* a newer kernel appends fields we do not know */
	memset(longer, 0x5a, sizeof(longer));
	memcpy(longer, &stats, sizeof(stats));
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 1);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	mnl_attr_put(nlh, IFLA_STATS64, sizeof(longer), longer);
	assert_int_equal(rtnl_link_parse(nlh, &link), 0);
	assert_int_equal(link.counters[RTNL_RX_BYTES], 5016444477ULL);
	assert_int_equal(link.counters[RTNL_RX_NOHANDLER], 7);

	/* shorter than any kernel sends: malformed */
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 1);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	mnl_attr_put(nlh, IFLA_STATS64, 64, &stats);
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);
}

static void link_rejects_malformed_messages(void **state)
{
	char buf[1024] __attribute__((aligned(8)));
	char name[20];
	struct nlmsghdr *nlh;
	struct rtnl_link link;
	uint16_t mtu16 = 1500;
	uint8_t hwaddr[RTNL_HWADDR_MAX + 1] = {0};
	uint32_t saved;

	(void)state;
	/* no name */
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 3);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);

	/* an MTU of two bytes */
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 3);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "x");
	mnl_attr_put(nlh, IFLA_MTU, sizeof(mtu16), &mtu16);
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);

	/* a name without its NUL, and one longer than IFNAMSIZ */
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 3);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 3);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);

	/* a link-layer address longer than MAX_ADDR_LEN */
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 3);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "x");
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(hwaddr), hwaddr);
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);

	/* the last attribute cut short: its length runs past the message */
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, 3);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "x");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	saved = nlh->nlmsg_len;
	nlh->nlmsg_len = saved - 4;
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);
	/* and a message too short for its ifinfomsg */
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);
	/* not a link message at all */
	nlh->nlmsg_len = saved;
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(rtnl_link_parse(nlh, &link), -EINVAL);
}

/* Offsets (from nlh) where the top-level attributes of nlh end. */
static size_t attr_ends(const struct nlmsghdr *nlh, uint32_t *ends, size_t max,
			uint32_t *name_end)
{
	const struct nlattr *attr;
	size_t n = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg))
	{
		assert_true(n < max);
		ends[n] = (uint32_t)((const char *)mnl_attr_next(attr) -
				     (const char *)nlh);
		if (mnl_attr_get_type(attr) == IFLA_IFNAME)
			*name_end = ends[n];
		n++;
	}
	return n;
}

static void links_fixture_cut_anywhere_is_rejected(void **state)
{
	struct blob blob = blob_load("links-a.bin");
	struct nlmsghdr *msgs[64];
	struct rtnl_link link;
	uint32_t ends[128], full, len, name_end = 0;
	size_t n, n_ends, k;
	bool boundary;

	(void)state;
	n = blob_messages(&blob, msgs, 64);
	assert_true(n > 2);
	n_ends = attr_ends(msgs[1], ends, 128, &name_end);
	assert_true(n_ends > 10);
	assert_true(name_end > 0);
	/*
	 * Cut the second device's message at every length below its own:
	 * only a cut between two attributes (give or take the padding),
	 * after the name, leaves a valid shorter message; every other cut
	 * is rejected.
	 */
	full = msgs[1]->nlmsg_len;
	for (len = NLMSG_HDRLEN; len < full; len++) {
		msgs[1]->nlmsg_len = len;
		boundary = false;
		/* libmnl reads a message up to its 4-byte aligned end */
		for (k = 0; k < n_ends; k++)
			boundary = boundary || ends[k] == MNL_ALIGN(len);
		assert_int_equal(
			rtnl_link_parse(msgs[1], &link),
			boundary && MNL_ALIGN(len) >= name_end ? 0 : -EINVAL);
	}
	msgs[1]->nlmsg_len = full;
	assert_int_equal(rtnl_link_parse(msgs[1], &link), 0);
	free(blob.data);
}

static struct nlmsghdr *addr_msg(char *buf, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = 4;
	ifa->ifa_flags = IFA_F_SECONDARY;
	return nlh;
}

static void addr_checks_family_and_lengths(void **state)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct rtnl_addr addr;
	uint8_t v4[4] = {192, 0, 2, 7}, v6[16] = {0x20, 0x01, 0x0d, 0xb8};

	(void)state;
	/* without IFA_FLAGS the 8-bit field counts; unknown attrs skipped */
	memset(buf, 0, sizeof(buf));
	nlh = addr_msg(buf, AF_INET);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, v4);
	mnl_attr_put_strz(nlh, IFA_LABEL, "eth0:1");
	mnl_attr_put_u32(nlh, 0x3ff0, 5);
	assert_int_equal(rtnl_addr_parse(nlh, &addr), 0);
	assert_memory_equal(addr.address, v4, 4);
	assert_int_equal(addr.flags, IFA_F_SECONDARY);
	assert_int_equal(addr.ifindex, 4);
	assert_int_equal(addr.prefixlen, 24);

	/* an IPv4 address of 16 bytes is malformed */
	memset(buf, 0, sizeof(buf));
	nlh = addr_msg(buf, AF_INET);
	mnl_attr_put(nlh, IFA_LOCAL, 16, v6);
	assert_int_equal(rtnl_addr_parse(nlh, &addr), -EINVAL);

	/* and so is an IPv6 message without any address */
	memset(buf, 0, sizeof(buf));
	nlh = addr_msg(buf, AF_INET6);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	assert_int_equal(rtnl_addr_parse(nlh, &addr), -EINVAL);

	/* IFA_FLAGS of the wrong size */
	memset(buf, 0, sizeof(buf));
	nlh = addr_msg(buf, AF_INET6);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, v6);
	mnl_attr_put_u8(nlh, IFA_FLAGS, 1);
	assert_int_equal(rtnl_addr_parse(nlh, &addr), -EINVAL);

	/* another family is not an error: the caller skips it */
	memset(buf, 0, sizeof(buf));
	nlh = addr_msg(buf, AF_PACKET);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, v4);
	assert_int_equal(rtnl_addr_parse(nlh, &addr), -EAFNOSUPPORT);
}

/* A dump sink that counts what reached it. */
static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	size_t *count = data;
	struct rtnl_link link;

	if (rtnl_link_parse(nlh, &link) < 0) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	(*count)++;
	return MNL_CB_OK;
}

static void dump_feed_reads_whole_answer(void **state)
{
	struct blob blob = blob_load("links-a.bin");
	struct nlmsghdr *msgs[64];
	struct rtnl_dump dump;
	size_t i, n, count = 0;

	(void)state;
	/* in one piece */
	rtnl_dump_init(&dump, 0, 0, count_cb, &count);
	assert_int_equal(rtnl_dump_feed(&dump, blob.data, blob.len), 0);
	assert_int_equal(count, 7);

	/* a message per datagram: every one but the last says "more" */
	n = blob_messages(&blob, msgs, 64);
	count = 0;
	rtnl_dump_init(&dump, msgs[0]->nlmsg_seq, msgs[0]->nlmsg_pid, count_cb,
		       &count);
	for (i = 0; i + 1 < n; i++)
		assert_int_equal(
			rtnl_dump_feed(&dump, msgs[i], msgs[i]->nlmsg_len), 1);
	assert_int_equal(
		rtnl_dump_feed(&dump, msgs[n - 1], msgs[n - 1]->nlmsg_len), 0);
	assert_int_equal(count, 7);
	free(blob.data);
}

static int addr_count_cb(const struct nlmsghdr *nlh, void *data)
{
	size_t *count = data;
	struct rtnl_addr addr;

	assert_int_equal(rtnl_addr_parse(nlh, &addr), 0);
	(*count)++;
	return MNL_CB_OK;
}

static void dump_feed_drains_interrupted_answer(void **state)
{
	struct blob blob = blob_load("addrs-a.bin");
	struct nlmsghdr *msgs[64];
	struct rtnl_dump dump;
	size_t i, n, count = 0;

	(void)state;
	n = blob_messages(&blob, msgs, 64);
	/* as the kernel does: every message from the change on is flagged */
	for (i = 2; i < n; i++)
		msgs[i]->nlmsg_flags |= NLM_F_DUMP_INTR;
	rtnl_dump_init(&dump, 0, 0, addr_count_cb, &count);
	for (i = 0; i + 1 < n; i++)
		assert_int_equal(
			rtnl_dump_feed(&dump, msgs[i], msgs[i]->nlmsg_len), 1);
	assert_true(dump.interrupted);
	assert_int_equal(
		rtnl_dump_feed(&dump, msgs[n - 1], msgs[n - 1]->nlmsg_len),
		-EINTR);
	/* the walk stopped handing messages over at the first flagged one */
	assert_int_equal(count, 2);

	/* in one piece, the flag on NLMSG_DONE alone still fails the walk */
	for (i = 0; i < n; i++)
		msgs[i]->nlmsg_flags &= ~NLM_F_DUMP_INTR;
	msgs[n - 1]->nlmsg_flags |= NLM_F_DUMP_INTR;
	count = 0;
	rtnl_dump_init(&dump, 0, 0, addr_count_cb, &count);
	assert_int_equal(rtnl_dump_feed(&dump, blob.data, blob.len), -EINTR);
	assert_int_equal(count, n - 1);
	free(blob.data);
}

static void dump_feed_reports_kernel_errors(void **state)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct nlmsgerr *err;
	struct rtnl_dump dump;
	size_t count = 0;
	int status;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 7;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = -EPERM;
	rtnl_dump_init(&dump, 7, 0, addr_count_cb, &count);
	assert_int_equal(rtnl_dump_feed(&dump, buf, nlh->nlmsg_len), -EPERM);

	/* an answer of another request */
	rtnl_dump_init(&dump, 8, 0, addr_count_cb, &count);
	assert_int_equal(rtnl_dump_feed(&dump, buf, nlh->nlmsg_len), -EPROTO);

	/* NLMSG_DONE that says the dump stopped short */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	status = -ENOBUFS;
	mnl_nlmsg_put_extra_header(nlh, sizeof(status));
	memcpy(mnl_nlmsg_get_payload(nlh), &status, sizeof(status));
	rtnl_dump_init(&dump, 0, 0, addr_count_cb, &count);
	assert_int_equal(rtnl_dump_feed(&dump, buf, nlh->nlmsg_len), -ENOBUFS);

	/* and one that says all is well */
	status = 0;
	memcpy(mnl_nlmsg_get_payload(nlh), &status, sizeof(status));
	rtnl_dump_init(&dump, 0, 0, addr_count_cb, &count);
	assert_int_equal(rtnl_dump_feed(&dump, buf, nlh->nlmsg_len), 0);
	assert_int_equal(count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(links_fixture_reads_loopback_past_2_to_32),
		cmocka_unit_test(links_fixture_reads_veth_bridge_and_odd_names),
		cmocka_unit_test(links_fixture_peer_side_has_its_own_netnsid),
		cmocka_unit_test(addrs_fixture_lists_every_state),
		cmocka_unit_test(stats_compose_sums_like_proc_net_dev),
		cmocka_unit_test(link_skips_unknown_attributes),
		cmocka_unit_test(link_takes_stats64_of_older_and_newer_kernels),
		cmocka_unit_test(link_rejects_malformed_messages),
		cmocka_unit_test(links_fixture_cut_anywhere_is_rejected),
		cmocka_unit_test(addr_checks_family_and_lengths),
		cmocka_unit_test(dump_feed_reads_whole_answer),
		cmocka_unit_test(dump_feed_drains_interrupted_answer),
		cmocka_unit_test(dump_feed_reports_kernel_errors),
		cmocka_unit_test(link_reads_lower_device_of_a_vxlan),
		cmocka_unit_test(nsid_parse_reads_assigned_and_missing_ids),
		cmocka_unit_test(nsid_feed_takes_only_our_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
