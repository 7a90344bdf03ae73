/* SPDX-License-Identifier: Apache-2.0 */
/* The landing page: read the exporter's own page, then write it as HTML. */
#include "landing.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition_parse.h"
#include "log.h"
#include "self_metrics.h"

/* Types and collectors are few; these only bound a page gone wrong. */
#define LANDING_MAX_TYPES 32
#define LANDING_MAX_COLLECTORS 64
/* How much of the page is read per call of the stream. */
#define LANDING_READ_BLOCK (64 * 1024)

struct landing_type {
	char *name;
	bool has_in_use;
	bool has_max;
	double in_use;
	double max;
};

struct landing_collector {
	char *name;
	bool ok;
};

struct landing_address {
	char *address;
	char *prefix_length;
	char *scope;
};

/* The numbers shown per device, each from its own family. */
enum device_value {
	DEVICE_MTU,
	DEVICE_RX_BYTES,
	DEVICE_TX_BYTES,
	DEVICE_VALUE_COUNT,
};

struct landing_device {
	char *name;
	char *mac;
	char *operstate;
	char *kind;
	bool known[DEVICE_VALUE_COUNT];
	double values[DEVICE_VALUE_COUNT];
	struct landing_address *addresses;
	size_t n_addresses;
	size_t hidden_addresses; /* past LANDING_MAX_ADDRESSES */
};

struct landing_netns {
	char *name;
	char *inode_text;
	uint64_t inode;
	bool read_ok;
	struct landing_device *devices; /* in page order */
	size_t n_devices;
	size_t n_addresses;    /* over all its devices, listed or not */
	size_t hidden_devices; /* past LANDING_MAX_DEVICES */
	size_t hint;	       /* where to look first for the next device */
};

struct landing_view {
	struct exposition_reader *reader;

	struct landing_type types[LANDING_MAX_TYPES];
	size_t n_types;
	struct landing_collector collectors[LANDING_MAX_COLLECTORS];
	size_t n_collectors;
	bool has_skipped;
	double skipped;

	/* the first LANDING_MAX_NETNS namespaces, in page order */
	struct landing_netns *netns;
	size_t n_netns;
	/* indexes into netns sorted by inode, to find a line's namespace */
	size_t *by_inode;
	size_t last_hit;
	/* every namespace the page lists, and those not read */
	size_t netns_total;
	size_t netns_failed;
};

/* --- reading the page ------------------------------------------------- */

static char *text_dup(const char *text)
{
	return strdup(text ? text : "");
}

/* namespace_in_use (arg 0) and namespace_max (arg 1), by type label. */
static int on_type(struct landing_view *view,
		   const struct exposition_line *line, int max)
{
	const char *name = exposition_line_label(line, "type");
	struct landing_type *type = NULL;
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < view->n_types && !type; i++) {
		if (!strcmp(view->types[i].name, name))
			type = &view->types[i];
	}
	if (!type) {
		if (view->n_types == LANDING_MAX_TYPES)
			return 0;
		type = &view->types[view->n_types];
		type->name = text_dup(name);
		if (!type->name)
			return -ENOMEM;
		view->n_types++;
	}
	if (max) {
		type->has_max = true;
		type->max = line->value;
	} else {
		type->has_in_use = true;
		type->in_use = line->value;
	}
	return 0;
}

static int on_skipped(struct landing_view *view,
		      const struct exposition_line *line, int unused)
{
	view->has_skipped = true;
	view->skipped = line->value;
	return 0;
}

static int on_collector(struct landing_view *view,
			const struct exposition_line *line, int unused)
{
	const char *name = exposition_line_label(line, "collector");
	struct landing_collector *collector;

	if (!name || view->n_collectors == LANDING_MAX_COLLECTORS)
		return 0;
	collector = &view->collectors[view->n_collectors];
	collector->name = text_dup(name);
	if (!collector->name)
		return -ENOMEM;
	collector->ok = line->value == 1;
	view->n_collectors++;
	return 0;
}

static bool inode_parse(const char *text, uint64_t *inode)
{
	unsigned long long value;
	char *end;

	if (!text || *text < '0' || *text > '9')
		return false;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end)
		return false;
	*inode = value;
	return true;
}

