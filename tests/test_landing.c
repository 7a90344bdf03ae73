/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The landing page: HTML escaping of odd names, the exact fragments a given
 * exposition text becomes, the bounds on namespaces, devices and
 * addresses, text split anywhere, pages it refuses. Built a second time
 * as test_landing_http with NSE_HTTP_TESTS, it also reads a collection of
 * the scrape runner and asks a real server on loopback over a collector
 * double (GET, HEAD without a collection, 503 over --web.max-requests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "exposition.h"
#include "http.h"
#include "landing.h"
#include "scrape_runner.h"

/* --- helpers ---------------------------------------------------------- */

static char *escaped(const char *text, size_t len)
{
	struct outbuf out;
	char *result;
	size_t n;

	outbuf_init(&out, EXPOSITION_TEXT);
	landing_html_escape(&out, text, len);
	outbuf_putc(&out, '\0');
	result = outbuf_take(&out, &n);
	assert_non_null(result);
	return result;
}

static void assert_escaped(const char *text, size_t len, const char *want)
{
	char *got = escaped(text, len);

	if (strcmp(got, want))
		fail_msg("escaped to \"%s\", want \"%s\"", got, want);
	free(got);
}

/* For literals, so that embedded NULs count and lengths cannot be wrong. */
#define ASSERT_ESCAPED(literal, want)                                          \
	assert_escaped(literal, sizeof(literal) - 1, want)

static const struct landing_page test_page = {
	.version = "1.2.3",
	.revision = "abc<def>",
	.telemetry_path = "/m\"x",
	.collect_seconds = 0.25,
};

/* Reads text fed step bytes at a time and renders it; the caller frees. */
static char *render_text(const char *text, size_t step)
{
	struct landing_view *view = landing_view_new();
	size_t len = strlen(text), at, n, out_len;
	struct outbuf html;
	char *page;

	assert_non_null(view);
	for (at = 0; at < len; at += n) {
		n = len - at < step ? len - at : step;
		if (landing_view_feed(view, text + at, n))
			fail_msg("page refused: %s", landing_view_error(view));
	}
	if (landing_view_finish(view))
		fail_msg("page refused: %s", landing_view_error(view));
	outbuf_init(&html, EXPOSITION_TEXT);
	landing_render(view, &test_page, &html);
	outbuf_putc(&html, '\0');
	page = outbuf_take(&html, &out_len);
	assert_non_null(page);
	landing_view_free(view);
	return page;
}

static void assert_has(const char *page, const char *fragment)
{
	if (!strstr(page, fragment))
		fail_msg("page lacks: %s", fragment);
}

static size_t count(const char *page, const char *fragment)
{
	size_t n = 0;

	for (page = strstr(page, fragment); page;
	     page = strstr(page + 1, fragment))
		n++;
	return n;
}

/* --- escaping --------------------------------------------------------- */

static void escape_turns_markup_into_references(void **state)
{
	(void)state;
	ASSERT_ESCAPED("q\"<b>&x'", "q&quot;&lt;b&gt;&amp;x&#39;");
	ASSERT_ESCAPED("&amp;", "&amp;amp;");
	ASSERT_ESCAPED("plain-name_0.1", "plain-name_0.1");
}

static void escape_shows_control_bytes_visibly(void **state)
{
	(void)state;
	ASSERT_ESCAPED("a\x01"
		       "b\x7f"
		       "c\td\ne",
		       "a\\x01b\\x7fc\\x09d\\x0ae");
	/* a NUL in the middle is shown too, and does not end the text */
	ASSERT_ESCAPED("a\0b", "a\\x00b");
}

static void escape_keeps_utf8_and_shows_invalid_bytes(void **state)
{
	(void)state;
	ASSERT_ESCAPED("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
		       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7");
	ASSERT_ESCAPED("a\xff"
		       "b",
		       "a\\xffb");
	/* truncated, overlong, surrogate: every byte shown */
	ASSERT_ESCAPED("x\xc3", "x\\xc3");
	ASSERT_ESCAPED("\xc0\xaf", "\\xc0\\xaf");
	ASSERT_ESCAPED("\xed\xa0\x80", "\\xed\\xa0\\x80");
	/* a valid sequence right after an invalid byte is kept */
	ASSERT_ESCAPED("\x80\xc3\xa9", "\\x80\xc3\xa9");
}

/* --- a given page ----------------------------------------------------- */

static const char given_page[] =
	"# HELP namespace_in_use Namespaces of the type that exist.\n"
	"# TYPE namespace_in_use gauge\n"
	"namespace_in_use{type=\"net\"} 3\n"
	"namespace_in_use{type=\"user\"} 12\n"
	"namespace_in_use{type=\"uts\"} 2\n"
	"# HELP namespace_max Limit.\n"
	"# TYPE namespace_max gauge\n"
	"namespace_max{type=\"net\"} 100\n"
	"namespace_max{type=\"user\"} 15\n"
	"# HELP namespace_scan_processes_skipped Skipped.\n"
	"# TYPE namespace_scan_processes_skipped gauge\n"
	"namespace_scan_processes_skipped 2\n"
	"# TYPE namespace_netns_collect_success gauge\n"
	"namespace_netns_collect_success{netns=\"\",netns_inode=\"4026531840\"} 1\n"
	"namespace_netns_collect_success{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\"} 1\n"
	"namespace_netns_collect_success{netns=\"caf\\\\xe9\\nx\",netns_inode=\"4026532001\"} 0\n"
	"# TYPE namespace_network_info gauge\n"
	"namespace_network_info{netns=\"\",netns_inode=\"4026531840\","
	"device=\"lo\",address=\"00:00:00:00:00:00\","
	"broadcast=\"00:00:00:00:00:00\",operstate=\"unknown\",kind=\"\"} 1\n"
	"namespace_network_info{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"q\\\"<b>&x\","
	"address=\"aa:bb:cc:dd:ee:ff\",broadcast=\"ff:ff:ff:ff:ff:ff\","
	"operstate=\"down\",kind=\"bridge\"} 1\n"
	"namespace_network_info{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"veth0\","
	"address=\"02:00:00:00:00:01\",broadcast=\"ff:ff:ff:ff:ff:ff\","
	"operstate=\"up\",kind=\"veth\"} 1\n"
	"# TYPE namespace_network_up gauge\n"
	"namespace_network_up{netns=\"\",netns_inode=\"4026531840\",device=\"lo\"} 0\n"
	"# TYPE namespace_network_mtu_bytes gauge\n"
	"namespace_network_mtu_bytes{netns=\"\",netns_inode=\"4026531840\",device=\"lo\"} 65536\n"
	"namespace_network_mtu_bytes{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"q\\\"<b>&x\"} 1500\n"
	"namespace_network_mtu_bytes{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"veth0\"} 9000\n"
	"# TYPE namespace_network_receive_bytes_total counter\n"
	"namespace_network_receive_bytes_total{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"veth0\"} 1536\n"
	"# TYPE namespace_network_transmit_bytes_total counter\n"
	"namespace_network_transmit_bytes_total{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"veth0\"} 5368709120\n"
	"# TYPE namespace_network_address_info gauge\n"
	"namespace_network_address_info{netns=\"\",netns_inode=\"4026531840\","
	"device=\"lo\",family=\"inet\",address=\"127.0.0.1\","
	"prefix_length=\"8\",scope=\"host\"} 1\n"
	"namespace_network_address_info{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"q\\\"<b>&x\",family=\"inet6\","
	"address=\"fd00::1\",prefix_length=\"64\",scope=\"global\"} 1\n"
	"namespace_network_address_info{netns=\"nsetest-\\\"<i>&'\","
	"netns_inode=\"4026532100\",device=\"q\\\"<b>&x\",family=\"inet\","
	"address=\"10.9.8.7\",prefix_length=\"24\",scope=\"global\"} 1\n"
	"# TYPE namespace_scrape_collector_success gauge\n"
	"namespace_scrape_collector_success{collector=\"net\"} 1\n"
	"namespace_scrape_collector_success{collector=\"netns\"} 0\n";

static void given_page_header_and_links(void **state)
{
	char *page = render_text(given_page, sizeof(given_page));

	(void)state;
	assert_true(!strncmp(page, "<!DOCTYPE html>\n", 16));
	assert_has(page, "<title>namespace_exporter</title>");
	assert_has(page, "Version <span id=\"version\">1.2.3</span>, revision "
			 "<span id=\"revision\">abc&lt;def&gt;</span>");
	assert_has(page, "<li><a href=\"/m&quot;x\">Metrics</a></li>\n"
			 "<li><a href=\"/-/healthy\">Health</a></li>");
	assert_has(page, "Collected in 0.250 s.");
	assert_true(strlen(page) > 20 &&
		    !strcmp(page + strlen(page) - 16, "</body>\n</html>\n"));
	free(page);
}

static void given_page_types_against_limits(void **state)
{
	char *page = render_text(given_page, sizeof(given_page));

	(void)state;
	assert_has(page, "<tr><td>net</td><td class=\"num\">3</td>"
			 "<td class=\"num\">100</td><td><meter min=\"0\" "
			 "max=\"100\" low=\"50\" high=\"80\" optimum=\"0\" "
			 "value=\"3\"></meter> 3.0%</td></tr>");
	assert_has(page, "<tr><td>user</td><td class=\"num\">12</td>"
			 "<td class=\"num\">15</td><td><meter min=\"0\" "
			 "max=\"15\" low=\"7.5\" high=\"12\" optimum=\"0\" "
			 "value=\"12\"></meter> 80.0%</td></tr>");
	/* no namespace_max for uts: the limit is unknown, no share */
	assert_has(page, "<tr><td>uts</td><td class=\"num\">2</td>"
			 "<td class=\"num\"><span class=\"muted\">unknown"
			 "</span></td><td></td></tr>");
	free(page);
}

static void given_page_collectors_and_skipped(void **state)
{
	char *page = render_text(given_page, sizeof(given_page));

	(void)state;
	assert_has(page, "<p>Collectors: <span>net</span>, "
			 "<span class=\"failed\">netns</span>.</p>\n"
			 "<p class=\"warn\">1 collector failed in this "
			 "collection; the exporter's log says why.</p>");
	assert_has(page, "<p class=\"warn\">Processes the namespace scan "
			 "skipped (they exited mid-scan or could not be read): "
			 "2. Counts may be low.</p>");
	free(page);
}

static void given_page_namespaces_and_odd_names(void **state)
{
	char *page = render_text(given_page, sizeof(given_page));

	(void)state;
	assert_has(page, "<p id=\"netns-count\">3 network namespaces; "
			 "<span class=\"failed\">1 could not be read</span>."
			 "</p>");
	/* summary rows in page order, linking to the details */
	assert_has(page, "<tr><td><a href=\"#netns-4026532100\"><span "
			 "class=\"netns-name\">nsetest-&quot;&lt;i&gt;&amp;"
			 "&#39;</span></a></td><td class=\"num\">4026532100"
			 "</td><td class=\"num\">2</td><td class=\"num\">1"
			 "</td><td class=\"num\">2</td><td>yes</td></tr>");
	assert_has(page, "<span class=\"netns-name unnamed\">(no name)</span>");
	/* the writer's \xe9 text and a newline, both visible */
	assert_has(page, "<h3><span class=\"netns-name\">caf\\xe9\\x0ax</span>"
			 " <span class=\"muted\">inode 4026532001</span></h3>\n"
			 "<p class=\"failed\">Its devices could not be read");
	assert_true(strstr(page, "id=\"netns-4026531840\"") <
		    strstr(page, "id=\"netns-4026532100\""));
	assert_true(strstr(page, "id=\"netns-4026532100\"") <
		    strstr(page, "id=\"netns-4026532001\""));
	free(page);
}

static void given_page_devices_and_addresses(void **state)
{
	char *page = render_text(given_page, sizeof(given_page));

	(void)state;
	assert_has(page,
		   "<tr><td class=\"device\">q&quot;&lt;b&gt;&amp;x</td>"
		   "<td class=\"state down\">down</td><td class=\"num\">1500"
		   "</td><td class=\"kind\">bridge</td><td class=\"mac\">"
		   "aa:bb:cc:dd:ee:ff</td><td class=\"num\"></td>"
		   "<td class=\"num\"></td><td><ul class=\"addresses\">"
		   "<li><span class=\"address\">fd00::1/64</span> <span "
		   "class=\"muted\">global</span></li><li><span class="
		   "\"address\">10.9.8.7/24</span> <span class=\"muted\">"
		   "global</span></li></ul></td></tr>");
	assert_has(page, "<td class=\"device\">veth0</td><td class=\"state "
			 "up\">up</td><td class=\"num\">9000</td><td class="
			 "\"kind\">veth</td><td class=\"mac\">02:00:00:00:00:"
			 "01</td><td class=\"num\" title=\"1536 bytes\">1.5 "
			 "KiB</td><td class=\"num\" title=\"5368709120 bytes"
			 "\">5.0 GiB</td>");
	assert_has(page, "<td class=\"device\">lo</td><td class=\"state "
			 "unknown\">unknown</td><td class=\"num\">65536</td>");
	/* nothing from a name became markup */
	assert_null(strstr(page, "<b>"));
	assert_null(strstr(page, "<i>"));
	assert_int_equal(count(page, "&lt;b&gt;"), 1);
	free(page);
}

static void given_page_split_anywhere_renders_the_same(void **state)
{
	char *whole = render_text(given_page, sizeof(given_page));
	char *piece;
	size_t step;

	(void)state;
	for (step = 1; step < 64; step += 7) {
		piece = render_text(given_page, step);
		assert_string_equal(piece, whole);
		free(piece);
	}
	free(whole);
}

static void empty_page_says_what_is_missing(void **state)
{
	char *page = render_text("", 1);

	(void)state;
	assert_has(page, "<p>Collectors: none ran</p>");
	assert_has(page, "No per-type namespace collector is enabled.");
	assert_has(page, "The netns collector is not enabled.");
	free(page);
	page = render_text(
		"namespace_scrape_collector_success{collector=\"netns\"} 1\n",
		4096);
	assert_has(page, "No network namespace was found.");
	assert_has(page, "<span>netns</span> (all succeeded).");
	free(page);
}

/* --- bounds ----------------------------------------------------------- */

/*
 * 205 namespaces, inodes falling; the first has 103 devices, the first of
 * them with 20 addresses and the others with one.
 */
static char *many_namespaces_page(void)
{
	struct outbuf text;
	char ns[32], inode[32], device[32], address[32];
	size_t len;
	int i, d, a;

	outbuf_init(&text, EXPOSITION_TEXT);
	exposition_family(&text, "namespace_netns_collect_success",
			  METRIC_GAUGE, NULL, "Read.");
	for (i = 0; i < 205; i++) {
		snprintf(ns, sizeof(ns), "ns%03d", i);
		snprintf(inode, sizeof(inode), "%d", 5000 - i);
		exposition_sample(&text, "namespace_netns_collect_success",
				  i == 204 ? 0 : 1, "netns", ns, "netns_inode",
				  inode, NULL);
	}
	exposition_family(&text, "namespace_network_info", METRIC_INFO, NULL,
			  "Device.");
	for (i = 0; i < 205; i++) {
		snprintf(ns, sizeof(ns), "ns%03d", i);
		snprintf(inode, sizeof(inode), "%d", 5000 - i);
		for (d = 0; d < (i ? 1 : 103); d++) {
			snprintf(device, sizeof(device), "dev%03d", d);
			exposition_sample(&text, "namespace_network_info", 1,
					  "netns", ns, "netns_inode", inode,
					  "device", device, "address", "",
					  "broadcast", "", "operstate", "up",
					  "kind", "", NULL);
		}
	}
	exposition_family(&text, "namespace_network_address_info", METRIC_INFO,
			  NULL, "Address.");
	for (d = 0; d < 103; d++) {
		snprintf(device, sizeof(device), "dev%03d", d);
		for (a = 0; a < (d ? 1 : 20); a++) {
			snprintf(address, sizeof(address), "10.0.%d.%d", d, a);
			exposition_sample(
				&text, "namespace_network_address_info", 1,
				"netns", "ns000", "netns_inode", "5000",
				"device", device, "family", "inet", "address",
				address, "prefix_length", "24", "scope",
				"global", NULL);
		}
	}
	outbuf_putc(&text, '\0');
	return outbuf_take(&text, &len);
}

static void bounds_cap_namespaces_devices_and_addresses(void **state)
{
	char *text = many_namespaces_page(), *page;

	(void)state;
	assert_non_null(text);
	page = render_text(text, 65536);
	assert_has(page, "<p id=\"netns-count\">205 network namespaces; <span "
			 "class=\"failed\">1 could not be read</span>.</p>");
	assert_has(page, "<p class=\"more\" id=\"netns-more\">\xe2\x80\xa6 and "
			 "5 more network namespaces, not listed: this page "
			 "shows the first 200 in the order of the metrics "
			 "page, which has them all.</p>");
	assert_int_equal(count(page, "<article class=\"netns\""),
			 LANDING_MAX_NETNS);
	assert_has(page, "id=\"netns-4801\"");
	assert_null(strstr(page, "id=\"netns-4800\""));
	/* 103 devices: 100 listed; 122 addresses: 16 + 99 listed */
	assert_has(page, "<td class=\"num\">103</td><td class=\"num\">100</td>"
			 "<td class=\"num\">122</td>");
	assert_int_equal(count(page, "<td class=\"device\">"),
			 LANDING_MAX_DEVICES + 199);
	assert_has(page, "<span class=\"address\">10.0.0.15/24</span> <span "
			 "class=\"muted\">global</span></li><li class=\"more"
			 "\">\xe2\x80\xa6 and 4 more</li></ul>");
	assert_null(strstr(page, "10.0.0.16/24"));
	assert_has(page, "<p class=\"more\">\xe2\x80\xa6 and 3 more devices, "
			 "not listed (the metrics page has them all).</p>");
	assert_int_equal(count(page, "<span class=\"address\">"),
			 LANDING_MAX_ADDRESSES + 99);
	free(page);
	free(text);
}

/* --- pages refused ---------------------------------------------------- */

static void view_error(const char *text, int want, const char *message)
{
	struct landing_view *view = landing_view_new();
	int err;

	assert_non_null(view);
	err = landing_view_feed(view, text, strlen(text));
	if (!err)
		err = landing_view_finish(view);
	assert_int_equal(err, want);
	assert_string_equal(landing_view_error(view), message);
	landing_view_free(view);
}

static void broken_pages_are_refused_with_the_place(void **state)
{
	(void)state;
	view_error("namespace_in_use{type=\"net\" 3\n", -EINVAL,
		   "line 1, column 28: expected ',' or '}' after a label");
	view_error("namespace_in_use{type=\"net\"} 3\nnamespace_max 1\n"
		   "namespace_in_use{type=\"ipc\"} 1\n",
		   -EINVAL,
		   "line 3, column 1: the family's lines are not all together");
	view_error(
		"namespace_in_use 3", -EINVAL,
		"line 1, column 19: the last line does not end in a newline");
}

/*
 * --- through the scrape runner and the server -------------------------
 * Built into test_landing_http only (label http): these start a server.
 */
#ifdef NSE_HTTP_TESTS

static const char double_page[] =
	"# TYPE namespace_netns_collect_success gauge\n"
	"namespace_netns_collect_success{netns=\"nsetest-land\",netns_inode=\"77\"} 1\n"
	"# TYPE namespace_network_info gauge\n"
	"namespace_network_info{netns=\"nsetest-land\",netns_inode=\"77\","
	"device=\"q\\\"<b>&x\",address=\"aa:aa:aa:aa:aa:aa\",broadcast=\"\","
	"operstate=\"up\",kind=\"bridge\"} 1\n";

static unsigned double_collections;

static int double_collect(struct scrape *scrape,
			  struct collector_result *result)
{
	struct outbuf text;

	double_collections++;
	outbuf_init(&text, scrape->format);
	outbuf_puts(&text, double_page);
	return collector_result_take_text(result, &text);
}

static const struct collector double_collector = {
	.name = "double",
	.help = "A page of a given text.",
	.enabled_by_default = true,
	.collect = double_collect,
};

struct fixture {
	struct config config;
	struct scrape_runner *runner;
	struct http_server *server;
	unsigned port;
};

static struct fixture *fixture_start(unsigned max_requests)
{
	static const struct collector *const collectors[] = {&double_collector};
	static const bool enabled[] = {true};
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	f->config.procfs = "/proc";
	f->config.listen[0] = "127.0.0.1:0";
	f->config.n_listen = 1;
	f->config.telemetry_path = "/metrics";
	f->config.max_requests = max_requests;
	f->runner = scrape_runner_new(&f->config, collectors, enabled, 1);
	assert_non_null(f->runner);
	f->server = http_server_new(&f->config, f->runner);
	assert_non_null(f->server);
	if (http_server_start(f->server, err, sizeof(err)))
		fail_msg("server did not start: %s", err);
	f->port = http_server_listener_port(f->server, 0);
	return f;
}

static void fixture_stop(struct fixture *f)
{
	http_server_free(f->server);
	scrape_runner_free(f->runner);
	free(f);
}

static void collect_reads_the_runner_page(void **state)
{
	struct fixture *f = fixture_start(0);
	struct landing_view *view = landing_view_new();
	struct outbuf html;
	size_t len;
	char *page;

	(void)state;
	assert_non_null(view);
	assert_int_equal(landing_view_collect(view, f->runner), 0);
	outbuf_init(&html, EXPOSITION_TEXT);
	landing_render(view, &test_page, &html);
	outbuf_putc(&html, '\0');
	page = outbuf_take(&html, &len);
	assert_non_null(page);
	/* the runner's own families are read too */
	assert_has(page, "<p>Collectors: <span>double</span> (all succeeded).");
	assert_has(page, "<span class=\"netns-name\">nsetest-land</span>");
	assert_has(page, "<td class=\"device\">q&quot;&lt;b&gt;&amp;x</td>");
	free(page);
	landing_view_free(view);
	fixture_stop(f);
}

/* One HTTP/1.0 exchange: the whole answer, head and body, NUL-ended. */
static char *http_exchange(unsigned port, const char *method,
			   size_t *answer_len)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	size_t len = 0, cap = 1 << 16;
	char request[128], *answer = malloc(cap + 1);
	ssize_t n;
	int fd;

	assert_non_null(answer);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	snprintf(request, sizeof(request),
		 "%s / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method);
	assert_int_equal(write(fd, request, strlen(request)),
			 (ssize_t)strlen(request));
	while ((n = read(fd, answer + len, cap - len)) > 0) {
		len += (size_t)n;
		assert_true(len < cap);
	}
	close(fd);
	answer[len] = '\0';
	*answer_len = len;
	return answer;
}

static const char *answer_body(const char *answer)
{
	const char *end = strstr(answer, "\r\n\r\n");

	assert_non_null(end);
	return end + 4;
}

static void server_answers_get_and_head(void **state)
{
	struct fixture *f = fixture_start(0);
	char *answer;
	size_t len;

	(void)state;
	double_collections = 0;
	answer = http_exchange(f->port, "GET", &len);
	assert_true(!strncmp(answer, "HTTP/1.0 200", 12) ||
		    !strncmp(answer, "HTTP/1.1 200", 12));
	assert_non_null(strcasestr(answer, "\r\nContent-Type: text/html; "
					   "charset=utf-8\r\n"));
	assert_non_null(strcasestr(answer, "\r\nContent-Security-Policy: "
					   "default-src 'none';"));
	assert_true(!strncmp(answer_body(answer), "<!DOCTYPE html>", 15));
	assert_non_null(strstr(answer, "<td class=\"device\">q&quot;&lt;b&gt;"
				       "&amp;x</td>"));
	assert_int_equal(double_collections, 1);
	free(answer);

	/* HEAD: the same headers, no body, and nothing collected */
	answer = http_exchange(f->port, "HEAD", &len);
	assert_true(!strncmp(answer + 9, "200", 3));
	assert_non_null(strcasestr(answer, "\r\nContent-Type: text/html; "
					   "charset=utf-8\r\n"));
	assert_string_equal(answer_body(answer), "");
	assert_int_equal(double_collections, 1);
	free(answer);
	fixture_stop(f);
}

static void server_answers_503_over_the_bound(void **state)
{
	struct fixture *f = fixture_start(1);
	char *answer;
	size_t len;

	(void)state;
	double_collections = 0;
	/* a scrape in flight holds the only place */
	assert_int_equal(scrape_runner_admit(f->runner), 0);
	answer = http_exchange(f->port, "GET", &len);
	assert_true(!strncmp(answer + 9, "503", 3));
	assert_non_null(strstr(answer_body(answer),
			       "too many scrapes in flight "
			       "(--web.max-requests=1)"));
	assert_int_equal(double_collections, 0);
	free(answer);
	scrape_runner_leave(f->runner);
	answer = http_exchange(f->port, "GET", &len);
	assert_true(!strncmp(answer + 9, "200", 3));
	free(answer);
	fixture_stop(f);
}

#endif /* NSE_HTTP_TESTS */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_turns_markup_into_references),
		cmocka_unit_test(escape_shows_control_bytes_visibly),
		cmocka_unit_test(escape_keeps_utf8_and_shows_invalid_bytes),
		cmocka_unit_test(given_page_header_and_links),
		cmocka_unit_test(given_page_types_against_limits),
		cmocka_unit_test(given_page_collectors_and_skipped),
		cmocka_unit_test(given_page_namespaces_and_odd_names),
		cmocka_unit_test(given_page_devices_and_addresses),
		cmocka_unit_test(given_page_split_anywhere_renders_the_same),
		cmocka_unit_test(empty_page_says_what_is_missing),
		cmocka_unit_test(bounds_cap_namespaces_devices_and_addresses),
		cmocka_unit_test(broken_pages_are_refused_with_the_place),
#ifdef NSE_HTTP_TESTS
		cmocka_unit_test(collect_reads_the_runner_page),
		cmocka_unit_test(server_answers_get_and_head),
		cmocka_unit_test(server_answers_503_over_the_bound),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
