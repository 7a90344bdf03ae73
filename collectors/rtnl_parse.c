/* SPDX-License-Identifier: Apache-2.0 */
/* Pure decoding of rtnetlink link and address dumps (no socket here). */
#include "rtnl_parse.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

/*
 * The attributes we read. Anything else, including types newer than these
 * headers, is skipped, so a newer kernel cannot break the parser.
 */
static const enum mnl_attr_data_type link_policy[IFLA_MAX + 1] = {
	[IFLA_ADDRESS] = MNL_TYPE_BINARY,    [IFLA_BROADCAST] = MNL_TYPE_BINARY,
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING, [IFLA_MTU] = MNL_TYPE_U32,
	[IFLA_LINK] = MNL_TYPE_U32,	     [IFLA_MASTER] = MNL_TYPE_U32,
	[IFLA_OPERSTATE] = MNL_TYPE_U8,	     [IFLA_LINKINFO] = MNL_TYPE_NESTED,
	[IFLA_STATS64] = MNL_TYPE_BINARY,    [IFLA_LINK_NETNSID] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type addr_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY,
	[IFA_LOCAL] = MNL_TYPE_BINARY,
	[IFA_FLAGS] = MNL_TYPE_U32,
};

/* The 64-bit stats up to tx_compressed, which every kernel since 2.6.35 sends.
 */
#define RTNL_STATS64_MIN_LEN offsetof(struct rtnl_link_stats64, rx_nohandler)

/*
 * Sorts the attributes in [attr, tail) into tb by type, skipping unused
 * ones and validating used ones. A trailing fragment too short to be an
 * attribute, or an attribute running past tail, makes the message
 * malformed: mnl_attr_parse would stop there silently.
 */
static int attrs_collect(const struct nlattr *attr, const char *tail,
			 const enum mnl_attr_data_type *policy,
			 unsigned int max, const struct nlattr **tb)
{
	unsigned int type;

	while (mnl_attr_ok(attr, (int)(tail - (const char *)attr))) {
		type = mnl_attr_get_type(attr);
		if (type <= max && policy[type] != MNL_TYPE_UNSPEC) {
			if (mnl_attr_validate(attr, policy[type]) < 0)
				return -EINVAL;
			tb[type] = attr;
		}
		attr = mnl_attr_next(attr);
	}
	return tail > (const char *)attr ? -EINVAL : 0;
}

static int attrs_of_message(const struct nlmsghdr *nlh, size_t header_len,
			    const enum mnl_attr_data_type *policy,
			    unsigned int max, const struct nlattr **tb)
{
	if (mnl_nlmsg_get_payload_len(nlh) < header_len)
		return -EINVAL;
	return attrs_collect(mnl_nlmsg_get_payload_offset(nlh, header_len),
			     mnl_nlmsg_get_payload_tail(nlh), policy, max, tb);
}

/* Copies a NUL-terminated (validated) string attribute into dst. */
static int attr_copy_string(const struct nlattr *attr, char *dst, size_t size)
{
	const char *text = mnl_attr_get_str(attr);
	size_t len = strnlen(text, mnl_attr_get_payload_len(attr));

	if (len >= size)
		return -EINVAL;
	memcpy(dst, text, len);
	dst[len] = '\0';
	return 0;
}

static int attr_copy_hwaddr(const struct nlattr *attr, uint8_t *dst,
			    uint8_t *len)
{
	uint16_t n = mnl_attr_get_payload_len(attr);

	if (n > RTNL_HWADDR_MAX)
		return -EINVAL;
	memcpy(dst, mnl_attr_get_payload(attr), n);
	*len = (uint8_t)n;
	return 0;
}

/* Sorts the attributes nested in nest into tb, as attrs_collect. */
static int attrs_of_nest(const struct nlattr *nest,
			 const enum mnl_attr_data_type *policy,
			 unsigned int max, const struct nlattr **tb)
{
	const char *tail = (const char *)mnl_attr_get_payload(nest) +
			   mnl_attr_get_payload_len(nest);

	return attrs_collect(mnl_attr_get_payload(nest), tail, policy, max, tb);
}

/* The lower device of a vxlan, from its IFLA_INFO_DATA. */
static int vxlan_link_parse(const struct nlattr *data, uint32_t *lower)
{
	static const enum mnl_attr_data_type policy[IFLA_VXLAN_MAX + 1] = {
		[IFLA_VXLAN_LINK] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1] = {NULL};
	int err;

	err = attrs_of_nest(data, policy, IFLA_VXLAN_MAX, tb);
	if (!err && tb[IFLA_VXLAN_LINK])
		*lower = mnl_attr_get_u32(tb[IFLA_VXLAN_LINK]);
	return err;
}

