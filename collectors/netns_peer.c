/* SPDX-License-Identifier: Apache-2.0 */
/* Peers and lower devices across network namespaces, from link tables. */
#include "netns_peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Kinds made in pairs whose ends name each other through IFLA_LINK. */
static const char *const pair_kinds[] = {"veth", "netkit", "vxcan"};

/*
 * Kinds whose drivers report a lower device (ndo_get_iflink), so that
 * IFLA_LINK is its index even when it equals the device's own. For other
 * kinds (vxlan, geneve, bareudp, ...) the kernel sends the own index when
 * the device is linked to another namespace: that names no device.
 */
static const char *const lower_kinds[] = {
	"veth",	     "netkit", "vxcan",	 "macvlan", "macvtap", "ipvlan",
	"ipvtap",    "vlan",   "macsec", "ipip",    "gre",     "gretap",
	"erspan",    "sit",    "vti",	 "ip6tnl",  "ip6gre",  "ip6gretap",
	"ip6erspan", "vti6",   "xfrm",
};

static bool kind_in(const char *kind, const char *const *kinds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(kind, kinds[i]))
			return true;
	}
	return false;
}

void netns_peer_link_init(struct netns_peer_link *out,
			  const struct rtnl_link *link)
{
	memset(out, 0, sizeof(*out));
	out->ifindex = link->ifindex;
	out->peer_ns = NETNS_PEER_NONE;
	out->peer_link = NETNS_PEER_NONE;
	if (kind_in(link->kind, pair_kinds, ARRAY_LEN(pair_kinds)))
		out->flags |= NETNS_LINK_PAIR;
	if (link->has_link_netnsid) {
		out->flags |= NETNS_LINK_CROSS;
		out->link_netnsid =
			link->link_netnsid < 0 ? -1 : link->link_netnsid;
	}
	if (!strcmp(link->kind, "vxlan"))
		out->lower = link->vxlan_link;
	else if (kind_in(link->kind, lower_kinds, ARRAY_LEN(lower_kinds)) ||
		 link->iflink != link->ifindex)
		out->lower = link->iflink;
}

/* A device found by its ifindex: slots of one table sorted by ifindex. */
struct slot {
	uint32_t ifindex;
	uint32_t link;
};

/* A device with IFLA_LINK_NETNSID. */
struct member {
	uint32_t ns;
	uint32_t link;
	int32_t nsid;
};

/*
 * The devices of one namespace that share an id, and so a link namespace;
 * a device without an id is a group of its own.
 */
struct group {
	uint32_t ns;
	int32_t nsid;
	uint32_t first; /* into members */
	uint32_t count;
	uint32_t target; /* the namespace the id names, or NETNS_PEER_NONE */
};

/* A pair end with its link elsewhere, found by its index and its peer's. */
struct pair_key {
	uint32_t ifindex;
	uint32_t lower;
	uint32_t ns;
};

/* Any device, found by its index alone. */
struct any_key {
	uint32_t ifindex;
	uint32_t ns;
};

enum settled_by {
	SETTLED_BY_NSID,
	SETTLED_BY_MATCH,
};

struct resolver {
	struct netns_peer_table *tables;
	size_t n_tables;
	size_t self;
	netns_nsid_ask_fn ask;
	void *ctx;
	struct netns_peer_stats stats;
	bool cancelled;
	size_t *link_off;   /* table i's links start here in group_of */
	uint32_t *group_of; /* per link: its group, or NETNS_PEER_NONE */
	size_t *slot_off;   /* table i's slots are [slot_off[i], [i + 1]) */
	struct slot *slots;
	struct member *members;
	size_t n_members;
	struct group *groups;
	size_t n_groups;
	struct pair_key *pairs;
	size_t n_pairs;
	struct any_key *any; /* built when first needed */
	size_t n_any;
	uint32_t *candidates; /* scratch: n_tables entries */
	uint32_t *named;      /* per table: how many settled ids name it */
};

static const struct netns_peer_link *link_at(const struct resolver *r,
					     uint32_t ns, uint32_t link)
{
	return &r->tables[ns].links[link];
}

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* The link of namespace ns with this ifindex, or NETNS_PEER_NONE. */
static uint32_t find_link(const struct resolver *r, uint32_t ns,
			  uint32_t ifindex)
{
	const struct slot want = {ifindex, 0}, *found;

	found = array_search(&want, r->slots + r->slot_off[ns],
			     r->slot_off[ns + 1] - r->slot_off[ns],
			     sizeof(want), slot_cmp);
	return found ? found->link : NETNS_PEER_NONE;
}