/* Position in view->by_inode where inode is, or would go. */
static size_t inode_slot(const struct landing_view *view, uint64_t inode)
{
	size_t low = 0, high = view->n_netns, mid;

	while (low < high) {
		mid = low + (high - low) / 2;
		if (view->netns[view->by_inode[mid]].inode < inode)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/* The kept namespace a line is about, or NULL (not kept, or no label). */
static struct landing_netns *netns_find(struct landing_view *view,
					const struct exposition_line *line)
{
	uint64_t inode;
	size_t slot;

	if (!inode_parse(exposition_line_label(line, "netns_inode"), &inode))
		return NULL;
	/* a family lists namespaces in page order: try the last one first */
	if (view->last_hit < view->n_netns &&
	    view->netns[view->last_hit].inode == inode)
		return &view->netns[view->last_hit];
	slot = inode_slot(view, inode);
	if (slot == view->n_netns ||
	    view->netns[view->by_inode[slot]].inode != inode)
		return NULL;
	view->last_hit = view->by_inode[slot];
	return &view->netns[view->last_hit];
}

/*
 * namespace_netns_collect_success: one line per namespace the collector
 * lists, ahead of its other families, so it is where namespaces are kept
 * or only counted.
 */
static int on_netns(struct landing_view *view,
		    const struct exposition_line *line, int unused)
{
	const char *inode_text = exposition_line_label(line, "netns_inode");
	struct landing_netns *netns;
	uint64_t inode;
	size_t slot;

	if (!inode_parse(inode_text, &inode))
		return 0;
	view->netns_total++;
	if (line->value != 1)
		view->netns_failed++;
	if (view->n_netns == LANDING_MAX_NETNS)
		return 0;
	slot = inode_slot(view, inode);
	if (slot < view->n_netns &&
	    view->netns[view->by_inode[slot]].inode == inode)
		return 0; /* listed twice: the page is odd, keep the first */
	netns = &view->netns[view->n_netns];
	memset(netns, 0, sizeof(*netns));
	netns->name = text_dup(exposition_line_label(line, "netns"));
	netns->inode_text = text_dup(inode_text);
	if (!netns->name || !netns->inode_text) {
		free(netns->name);
		free(netns->inode_text);
		return -ENOMEM;
	}
	netns->inode = inode;
	netns->read_ok = line->value == 1;
	memmove(&view->by_inode[slot + 1], &view->by_inode[slot],
		(view->n_netns - slot) * sizeof(*view->by_inode));
	view->by_inode[slot] = view->n_netns++;
	return 0;
}

static struct landing_device *device_find(struct landing_netns *netns,
					  const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	/* each family walks the devices in the order they were added */
	for (i = 0; i < netns->n_devices; i++) {
		size_t at = (netns->hint + i) % netns->n_devices;

		if (!strcmp(netns->devices[at].name, name)) {
			netns->hint = at + 1 < netns->n_devices ? at + 1 : 0;
			return &netns->devices[at];
		}
	}
	return NULL;
}

static int on_device(struct landing_view *view,
		     const struct exposition_line *line, int unused)
{
	struct landing_netns *netns = netns_find(view, line);
	const char *name = exposition_line_label(line, "device");
	struct landing_device *devices, *device;

	if (!netns || !name)
		return 0;
	if (netns->n_devices == LANDING_MAX_DEVICES) {
		netns->hidden_devices++;
		return 0;
	}
	devices = realloc(netns->devices,
			  (netns->n_devices + 1) * sizeof(*devices));
	if (!devices)
		return -ENOMEM;
	netns->devices = devices;
	device = &devices[netns->n_devices];
	memset(device, 0, sizeof(*device));
	device->name = text_dup(name);
	device->mac = text_dup(exposition_line_label(line, "address"));
	device->operstate = text_dup(exposition_line_label(line, "operstate"));
	device->kind = text_dup(exposition_line_label(line, "kind"));
	netns->n_devices++;
	if (!device->name || !device->mac || !device->operstate ||
	    !device->kind)
		return -ENOMEM; /* the view frees what was made */
	return 0;
}

/* The kept device a line is about, or NULL. */
static struct landing_device *line_device(struct landing_view *view,
					  const struct exposition_line *line)
{
	struct landing_netns *netns = netns_find(view, line);

	if (!netns)
		return NULL;
	return device_find(netns, exposition_line_label(line, "device"));
}

/* A number of a kept device; arg is its enum device_value. */
static int on_device_value(struct landing_view *view,
			   const struct exposition_line *line, int value)
{
	struct landing_device *device = line_device(view, line);

	if (device) {
		device->known[value] = true;
		device->values[value] = line->value;
	}
	return 0;
}

static int on_address(struct landing_view *view,
		      const struct exposition_line *line, int unused)
{
	struct landing_netns *netns = netns_find(view, line);
	struct landing_address *addresses, *address;
	struct landing_device *device;

	if (!netns)
		return 0;
	netns->n_addresses++;
	device = device_find(netns, exposition_line_label(line, "device"));
	if (!device)
		return 0; /* on a device past the bound: counted only */
	if (device->n_addresses == LANDING_MAX_ADDRESSES) {
		device->hidden_addresses++;
		return 0;
	}
	addresses = realloc(device->addresses,
			    (device->n_addresses + 1) * sizeof(*addresses));
	if (!addresses)
		return -ENOMEM;
	device->addresses = addresses;
	address = &addresses[device->n_addresses++];
	address->address = text_dup(exposition_line_label(line, "address"));
	address->prefix_length =
		text_dup(exposition_line_label(line, "prefix_length"));
	address->scope = text_dup(exposition_line_label(line, "scope"));
	if (!address->address || !address->prefix_length || !address->scope)
		return -ENOMEM;
	return 0;
}

/* The families the page is made of; every other line is passed over. */
static const struct {
	const char *name;
	int (*fn)(struct landing_view *view, const struct exposition_line *line,
		  int arg);
	int arg;
} handlers[] = {
	{"namespace_in_use", on_type, 0},
	{"namespace_max", on_type, 1},
	{"namespace_scan_processes_skipped", on_skipped, 0},
	{"namespace_netns_collect_success", on_netns, 0},
	{"namespace_network_info", on_device, 0},
	{"namespace_network_mtu_bytes", on_device_value, DEVICE_MTU},
	{"namespace_network_receive_bytes_total", on_device_value,
	 DEVICE_RX_BYTES},
	{"namespace_network_transmit_bytes_total", on_device_value,
	 DEVICE_TX_BYTES},
	{"namespace_network_address_info", on_address, 0},
	{"namespace_scrape_collector_success", on_collector, 0},
};

static int view_line(void *arg, const struct exposition_line *line)
{
	struct landing_view *view = arg;
	size_t i;

	if (line->kind != EXPOSITION_LINE_SAMPLE)
		return 0;
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (!strcmp(handlers[i].name, line->name))
			return handlers[i].fn(view, line, handlers[i].arg);
	}
	return 0;
}

struct landing_view *landing_view_new(void)
{
	struct landing_view *view = calloc(1, sizeof(*view));

	if (!view)
		return NULL;
	view->netns = calloc(LANDING_MAX_NETNS, sizeof(*view->netns));
	view->by_inode = calloc(LANDING_MAX_NETNS, sizeof(*view->by_inode));
	view->reader = exposition_reader_new(view_line, view);
	if (!view->netns || !view->by_inode || !view->reader) {
		landing_view_free(view);
		errno = ENOMEM;
		return NULL;
	}
	return view;
}

static void device_release(struct landing_device *device)
{
	size_t i;

	for (i = 0; i < device->n_addresses; i++) {
		free(device->addresses[i].address);
		free(device->addresses[i].prefix_length);
		free(device->addresses[i].scope);
	}
	free(device->addresses);
	free(device->name);
	free(device->mac);
	free(device->operstate);
	free(device->kind);
}

void landing_view_free(struct landing_view *view)
{
	size_t i, j;

	if (!view)
		return;
	for (i = 0; i < view->n_types; i++)
		free(view->types[i].name);
	for (i = 0; i < view->n_collectors; i++)
		free(view->collectors[i].name);
	for (i = 0; i < view->n_netns; i++) {
		for (j = 0; j < view->netns[i].n_devices; j++)
			device_release(&view->netns[i].devices[j]);
		free(view->netns[i].devices);
		free(view->netns[i].name);
		free(view->netns[i].inode_text);
	}
	free(view->netns);
	free(view->by_inode);
	exposition_reader_free(view->reader);
	free(view);
}

int landing_view_feed(struct landing_view *view, const char *data, size_t len)
{
	return exposition_reader_feed(view->reader, data, len);
}

int landing_view_finish(struct landing_view *view)
{
	return exposition_reader_finish(view->reader);
}

const char *landing_view_error(const struct landing_view *view)
{
	return exposition_reader_error(view->reader);
}

int landing_view_collect(struct landing_view *view,
			 struct scrape_runner *runner)
{
	struct scrape_collection *collection;
	struct scrape_request request;
	struct scrape_stream *stream;
	char *block;
	ssize_t n;
	int err;

	block = malloc(LANDING_READ_BLOCK);
	if (!block)
		return -ENOMEM;
	err = scrape_request_init(&request, runner);
	if (err)
		goto out_free_block;
	collection = scrape_runner_collect(runner, &request);
	if (!collection) {
		err = -ENOMEM;
		goto out_release_request;
	}
	stream = scrape_stream_new(collection, false);
	if (!stream) {
		scrape_collection_put(collection);
		err = -ENOMEM;
		goto out_release_request;
	}
	/* one block at a time: the page is never held whole */
	do {
		n = scrape_stream_read(stream, block, LANDING_READ_BLOCK);
		if (n > 0)
			err = landing_view_feed(view, block, (size_t)n);
	} while (n > 0 && !err);
	if (n < 0)
		err = (int)n;
	else if (!err)
		err = landing_view_finish(view);
	scrape_stream_free(stream);
out_release_request:
	scrape_request_release(&request);
out_free_block:
	free(block);
	return err;
}

/* --- writing HTML ----------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (left bytes remain), or 0. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
	size_t need;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (left < need || !utf8_valid((const char *)s, need))
		return 0;
	return need;
}

void landing_html_escape(struct outbuf *html, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, n;
	char visible[4] = {'\\', 'x'};

	while (i < len) {
		switch (p[i]) {
		case '&':
			outbuf_puts(html, "&amp;");
			break;
		case '<':
			outbuf_puts(html, "&lt;");
			break;
		case '>':
			outbuf_puts(html, "&gt;");
			break;
		case '"':
			outbuf_puts(html, "&quot;");
			break;
		case '\'':
			outbuf_puts(html, "&#39;");
			break;
		default:
			n = p[i] < 0x80 ? (p[i] >= 0x20 && p[i] != 0x7f)
					: utf8_length(p + i, len - i);
			if (n) {
				outbuf_put(html, p + i, n);
				i += n;
				continue;
			}
			/* a control or stray byte: a reader could not see it */
			visible[2] = hex[p[i] >> 4];
			visible[3] = hex[p[i] & 15];
			outbuf_put(html, visible, 4);
		}
		i++;
	}
}

