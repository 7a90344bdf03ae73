// SPDX-License-Identifier: Apache-2.0
/*
 * The netns families rendered from devices and addresses built here:
 * exact text, escaping of odd device and namespace names, 64-bit counters,
 * no duplicate series, one piece per family.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>

#include "netns_render.h"

#define INODE 4026532184ULL

static struct rtnl_link make_link(uint32_t ifindex, const char *name,
				  uint32_t mtu, uint8_t operstate)
{
	struct rtnl_link link;

	memset(&link, 0, sizeof(link));
	link.ifindex = ifindex;
	link.iflink = ifindex;
	link.mtu = mtu;
	link.operstate = operstate;
	strcpy(link.ifname, name);
	return link;
}

static struct rtnl_addr make_addr(uint32_t ifindex, const char *text,
				  uint8_t prefixlen, uint8_t scope)
{
	struct rtnl_addr addr;

	memset(&addr, 0, sizeof(addr));
	addr.ifindex = ifindex;
	addr.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	addr.prefixlen = prefixlen;
	addr.scope = scope;
	assert_int_equal(inet_pton(addr.family, text, addr.address), 1);
	return addr;
}

/* A set of n namespaces; the caller fills each and frees the set. */
static struct netns_set *set_new(size_t n)
{
	struct netns_set *set = calloc(1, sizeof(*set));

	assert_non_null(set);
	set->items = calloc(n ? n : 1, sizeof(*set->items));
	assert_non_null(set->items);
	set->n = n;
	return set;
}

/* The whole page, checking that each call writes exactly one family. */
static char *render_all(const struct netns_set *set,
			enum exposition_format format)
{
	struct outbuf out;
	size_t cursor = 0, pieces = 0, before, len;
	bool more;
	char *page;
	const char *p;

	outbuf_init(&out, format);
	do {
		before = out.len;
		more = netns_render(set, &cursor, &out);
		pieces++;
		assert_int_equal(cursor, pieces);
		assert_int_equal(out.err, 0);
		/* a piece is one family: one HELP line */
		p = out.data + before;
		assert_memory_equal(p, "# HELP ", 7);
		for (p++; (p = memmem(p, out.len - (size_t)(p - out.data),
				      "# HELP", 6));
		     p++)
			fail_msg("two families in piece %zu", pieces);
	} while (more);
	assert_int_equal(pieces, 25);
	assert_false(netns_render(set, &cursor, &out));
	outbuf_putc(&out, '\0');
	page = outbuf_take(&out, &len);
	assert_non_null(page);
	return page;
}

/* The sample lines of one family (name is its sample name). */
static char *samples_of(const char *page, const char *name)
{
	char head[128];
	const char *start, *end;
	char *text;

	snprintf(head, sizeof(head), "\n# TYPE %s ", name);
	start = strstr(page, head);
	assert_non_null(start);
	start = strchr(start + 1, '\n') + 1;
	end = strstr(start, "# HELP ");
	if (!end)
		end = start + strlen(start);
	text = strndup(start, (size_t)(end - start));
	assert_non_null(text);
	return text;
}

static void assert_samples(const char *page, const char *name, const char *want)
{
	char *got = samples_of(page, name);

	assert_string_equal(got, want);
	free(got);
}

