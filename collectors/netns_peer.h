/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which device is at the other end of a veth, or under a macvlan, vlan,
 * vxlan or tunnel, when that end lies in another network namespace. A link
 * dump names it by an ifindex of the other namespace and an id
 * (IFLA_LINK_NETNSID) that only the dumped namespace understands, and
 * ifindexes repeat in every namespace. Candidates come from matching the
 * indexes across the tables of every namespace read; the id is then
 * checked by asking the dumped namespace about the candidates alone
 * (RTM_GETNSID), and a veth confirmed from one end settles the other end
 * without asking. No I/O here: asking is the caller's callback.
 */
#ifndef NSE_NETNS_PEER_H
#define NSE_NETNS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtnl_parse.h"

#define NETNS_PEER_NONE UINT32_MAX
/* asks spent on one id at most, so no layout can cost N * N asks */
#define NETNS_PEER_MAX_ASKS 8

enum netns_link_flag {
	/* one end of a pair (veth, netkit, vxcan): the peer points back */
	NETNS_LINK_PAIR = 1 << 0,
	/* IFLA_LINK_NETNSID was sent: the link namespace is another one */
	NETNS_LINK_CROSS = 1 << 1,
};

/* One device as the resolver sees it; peer_ns and peer_link its answer. */
struct netns_peer_link {
	uint32_t ifindex;
	/* index of the peer or lower device in the link namespace; 0: none */
	uint32_t lower;
	/* with NETNS_LINK_CROSS: the id, < 0 when the kernel had none */
	int32_t link_netnsid;
	uint32_t flags; /* enum netns_link_flag */
	/* the peer's namespace (a table index); NETNS_PEER_NONE: no series */
	uint32_t peer_ns;
	/* the peer device (a link index there); NETNS_PEER_NONE: unknown */
	uint32_t peer_link;
};

/*
 * Describes the device parsed into link for the resolver (peer_* NONE).
 * The lower index is IFLA_VXLAN_LINK for a vxlan, else IFLA_LINK; that
 * equals the device's own index for a device without a lower one, and so
 * is taken only from kinds whose drivers report a lower device (veth,
 * macvlan, vlan, ipvlan, macsec, IP tunnels, ...) or when it differs.
 */
void netns_peer_link_init(struct netns_peer_link *out,
			  const struct rtnl_link *link);

/* The devices of one namespace. */
struct netns_peer_table {
	struct netns_peer_link *links;
	size_t n;
	/* read whole; an unusable table is never a candidate nor resolved */
	bool usable;
};

/*
 * Asks, inside namespace in_ns, for its id of namespace about_ns. Returns
 * 0 and *nsid (negative when in_ns has no id for it), -ECANCELED when no
 * further ask may be made (deadline, a thread that cannot go home), or
 * another negative errno when this one could not be made.
 */
typedef int (*netns_nsid_ask_fn)(void *ctx, size_t in_ns, size_t about_ns,
				 int32_t *nsid);

struct netns_peer_stats {
	size_t asks;	   /* calls of the ask callback */
	size_t by_nsid;	   /* ids confirmed by an ask */
	size_t mirrored;   /* ids settled by the other end of a veth */
	size_t matched;	   /* ids taken from a unique match, unconfirmed */
	size_t unresolved; /* ids and id-less devices left without a peer */
};

/*
 * Sets peer_ns and peer_link of every link in tables: for a device with
 * IFLA_LINK_NETNSID, the namespace that id names in the device's own
 * namespace and the device with the lower index there; for a pair end
 * without one, its peer in the same namespace. Asks are made namespace by
 * namespace (consecutive calls share in_ns), the busiest first; self (a
 * table index, or NETNS_PEER_NONE) is tried first among candidates that
 * matching cannot tell apart. When no ask could be made, or the kernel
 * gave the device no id, a unique candidate is taken as it is. stats may
 * be NULL. Returns 0 or -ENOMEM (then no peer is set).
 */
int netns_peer_resolve(struct netns_peer_table *tables, size_t n_tables,
		       size_t self, netns_nsid_ask_fn ask, void *ctx,
		       struct netns_peer_stats *stats);

#endif