static void put_text(struct outbuf *html, const char *text)
{
	landing_html_escape(html, text, strlen(text));
}

/* A number as the metrics page writes it (integers without a point). */
static void put_number(struct outbuf *html, double value)
{
	outbuf_double(html, value);
}

static void put_size(struct outbuf *html, size_t value)
{
	outbuf_u64(html, (uint64_t)value);
}

/* Bytes in binary units, the exact count in the title for a hover. */
static void put_bytes_cell(struct outbuf *html, bool known, double bytes)
{
	static const char *const units[] = {"B",   "KiB", "MiB", "GiB",
					    "TiB", "PiB", "EiB"};
	double scaled = bytes;
	size_t unit = 0;
	char text[48];

	if (!known) {
		outbuf_puts(html, "<td class=\"num\"></td>");
		return;
	}
	while (scaled >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		scaled /= 1024;
		unit++;
	}
	snprintf(text, sizeof(text), unit ? "%.1f %s" : "%.0f %s", scaled,
		 units[unit]);
	outbuf_puts(html, "<td class=\"num\" title=\"");
	put_number(html, bytes);
	outbuf_puts(html, " bytes\">");
	outbuf_puts(html, text);
	outbuf_puts(html, "</td>");
}

static const char page_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>namespace_exporter</title>\n"
	"<style>\n"
	"body{font-family:sans-serif;margin:0 auto;max-width:80em;padding:0 1em 2em;color:#222}\n"
	"h1{margin-bottom:.2em}\n"
	"table{border-collapse:collapse;margin:.5em 0 1em}\n"
	"th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#f4f4f4}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.device,.netns-name,td.mac,.address{font-family:monospace,monospace;white-space:pre-wrap}\n"
	"ul.addresses{list-style:none;margin:0;padding:0}\n"
	".muted{color:#666}\n"
	".unnamed{font-style:italic;font-family:sans-serif}\n"
	".warn{color:#a40}\n"
	".up{color:#070}\n"
	".down,.lowerlayerdown,.failed{color:#a00}\n"
	"</style>\n"
	"</head>\n"
	"<body>\n";

