// SPDX-License-Identifier: Apache-2.0
/*
 * The peer resolver on link tables built here, with a double for the
 * RTM_GETNSID asks that answers from a table of ids per namespace and
 * records every ask: exact peers when ifindexes repeat in every namespace
 * (case 11), ambiguity settled by asking, a coincidental match refused by
 * the ids, the fallbacks when no id can be had, and the number of asks on
 * a container host (linear, never N * N).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netns_peer.h"

#define TEST_MAX_NS 320
#define TEST_MAX_LINKS 320

/* What the double knows and what it saw. */
struct nsid_double {
	/* ids[in][about] + 1: 0 means in has no id for about */
	int ids[TEST_MAX_NS][TEST_MAX_NS];
	/* fail every ask with this (0: answer) after `answers` answers */
	int fail_with;
	size_t answers;
	size_t asks;
	size_t switches; /* how often in_ns changed between asks */
	size_t last_in;
};

static struct nsid_double *double_new(void)
{
	struct nsid_double *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->last_in = SIZE_MAX;
	return d;
}

static void double_set(struct nsid_double *d, size_t in, size_t about, int nsid)
{
	d->ids[in][about] = nsid + 1;
}

static int double_ask(void *ctx, size_t in_ns, size_t about_ns, int32_t *nsid)
{
	struct nsid_double *d = ctx;

	assert_true(in_ns < TEST_MAX_NS && about_ns < TEST_MAX_NS);
	assert_true(in_ns != about_ns);
	if (in_ns != d->last_in)
		d->switches++;
	d->last_in = in_ns;
	d->asks++;
	if (d->fail_with && d->asks > d->answers)
		return d->fail_with;
	*nsid = d->ids[in_ns][about_ns] - 1;
	return 0;
}

/* A namespace's devices, added one by one. */
struct table {
	struct netns_peer_link links[TEST_MAX_LINKS];
	size_t n;
};

/*
 * Adds a device: kind "veth" makes a pair end, lower is IFLA_LINK (0 to
 * leave it out: then it equals ifindex), nsid < -1 means no
 * IFLA_LINK_NETNSID.
 */
static size_t add_link(struct table *t, uint32_t ifindex, const char *kind,
		       uint32_t lower, int nsid)
{
	struct rtnl_link link;

	assert_true(t->n < TEST_MAX_LINKS);
	memset(&link, 0, sizeof(link));
	link.ifindex = ifindex;
	link.iflink = lower ? lower : ifindex;
	strcpy(link.kind, kind);
	if (nsid >= -1) {
		link.has_link_netnsid = true;
		link.link_netnsid = nsid;
	}
	netns_peer_link_init(&t->links[t->n], &link);
	return t->n++;
}

#define NO_ID (-2)

static void resolve(struct table *tables, size_t n, size_t self,
		    struct nsid_double *d, struct netns_peer_stats *stats)
{
	struct netns_peer_table views[TEST_MAX_NS];
	size_t i;

	assert_true(n <= TEST_MAX_NS);
	for (i = 0; i < n; i++) {
		views[i].links = tables[i].links;
		views[i].n = tables[i].n;
		views[i].usable = true;
	}
	assert_int_equal(
		netns_peer_resolve(views, n, self, double_ask, d, stats), 0);
}

static void assert_peer(const struct table *tables, size_t ns, size_t link,
			uint32_t peer_ns, uint32_t peer_link)
{
	const struct netns_peer_link *l = &tables[ns].links[link];

	if (l->peer_ns != peer_ns || l->peer_link != peer_link)
		fail_msg("ns %zu link %zu: peer %u/%u, want %u/%u", ns, link,
			 l->peer_ns, l->peer_link, peer_ns, peer_link);
}

#define NONE NETNS_PEER_NONE

