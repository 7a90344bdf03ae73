#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates tests/fixtures/netlink: builds two namespaces holding the
# devices and addresses test_rtnl_parse expects, captures their link and
# address dumps with capture_netlink, saves what `ip -j` said at the same
# moment, and removes the namespaces (also on failure). Needs root.
#
#	tests/tools/capture_netlink.sh BUILD-DIR
#
# After regenerating, the expected values in tests/test_rtnl_parse.c must
# be checked against the new *.json files (ifindexes and the counters of
# devices that carried DAD traffic may differ).
set -euo pipefail

build=${1:?usage: capture_netlink.sh BUILD-DIR}
tool=$build/tests/capture_netlink
out=$(cd "$(dirname "$0")/../fixtures/netlink" && pwd)
a=nsetest-netns-cap-a
b=nsetest-netns-cap-b

[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$tool" ] || { echo "build $tool first" >&2; exit 1; }

cleanup()
{
	ip netns delete "$a" 2>/dev/null || true
	ip netns delete "$b" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$a"
ip netns add "$b"

# Fixed MACs and no generated link-local addresses keep the dump stable.
ip -n "$a" link add vA address 02:00:00:00:00:0a type veth peer name vB \
	address 02:00:00:00:00:0b netns "$b"
ip -n "$a" link add vC address 02:00:00:00:00:0c type veth peer name vD \
	address 02:00:00:00:00:0d
ip -n "$a" link add br0 address 02:00:00:00:00:b0 type bridge
ip -n "$a" link set vD master br0
ip -n "$a" link add 'a"b\c#d{e' address 02:00:00:00:00:e1 type bridge
ip -n "$a" link add abcdefghijklmno address 02:00:00:00:00:e2 type bridge
for dev in vA vC vD br0; do
	ip -n "$a" link set "$dev" addrgenmode none
done
ip -n "$b" link set vB addrgenmode none

# IPv4, and IPv6 in the states of case 10: dadfailed, tentative on a down
# device, deprecated, the same link-local on two devices, host scope on lo.
ip -n "$a" link set lo up
ip -n "$a" link set vA up
ip -n "$b" link set vB up
ip -n "$a" addr add 192.0.2.1/24 brd + dev vA
ip -n "$a" addr add 198.51.100.1 peer 198.51.100.2/32 dev vC
ip -n "$b" addr add 2001:db8:6::1/64 dev vB nodad
sleep 0.2
ip -n "$a" addr add 2001:db8:6::1/64 dev vA
ip -n "$a" addr add 2001:db8:7::1/64 dev br0
ip -n "$a" addr add 2001:db8:8::1/64 dev vA preferred_lft 0 valid_lft forever nodad
ip -n "$a" addr add fe80::1/64 dev vA nodad
ip -n "$a" addr add fe80::1/64 dev br0 nodad
sleep 3 # DAD of 2001:db8:6::1 fails after about a second

# 80 000 UDP datagrams of 65 000 bytes over lo: lo counts each as 65 028
# bytes (UDP and IPv4 headers; it drops the Ethernet header before
# counting), 5 202 240 000 bytes in all, past 2^32. Nobody reads the
# receiving socket: lo counts the datagrams, the socket drops them, and no
# ICMP error comes back.
ip netns exec "$a" python3 -c '
import socket
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data = bytes(65000)
for _ in range(80000):
    tx.sendto(data, rx.getsockname())'

"$tool" "/run/netns/$a" link "$out/links-a.bin"
"$tool" "/run/netns/$a" addr "$out/addrs-a.bin"
"$tool" "/run/netns/$b" link "$out/links-b.bin"
ip -n "$a" -j -s -d link >"$out/links-a.json"
ip -n "$a" -j addr >"$out/addrs-a.json"
ip -n "$b" -j -s -d link >"$out/links-b.json"
echo "captured into $out"
