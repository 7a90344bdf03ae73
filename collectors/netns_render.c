/* SPDX-License-Identifier: Apache-2.0 */
/* Storage and rendering of network devices and addresses per namespace. */
#include "netns_render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>

#include "array.h"

/* Rough label text per device and per address, to reserve it at once. */
#define NETNS_DEVICE_LABEL_GUESS 160
#define NETNS_ADDRESS_LABEL_GUESS 112

enum family_kind {
	FAMILY_SUCCESS,
	FAMILY_INFO,
	FAMILY_VALUE,
	FAMILY_ADDRESS,
	FAMILY_PEER,
};

struct netns_family {
	const char *name;
	enum metric_type type;
	const char *unit;
	const char *help;
	enum family_kind kind;
	int value; /* enum netns_value, for FAMILY_VALUE */
};

#define COUNTER(name, unit, value, help)                                       \
	{                                                                      \
		"namespace_network_" name "_total", METRIC_COUNTER, unit,      \
			help, FAMILY_VALUE, value                              \
	}

static const struct netns_family families[] = {
	{"namespace_netns_collect_success", METRIC_GAUGE, NULL,
	 "1 when the namespace's devices and addresses were read whole, else 0.",
	 FAMILY_SUCCESS, 0},
	{"namespace_network_info", METRIC_INFO, NULL,
	 "Network device: link-layer and broadcast address, state, kind.",
	 FAMILY_INFO, 0},
	{"namespace_network_up", METRIC_GAUGE, NULL,
	 "1 when the operational state of the network device is up.",
	 FAMILY_VALUE, NETNS_VALUE_UP},
	{"namespace_network_mtu_bytes", METRIC_GAUGE, "bytes",
	 "MTU of the network device.", FAMILY_VALUE, NETNS_VALUE_MTU},
	{"namespace_network_iface_id", METRIC_GAUGE, NULL,
	 "Interface index of the network device.", FAMILY_VALUE,
	 NETNS_VALUE_IFINDEX},
	{"namespace_network_iface_link", METRIC_GAUGE, NULL,
	 "Index of the device under this one (own index if none; veth: the peer's).",
	 FAMILY_VALUE, NETNS_VALUE_IFLINK},
	COUNTER("receive_bytes", "bytes", RTNL_RX_BYTES,
		"Bytes received by the network device."),
	COUNTER("receive_packets", NULL, RTNL_RX_PACKETS,
		"Packets received by the network device."),
	COUNTER("receive_errs", NULL, RTNL_RX_ERRS,
		"Receive errors of the network device (rx_errors)."),
	COUNTER("receive_drop", NULL, RTNL_RX_DROP,
		"Received packets dropped (rx_dropped plus rx_missed_errors)."),
	COUNTER("receive_fifo", NULL, RTNL_RX_FIFO,
		"Receive FIFO errors of the network device (rx_fifo_errors)."),
	COUNTER("receive_frame", NULL, RTNL_RX_FRAME,
		"Received frames with length, overrun, CRC or framing errors, summed."),
	COUNTER("receive_compressed", NULL, RTNL_RX_COMPRESSED,
		"Compressed packets received (rx_compressed)."),
	COUNTER("receive_multicast", NULL, RTNL_RX_MULTICAST,
		"Multicast packets received (multicast)."),
	COUNTER("receive_nohandler", NULL, RTNL_RX_NOHANDLER,
		"Received packets no protocol took (rx_nohandler)."),
	COUNTER("transmit_bytes", "bytes", RTNL_TX_BYTES,
		"Bytes sent by the network device."),
	COUNTER("transmit_packets", NULL, RTNL_TX_PACKETS,
		"Packets sent by the network device."),
	COUNTER("transmit_errs", NULL, RTNL_TX_ERRS,
		"Transmit errors of the network device (tx_errors)."),
	COUNTER("transmit_drop", NULL, RTNL_TX_DROP,
		"Packets dropped on transmit (tx_dropped)."),
	COUNTER("transmit_fifo", NULL, RTNL_TX_FIFO,
		"Transmit FIFO errors of the network device (tx_fifo_errors)."),
	COUNTER("transmit_colls", NULL, RTNL_TX_COLLS,
		"Collisions seen while sending (collisions)."),
	COUNTER("transmit_carrier", NULL, RTNL_TX_CARRIER,
		"Carrier, aborted, window and heartbeat errors on transmit, summed."),
	COUNTER("transmit_compressed", NULL, RTNL_TX_COMPRESSED,
		"Compressed packets sent (tx_compressed)."),
	{"namespace_network_address_info", METRIC_INFO, NULL,
	 "IPv4 or IPv6 address held by a network device, in any state.",
	 FAMILY_ADDRESS, 0},
	{"namespace_network_peer_info", METRIC_INFO, NULL,
	 "Peer of a veth, or lower device of a macvlan, vlan, vxlan or tunnel in another netns.",
	 FAMILY_PEER, 0},
};