static void link_init_takes_the_lower_index_each_kind_reports(void **state)
{
	struct rtnl_link link;
	struct netns_peer_link out;

	(void)state;
	memset(&link, 0, sizeof(link));
	link.ifindex = 4;
	link.iflink = 4;
	link.has_link_netnsid = true;
	link.link_netnsid = 1;
	/* a macvlan whose lower device has the same index as itself */
	strcpy(link.kind, "macvlan");
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 4);
	assert_int_equal(out.flags, NETNS_LINK_CROSS);
	assert_int_equal(out.link_netnsid, 1);
	assert_int_equal(out.peer_ns, NONE);
	assert_int_equal(out.peer_link, NONE);
	/* geneve has no lower device: its own index names none */
	strcpy(link.kind, "geneve");
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 0);
	/* a kind we do not know, with an index other than its own */
	strcpy(link.kind, "newkind");
	link.iflink = 6;
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 6);
	/* a vxlan names its lower device in its own data, not IFLA_LINK */
	strcpy(link.kind, "vxlan");
	link.iflink = 4;
	link.vxlan_link = 3;
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 3);
	link.vxlan_link = 0;
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 0);
	/* a veth is a pair end */
	strcpy(link.kind, "veth");
	link.iflink = 9;
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 9);
	assert_int_equal(out.flags, NETNS_LINK_PAIR | NETNS_LINK_CROSS);
	/* the kernel could not assign an id */
	link.link_netnsid = -1;
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.link_netnsid, -1);
	/* a bridge in its own namespace has no lower device */
	link.iflink = 4;
	link.has_link_netnsid = false;
	strcpy(link.kind, "bridge");
	netns_peer_link_init(&out, &link);
	assert_int_equal(out.lower, 0);
	assert_int_equal(out.flags, 0);
}

/*
 * Case 11 as the kernel reported it: every veth has ifindex 2 or 3, and id
 * 0 names B in A, C in B and A in C.
 */
static void case11_pairs_resolve_exactly_with_three_asks(void **state)
{
	struct table *t = calloc(3, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	enum { A, B, C };
	size_t vAB, vAC, vBA, vBC, vCA, vCB;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 3; i++)
		add_link(&t[i], 1, "", 0, NO_ID); /* lo */
	/* vAB's peer has vAB's own index */
	vAB = add_link(&t[A], 2, "veth", 2, 0);
	vAC = add_link(&t[A], 3, "veth", 2, 1);
	vBA = add_link(&t[B], 2, "veth", 0, 1);
	vBC = add_link(&t[B], 3, "veth", 0, 0);
	vCA = add_link(&t[C], 2, "veth", 3, 0);
	vCB = add_link(&t[C], 3, "veth", 0, 1);
	double_set(d, A, B, 0);
	double_set(d, A, C, 1);
	double_set(d, B, C, 0);
	double_set(d, B, A, 1);
	double_set(d, C, A, 0);
	double_set(d, C, B, 1);

	resolve(t, 3, NONE, d, &stats);
	assert_peer(t, A, vAB, B, vBA);
	assert_peer(t, A, vAC, C, vCA);
	assert_peer(t, B, vBA, A, vAB);
	assert_peer(t, B, vBC, C, vCB);
	assert_peer(t, C, vCA, A, vAC);
	assert_peer(t, C, vCB, B, vBC);
	for (int i = 0; i < 3; i++)
		assert_peer(t, (size_t)i, 0, NONE, NONE); /* lo */
	/* one ask per pair; the other end of each follows from it */
	assert_int_equal(d->asks, 3);
	assert_int_equal(stats.asks, 3);
	assert_int_equal(stats.by_nsid, 3);
	assert_int_equal(stats.mirrored, 3);
	assert_int_equal(stats.unresolved, 0);
	free(d);
	free(t);
}

/*
 * X's veth (5 -> 2) matches a veth (2 -> 5) in both Y1 and Y2; only the
 * ids tell that Y2 holds its peer, and Y1's belongs to Z.
 */