static int link_kind_parse(const struct nlattr *linkinfo,
			   struct rtnl_link *link)
{
	static const enum mnl_attr_data_type info_policy[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = MNL_TYPE_NUL_STRING,
		[IFLA_INFO_DATA] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = {NULL};
	int err;

	err = attrs_of_nest(linkinfo, info_policy, IFLA_INFO_MAX, tb);
	if (!err && tb[IFLA_INFO_KIND])
		err = attr_copy_string(tb[IFLA_INFO_KIND], link->kind,
				       RTNL_KIND_SIZE);
	/* the data's layout is the kind's own: only a vxlan's is read */
	if (!err && tb[IFLA_INFO_DATA] && !strcmp(link->kind, "vxlan"))
		err = vxlan_link_parse(tb[IFLA_INFO_DATA], &link->vxlan_link);
	return err;
}

static int link_stats_parse(const struct nlattr *attr,
			    uint64_t counters[RTNL_COUNTER_COUNT])
{
	struct rtnl_link_stats64 stats;
	uint16_t len = mnl_attr_get_payload_len(attr);

	/* older kernels send fewer fields, newer ones more: take ours */
	if (len < RTNL_STATS64_MIN_LEN)
		return -EINVAL;
	memset(&stats, 0, sizeof(stats));
	memcpy(&stats, mnl_attr_get_payload(attr),
	       len < sizeof(stats) ? len : sizeof(stats));
	rtnl_stats_compose(&stats, counters);
	return 0;
}

static int link_attrs_parse(const struct nlattr *const *tb,
			    struct rtnl_link *link)
{
	int err = 0;

	if (!tb[IFLA_IFNAME])
		return -EINVAL;
	err = attr_copy_string(tb[IFLA_IFNAME], link->ifname, RTNL_IFNAME_SIZE);
	if (!err && tb[IFLA_ADDRESS])
		err = attr_copy_hwaddr(tb[IFLA_ADDRESS], link->address,
				       &link->address_len);
	if (!err && tb[IFLA_BROADCAST])
		err = attr_copy_hwaddr(tb[IFLA_BROADCAST], link->broadcast,
				       &link->broadcast_len);
	if (!err && tb[IFLA_LINKINFO])
		err = link_kind_parse(tb[IFLA_LINKINFO], link);
	if (!err && tb[IFLA_STATS64])
		err = link_stats_parse(tb[IFLA_STATS64], link->counters);
	if (err)
		return err;
	if (tb[IFLA_MTU])
		link->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINK])
		link->iflink = mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_MASTER])
		link->master = mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_OPERSTATE])
		link->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_LINK_NETNSID]) {
		link->link_netnsid =
			(int32_t)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
		link->has_link_netnsid = true;
	}
	return 0;
}

int rtnl_link_parse(const struct nlmsghdr *nlh, struct rtnl_link *link)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {NULL};
	const struct ifinfomsg *ifi;
	int err;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -EINVAL;
	err = attrs_of_message(nlh, sizeof(*ifi), link_policy, IFLA_MAX, tb);
	if (err)
		return err;
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(link, 0, sizeof(*link));
	link->ifindex = (uint32_t)ifi->ifi_index;
	link->iflink = link->ifindex;
	link->flags = ifi->ifi_flags;
	return link_attrs_parse(tb, link);
}

int rtnl_addr_parse(const struct nlmsghdr *nlh, struct rtnl_addr *addr)
{
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	const struct ifaddrmsg *ifa;
	const struct nlattr *which;
	size_t len;
	int err;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return -EINVAL;
	err = attrs_of_message(nlh, sizeof(*ifa), addr_policy, IFA_MAX, tb);
	if (err)
		return err;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET)
		len = 4;
	else if (ifa->ifa_family == AF_INET6)
		len = 16;
	else
		return -EAFNOSUPPORT;
	/* IPv4 peers put the other end in IFA_ADDRESS; ours is IFA_LOCAL */
	which = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!which || mnl_attr_get_payload_len(which) != len)
		return -EINVAL;
	memset(addr, 0, sizeof(*addr));
	memcpy(addr->address, mnl_attr_get_payload(which), len);
	addr->ifindex = ifa->ifa_index;
	addr->family = ifa->ifa_family;
	addr->prefixlen = ifa->ifa_prefixlen;
	addr->scope = ifa->ifa_scope;
	addr->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS])
				    : ifa->ifa_flags;
	return 0;
}