#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

const char *netns_scope_name(uint8_t scope)
{
	switch (scope) {
	case 0:
		return "global";
	case 200:
		return "site";
	case 253:
		return "link";
	case 254:
		return "host";
	case 255:
		return "nowhere";
	}
	return NULL;
}

const char *netns_operstate_name(uint8_t operstate)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "unknown",
		[IF_OPER_NOTPRESENT] = "notpresent",
		[IF_OPER_DOWN] = "down",
		[IF_OPER_LOWERLAYERDOWN] = "lowerlayerdown",
		[IF_OPER_TESTING] = "testing",
		[IF_OPER_DORMANT] = "dormant",
		[IF_OPER_UP] = "up",
	};

	return operstate < sizeof(names) / sizeof(names[0]) ? names[operstate]
							    : NULL;
}

int netns_ns_init(struct netns_ns *ns, const char *name, uint64_t inode)
{
	memset(ns, 0, sizeof(*ns));
	ns->state = NETNS_STATE_FAILED;
	ns->err = -ECANCELED;
	outbuf_init(&ns->labels, EXPOSITION_TEXT);
	outbuf_init(&ns->peer_labels, EXPOSITION_TEXT);
	labels_append(&ns->labels, "netns", name ? name : "");
	ns->name_label_len = (uint32_t)ns->labels.len;
	labels_append_u64(&ns->labels, "netns_inode", inode);
	ns->ns_label_len = (uint32_t)ns->labels.len;
	return ns->labels.err;
}

void netns_ns_release(struct netns_ns *ns)
{
	outbuf_release(&ns->labels);
	outbuf_release(&ns->peer_labels);
	free(ns->devices);
	free(ns->links);
	free(ns->addresses);
	free(ns->peers);
	ns->devices = NULL;
	ns->links = NULL;
	ns->addresses = NULL;
	ns->peers = NULL;
	ns->n_devices = 0;
	ns->n_addresses = 0;
	ns->n_peers = 0;
}

/*
 * Appends a copy of from's [off, off + len) to labels, which may be from
 * itself (a label prefix repeated).
 */
static void labels_copy(struct outbuf *labels, const struct outbuf *from,
			size_t off, size_t len)
{
	if (outbuf_reserve(labels, len) < 0)
		return;
	/* from->data is read after the reserve: it may have moved */
	memcpy(labels->data + labels->len, from->data + off, len);
	labels->len += len;
}

/* Link-layer address as sysfs prints it: lower-case hex pairs and colons. */
static void labels_append_hwaddr(struct outbuf *labels, const char *name,
				 const uint8_t *addr, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char text[RTNL_HWADDR_MAX * 3];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (i)
			text[n++] = ':';
		text[n++] = hex[addr[i] >> 4];
		text[n++] = hex[addr[i] & 15];
	}
	labels_append_len(labels, name, text, n);
}

/* A name from a table, or the number when the table has none. */
static void labels_append_named(struct outbuf *labels, const char *name,
				const char *value, unsigned int number)
{
	if (value)
		labels_append(labels, name, value);
	else
		labels_append_u64(labels, name, number);
}

static void device_store(struct netns_ns *ns, const struct rtnl_link *link,
			 struct netns_device *dev)
{
	struct outbuf *labels = &ns->labels;
	size_t start = labels->len;

