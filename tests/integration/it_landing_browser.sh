#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The landing page in a real browser: headless Chromium renders / from an
# exporter on loopback, over a test namespace with an odd name holding
# bridges with odd names, and the rendered DOM must show the namespace and
# each device decoded exactly once (no double escaping, no element made
# from a name, no script), with the kernel's state, MTU, kind, MAC and
# addresses. A screenshot is taken too; NSE_LANDING_SCREENSHOT=FILE keeps
# it for a person to look at.
. "$(dirname "$0")/lib.sh"
require_root
require_tool chromium
require_tool python3
require_tool jq

# '"', '<', '>', '&', "'" and '\' are legal in interface and namespace
# names (spaces are not); 0xe9 alone is not UTF-8 and shows as \xe9.
odd_ns=$(ns_add "land-$$-\"<i>&'") || exit 1
peer_ns=$(ns_add "land-$$-b") || exit 1
odd_dev='q"<b>&x'
quote_dev="it's"
latin1_dev=$(printf 'c\xe9')

# No link-local addresses (addrgenmode none): the address lists are exact.
ip -n "$odd_ns" link add "$odd_dev" type bridge
ip -n "$odd_ns" link set "$odd_dev" addrgenmode none
ip -n "$odd_ns" link set "$odd_dev" mtu 1400 up
ip -n "$odd_ns" addr add 10.77.0.1/24 dev "$odd_dev"
ip -n "$odd_ns" link add "$quote_dev" type bridge
ip -n "$odd_ns" link add "$latin1_dev" type bridge
# a veth pair to the plain namespace, with traffic, so counters move
ip -n "$odd_ns" link add vland0 type veth peer name vland1 netns "$peer_ns"
ip -n "$odd_ns" link set vland0 addrgenmode none
ip -n "$peer_ns" link set vland1 addrgenmode none
ip -n "$odd_ns" addr add 192.0.2.81/24 dev vland0
ip -n "$peer_ns" addr add 192.0.2.82/24 dev vland1
ip -n "$odd_ns" link set vland0 up
ip -n "$peer_ns" link set vland1 up
ip netns exec "$odd_ns" ping -q -c 3 -i 0.2 192.0.2.82 >/dev/null

start_exporter || exit 1
odd_inode=$(ns_inode "$odd_ns")

status=$(curl -sS -o "$work_dir/page.html" -w '%{http_code} %{content_type}' \
	"$URL/")
check_eq "GET / answers HTML" "200 text/html; charset=utf-8" "$status"

# Chromium, cut off from everything but loopback: no first-run, sync or
# component traffic, and every other host goes to a closed loopback proxy.
browser()
{
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions \
		--proxy-server=http://127.0.0.1:9 \
		--user-data-dir="$work_dir/chromium-profile-$1" "${@:2}" \
		2>>"$work_dir/chromium.log"
}

browser dom --dump-dom "$URL/" >"$work_dir/dom.html"
check_cmd "Chromium rendered the page" grep -q '</html>' "$work_dir/dom.html"

# The rendered DOM as JSON: every element counted by tag, and per network
# namespace the text (entities decoded, as a person sees it) of its cells.
python3 - "$work_dir/dom.html" >"$work_dir/dom.json" <<'EOF'
import json, sys
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "wbr", "source"}

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text()
                       for c in self.children)

    def elements(self):
        for c in self.children:
            if not isinstance(c, str):
                yield c
                yield from c.elements()

    def has_class(self, name):
        return name in (self.attrs.get("class") or "").split()

class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.at = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_endtag(self, tag):
        node = self.at
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)

tree = Tree()
tree.feed(open(sys.argv[1], encoding="utf-8", errors="strict").read())
every = list(tree.root.elements())
tags = {}
for e in every:
    tags[e.tag] = tags.get(e.tag, 0) + 1
out = {"tags": tags, "links": [e.attrs.get("href") for e in every
                               if e.tag == "a"],
       "version": [e.text() for e in every
                   if e.attrs.get("id") == "version"],
       "types": {}, "netns": []}
for sec in every:
    if sec.tag != "section" or sec.attrs.get("id") != "types":
        continue
    for row in sec.elements():
        cells = [c for c in row.children if not isinstance(c, str)]
        if row.tag == "tr" and row.parent.tag == "tbody":
            out["types"][cells[0].text()] = [c.text() for c in cells[1:3]]