static void render_writes_devices_and_addresses_exactly(void **state)
{
	struct netns_set *set = set_new(1);
	struct rtnl_link links[2];
	struct rtnl_addr addrs[3];
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x0a};
	char *page;

	(void)state;
	links[0] = make_link(2, "veth0", 1500, IF_OPER_UP);
	links[0].iflink = 7;
	memcpy(links[0].address, mac, 6);
	links[0].address_len = 6;
	memset(links[0].broadcast, 0xff, 6);
	links[0].broadcast_len = 6;
	strcpy(links[0].kind, "veth");
	links[0].counters[RTNL_RX_BYTES] = 5016444477ULL;
	links[0].counters[RTNL_TX_CARRIER] = 3;
	links[1] = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	links[1].address_len = 6;
	addrs[0] = make_addr(2, "2001:db8::1", 64, 0);
	addrs[1] = make_addr(1, "127.0.0.1", 8, 254);
	addrs[2] = make_addr(2, "fe80::ff:fe00:a", 64, 253);

	assert_int_equal(netns_ns_init(&set->items[0], "blue", INODE), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], links, 2, addrs, 3), 0);
	page = render_all(set, EXPOSITION_TEXT);

	assert_non_null(strstr(
		page,
		"# HELP namespace_network_receive_bytes_total Bytes received by the network device.\n"
		"# TYPE namespace_network_receive_bytes_total counter\n"));
	assert_samples(
		page, "namespace_netns_collect_success",
		"namespace_netns_collect_success{netns=\"blue\",netns_inode=\"4026532184\"} 1\n");
	assert_samples(
		page, "namespace_network_receive_bytes_total",
		"namespace_network_receive_bytes_total{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\"} 0\n"
		"namespace_network_receive_bytes_total{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\"} 5016444477\n");
	assert_samples(
		page, "namespace_network_transmit_carrier_total",
		"namespace_network_transmit_carrier_total{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\"} 0\n"
		"namespace_network_transmit_carrier_total{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\"} 3\n");
	assert_samples(
		page, "namespace_network_info",
		"namespace_network_info{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\",address=\"00:00:00:00:00:00\",broadcast=\"\",operstate=\"unknown\",kind=\"\"} 1\n"
		"namespace_network_info{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\",address=\"02:00:00:00:00:0a\",broadcast=\"ff:ff:ff:ff:ff:ff\",operstate=\"up\",kind=\"veth\"} 1\n");
	assert_samples(
		page, "namespace_network_up",
		"namespace_network_up{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\"} 0\n"
		"namespace_network_up{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\"} 1\n");
	assert_samples(
		page, "namespace_network_mtu_bytes",
		"namespace_network_mtu_bytes{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\"} 65536\n"
		"namespace_network_mtu_bytes{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\"} 1500\n");
	assert_samples(
		page, "namespace_network_iface_id",
		"namespace_network_iface_id{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\"} 1\n"
		"namespace_network_iface_id{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\"} 2\n");
	assert_samples(
		page, "namespace_network_iface_link",
		"namespace_network_iface_link{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\"} 1\n"
		"namespace_network_iface_link{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\"} 7\n");
	assert_samples(
		page, "namespace_network_address_info",
		"namespace_network_address_info{netns=\"blue\",netns_inode=\"4026532184\",device=\"lo\",family=\"inet\",address=\"127.0.0.1\",prefix_length=\"8\",scope=\"host\"} 1\n"
		"namespace_network_address_info{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\",family=\"inet6\",address=\"2001:db8::1\",prefix_length=\"64\",scope=\"global\"} 1\n"
		"namespace_network_address_info{netns=\"blue\",netns_inode=\"4026532184\",device=\"veth0\",family=\"inet6\",address=\"fe80::ff:fe00:a\",prefix_length=\"64\",scope=\"link\"} 1\n");
	free(page);
	netns_set_free(set);
}

static void render_escapes_odd_device_names_byte_for_byte(void **state)
{
	static const char *const names[] = {
		"lo",	  "q\"uote", "back\\slash",	"bs\\",
		"#{x=1}", ",}",	     "abcdefghijklmno",
	};
	struct netns_set *set = set_new(1);
	struct rtnl_link links[7];
	char *page;
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++)
		links[i] = make_link((uint32_t)i + 1, names[i],
				     i ? 1500 : 65536, IF_OPER_DOWN);
	assert_int_equal(netns_ns_init(&set->items[0], "caseesc", INODE), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], links, 7, NULL, 0), 0);
	page = render_all(set, EXPOSITION_TEXT);
	/* sorted bytewise: '"' < '#' < ',' < letters */
	assert_samples(
		page, "namespace_network_mtu_bytes",
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\"#{x=1}\"} 1500\n"
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\",}\"} 1500\n"
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\"abcdefghijklmno\"} 1500\n"
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\"back\\\\slash\"} 1500\n"
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\"bs\\\\\"} 1500\n"
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\"lo\"} 65536\n"
		"namespace_network_mtu_bytes{netns=\"caseesc\",netns_inode=\"4026532184\",device=\"q\\\"uote\"} 1500\n");
	free(page);
	netns_set_free(set);
}

static void render_escapes_non_utf8_namespace_name(void **state)
{
	struct netns_set *set = set_new(2);
	struct rtnl_link lo = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	char *page;

	(void)state;
	/* \xff is never UTF-8; "é" (c3 a9) is and stays as it is */
	assert_int_equal(
		netns_ns_init(&set->items[0], "ns\xff\"\\\n\xc3\xa9", 11), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], &lo, 1, NULL, 0), 0);
	/* a namespace without a name */
	assert_int_equal(netns_ns_init(&set->items[1], NULL, 12), 0);
	lo = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	assert_int_equal(netns_ns_fill(&set->items[1], &lo, 1, NULL, 0), 0);
	page = render_all(set, EXPOSITION_TEXT);
	assert_samples(
		page, "namespace_network_iface_id",
		"namespace_network_iface_id{netns=\"ns\\\\xff\\\"\\\\\\n\xc3\xa9\",netns_inode=\"11\",device=\"lo\"} 1\n"
		"namespace_network_iface_id{netns=\"\",netns_inode=\"12\",device=\"lo\"} 1\n");
	free(page);
	netns_set_free(set);
}