static void render_header(struct outbuf *html, const struct landing_page *page)
{
	outbuf_puts(html, "<header>\n<h1>namespace_exporter</h1>\n"
			  "<p>Prometheus exporter for Linux namespaces.</p>\n"
			  "<p class=\"muted\">Version <span id=\"version\">");
	put_text(html, page->version);
	outbuf_puts(html, "</span>, revision <span id=\"revision\">");
	put_text(html, page->revision);
	outbuf_puts(html, "</span></p>\n<ul id=\"links\">\n<li><a href=\"");
	put_text(html, page->telemetry_path);
	outbuf_puts(html, "\">Metrics</a></li>\n"
			  "<li><a href=\"/-/healthy\">Health</a></li>\n"
			  "</ul>\n</header>\n");
}

static void render_collectors(struct outbuf *html,
			      const struct landing_view *view)
{
	size_t i, failed = 0;

	for (i = 0; i < view->n_collectors; i++)
		failed += !view->collectors[i].ok;
	outbuf_puts(html, "<section id=\"collection\">\n<p>Collectors: ");
	for (i = 0; i < view->n_collectors; i++) {
		if (i)
			outbuf_puts(html, ", ");
		outbuf_puts(html, view->collectors[i].ok
					  ? "<span>"
					  : "<span class=\"failed\">");
		put_text(html, view->collectors[i].name);
		outbuf_puts(html, "</span>");
	}
	if (!view->n_collectors)
		outbuf_puts(html, "none ran");
	if (failed) {
		outbuf_puts(html, ".</p>\n<p class=\"warn\">");
		put_size(html, failed);
		outbuf_puts(html, failed == 1 ? " collector" : " collectors");
		outbuf_puts(
			html,
			" failed in this collection; the exporter's log says why.");
	} else if (view->n_collectors) {
		outbuf_puts(html, " (all succeeded).");
	}
	outbuf_puts(html, "</p>\n");
	if (view->has_skipped && view->skipped > 0) {
		outbuf_puts(html, "<p class=\"warn\">Processes the namespace "
				  "scan skipped (they exited mid-scan or could "
				  "not be read): ");
		put_number(html, view->skipped);
		outbuf_puts(html, ". Counts may be low.</p>\n");
	}
	outbuf_puts(html, "</section>\n");
}

