/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the netns collector keeps per network namespace between collection
 * and rendering, and the writer of its families. Label text is escaped once,
 * when a namespace is stored; rendering then only copies bytes, family by
 * family across all namespaces, so a page of 100 000 series costs a few
 * milliseconds and no allocation per sample.
 */
#ifndef NSE_NETNS_RENDER_H
#define NSE_NETNS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exposition.h"
#include "netns_peer.h"
#include "rtnl_parse.h"

/* The numbers kept per device: the counters of rtnl_counter, then these. */
enum netns_value {
	NETNS_VALUE_UP = RTNL_COUNTER_COUNT, /* operstate is up */
	NETNS_VALUE_MTU,
	NETNS_VALUE_IFINDEX,
	NETNS_VALUE_IFLINK,
	NETNS_VALUE_COUNT,
};

struct netns_device {
	uint64_t values[NETNS_VALUE_COUNT];
	/* netns, netns_inode and device labels, in the namespace's labels */
	uint32_t label_off;
	uint32_t label_len;
	/* address, broadcast, operstate, kind: right after the above */
	uint32_t info_len;
};

/* The whole label text of one address_info or peer_info series. */
struct netns_address {
	uint32_t label_off;
	uint32_t label_len;
};

enum netns_state {
	/* vanished, or not a network namespace after all: not listed */
	NETNS_STATE_GONE,
	/* listed with collect_success 0 and nothing else */
	NETNS_STATE_FAILED,
	NETNS_STATE_READ,
};

struct netns_ns {
	enum netns_state state;
	int err; /* why it failed, a negative errno */
	/* all label text; it starts with the netns and netns_inode labels */
	struct outbuf labels;
	uint32_t ns_label_len;
	uint32_t name_label_len;      /* of the netns label alone */
	struct netns_device *devices; /* sorted by device name */
	/* the same devices as the peer resolver sees them */
	struct netns_peer_link *links;
	size_t n_devices;
	struct netns_address *addresses;
	size_t n_addresses;
	/* peer_info series; their labels in peer_labels */
	struct netns_address *peers;
	size_t n_peers;
	struct outbuf peer_labels;
};

/* The collector's result: every namespace it found, in discovery order. */
struct netns_set {
	struct netns_ns *items;
	size_t n;
};

/*
 * Prepares ns for the namespace called name (NULL or "" when it has no
 * name; any bytes, escaped here) with nsfs inode inode. ns starts in state
 * NETNS_STATE_FAILED with err -ECANCELED (not read). Returns 0 or -ENOMEM.
 */
int netns_ns_init(struct netns_ns *ns, const char *name, uint64_t inode);

/*
 * Stores a complete read of ns: links and addrs are reordered in place and
 * not kept. Devices are sorted by name, a repeated name is kept once, and
 * so is an address repeated on one device; an address on an index no link
 * has is dropped (the device appeared between the two dumps). On success
 * the state becomes NETNS_STATE_READ. Returns 0 or -ENOMEM.
 */
int netns_ns_fill(struct netns_ns *ns, struct rtnl_link *links, size_t n_links,
		  struct rtnl_addr *addrs, size_t n_addrs);

void netns_ns_release(struct netns_ns *ns);

/*
 * Stores a peer_info series for every device of every read namespace whose
 * links[] entry has a peer (as netns_peer_resolve leaves them): the peer's
 * namespace labels and device label are copied from its own escaped text.
 * Returns 0, or -ENOMEM after dropping the peers of the namespace that
 * could not be stored (the other families stay whole).
 */
int netns_set_store_peers(struct netns_set *set);

/* The collector_result render function over a struct netns_set. */
bool netns_render(const void *data, size_t *cursor, struct outbuf *out);
/* Frees a struct netns_set and all it holds; NULL-safe. */
void netns_set_free(void *data);

/* iproute2's name of an address scope ("global", "link", ...), or NULL. */
const char *netns_scope_name(uint8_t scope);
/* The sysfs name of an IF_OPER_* state ("up", "down", ...), or NULL. */
const char *netns_operstate_name(uint8_t operstate);

#endif