static void render_never_repeats_a_series(void **state)
{
	struct netns_set *set = set_new(1);
	struct rtnl_link links[3];
	struct rtnl_addr addrs[6];
	char *page;

	(void)state;
	links[0] = make_link(2, "br0", 1500, IF_OPER_DOWN);
	links[1] = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	/* an interrupted dump could repeat a device, even under a new index */
	links[2] = make_link(3, "br0", 1500, IF_OPER_DOWN);
	addrs[0] = make_addr(2, "2001:db8:1::1", 128, 0);
	addrs[1] = make_addr(2, "2001:db8:1::1", 128, 0);
	addrs[2] = make_addr(2, "192.0.2.1", 24, 0);
	/* the same address with another prefix is another series */
	addrs[3] = make_addr(2, "192.0.2.1", 25, 0);
	/* one on a device the link dump did not list is dropped */
	addrs[4] = make_addr(9, "192.0.2.9", 24, 0);
	/* the same address on another device is its own series */
	addrs[5] = make_addr(1, "2001:db8:1::1", 128, 0);
	addrs[5].flags = 0x80;

	assert_int_equal(netns_ns_init(&set->items[0], "dup", INODE), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], links, 3, addrs, 6), 0);
	page = render_all(set, EXPOSITION_TEXT);
	assert_samples(
		page, "namespace_network_iface_id",
		"namespace_network_iface_id{netns=\"dup\",netns_inode=\"4026532184\",device=\"br0\"} 2\n"
		"namespace_network_iface_id{netns=\"dup\",netns_inode=\"4026532184\",device=\"lo\"} 1\n");
	assert_samples(
		page, "namespace_network_address_info",
		"namespace_network_address_info{netns=\"dup\",netns_inode=\"4026532184\",device=\"br0\",family=\"inet\",address=\"192.0.2.1\",prefix_length=\"24\",scope=\"global\"} 1\n"
		"namespace_network_address_info{netns=\"dup\",netns_inode=\"4026532184\",device=\"br0\",family=\"inet\",address=\"192.0.2.1\",prefix_length=\"25\",scope=\"global\"} 1\n"
		"namespace_network_address_info{netns=\"dup\",netns_inode=\"4026532184\",device=\"br0\",family=\"inet6\",address=\"2001:db8:1::1\",prefix_length=\"128\",scope=\"global\"} 1\n"
		"namespace_network_address_info{netns=\"dup\",netns_inode=\"4026532184\",device=\"lo\",family=\"inet6\",address=\"2001:db8:1::1\",prefix_length=\"128\",scope=\"global\"} 1\n");
	free(page);
	netns_set_free(set);
}

static void render_failed_namespace_has_only_its_success(void **state)
{
	struct netns_set *set = set_new(3);
	struct rtnl_link lo = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	char *page, *text;

	(void)state;
	assert_int_equal(netns_ns_init(&set->items[0], "ok", 1), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], &lo, 1, NULL, 0), 0);
	/* never read: init leaves it failed */
	assert_int_equal(netns_ns_init(&set->items[1], "failed", 2), 0);
	assert_int_equal(set->items[1].state, NETNS_STATE_FAILED);
	assert_int_equal(netns_ns_init(&set->items[2], "gone", 3), 0);
	set->items[2].state = NETNS_STATE_GONE;
	page = render_all(set, EXPOSITION_TEXT);
	assert_samples(
		page, "namespace_netns_collect_success",
		"namespace_netns_collect_success{netns=\"ok\",netns_inode=\"1\"} 1\n"
		"namespace_netns_collect_success{netns=\"failed\",netns_inode=\"2\"} 0\n");
	text = samples_of(page, "namespace_network_receive_drop_total");
	assert_string_equal(
		text,
		"namespace_network_receive_drop_total{netns=\"ok\",netns_inode=\"1\",device=\"lo\"} 0\n");
	free(text);
	assert_null(strstr(page, "netns=\"gone\""));
	assert_null(strstr(page, "netns=\"failed\",netns_inode=\"2\",device"));
	free(page);
	netns_set_free(set);
}