	memcpy(dev->values, link->counters, sizeof(link->counters));
	dev->values[NETNS_VALUE_UP] = link->operstate == IF_OPER_UP;
	dev->values[NETNS_VALUE_MTU] = link->mtu;
	dev->values[NETNS_VALUE_IFINDEX] = link->ifindex;
	dev->values[NETNS_VALUE_IFLINK] = link->iflink;

	labels_copy(labels, labels, 0, ns->ns_label_len);
	labels_append(labels, "device", link->ifname);
	dev->label_off = (uint32_t)start;
	dev->label_len = (uint32_t)(labels->len - start);
	labels_append_hwaddr(labels, "address", link->address,
			     link->address_len);
	labels_append_hwaddr(labels, "broadcast", link->broadcast,
			     link->broadcast_len);
	labels_append_named(labels, "operstate",
			    netns_operstate_name(link->operstate),
			    link->operstate);
	labels_append(labels, "kind", link->kind);
	dev->info_len = (uint32_t)(labels->len - start - dev->label_len);
}

static void address_store(struct netns_ns *ns, const struct rtnl_addr *addr,
			  const struct netns_device *dev,
			  struct netns_address *out)
{
	struct outbuf *labels = &ns->labels;
	size_t start = labels->len;
	char text[INET6_ADDRSTRLEN];
	bool inet = addr->family == AF_INET;

	if (!inet_ntop(addr->family, addr->address, text, sizeof(text)))
		text[0] = '\0'; /* cannot happen: the parser checked family */
	labels_copy(labels, labels, dev->label_off, dev->label_len);
	labels_append(labels, "family", inet ? "inet" : "inet6");
	labels_append(labels, "address", text);
	labels_append_u64(labels, "prefix_length", addr->prefixlen);
	labels_append_named(labels, "scope", netns_scope_name(addr->scope),
			    addr->scope);
	out->label_off = (uint32_t)start;
	out->label_len = (uint32_t)(labels->len - start);
}