void rtnl_stats_compose(const struct rtnl_link_stats64 *s,
			uint64_t counters[RTNL_COUNTER_COUNT])
{
	counters[RTNL_RX_BYTES] = s->rx_bytes;
	counters[RTNL_RX_PACKETS] = s->rx_packets;
	counters[RTNL_RX_ERRS] = s->rx_errors;
	counters[RTNL_RX_DROP] = s->rx_dropped + s->rx_missed_errors;
	counters[RTNL_RX_FIFO] = s->rx_fifo_errors;
	counters[RTNL_RX_FRAME] = s->rx_length_errors + s->rx_over_errors +
				  s->rx_crc_errors + s->rx_frame_errors;
	counters[RTNL_RX_COMPRESSED] = s->rx_compressed;
	counters[RTNL_RX_MULTICAST] = s->multicast;
	counters[RTNL_RX_NOHANDLER] = s->rx_nohandler;
	counters[RTNL_TX_BYTES] = s->tx_bytes;
	counters[RTNL_TX_PACKETS] = s->tx_packets;
	counters[RTNL_TX_ERRS] = s->tx_errors;
	counters[RTNL_TX_DROP] = s->tx_dropped;
	counters[RTNL_TX_FIFO] = s->tx_fifo_errors;
	counters[RTNL_TX_COLLS] = s->collisions;
	counters[RTNL_TX_CARRIER] = s->tx_carrier_errors +
				    s->tx_aborted_errors + s->tx_window_errors +
				    s->tx_heartbeat_errors;
	counters[RTNL_TX_COMPRESSED] = s->tx_compressed;
}

void rtnl_dump_init(struct rtnl_dump *dump, unsigned int seq,
		    unsigned int portid, mnl_cb_t cb, void *data)
{
	memset(dump, 0, sizeof(*dump));
	dump->seq = seq;
	dump->portid = portid;
	dump->cb = cb;
	dump->data = data;
}

/* True when buf holds the message that ends our answer. */
static bool dump_ends_in(const struct rtnl_dump *dump, const void *buf,
			 size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (!mnl_nlmsg_seq_ok(nlh, dump->seq))
			continue;
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR)
			return true;
	}
	return false;
}

/* An error message ends the answer; errno 0 is an acknowledgement. */
static int dump_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/*
 * NLMSG_DONE carries the dump's final status: a negative errno there means
 * the answer stopped short (libmnl 1.0.4 ignores it).
 */
static int dump_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int status;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(status)) {
		memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
		if (status < 0) {
			errno = -status;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* not const: libmnl 1.0.4 declares the array parameter without it */
static mnl_cb_t dump_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = dump_error_cb,
	[NLMSG_DONE] = dump_done_cb,
};

int rtnl_dump_feed(struct rtnl_dump *dump, const void *buf, size_t len)
{
	int ret;

	if (!dump->interrupted) {
		errno = 0;
		ret = mnl_cb_run2(buf, len, dump->seq, dump->portid, dump->cb,
				  dump->data, dump_ctl_cb, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret > MNL_CB_STOP)
			return 1;
		if (errno != EINTR)
			return errno ? -errno : -EPROTO;
		dump->interrupted = true;
	}
	/* the kernel flags NLMSG_DONE too, so the drain ends at it */
	return dump_ends_in(dump, buf, len) ? -EINTR : 1;
}

int rtnl_nsid_parse(const struct nlmsghdr *nlh, int32_t *nsid)
{
	static const enum mnl_attr_data_type nsid_policy[NETNSA_MAX + 1] = {
		[NETNSA_NSID] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[NETNSA_MAX + 1] = {NULL};
	int err;

	if (nlh->nlmsg_type != RTM_NEWNSID)
		return -EINVAL;
	err = attrs_of_message(nlh, sizeof(struct rtgenmsg), nsid_policy,
			       NETNSA_MAX, tb);
	if (err)
		return err;
	if (!tb[NETNSA_NSID])
		return -EINVAL;
	*nsid = (int32_t)mnl_attr_get_u32(tb[NETNSA_NSID]);
	return 0;
}

struct nsid_answer {
	int32_t nsid;
	bool found;
};

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nsid_answer *answer = data;
	int err = rtnl_nsid_parse(nlh, &answer->nsid);

	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	answer->found = true;
	return MNL_CB_STOP;
}

int rtnl_nsid_feed(const void *buf, size_t len, unsigned int seq,
		   unsigned int portid, int32_t *nsid)
{
	struct nsid_answer answer = {0, false};
	int ret;

	errno = 0;
	ret = mnl_cb_run2(buf, len, seq, portid, nsid_cb, &answer, dump_ctl_cb,
			  NLMSG_MIN_TYPE);
	if (ret < 0)
		return errno ? -errno : -EPROTO;
	if (answer.found) {
		*nsid = answer.nsid;
		return 0;
	}
	/* an acknowledgement or a dump's end answers no RTM_GETNSID */
	return ret == MNL_CB_STOP ? -EPROTO : 1;
}