for art in every:
    if art.tag != "article" or not art.has_class("netns"):
        continue
    names = [e for e in art.elements() if e.has_class("netns-name")]
    ns = {"id": art.attrs.get("id"), "name": names[0].text(),
          "name_elements": len(list(names[0].elements())), "devices": []}
    for row in art.elements():
        cells = [c for c in row.children if not isinstance(c, str)]
        if row.tag != "tr" or not cells or not cells[0].has_class("device"):
            continue
        ns["devices"].append({
            "name": cells[0].text(),
            "name_elements": len(list(cells[0].elements())),
            "state": cells[1].text(), "mtu": cells[2].text(),
            "kind": cells[3].text(), "mac": cells[4].text(),
            "rx_title": cells[5].attrs.get("title"),
            "addresses": [li.text().split(" ")[0]
                          for li in cells[7].elements() if li.tag == "li"],
        })
    out["netns"].append(ns)
json.dump(out, sys.stdout)
EOF
check_eq "the DOM could be read" 0 $?
dom=$work_dir/dom.json

# q reads the DOM summary with jq; ns/dev pick our namespace and a device
q() { jq -r "$@" "$dom"; }
ns_sel='.netns[] | select(.name == $ns)'
dev()
{
	q --arg ns "$odd_ns" --arg dev "$1" \
		"$ns_sel | .devices[] | select(.name == \$dev) | $2"
}
kernel()
{
	ip -n "$odd_ns" -j link show dev "$1" | jq -r ".[0].$2"
}

check_eq "no script on the page" 0 "$(q '.tags.script // 0')"
check_eq "no <b> made from a device name" 0 "$(q '.tags.b // 0')"
check_eq "no <i> made from a namespace name" 0 "$(q '.tags.i // 0')"
check_eq "links to the metrics path" true "$(q 'any(.links[]; . == "/metrics")')"
check_eq "links to /-/healthy" true "$(q 'any(.links[]; . == "/-/healthy")')"
check_cmd "shows the version" test -n "$(q '.version[0]')"

check_eq "the odd namespace is shown once, name decoded" 1 \
	"$(q --arg ns "$odd_ns" "[$ns_sel] | length")"
check_eq "its name is text, not markup" 0 \
	"$(q --arg ns "$odd_ns" "$ns_sel | .name_elements")"
check_eq "its anchor is its inode" "netns-$odd_inode" \
	"$(q --arg ns "$odd_ns" "$ns_sel | .id")"
check_eq "the plain namespace is shown" 1 \
	"$(q --arg ns "$peer_ns" "[$ns_sel] | length")"

check_eq "odd device shown once, decoded" 1 \
	"$(q --arg ns "$odd_ns" --arg dev "$odd_dev" \
		"[$ns_sel | .devices[] | select(.name == \$dev)] | length")"
check_eq "odd device name is text, not markup" 0 "$(dev "$odd_dev" .name_elements)"
check_eq "odd device state is the kernel's" \
	"$(kernel "$odd_dev" operstate | tr 'A-Z' 'a-z')" "$(dev "$odd_dev" .state)"
check_eq "odd device MTU" 1400 "$(dev "$odd_dev" .mtu)"
check_eq "odd device kind" bridge "$(dev "$odd_dev" .kind)"
check_eq "odd device MAC is the kernel's" "$(kernel "$odd_dev" address)" \
	"$(dev "$odd_dev" .mac)"
check_eq "odd device address" 10.77.0.1/24 \
	"$(dev "$odd_dev" '.addresses | join(",")')"
check_eq "a device named with an apostrophe" bridge "$(dev "$quote_dev" .kind)"
check_eq "a device name that is not UTF-8 shows \\xe9" bridge \
	"$(dev 'c\xe9' .kind)"
check_eq "the veth's address" 192.0.2.81/24 \
	"$(dev vland0 '.addresses | join(",")')"
rx=$(dev vland0 .rx_title)
check_cmd "the veth received bytes ($rx)" \
	bash -c '[[ $1 =~ ^([0-9]+)\ bytes$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]' \
	_ "$rx"
check_eq "the net limit is /proc/sys/user/max_net_namespaces" \
	"$(cat /proc/sys/user/max_net_namespaces)" "$(q '.types.net[1]')"
check_cmd "net namespaces in use count ours" \
	test "$(q '.types.net[0]')" -ge 2

# A picture for a person; only its being a real PNG is checked here.
shot=${NSE_LANDING_SCREENSHOT:-$work_dir/landing.png}
rm -f "$shot"
browser shot --screenshot="$shot" --window-size=1280,1600 \
	--hide-scrollbars "$URL/" >/dev/null
check_eq "the screenshot is a PNG" "89504e47" \
	"$(head -c 4 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')"

stop_exporter
if [ "$failed" != 0 ]; then
	echo "--- chromium log" >&2
	tail -n 20 "$work_dir/chromium.log" >&2
fi
finish