static int build_slots(struct resolver *r)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->n_tables; i++)
		n += r->tables[i].usable ? r->tables[i].n : 0;
	r->slots = malloc((n ? n : 1) * sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < r->n_tables; i++) {
		r->slot_off[i] = n;
		for (j = 0; r->tables[i].usable && j < r->tables[i].n; j++) {
			r->slots[n].ifindex = r->tables[i].links[j].ifindex;
			r->slots[n++].link = (uint32_t)j;
		}
		array_sort(r->slots + r->slot_off[i], n - r->slot_off[i],
			   sizeof(*r->slots), slot_cmp);
	}
	r->slot_off[r->n_tables] = n;
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->nsid != y->nsid)
		return x->nsid < y->nsid ? -1 : 1;
	return x->link < y->link ? -1 : x->link > y->link;
}

static int pair_key_cmp(const void *a, const void *b)
{
	const struct pair_key *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->lower != y->lower)
		return x->lower < y->lower ? -1 : 1;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* Collects the devices with an id and the pair ends among them. */
static int build_members(struct resolver *r)
{
	const struct netns_peer_link *link;
	size_t i, j, n = 0;

	for (i = 0; i < r->n_tables; i++) {
		for (j = 0; r->tables[i].usable && j < r->tables[i].n; j++)
			n += !!(r->tables[i].links[j].flags & NETNS_LINK_CROSS);
	}
	r->members = malloc((n ? n : 1) * sizeof(*r->members));
	r->pairs = malloc((n ? n : 1) * sizeof(*r->pairs));
	if (!r->members || !r->pairs)
		return -ENOMEM;
	for (i = 0; i < r->n_tables; i++) {
		for (j = 0; r->tables[i].usable && j < r->tables[i].n; j++) {
			link = &r->tables[i].links[j];
			if (!(link->flags & NETNS_LINK_CROSS))
				continue;
			r->members[r->n_members++] = (struct member){
				(uint32_t)i, (uint32_t)j, link->link_netnsid};
			if ((link->flags & NETNS_LINK_PAIR) && link->lower)
				r->pairs[r->n_pairs++] = (struct pair_key){
					link->ifindex, link->lower,
					(uint32_t)i};
		}
	}
	array_sort(r->members, r->n_members, sizeof(*r->members), member_cmp);
	array_sort(r->pairs, r->n_pairs, sizeof(*r->pairs), pair_key_cmp);
	return 0;
}

static int build_groups(struct resolver *r)
{
	const struct member *m, *prev = NULL;
	struct group *g = NULL;
	size_t i;

	r->groups =
		malloc((r->n_members ? r->n_members : 1) * sizeof(*r->groups));
	if (!r->groups)
		return -ENOMEM;
	for (i = 0; i < r->n_members; prev = m, i++) {
		m = &r->members[i];
		if (!prev || prev->ns != m->ns || prev->nsid != m->nsid ||
		    m->nsid < 0) {
			g = &r->groups[r->n_groups++];
			*g = (struct group){m->ns, m->nsid, (uint32_t)i, 0,
					    NETNS_PEER_NONE};
		}
		g->count++;
		r->group_of[r->link_off[m->ns] + m->link] =
			(uint32_t)(g - r->groups);
	}
	return 0;
}