static void ambiguous_match_is_settled_by_the_ids(void **state)
{
	struct table *t = calloc(4, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	enum { X, Z, Y1, Y2 };
	size_t x, z, y1, y2;

	(void)state;
	assert_non_null(t);
	x = add_link(&t[X], 5, "veth", 2, 0);
	z = add_link(&t[Z], 5, "veth", 2, 0);
	y1 = add_link(&t[Y1], 2, "veth", 5, 0);
	y2 = add_link(&t[Y2], 2, "veth", 5, 0);
	double_set(d, X, Y2, 0);
	double_set(d, Z, Y1, 0);
	double_set(d, Y1, Z, 0);
	double_set(d, Y2, X, 0);

	resolve(t, 4, NONE, d, &stats);
	assert_peer(t, X, x, Y2, y2);
	assert_peer(t, Y2, y2, X, x);
	assert_peer(t, Z, z, Y1, y1);
	assert_peer(t, Y1, y1, Z, z);
	assert_int_equal(stats.unresolved, 0);
	assert_int_equal(stats.matched, 0);
	/* X asks about Y1 (no id there) and Y2; Z about Y1 alone */
	assert_true(d->asks <= 3);
	free(d);
	free(t);
}

/*
 * X's veth peer is in a namespace we cannot see; Y has a veth that fits
 * it by index, whose own peer is unseen too. Matching alone would pair
 * them; the ids refuse.
 */
static void coincidental_match_in_unseen_layout_is_refused(void **state)
{
	struct table *t = calloc(2, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	enum { X, Y };

	(void)state;
	assert_non_null(t);
	add_link(&t[X], 5, "veth", 2, 0);
	add_link(&t[Y], 2, "veth", 5, 0);
	/* neither has an id for the other: their ids name unseen ones */
	resolve(t, 2, NONE, d, &stats);
	assert_peer(t, X, 0, NONE, NONE);
	assert_peer(t, Y, 0, NONE, NONE);
	assert_int_equal(stats.unresolved, 2);
	assert_int_equal(d->asks, 2);
	free(d);
	free(t);
}

static void no_id_takes_a_unique_match_only(void **state)
{
	struct table *t = calloc(4, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	enum { X, Y, P, Q };

	(void)state;
	assert_non_null(t);
	/* the kernel could not give an id: -1 (NETNSA_NSID_NOT_ASSIGNED) */
	add_link(&t[X], 7, "veth", 3, -1);
	add_link(&t[Y], 3, "veth", 7, -1);
	/* P's veth fits two namespaces: without an id it stays unknown */
	add_link(&t[P], 8, "veth", 4, -1);
	add_link(&t[Q], 4, "veth", 8, -1);
	add_link(&t[X], 4, "veth", 8, -1);
	resolve(t, 4, NONE, d, &stats);
	assert_int_equal(d->asks, 0);
	assert_peer(t, X, 0, Y, 0);
	assert_peer(t, Y, 0, X, 0);
	assert_int_equal(stats.matched, 2);
	/*
	 * Q and X's second veth each fit P alone, but P fits both: taking
	 * either match would give P's veth two peers
	 */
	assert_peer(t, P, 0, NONE, NONE);
	assert_peer(t, Q, 0, NONE, NONE);
	assert_peer(t, X, 1, NONE, NONE);
	assert_int_equal(stats.unresolved, 3);
	free(d);
	free(t);
}

static void failed_asks_fall_back_to_a_unique_match(void **state)
{
	struct table *t = calloc(4, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	enum { X, Y, P, Q };

	(void)state;
	assert_non_null(t);
	add_link(&t[X], 7, "veth", 3, 0);
	add_link(&t[Y], 3, "veth", 7, 4);
	/* two candidates and no answer: nothing is guessed */
	add_link(&t[P], 8, "macvlan", 2, 0);
	add_link(&t[Q], 2, "", 0, NO_ID);
	add_link(&t[X], 2, "", 0, NO_ID);
	d->fail_with = -EIO;
	resolve(t, 4, NONE, d, &stats);
	assert_peer(t, X, 0, Y, 0);
	assert_peer(t, Y, 0, X, 0);
	assert_peer(t, P, 0, NONE, NONE);
	assert_int_equal(stats.matched, 2); /* X's id, and Y's by mirror */
	assert_int_equal(stats.unresolved, 1);
	assert_true(d->asks >= 3);
	free(d);
	free(t);
}

static void cancelled_asks_stop_asking(void **state)
{
	struct table *t = calloc(12, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	size_t i;

	(void)state;
	assert_non_null(t);
	/* eleven macvlans on index 2 of namespace 0, each with 10 candidates */
	add_link(&t[0], 2, "", 0, NO_ID);
	for (i = 1; i < 12; i++) {
		add_link(&t[i], 2, "", 0, NO_ID);
		add_link(&t[i], 9, "macvlan", 2, 0);
		double_set(d, i, 0, 0);
	}
	d->fail_with = -ECANCELED;
	d->answers = 1;
	resolve(t, 12, NONE, d, &stats);
	/* the first answer is wrong or right; after the refusal no more */
	assert_int_equal(d->asks, 2);
	free(d);
	free(t);
}

/*
 * Macvlans whose lower devices have index 4 in a namespace among many with
 * a plain device at index 4, and fewer devices than the others: nothing
 * but being the exporter's own puts the host first.
 */
static void lower_device_candidates_start_with_self(void **state)
{
	struct table *t = calloc(40, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	size_t i, host = 37, mv[40];

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 40; i++) {
		add_link(&t[i], 1, "", 0, NO_ID);
		add_link(&t[i], 4, "", 0, NO_ID);
		if (i == host)
			continue;
		/* made on the host's index 4 and moved here */
		mv[i] = add_link(&t[i], (uint32_t)(40 + i), "macvlan", 4, 0);
		double_set(d, i, host, 0);
	}
	resolve(t, 40, host, d, &stats);
	for (i = 0; i < 40; i++) {
		if (i != host)
			assert_peer(t, i, mv[i], (uint32_t)host, 1);
	}
	assert_peer(t, host, 1, NONE, NONE);
	assert_int_equal(d->asks, 39);
	assert_int_equal(stats.by_nsid, 39);
	free(d);
	free(t);
}

/*
 * vxlans bound by address alone in 19 containers, their sockets in a hub
 * that is not the exporter's own and has fewer devices than any of them:
 * once a veth has shown the hub, ids without any index to match ask the
 * namespaces named before first.
 */
static void unmatched_ids_ask_namespaces_named_before(void **state)
{
	enum { N = 20 };
	struct table *t = calloc(N + 1, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	size_t i, hub = N;

	(void)state;
	assert_non_null(t);
	add_link(&t[hub], 1, "", 0, NO_ID);
	add_link(&t[hub], 5, "veth", 2, 0);
	add_link(&t[0], 1, "", 0, NO_ID);
	add_link(&t[0], 2, "veth", 5, 0);
	double_set(d, hub, 0, 0);
	double_set(d, 0, hub, 0);
	for (i = 1; i < N; i++) {
		add_link(&t[i], 1, "", 0, NO_ID);
		add_link(&t[i], 2, "", 0, NO_ID);
		add_link(&t[i], 3, "", 0, NO_ID);
		add_link(&t[i], 4, "vxlan", 0, 0);
		double_set(d, i, hub, 0);
	}
	resolve(t, N + 1, NONE, d, &stats);
	for (i = 1; i < N; i++)
		assert_peer(t, i, 3, (uint32_t)hub, NONE);
	assert_int_equal(stats.unresolved, 0);
	/* the veth, then one container asks its neighbour before the hub */
	assert_true(d->asks <= N + 1);
	free(d);
	free(t);
}

/* A vxlan bound by address alone: the namespace is known, no device. */
static void link_namespace_without_lower_device_is_reported(void **state)
{
	struct table *t = calloc(3, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	struct rtnl_link link;

	(void)state;
	assert_non_null(t);
	add_link(&t[0], 1, "", 0, NO_ID);
	add_link(&t[1], 1, "", 0, NO_ID);
	memset(&link, 0, sizeof(link));
	link.ifindex = 6;
	link.iflink = 6;
	link.has_link_netnsid = true;
	link.link_netnsid = 3;
	strcpy(link.kind, "vxlan");
	netns_peer_link_init(&t[2].links[t[2].n++], &link);
	double_set(d, 2, 0, 2);
	double_set(d, 2, 1, 3);
	resolve(t, 3, NONE, d, &stats);
	assert_peer(t, 2, 0, 1, NONE);
	assert_int_equal(d->asks, 2);
	free(d);
	free(t);
}

static void pair_in_one_namespace_needs_no_ask(void **state)
{
	struct table *t = calloc(1, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;

	(void)state;
	assert_non_null(t);
	add_link(&t[0], 1, "", 0, NO_ID);
	add_link(&t[0], 7, "veth", 8, NO_ID);
	add_link(&t[0], 8, "veth", 7, NO_ID);
	/* a veth whose peer is gone: the kernel sends IFLA_LINK 0 */
	add_link(&t[0], 9, "veth", 0, NO_ID);
	t[0].links[3].lower = 0;
	/* nor is a veth its own peer, whatever IFLA_LINK says */
	add_link(&t[0], 11, "veth", 11, NO_ID);
	/* a macvlan on a device here is no peer */
	add_link(&t[0], 10, "macvlan", 7, NO_ID);
	resolve(t, 1, NONE, d, &stats);
	assert_peer(t, 0, 1, 0, 2);
	assert_peer(t, 0, 2, 0, 1);
	assert_peer(t, 0, 3, NONE, NONE);
	assert_peer(t, 0, 4, NONE, NONE);
	assert_peer(t, 0, 5, NONE, NONE);
	assert_int_equal(d->asks, 0);
	free(d);
	free(t);
}

static void unusable_tables_are_neither_asked_nor_resolved(void **state)
{
	struct table *t = calloc(2, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_table views[2];
	struct netns_peer_stats stats;

	(void)state;
	assert_non_null(t);
	add_link(&t[0], 2, "veth", 0, 0);
	add_link(&t[1], 2, "veth", 0, 0);
	double_set(d, 0, 1, 0);
	double_set(d, 1, 0, 0);
	for (int i = 0; i < 2; i++) {
		views[i].links = t[i].links;
		views[i].n = t[i].n;
		views[i].usable = i == 0;
	}
	assert_int_equal(
		netns_peer_resolve(views, 2, NONE, double_ask, d, &stats), 0);
	assert_peer(t, 0, 0, NONE, NONE);
	assert_peer(t, 1, 0, NONE, NONE);
	assert_int_equal(d->asks, 0);
	free(d);
	free(t);
}

/*
 * A container host: 300 containers, each with lo and eth0 (ifindex 2),
 * whose peers sit in one hub namespace with ids handed out in a shuffled
 * order. The hub is asked once per container on one socket; containers
 * are never asked.
 */
static void container_host_costs_one_ask_per_container(void **state)
{
	enum { N = 300 };
	struct table *t = calloc(N + 1, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	size_t i, hub = N, eth0[N];
	int nsid;

	(void)state;
	assert_non_null(t);
	add_link(&t[hub], 1, "", 0, NO_ID);
	for (i = 0; i < N; i++) {
		nsid = (int)((i * 7919) % N); /* a permutation of 0..N-1 */
		add_link(&t[i], 1, "", 0, NO_ID);
		eth0[i] = add_link(&t[i], 2, "veth", (uint32_t)(10 + i), 0);
		add_link(&t[hub], (uint32_t)(10 + i), "veth", 2, nsid);
		double_set(d, hub, i, nsid);
		double_set(d, i, hub, 0);
	}
	resolve(t, N + 1, NONE, d, &stats);
	for (i = 0; i < N; i++) {
		assert_peer(t, i, eth0[i], (uint32_t)hub, (uint32_t)(i + 1));
		assert_peer(t, hub, i + 1, (uint32_t)i, eth0[i]);
	}
	assert_int_equal(d->asks, N);
	assert_int_equal(d->switches, 1);
	assert_int_equal(stats.mirrored, N);
	free(d);
	free(t);
}

/*
 * Containers with a macvlan on the hub's eth0 (index 2), where every
 * container has an index 2 too and the hub is not the exporter's own: the
 * namespace whose device at that index is linked nowhere else goes first.
 */
static void weak_candidates_prefer_a_plain_lower_device(void **state)
{
	enum { N = 200 };
	struct table *t = calloc(N + 1, sizeof(*t));
	struct nsid_double *d = double_new();
	struct netns_peer_stats stats;
	size_t i, hub = N;

	(void)state;
	assert_non_null(t);
	add_link(&t[hub], 1, "", 0, NO_ID);
	add_link(&t[hub], 2, "", 0, NO_ID);
	for (i = 0; i < N; i++) {
		add_link(&t[i], 1, "", 0, NO_ID);
		add_link(&t[i], 2, "macvlan", 0, 0);
		double_set(d, i, hub, 0);
	}
	resolve(t, N + 1, NONE, d, &stats);
	for (i = 0; i < N; i++)
		assert_peer(t, i, 1, (uint32_t)hub, 1);
	assert_int_equal(stats.by_nsid, N);
	/* index 2 is a plain device in the hub, a macvlan in the others */
	assert_int_equal(d->asks, N);
	free(d);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			link_init_takes_the_lower_index_each_kind_reports),
		cmocka_unit_test(case11_pairs_resolve_exactly_with_three_asks),
		cmocka_unit_test(ambiguous_match_is_settled_by_the_ids),
		cmocka_unit_test(
			coincidental_match_in_unseen_layout_is_refused),
		cmocka_unit_test(no_id_takes_a_unique_match_only),
		cmocka_unit_test(failed_asks_fall_back_to_a_unique_match),
		cmocka_unit_test(cancelled_asks_stop_asking),
		cmocka_unit_test(lower_device_candidates_start_with_self),
		cmocka_unit_test(unmatched_ids_ask_namespaces_named_before),
		cmocka_unit_test(
			link_namespace_without_lower_device_is_reported),
		cmocka_unit_test(pair_in_one_namespace_needs_no_ask),
		cmocka_unit_test(
			unusable_tables_are_neither_asked_nor_resolved),
		cmocka_unit_test(container_host_costs_one_ask_per_container),
		cmocka_unit_test(weak_candidates_prefer_a_plain_lower_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