static void render_type_row(struct outbuf *html,
			    const struct landing_type *type)
{
	char percent[32];
	double share;

	outbuf_puts(html, "<tr><td>");
	put_text(html, type->name);
	outbuf_puts(html, "</td><td class=\"num\">");
	if (type->has_in_use)
		put_number(html, type->in_use);
	outbuf_puts(html, "</td><td class=\"num\">");
	if (type->has_max)
		put_number(html, type->max);
	else
		outbuf_puts(html, "<span class=\"muted\">unknown</span>");
	outbuf_puts(html, "</td><td>");
	if (type->has_in_use && type->has_max && type->max > 0) {
		share = type->in_use / type->max * 100;
		if (share > 0 && share < 0.1)
			snprintf(percent, sizeof(percent), "&lt; 0.1%%");
		else
			snprintf(percent, sizeof(percent), "%.1f%%", share);
		outbuf_puts(html, "<meter min=\"0\" max=\"");
		put_number(html, type->max);
		outbuf_puts(html, "\" low=\"");
		put_number(html, type->max * 0.5);
		outbuf_puts(html, "\" high=\"");
		put_number(html, type->max * 0.8);
		outbuf_puts(html, "\" optimum=\"0\" value=\"");
		put_number(html, type->in_use);
		outbuf_puts(html, "\"></meter> ");
		outbuf_puts(html, percent);
	}
	outbuf_puts(html, "</td></tr>\n");
}