static void render_names_unknown_scopes_and_states_by_number(void **state)
{
	struct netns_set *set = set_new(1);
	struct rtnl_link link = make_link(4, "x", 1500, 9);
	struct rtnl_addr addrs[2];
	char *page;

	(void)state;
	addrs[0] = make_addr(4, "10.0.0.1", 8, 100);
	addrs[1] = make_addr(4, "fec0::1", 10, 200);
	assert_string_equal(netns_scope_name(255), "nowhere");
	assert_string_equal(netns_operstate_name(IF_OPER_LOWERLAYERDOWN),
			    "lowerlayerdown");
	assert_string_equal(netns_operstate_name(IF_OPER_DORMANT), "dormant");
	assert_string_equal(netns_operstate_name(IF_OPER_NOTPRESENT),
			    "notpresent");
	assert_string_equal(netns_operstate_name(IF_OPER_TESTING), "testing");
	assert_int_equal(netns_ns_init(&set->items[0], "n", 5), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], &link, 1, addrs, 2), 0);
	page = render_all(set, EXPOSITION_TEXT);
	assert_samples(
		page, "namespace_network_info",
		"namespace_network_info{netns=\"n\",netns_inode=\"5\",device=\"x\",address=\"\",broadcast=\"\",operstate=\"9\",kind=\"\"} 1\n");
	assert_samples(
		page, "namespace_network_address_info",
		"namespace_network_address_info{netns=\"n\",netns_inode=\"5\",device=\"x\",family=\"inet\",address=\"10.0.0.1\",prefix_length=\"8\",scope=\"100\"} 1\n"
		"namespace_network_address_info{netns=\"n\",netns_inode=\"5\",device=\"x\",family=\"inet6\",address=\"fec0::1\",prefix_length=\"10\",scope=\"site\"} 1\n");
	free(page);
	netns_set_free(set);
}

static void render_openmetrics_declares_counters_info_and_units(void **state)
{
	struct netns_set *set = set_new(1);
	struct rtnl_link lo = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	char *page;

	(void)state;
	assert_int_equal(netns_ns_init(&set->items[0], "om", 1), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], &lo, 1, NULL, 0), 0);
	page = render_all(set, EXPOSITION_OPENMETRICS);
	assert_non_null(strstr(
		page,
		"# TYPE namespace_network_transmit_bytes counter\n"
		"# UNIT namespace_network_transmit_bytes bytes\n"
		"namespace_network_transmit_bytes_total{netns=\"om\",netns_inode=\"1\",device=\"lo\"} 0\n"));
	assert_non_null(strstr(page, "# TYPE namespace_network info\n"));
	assert_non_null(strstr(page,
			       "# TYPE namespace_network_mtu_bytes gauge\n"
			       "# UNIT namespace_network_mtu_bytes bytes\n"));
	free(page);
	netns_set_free(set);
}

/* A device of a rendered test namespace, found by its ifindex. */
static struct netns_peer_link *link_of(struct netns_ns *ns, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < ns->n_devices; i++) {
		if (ns->links[i].ifindex == ifindex)
			return &ns->links[i];
	}
	fail_msg("no device with index %u", ifindex);
	return NULL;
}

/* Marks device ifindex of ns as peered with peer_ifindex (0: unknown). */
static void set_peer(struct netns_set *set, size_t ns, uint32_t ifindex,
		     size_t peer_ns, uint32_t peer_ifindex)
{
	struct netns_peer_link *link = link_of(&set->items[ns], ifindex);
	struct netns_ns *peer = &set->items[peer_ns];

	link->peer_ns = (uint32_t)peer_ns;
	link->peer_link = NETNS_PEER_NONE;
	if (peer_ifindex)
		link->peer_link =
			(uint32_t)(link_of(peer, peer_ifindex) - peer->links);
}