static int any_key_cmp(const void *a, const void *b)
{
	const struct any_key *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* Every device by index, for lower devices (rarely needed: built late). */
static int build_any(struct resolver *r)
{
	size_t i, j;

	if (r->any)
		return 0;
	r->any = malloc((r->slot_off[r->n_tables] + 1) * sizeof(*r->any));
	if (!r->any)
		return -ENOMEM;
	for (i = 0; i < r->n_tables; i++) {
		for (j = r->slot_off[i]; j < r->slot_off[i + 1]; j++)
			r->any[r->n_any++] = (struct any_key){
				r->slots[j].ifindex, (uint32_t)i};
	}
	array_sort(r->any, r->n_any, sizeof(*r->any), any_key_cmp);
	return 0;
}

/*
 * The link in namespace ns that device d of another namespace points to:
 * for a pair end only the end that points back, across namespaces.
 */
static uint32_t far_end(const struct resolver *r,
			const struct netns_peer_link *d, uint32_t ns,
			bool cross)
{
	const struct netns_peer_link *e;
	uint32_t link;

	if (!d->lower)
		return NETNS_PEER_NONE;
	link = find_link(r, ns, d->lower);
	if (link == NETNS_PEER_NONE || !(d->flags & NETNS_LINK_PAIR))
		return link;
	e = link_at(r, ns, link);
	if (e == d || !(e->flags & NETNS_LINK_PAIR) || e->lower != d->ifindex ||
	    !(e->flags & NETNS_LINK_CROSS) != !cross)
		return NETNS_PEER_NONE;
	return link;
}

/*
 * True when namespace y can hold the far end of every device of g; a pair
 * end there whose own id is settled already must name g's namespace.
 */
static bool group_fits(const struct resolver *r, const struct group *g,
		       uint32_t y)
{
	const struct netns_peer_link *d;
	const struct member *m;
	uint32_t i, e, other;

	if (y == g->ns || !r->tables[y].usable)
		return false;
	for (i = 0; i < g->count; i++) {
		m = &r->members[g->first + i];
		d = link_at(r, m->ns, m->link);
		if (!d->lower)
			continue;
		e = far_end(r, d, y, true);
		if (e == NETNS_PEER_NONE)
			return false;
		if (!(d->flags & NETNS_LINK_PAIR))
			continue;
		other = r->group_of[r->link_off[y] + e];
		if (r->groups[other].target != NETNS_PEER_NONE &&
		    r->groups[other].target != g->ns)
			return false;
	}
	return true;
}

/* The member whose far end narrows the search most, or NULL. */
static const struct netns_peer_link *group_anchor(const struct resolver *r,
						  const struct group *g)
{
	const struct netns_peer_link *d, *anchor = NULL;
	const struct member *m;
	uint32_t i;

	for (i = 0; i < g->count; i++) {
		m = &r->members[g->first + i];
		d = link_at(r, m->ns, m->link);
		if (d->lower && (d->flags & NETNS_LINK_PAIR))
			return d;
		if (d->lower && !anchor)
			anchor = d;
	}
	return anchor;
}

/* Where the pair ends with this ifindex and lower index start; how many. */
static size_t pairs_find(const struct resolver *r, uint32_t ifindex,
			 uint32_t lower, size_t *first)
{
	const struct pair_key want = {ifindex, lower, 0};
	size_t lo = 0, hi = r->n_pairs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pair_key_cmp(&r->pairs[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = lo; hi < r->n_pairs && r->pairs[hi].ifindex == ifindex &&
		      r->pairs[hi].lower == lower;
	     hi++)
		;
	return hi - lo;
}

/* Where the devices with this ifindex start in any; how many. */
static size_t any_find(const struct resolver *r, uint32_t ifindex,
		       size_t *first)
{
	const struct any_key want = {ifindex, 0};
	size_t lo = 0, hi = r->n_any, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (any_key_cmp(&r->any[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = lo; hi < r->n_any && r->any[hi].ifindex == ifindex; hi++)
		;
	return hi - lo;
}

/* Adds y to the candidates of g when it fits. */
static void candidate_add(struct resolver *r, const struct group *g, uint32_t y,
			  size_t *n)
{
	if (group_fits(r, g, y))
		r->candidates[(*n)++] = y;
}

/* True when the device at d's lower index in candidate y is linked nowhere. */
static bool lower_is_plain(const struct resolver *r,
			   const struct netns_peer_link *d, uint32_t y)
{
	/* a candidate holds a device there: group_fits saw to it */
	return !(link_at(r, y, find_link(r, y, d->lower))->flags &
		 NETNS_LINK_CROSS);
}

/*
 * True when candidate x is worth asking about before y: the exporter's own
 * namespace first (usually the host), then the namespaces already named by
 * more ids (hubs), then those where the device at the anchor's lower index
 * is linked nowhere else (a NIC or a bridge, not another macvlan), then
 * those with more devices, then by index.
 */
static bool candidate_before(const struct resolver *r,
			     const struct netns_peer_link *anchor, uint32_t x,
			     uint32_t y)
{
	bool x_plain, y_plain;

	if ((x == r->self) != (y == r->self))
		return x == r->self;
	if (r->named[x] != r->named[y])
		return r->named[x] > r->named[y];
	if (anchor && anchor->lower) {
		x_plain = lower_is_plain(r, anchor, x);
		y_plain = lower_is_plain(r, anchor, y);
		if (x_plain != y_plain)
			return x_plain;
	}
	if (r->tables[x].n != r->tables[y].n)
		return r->tables[x].n > r->tables[y].n;
	return x < y;
}

/* Puts the best NETNS_PEER_MAX_ASKS of the n candidates first, in order. */
static void candidates_order(struct resolver *r,
			     const struct netns_peer_link *anchor, size_t n)
{
	uint32_t *c = r->candidates, best;
	size_t i, j, pick;

	for (i = 0; i < n && i < NETNS_PEER_MAX_ASKS; i++) {
		pick = i;
		for (j = i + 1; j < n; j++) {
			if (candidate_before(r, anchor, c[j], c[pick]))
				pick = j;
		}
		best = c[pick];
		c[pick] = c[i];
		c[i] = best;
	}
}

/*
 * Writes the namespaces that could be g's link namespace to candidates,
 * by its anchor d (group_anchor): those holding a pair end that points
 * back (one or two, usually), else those with a device at the lower
 * index, else every namespace.
 */
static int group_candidates(struct resolver *r, const struct group *g,
			    const struct netns_peer_link *d, size_t *n)
{
	size_t i, first, count;
	int err;

	*n = 0;
	if (d && (d->flags & NETNS_LINK_PAIR)) {
		count = pairs_find(r, d->lower, d->ifindex, &first);
		for (i = first; i < first + count; i++)
			candidate_add(r, g, r->pairs[i].ns, n);
		return 0;
	}
	if (d) {
		err = build_any(r);
		if (err)
			return err;
		count = any_find(r, d->lower, &first);
		for (i = first; i < first + count; i++)
			candidate_add(r, g, r->any[i].ns, n);
		return 0;
	}
	for (i = 0; i < r->n_tables; i++)
		candidate_add(r, g, (uint32_t)i, n);
	return 0;
}

/*
 * True when no other namespace has a pair end like one of g's: then the
 * far end's own candidates are unique too, and a match taken without an
 * id cannot hand one peer to two devices.
 */
static bool group_match_is_mutual(const struct resolver *r,
				  const struct group *g)
{
	const struct netns_peer_link *d;
	const struct member *m;
	size_t first;
	uint32_t i;

	for (i = 0; i < g->count; i++) {
		m = &r->members[g->first + i];
		d = link_at(r, m->ns, m->link);
		if ((d->flags & NETNS_LINK_PAIR) && d->lower &&
		    pairs_find(r, d->ifindex, d->lower, &first) != 1)
			return false;
	}
	return true;
}

/* Records that g's id names y, for the order of later candidates. */
static void group_set_target(struct resolver *r, struct group *g, uint32_t y)
{
	g->target = y;
	r->named[y]++;
}

/*
 * Records that g's id names namespace y. Each pair end of g then settles
 * the group of its peer's end too: the peer's id, in y, names g's
 * namespace, because a pair's ends know each other.
 */
static void group_settle(struct resolver *r, struct group *g, uint32_t y,
			 enum settled_by by)
{
	const struct netns_peer_link *d;
	const struct member *m;
	struct group *h;
	uint32_t i, e, other;

	group_set_target(r, g, y);
	if (by == SETTLED_BY_NSID)
		r->stats.by_nsid++;
	else
		r->stats.matched++;
	for (i = 0; i < g->count; i++) {
		m = &r->members[g->first + i];
		d = link_at(r, m->ns, m->link);
		if (!(d->flags & NETNS_LINK_PAIR))
			continue;
		e = far_end(r, d, y, true);
		if (e == NETNS_PEER_NONE)
			continue;
		other = r->group_of[r->link_off[y] + e];
		h = other == NETNS_PEER_NONE ? NULL : &r->groups[other];
		if (!h || h->target != NETNS_PEER_NONE)
			continue;
		group_set_target(r, h, g->ns);
		if (by == SETTLED_BY_NSID)
			r->stats.mirrored++;
		else
			r->stats.matched++;
	}
}

/* Finds g's link namespace among its candidates. */
static int group_resolve(struct resolver *r, struct group *g)
{
	const struct netns_peer_link *anchor = group_anchor(r, g);
	bool answered = false;
	size_t n, i;
	int32_t nsid;
	int err;

	err = group_candidates(r, g, anchor, &n);
	if (err)
		return err;
	if (g->nsid >= 0)
		candidates_order(r, anchor, n);
	for (i = 0;
	     g->nsid >= 0 && i < n && i < NETNS_PEER_MAX_ASKS && !r->cancelled;
	     i++) {
		r->stats.asks++;
		err = r->ask(r->ctx, g->ns, r->candidates[i], &nsid);
		if (err == -ECANCELED)
			r->cancelled = true;
		if (err)
			continue;
		answered = true;
		if (nsid == g->nsid) {
			group_settle(r, g, r->candidates[i], SETTLED_BY_NSID);
			return 0;
		}
	}
	/* no id to check, or none could be asked: a unique match it is */
	if (!answered && n == 1 && group_match_is_mutual(r, g))
		group_settle(r, g, r->candidates[0], SETTLED_BY_MATCH);
	return 0;
}

/* A namespace's run of groups. */
struct run {
	uint32_t first;
	uint32_t count;
};

static int run_cmp(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Resolves the groups namespace by namespace, the one with most groups
 * first: a host with a veth to every container settles every container's
 * end as a mirror, so only the host is asked (one socket, N asks).
 */
static int resolve_groups(struct resolver *r)
{
	struct run *runs;
	size_t i, j, n = 0;
	int err = 0;

	runs = malloc((r->n_groups ? r->n_groups : 1) * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	for (i = 0; i < r->n_groups; i++) {
		if (!i || r->groups[i].ns != r->groups[i - 1].ns)
			runs[n++] = (struct run){(uint32_t)i, 0};
		runs[n - 1].count++;
	}
	array_sort(runs, n, sizeof(*runs), run_cmp);
	for (i = 0; !err && i < n; i++) {
		for (j = runs[i].first;
		     !err && j < runs[i].first + runs[i].count; j++) {
			if (r->groups[j].target == NETNS_PEER_NONE)
				err = group_resolve(r, &r->groups[j]);
		}
	}
	free(runs);
	return err;
}

/* Writes every device's answer from the settled groups. */
static void peers_apply(struct resolver *r)
{
	struct netns_peer_link *d;
	const struct group *g;
	uint32_t i, j, group;

	for (i = 0; i < r->n_tables; i++) {
		for (j = 0; j < r->tables[i].n; j++) {
			d = &r->tables[i].links[j];
			d->peer_ns = d->peer_link = NETNS_PEER_NONE;
			if (!r->tables[i].usable)
				continue;
			if (!(d->flags & NETNS_LINK_CROSS)) {
				/* a pair with both ends here */
				if (d->flags & NETNS_LINK_PAIR)
					d->peer_link = far_end(r, d, i, false);
				if (d->peer_link != NETNS_PEER_NONE)
					d->peer_ns = i;
				continue;
			}
			group = r->group_of[r->link_off[i] + j];
			g = &r->groups[group];
			if (g->target == NETNS_PEER_NONE)
				continue;
			d->peer_ns = g->target;
			d->peer_link = far_end(r, d, g->target, true);
		}
	}
	for (i = 0; i < r->n_groups; i++)
		r->stats.unresolved += r->groups[i].target == NETNS_PEER_NONE;
}

static void resolver_release(struct resolver *r)
{
	free(r->link_off);
	free(r->group_of);
	free(r->slot_off);
	free(r->slots);
	free(r->members);
	free(r->groups);
	free(r->pairs);
	free(r->any);
	free(r->candidates);
	free(r->named);
}

int netns_peer_resolve(struct netns_peer_table *tables, size_t n_tables,
		       size_t self, netns_nsid_ask_fn ask, void *ctx,
		       struct netns_peer_stats *stats)
{
	struct resolver r = {
		.tables = tables,
		.n_tables = n_tables,
		.self = self,
		.ask = ask,
		.ctx = ctx,
	};
	size_t i, n_links = 0;
	int err = -ENOMEM;

	for (i = 0; i < n_tables; i++)
		n_links += tables[i].n;
	r.link_off = malloc((n_tables + 1) * sizeof(*r.link_off));
	r.slot_off = malloc((n_tables + 1) * sizeof(*r.slot_off));
	r.group_of = malloc((n_links ? n_links : 1) * sizeof(*r.group_of));
	r.candidates =
		malloc((n_tables ? n_tables : 1) * sizeof(*r.candidates));
	r.named = calloc(n_tables ? n_tables : 1, sizeof(*r.named));
	if (!r.link_off || !r.slot_off || !r.group_of || !r.candidates ||
	    !r.named)
		goto out;
	for (i = 0, n_links = 0; i < n_tables; n_links += tables[i++].n)
		r.link_off[i] = n_links;
	r.link_off[n_tables] = n_links;
	memset(r.group_of, 0xff, n_links * sizeof(*r.group_of));
	err = build_slots(&r);
	if (!err)
		err = build_members(&r);
	if (!err)
		err = build_groups(&r);
	if (!err)
		err = resolve_groups(&r);
	if (err)
		goto out;
	peers_apply(&r);
	if (stats)
		*stats = r.stats;
out:
	resolver_release(&r);
	return err;
}