static void render_types(struct outbuf *html, const struct landing_view *view)
{
	size_t i;

	outbuf_puts(html,
		    "<section id=\"types\">\n<h2>Namespaces by type</h2>\n");
	if (!view->n_types) {
		outbuf_puts(
			html,
			"<p class=\"muted\">No per-type namespace collector is enabled.</p>\n</section>\n");
		return;
	}
	outbuf_puts(html, "<table>\n<thead><tr><th>Type</th><th>In use</th>"
			  "<th>Limit</th><th>Of the limit</th></tr></thead>\n"
			  "<tbody>\n");
	for (i = 0; i < view->n_types; i++)
		render_type_row(html, &view->types[i]);
	outbuf_puts(html, "</tbody>\n</table>\n"
			  "<p class=\"muted\">In use counts every namespace "
			  "on the host; the limit, from /proc/sys/user/"
			  "max_&lt;type&gt;_namespaces, applies per user in "
			  "each user namespace, so the share is the worst "
			  "case.</p>\n</section>\n");
}

static void render_netns_name(struct outbuf *html,
			      const struct landing_netns *netns)
{
	if (netns->name[0]) {
		outbuf_puts(html, "<span class=\"netns-name\">");
		put_text(html, netns->name);
	} else {
		outbuf_puts(html,
			    "<span class=\"netns-name unnamed\">(no name)");
	}
	outbuf_puts(html, "</span>");
}

/* One row per kept namespace, linking to its details below. */
static void render_netns_summary(struct outbuf *html,
				 const struct landing_view *view)
{
	const struct landing_netns *netns;
	size_t i, j, up;

	outbuf_puts(html, "<table id=\"netns-summary\">\n<thead><tr>"
			  "<th>Namespace</th><th>Inode</th><th>Devices</th>"
			  "<th>Up</th><th>Addresses</th><th>Read</th>"
			  "</tr></thead>\n<tbody>\n");
	for (i = 0; i < view->n_netns; i++) {
		netns = &view->netns[i];
		for (j = 0, up = 0; j < netns->n_devices; j++)
			up += !strcmp(netns->devices[j].operstate, "up");
		outbuf_puts(html, "<tr><td><a href=\"#netns-");
		put_text(html, netns->inode_text);
		outbuf_puts(html, "\">");
		render_netns_name(html, netns);
		outbuf_puts(html, "</a></td><td class=\"num\">");
		put_text(html, netns->inode_text);
		outbuf_puts(html, "</td><td class=\"num\">");
		put_size(html, netns->n_devices + netns->hidden_devices);
		outbuf_puts(html, "</td><td class=\"num\">");
		put_size(html, up);
		outbuf_puts(html, "</td><td class=\"num\">");
		put_size(html, netns->n_addresses);
		outbuf_puts(
			html,
			netns->read_ok
				? "</td><td>yes</td></tr>\n"
				: "</td><td class=\"failed\">no</td></tr>\n");
	}
	outbuf_puts(html, "</tbody>\n</table>\n");
}

static void render_address(struct outbuf *html,
			   const struct landing_address *address)
{
	outbuf_puts(html, "<li><span class=\"address\">");
	put_text(html, address->address);
	outbuf_putc(html, '/');
	put_text(html, address->prefix_length);
	outbuf_puts(html, "</span> <span class=\"muted\">");
	put_text(html, address->scope);
	outbuf_puts(html, "</span></li>");
}

static void render_device(struct outbuf *html,
			  const struct landing_device *device)
{
	size_t i;

	outbuf_puts(html, "<tr><td class=\"device\">");
	put_text(html, device->name);
	outbuf_puts(html, "</td><td class=\"state ");
	put_text(html, device->operstate);
	outbuf_puts(html, "\">");
	put_text(html, device->operstate);
	outbuf_puts(html, "</td><td class=\"num\">");
	if (device->known[DEVICE_MTU])
		put_number(html, device->values[DEVICE_MTU]);
	outbuf_puts(html, "</td><td class=\"kind\">");
	put_text(html, device->kind);
	outbuf_puts(html, "</td><td class=\"mac\">");
	put_text(html, device->mac);
	outbuf_puts(html, "</td>");
	put_bytes_cell(html, device->known[DEVICE_RX_BYTES],
		       device->values[DEVICE_RX_BYTES]);
	put_bytes_cell(html, device->known[DEVICE_TX_BYTES],
		       device->values[DEVICE_TX_BYTES]);
	outbuf_puts(html, "<td><ul class=\"addresses\">");
	for (i = 0; i < device->n_addresses; i++)
		render_address(html, &device->addresses[i]);
	if (device->hidden_addresses) {
		outbuf_puts(html, "<li class=\"more\">\xe2\x80\xa6 and ");
		put_size(html, device->hidden_addresses);
		outbuf_puts(html, " more</li>");
	}
	outbuf_puts(html, "</ul></td></tr>\n");
}