static void render_peer_info_copies_peer_labels_exactly(void **state)
{
	struct netns_set *set = set_new(3);
	struct rtnl_link a[4], b[4];
	char *page;

	(void)state;
	a[0] = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	a[1] = make_link(2, "vAB", 1500, IF_OPER_UP);
	a[2] = make_link(7, "vS1", 1500, IF_OPER_UP);
	a[3] = make_link(8, "vS2", 1500, IF_OPER_UP);
	b[0] = make_link(1, "lo", 65536, IF_OPER_UNKNOWN);
	b[1] = make_link(2, "v\"B\\", 1500, IF_OPER_UP);
	b[2] = make_link(4, "mv0", 1500, IF_OPER_UP);
	b[3] = make_link(5, "vx0", 1450, IF_OPER_UNKNOWN);
	assert_int_equal(netns_ns_init(&set->items[0], "a", 11), 0);
	assert_int_equal(netns_ns_fill(&set->items[0], a, 4, NULL, 0), 0);
	/* odd names in both the namespace and the device: copied escaped */
	assert_int_equal(netns_ns_init(&set->items[1], "b\"\xff", 22), 0);
	assert_int_equal(netns_ns_fill(&set->items[1], b, 4, NULL, 0), 0);
	/* never read: its devices are no one's peers, it has none itself */
	assert_int_equal(netns_ns_init(&set->items[2], "failed", 33), 0);

	set_peer(set, 0, 2, 1, 2);
	set_peer(set, 1, 2, 0, 2);
	set_peer(set, 0, 7, 0, 8);
	set_peer(set, 0, 8, 0, 7);
	set_peer(set, 1, 4, 0, 2);
	set_peer(set, 1, 5, 0, 0); /* a vxlan without a lower device */
	assert_int_equal(netns_set_store_peers(set), 0);
	page = render_all(set, EXPOSITION_TEXT);
	assert_non_null(strstr(
		page,
		"# HELP namespace_network_peer_info Peer of a veth, or lower device of a macvlan, vlan, vxlan or tunnel in another netns.\n"
		"# TYPE namespace_network_peer_info gauge\n"));
	assert_samples(
		page, "namespace_network_peer_info",
		"namespace_network_peer_info{netns=\"a\",netns_inode=\"11\",device=\"vAB\",peer_netns=\"b\\\"\\\\xff\",peer_netns_inode=\"22\",peer_device=\"v\\\"B\\\\\"} 1\n"
		"namespace_network_peer_info{netns=\"a\",netns_inode=\"11\",device=\"vS1\",peer_netns=\"a\",peer_netns_inode=\"11\",peer_device=\"vS2\"} 1\n"
		"namespace_network_peer_info{netns=\"a\",netns_inode=\"11\",device=\"vS2\",peer_netns=\"a\",peer_netns_inode=\"11\",peer_device=\"vS1\"} 1\n"
		"namespace_network_peer_info{netns=\"b\\\"\\\\xff\",netns_inode=\"22\",device=\"mv0\",peer_netns=\"a\",peer_netns_inode=\"11\",peer_device=\"vAB\"} 1\n"
		"namespace_network_peer_info{netns=\"b\\\"\\\\xff\",netns_inode=\"22\",device=\"v\\\"B\\\\\",peer_netns=\"a\",peer_netns_inode=\"11\",peer_device=\"vAB\"} 1\n"
		"namespace_network_peer_info{netns=\"b\\\"\\\\xff\",netns_inode=\"22\",device=\"vx0\",peer_netns=\"a\",peer_netns_inode=\"11\",peer_device=\"\"} 1\n");
	free(page);
	page = render_all(set, EXPOSITION_OPENMETRICS);
	assert_non_null(strstr(page, "# TYPE namespace_network_peer info\n"));
	free(page);
	netns_set_free(set);
}

/* Lines of page that start with prefix. */
static size_t count_lines(const char *page, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	const char *line;

	for (line = page; *line; line = strchr(line, '\n') + 1) {
		if (!strncmp(line, prefix, len))
			n++;
	}
	return n;
}

static void render_empty_set_writes_headers_only(void **state)
{
	struct netns_set *set = set_new(0);
	char *page;

	(void)state;
	page = render_all(set, EXPOSITION_TEXT);
	assert_int_equal(count_lines(page, "# HELP "), 25);
	assert_int_equal(count_lines(page, "# TYPE "), 25);
	assert_int_equal(count_lines(page, "namespace_"), 0);
	free(page);
	netns_set_free(set);
	netns_set_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_writes_devices_and_addresses_exactly),
		cmocka_unit_test(render_escapes_odd_device_names_byte_for_byte),
		cmocka_unit_test(render_escapes_non_utf8_namespace_name),
		cmocka_unit_test(render_never_repeats_a_series),
		cmocka_unit_test(render_failed_namespace_has_only_its_success),
		cmocka_unit_test(
			render_names_unknown_scopes_and_states_by_number),
		cmocka_unit_test(
			render_openmetrics_declares_counters_info_and_units),
		cmocka_unit_test(render_empty_set_writes_headers_only),
		cmocka_unit_test(render_peer_info_copies_peer_labels_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