static int link_cmp(const void *a, const void *b)
{
	const struct rtnl_link *x = a, *y = b;
	int c = strcmp(x->ifname, y->ifname);

	if (c)
		return c;
	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* Where a device of the stored list is found by its ifindex. */
struct device_index {
	uint32_t ifindex;
	uint32_t rank;
};

static int device_index_cmp(const void *a, const void *b)
{
	const struct device_index *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* An address with the rank of its device, the order of the page. */
struct address_key {
	uint32_t rank;
	const struct rtnl_addr *addr;
};

/* Compares everything that makes up the labels of an address series. */
static int address_key_cmp(const void *a, const void *b)
{
	const struct address_key *x = a, *y = b;
	const struct rtnl_addr *p = x->addr, *q = y->addr;
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (p->family != q->family)
		return p->family < q->family ? -1 : 1;
	c = memcmp(p->address, q->address, sizeof(p->address));
	if (c)
		return c;
	if (p->prefixlen != q->prefixlen)
		return p->prefixlen < q->prefixlen ? -1 : 1;
	return p->scope < q->scope ? -1 : p->scope > q->scope;
}

/* Sorts links by name and stores each name once. */
static int devices_fill(struct netns_ns *ns, struct rtnl_link *links,
			size_t n_links)
{
	size_t i;

	if (!n_links)
		return 0;
	ns->devices = malloc(n_links * sizeof(*ns->devices));
	ns->links = malloc(n_links * sizeof(*ns->links));
	if (!ns->devices || !ns->links)
		return -ENOMEM;
	array_sort(links, n_links, sizeof(*links), link_cmp);
	for (i = 0; i < n_links; i++) {
		/* only a dump the kernel broke repeats a name; keep one */
		if (i && !strcmp(links[i].ifname, links[i - 1].ifname))
			continue;
		netns_peer_link_init(&ns->links[ns->n_devices], &links[i]);
		device_store(ns, &links[i], &ns->devices[ns->n_devices++]);
	}
	return ns->labels.err;
}

/*
 * Pairs each address with the rank of its device, dropping those whose
 * device is not in the list. Returns how many keys it wrote.
 */
static size_t address_keys(const struct netns_ns *ns,
			   const struct rtnl_addr *addrs, size_t n_addrs,
			   struct device_index *index, struct address_key *keys)
{
	struct device_index want, *found;
	size_t i, n = 0;

	for (i = 0; i < ns->n_devices; i++) {
		index[i].rank = (uint32_t)i;
		index[i].ifindex =
			(uint32_t)ns->devices[i].values[NETNS_VALUE_IFINDEX];
	}
	array_sort(index, ns->n_devices, sizeof(*index), device_index_cmp);
	for (i = 0; i < n_addrs; i++) {
		want.ifindex = addrs[i].ifindex;
		found = array_search(&want, index, ns->n_devices,
				     sizeof(*index), device_index_cmp);
		if (!found)
			continue;
		keys[n].rank = found->rank;
		keys[n++].addr = &addrs[i];
	}
	return n;
}

static int addresses_fill(struct netns_ns *ns, const struct rtnl_addr *addrs,
			  size_t n_addrs)
{
	struct device_index *index;
	struct address_key *keys;
	size_t i, n;
	int err = -ENOMEM;

	if (!n_addrs || !ns->n_devices)
		return 0;
	index = malloc(ns->n_devices * sizeof(*index));
	keys = malloc(n_addrs * sizeof(*keys));
	ns->addresses = malloc(n_addrs * sizeof(*ns->addresses));
	if (!index || !keys || !ns->addresses)
		goto out;
	n = address_keys(ns, addrs, n_addrs, index, keys);
	array_sort(keys, n, sizeof(*keys), address_key_cmp);
	for (i = 0; i < n; i++) {
		/* a repeat would be a duplicate series: keep one */
		if (i && !address_key_cmp(&keys[i], &keys[i - 1]))
			continue;
		address_store(ns, keys[i].addr, &ns->devices[keys[i].rank],
			      &ns->addresses[ns->n_addresses++]);
	}
	err = ns->labels.err;
out:
	free(index);
	free(keys);
	return err;
}

int netns_ns_fill(struct netns_ns *ns, struct rtnl_link *links, size_t n_links,
		  struct rtnl_addr *addrs, size_t n_addrs)
{
	int err;

	outbuf_reserve(&ns->labels,
		       n_links * NETNS_DEVICE_LABEL_GUESS +
			       n_addrs * NETNS_ADDRESS_LABEL_GUESS);
	err = devices_fill(ns, links, n_links);
	if (!err)
		err = addresses_fill(ns, addrs, n_addrs);
	if (err)
		return err;
	ns->state = NETNS_STATE_READ;
	ns->err = 0;
	return 0;
}

/* Appends ",peer_" and a copy of from's [off, off + len) to labels. */
static void labels_copy_as_peer(struct outbuf *labels,
				const struct outbuf *from, size_t off,
				size_t len)
{
	outbuf_puts(labels, ",peer_");
	labels_copy(labels, from, off, len);
}

/*
 * The labels of one peer_info series: the device's, then the peer's
 * netns, netns_inode and device labels renamed with a "peer_" prefix.
 */
static void peer_store(struct netns_ns *ns, const struct netns_device *dev,
		       const struct netns_ns *peer,
		       const struct netns_device *peer_dev,
		       struct netns_address *out)
{
	struct outbuf *labels = &ns->peer_labels;
	size_t start = labels->len, inode_off = peer->name_label_len + 1;

	labels_copy(labels, &ns->labels, dev->label_off, dev->label_len);
	labels_copy_as_peer(labels, &peer->labels, 0, peer->name_label_len);
	labels_copy_as_peer(labels, &peer->labels, inode_off,
			    peer->ns_label_len - inode_off);
	/* a device label is its namespace's labels, a comma, device="..." */
	if (peer_dev)
		labels_copy_as_peer(
			labels, &peer->labels,
			peer_dev->label_off + peer->ns_label_len + 1,
			peer_dev->label_len - peer->ns_label_len - 1);
	else
		outbuf_puts(labels, ",peer_device=\"\"");
	out->label_off = (uint32_t)start;
	out->label_len = (uint32_t)(labels->len - start);
}

static int ns_store_peers(struct netns_set *set, struct netns_ns *ns)
{
	const struct netns_peer_link *link;
	const struct netns_ns *peer;
	size_t i, n = 0;

	for (i = 0; i < ns->n_devices; i++)
		n += ns->links[i].peer_ns != NETNS_PEER_NONE;
	if (!n)
		return 0;
	ns->peers = malloc(n * sizeof(*ns->peers));
	if (!ns->peers)
		return -ENOMEM;
	for (i = 0; i < ns->n_devices; i++) {
		link = &ns->links[i];
		if (link->peer_ns == NETNS_PEER_NONE)
			continue;
		peer = &set->items[link->peer_ns];
		peer_store(ns, &ns->devices[i], peer,
			   link->peer_link == NETNS_PEER_NONE
				   ? NULL
				   : &peer->devices[link->peer_link],
			   &ns->peers[ns->n_peers++]);
	}
	return ns->peer_labels.err;
}

int netns_set_store_peers(struct netns_set *set)
{
	struct netns_ns *ns;
	size_t i;
	int err, first = 0;

	for (i = 0; i < set->n; i++) {
		ns = &set->items[i];
		if (ns->state != NETNS_STATE_READ)
			continue;
		err = ns_store_peers(set, ns);
		if (!err)
			continue;
		free(ns->peers);
		ns->peers = NULL;
		ns->n_peers = 0;
		outbuf_release(&ns->peer_labels);
		if (!first)
			first = err;
	}
	return first;
}

static void render_success(const struct netns_set *set,
			   const struct netns_family *family,
			   struct outbuf *out)
{
	const struct netns_ns *ns;
	size_t i;

	for (i = 0; i < set->n; i++) {
		ns = &set->items[i];
		if (ns->state == NETNS_STATE_GONE || ns->labels.err)
			continue;
		exposition_sample_raw_u64(out, family->name, ns->labels.data,
					  ns->ns_label_len,
					  ns->state == NETNS_STATE_READ);
	}
}

static void render_devices(const struct netns_set *set,
			   const struct netns_family *family,
			   struct outbuf *out)
{
	const struct netns_device *dev;
	const struct netns_ns *ns;
	size_t i, j, len;

	for (i = 0; i < set->n; i++) {
		ns = &set->items[i];
		if (ns->state != NETNS_STATE_READ)
			continue;
		for (j = 0; j < ns->n_devices; j++) {
			dev = &ns->devices[j];
			len = dev->label_len;
			if (family->kind == FAMILY_INFO)
				len += dev->info_len;
			exposition_sample_raw_u64(
				out, family->name,
				ns->labels.data + dev->label_off, len,
				family->kind == FAMILY_INFO
					? 1
					: dev->values[family->value]);
		}
	}
}

/* The families whose series each have their own label text. */
static void render_spans(const struct netns_set *set,
			 const struct netns_family *family, struct outbuf *out)
{
	bool peers = family->kind == FAMILY_PEER;
	const struct netns_address *span;
	const struct netns_ns *ns;
	const struct outbuf *labels;
	size_t i, j, n;

	for (i = 0; i < set->n; i++) {
		ns = &set->items[i];
		if (ns->state != NETNS_STATE_READ)
			continue;
		labels = peers ? &ns->peer_labels : &ns->labels;
		n = peers ? ns->n_peers : ns->n_addresses;
		for (j = 0; j < n; j++) {
			span = peers ? &ns->peers[j] : &ns->addresses[j];
			exposition_sample_raw_u64(out, family->name,
						  labels->data +
							  span->label_off,
						  span->label_len, 1);
		}
	}
}

bool netns_render(const void *data, size_t *cursor, struct outbuf *out)
{
	const struct netns_set *set = data;
	const struct netns_family *family;

	if (*cursor >= N_FAMILIES)
		return false;
	family = &families[*cursor];
	exposition_family(out, family->name, family->type, family->unit,
			  family->help);
	if (family->kind == FAMILY_SUCCESS)
		render_success(set, family, out);
	else if (family->kind == FAMILY_ADDRESS || family->kind == FAMILY_PEER)
		render_spans(set, family, out);
	else
		render_devices(set, family, out);
	return ++*cursor < N_FAMILIES;
}

void netns_set_free(void *data)
{
	struct netns_set *set = data;
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		netns_ns_release(&set->items[i]);
	free(set->items);
	free(set);
}