/* "… and 3 more devices", their addresses included */
static void render_more(struct outbuf *html, size_t more, const char *what)
{
	if (!more)
		return;
	outbuf_puts(html, "<p class=\"more\">\xe2\x80\xa6 and ");
	put_size(html, more);
	outbuf_puts(html, " more ");
	outbuf_puts(html, what);
	outbuf_puts(html,
		    ", not listed (the metrics page has them all).</p>\n");
}

static void render_netns(struct outbuf *html, const struct landing_netns *netns)
{
	size_t i;

	outbuf_puts(html, "<article class=\"netns\" id=\"netns-");
	put_text(html, netns->inode_text);
	outbuf_puts(html, "\">\n<h3>");
	render_netns_name(html, netns);
	outbuf_puts(html, " <span class=\"muted\">inode ");
	put_text(html, netns->inode_text);
	outbuf_puts(html, "</span></h3>\n");
	if (!netns->read_ok)
		outbuf_puts(html, "<p class=\"failed\">Its devices could not "
				  "be read in this collection; the exporter's "
				  "log says why.</p>\n");
	if (netns->n_devices) {
		outbuf_puts(html, "<table class=\"devices\">\n<thead><tr>"
				  "<th>Device</th><th>State</th><th>MTU</th>"
				  "<th>Kind</th><th>MAC address</th>"
				  "<th>Received</th><th>Sent</th>"
				  "<th>Addresses</th></tr></thead>\n<tbody>\n");
		for (i = 0; i < netns->n_devices; i++)
			render_device(html, &netns->devices[i]);
		outbuf_puts(html, "</tbody>\n</table>\n");
	} else if (netns->read_ok) {
		outbuf_puts(html, "<p class=\"muted\">No devices.</p>\n");
	}
	render_more(html, netns->hidden_devices, "devices");
	outbuf_puts(html, "</article>\n");
}

static bool collector_ran(const struct landing_view *view, const char *name)
{
	size_t i;

	for (i = 0; i < view->n_collectors; i++) {
		if (!strcmp(view->collectors[i].name, name))
			return true;
	}
	return false;
}

static void render_netns_section(struct outbuf *html,
				 const struct landing_view *view)
{
	size_t i;

	outbuf_puts(html,
		    "<section id=\"netns\">\n<h2>Network namespaces</h2>\n");
	if (!view->netns_total) {
		outbuf_puts(
			html,
			collector_ran(view, "netns")
				? "<p class=\"muted\">No network namespace was found.</p>\n"
				: "<p class=\"muted\">The netns collector is not enabled.</p>\n");
		outbuf_puts(html, "</section>\n");
		return;
	}
	outbuf_puts(html, "<p id=\"netns-count\">");
	put_size(html, view->netns_total);
	outbuf_puts(html, view->netns_total == 1 ? " network namespace"
						 : " network namespaces");
	if (view->netns_failed) {
		outbuf_puts(html, "; <span class=\"failed\">");
		put_size(html, view->netns_failed);
		outbuf_puts(html, " could not be read</span>");
	}
	outbuf_puts(html, ".</p>\n");
	if (view->n_netns)
		render_netns_summary(html, view);
	if (view->netns_total > view->n_netns) {
		outbuf_puts(
			html,
			"<p class=\"more\" id=\"netns-more\">\xe2\x80\xa6 and ");
		put_size(html, view->netns_total - view->n_netns);
		outbuf_puts(
			html,
			" more network namespaces, not listed: this page shows the first ");
		put_size(html, LANDING_MAX_NETNS);
		outbuf_puts(
			html,
			" in the order of the metrics page, which has them all.</p>\n");
	}
	for (i = 0; i < view->n_netns; i++)
		render_netns(html, &view->netns[i]);
	outbuf_puts(html, "</section>\n");
}

void landing_render(const struct landing_view *view,
		    const struct landing_page *page, struct outbuf *html)
{
	char seconds[64];

	outbuf_puts(html, page_head);
	render_header(html, page);
	outbuf_puts(html, "<main>\n");
	render_collectors(html, view);
	render_types(html, view);
	render_netns_section(html, view);
	outbuf_puts(html, "</main>\n<footer class=\"muted\"><p>");
	if (page->collect_seconds >= 0) {
		snprintf(seconds, sizeof(seconds), "Collected in %.3f s. ",
			 page->collect_seconds);
		outbuf_puts(html, seconds);
	}
	outbuf_puts(
		html,
		"Everything here comes from one collection, the same as the <a href=\"");
	put_text(html, page->telemetry_path);
	outbuf_puts(html,
		    "\">metrics page</a>.</p></footer>\n</body>\n</html>\n");
}

/* --- serving ---------------------------------------------------------- */

static const char landing_content_type[] = "text/html; charset=utf-8";

/* The page has no script, so a policy that allows none costs nothing. */
static const char landing_csp[] =
	"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
	"form-action 'none'; frame-ancestors 'none'";

static enum MHD_Result queue_page(struct MHD_Connection *connection,
				  struct MHD_Response *response)
{
	enum MHD_Result ret;

	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				landing_content_type);
	MHD_add_response_header(response, "Content-Security-Policy",
				landing_csp);
	MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	ret = http_queue_response(connection, MHD_HTTP_OK, response);
	MHD_destroy_response(response);
	return ret;
}

static ssize_t empty_body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/*
 * GET's headers without a body, and without a collection. The size is
 * left unknown: a Content-Length here would have to be the GET page's.
 */
static enum MHD_Result serve_head(struct MHD_Connection *connection)
{
	struct MHD_Response *response;

	response = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 1024, empty_body_read, NULL, NULL);
	if (!response)
		return MHD_NO;
	return queue_page(connection, response);
}

/* Collects, reads and renders; the page in *body (the caller frees it). */
static int build_page(const struct config *config, struct scrape_runner *runner,
		      char **body, size_t *len)
{
	const struct build_info *info = build_info_get();
	struct landing_page page = {info->version, info->revision,
				    config->telemetry_path, 0};
	struct landing_view *view;
	double start = monotonic_seconds();
	struct outbuf html;
	int err;

	view = landing_view_new();
	if (!view)
		return -ENOMEM;
	err = landing_view_collect(view, runner);
	if (err) {
		log_warn("cannot read the metrics page for the landing page",
			 "err",
			 err == -ENOMEM ? strerror(ENOMEM)
					: landing_view_error(view),
			 NULL);
		goto out_free_view;
	}
	page.collect_seconds = monotonic_seconds() - start;
	outbuf_init(&html, EXPOSITION_TEXT);
	landing_render(view, &page, &html);
	*body = outbuf_take(&html, len);
	if (!*body) {
		outbuf_release(&html);
		err = -ENOMEM;
	}
out_free_view:
	landing_view_free(view);
	return err;
}

static enum MHD_Result serve_get(struct MHD_Connection *connection,
				 const struct config *config,
				 struct scrape_runner *runner)
{
	struct MHD_Response *response;
	char busy[96], *body = NULL;
	size_t len = 0;
	int err;

	if (scrape_runner_admit(runner) < 0) {
		snprintf(busy, sizeof(busy),
			 "too many scrapes in flight (--web.max-requests=%u)\n",
			 config->max_requests);
		return http_respond_plain(connection,
					  MHD_HTTP_SERVICE_UNAVAILABLE, busy);
	}
	err = build_page(config, runner, &body, &len);
	scrape_runner_leave(runner);
	if (err)
		return http_respond_plain(
			connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
			err == -ENOMEM
				? "out of memory\n"
				: "cannot read the metrics page; the exporter's log says why\n");
	response = MHD_create_response_from_buffer_with_free_callback(len, body,
								      free);
	if (!response) {
		free(body);
		return MHD_NO;
	}
	return queue_page(connection, response);
}

enum MHD_Result landing_serve(const struct http_request *request,
			      const struct config *config,
			      struct scrape_runner *runner)
{
	if (request->method_bit == HTTP_METHOD_HEAD)
		return serve_head(request->connection);
	return serve_get(request->connection, config, runner);
}
