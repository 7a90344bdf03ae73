#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Devices and addresses of real namespaces, as the kernel reports them:
# counters equal `ip -s -j link` read around the scrape, every kind and
# address is present once, odd interface names are escaped exactly, the
# namespace limits equal /proc/sys/user, and promtool accepts the page.
. "$(dirname "$0")/lib.sh"
require_root
require_tool promtool
require_tool jq

a=$(ns_add dev-a) || exit 1
b=$(ns_add dev-b) || exit 1

# Devices stay silent unless we send: no link-local address, so no router
# solicitations or MLD reports move the counters behind our back.
ip -n "$a" link add vA type veth peer name vB netns "$b"
ip -n "$a" link set vA addrgenmode none
ip -n "$b" link set vB addrgenmode none
ip -n "$a" addr add 192.0.2.1/24 dev vA
ip -n "$b" addr add 192.0.2.2/24 dev vB
ip -n "$a" addr add 2001:db8:10::1/64 dev vA nodad
ip -n "$b" addr add 2001:db8:10::2/64 dev vB nodad
ip -n "$a" link set vA up
ip -n "$b" link set vB up
ip -n "$a" link set lo up
ip -n "$a" link add br0 type bridge
ip -n "$a" link set br0 addrgenmode none
ip -n "$a" link add mv0 link vA type macvlan mode bridge
ip -n "$a" link set mv0 addrgenmode none
ip -n "$a" link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.1 dev vA
ip -n "$a" link set vx0 addrgenmode none
# The names of the escaping case: a quote, backslashes, punctuation that
# needs no escape, and the 15-byte maximum.
for name in 'q"uote' 'back\slash' 'bs\' '#{x=1}' ',}' 'abcdefghijklmno'; do
	ip -n "$b" link add "$name" type bridge
done

ip netns exec "$a" ping -q -c 5 -i 0.2 192.0.2.2 >/dev/null
ip netns exec "$a" ping -q -c 3 -i 0.2 2001:db8:10::2 >/dev/null

start_exporter || exit 1
ia=$(ns_inode "$a")
ib=$(ns_inode "$b")

# kernel view, scrape, kernel view: equal views mean nothing moved
for try in 1 2 3; do
	ip -n "$a" -s -j link >"$work_dir/a1.json"
	ip -n "$b" -s -j link >"$work_dir/b1.json"
	scrape "$work_dir/body.prom"
	ip -n "$a" -s -j link >"$work_dir/a2.json"
	ip -n "$b" -s -j link >"$work_dir/b2.json"
	cmp -s "$work_dir/a1.json" "$work_dir/a2.json" &&
		cmp -s "$work_dir/b1.json" "$work_dir/b2.json" && break
done
body=$work_dir/body.prom

check_cmd "promtool accepts the page" promtool_check "$body"

# every counter family against the kernel's own numbers
check_counters()
{
	local ns=$1 inode=$2 json=$3 dev rx_bytes rx_packets tx_bytes tx_packets
	for dev in $(jq -r '.[].ifname' "$json" | grep -v '[^A-Za-z0-9]'); do
		labels="netns=\"$ns\",netns_inode=\"$inode\",device=\"$dev\""
		rx_bytes=$(jq -r ".[] | select(.ifname==\"$dev\") | .stats64.rx.bytes" "$json")
		rx_packets=$(jq -r ".[] | select(.ifname==\"$dev\") | .stats64.rx.packets" "$json")
		tx_bytes=$(jq -r ".[] | select(.ifname==\"$dev\") | .stats64.tx.bytes" "$json")
		tx_packets=$(jq -r ".[] | select(.ifname==\"$dev\") | .stats64.tx.packets" "$json")
		check_eq "$ns $dev rx bytes" "$rx_bytes" \
			"$(sample_value "$body" "namespace_network_receive_bytes_total{$labels}")"
		check_eq "$ns $dev rx packets" "$rx_packets" \
			"$(sample_value "$body" "namespace_network_receive_packets_total{$labels}")"
		check_eq "$ns $dev tx bytes" "$tx_bytes" \
			"$(sample_value "$body" "namespace_network_transmit_bytes_total{$labels}")"
		check_eq "$ns $dev tx packets" "$tx_packets" \
			"$(sample_value "$body" "namespace_network_transmit_packets_total{$labels}")"
	done
}
check_counters "$a" "$ia" "$work_dir/a2.json"
check_counters "$b" "$ib" "$work_dir/b2.json"
check_cmd "traffic moved vA's counters" \
	test "$(sample_value "$body" "namespace_network_transmit_packets_total{netns=\"$a\",netns_inode=\"$ia\",device=\"vA\"}")" -ge 8

# kinds, as the kernel names them
for pair in vA:veth br0:bridge mv0:macvlan vx0:vxlan lo:; do
	dev=${pair%%:*}
	kind=${pair#*:}
	check_eq "$dev kind" 1 "$(count_lines "$body" "^namespace_network_info\{netns=\"$a\",netns_inode=\"$ia\",device=\"$dev\",.*kind=\"$kind\"")"
done
check_eq "vA is up" 1 "$(sample_value "$body" "namespace_network_up{netns=\"$a\",netns_inode=\"$ia\",device=\"vA\"}")"
check_eq "br0 is down" 0 "$(sample_value "$body" "namespace_network_up{netns=\"$a\",netns_inode=\"$ia\",device=\"br0\"}")"
check_eq "lo mtu" 65536 "$(sample_value "$body" "namespace_network_mtu_bytes{netns=\"$a\",netns_inode=\"$ia\",device=\"lo\"}")"
check_eq "vA ifindex" "$(jq -r '.[] | select(.ifname=="vA") | .ifindex' "$work_dir/a2.json")" \
	"$(sample_value "$body" "namespace_network_iface_id{netns=\"$a\",netns_inode=\"$ia\",device=\"vA\"}")"

# each test namespace once, with exactly its addresses
for ns in "$a" "$b"; do
	check_eq "$ns listed once" 1 "$(count_lines "$body" "^namespace_network_mtu_bytes\{netns=\"$ns\",[^}]*device=\"lo\"")"
done
grep -E "^namespace_network_address_info\{netns=\"$a\"," "$body" | sort >"$work_dir/addr.got"
sort >"$work_dir/addr.want" <<EOF
namespace_network_address_info{netns="$a",netns_inode="$ia",device="lo",family="inet",address="127.0.0.1",prefix_length="8",scope="host"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="lo",family="inet6",address="::1",prefix_length="128",scope="host"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="vA",family="inet",address="192.0.2.1",prefix_length="24",scope="global"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="vA",family="inet6",address="2001:db8:10::1",prefix_length="64",scope="global"} 1
EOF
check_cmd "addresses of $a exactly" diff -u "$work_dir/addr.want" "$work_dir/addr.got"

# odd names come out escaped, byte for byte, in every per-device family
while IFS= read -r want; do
	check_eq "escaped name: $want" 1 "$(grep -cxF -- "$want" "$body")"
done <<EOF
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device="q\\"uote"} 1500
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device="back\\\\slash"} 1500
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device="bs\\\\"} 1500
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device="#{x=1}"} 1500
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device=",}"} 1500
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device="abcdefghijklmno"} 1500
namespace_network_mtu_bytes{netns="$b",netns_inode="$ib",device="lo"} 65536
EOF
for family in receive_bytes_total transmit_drop_total up iface_id; do
	check_eq "$family has every odd name" 8 \
		"$(count_lines "$body" "^namespace_network_$family\{netns=\"$b\",")"
done

# limits: the files the kernel enforces
for type in cgroup ipc mnt net pid time user uts; do
	check_eq "namespace_max $type" "$(cat /proc/sys/user/max_${type}_namespaces)" \
		"$(sample_value "$body" "namespace_max{type=\"$type\"}")"
done
check_eq "netns collector succeeded" 1 \
	"$(sample_value "$body" 'namespace_scrape_collector_success{collector="netns"}')"

# Excluding noisy devices and whole namespaces by regular expression.
stop_exporter
start_exporter --collector.netns.device-exclude='^(lo|br0)$' \
	--collector.netns.netns-exclude="^${b}\$" || exit 1
scrape "$work_dir/excluded.prom"
ex=$work_dir/excluded.prom
check_eq "excluded namespace is not read" 0 "$(count_lines "$ex" "netns=\"$b\"")"
check_eq "excluded devices are gone" 0 \
	"$(count_lines "$ex" "^namespace_network_[a-z_]*\{netns=\"$a\",[^}]*device=\"(lo|br0)\"")"
check_eq "addresses of an excluded device are gone" 0 \
	"$(count_lines "$ex" "^namespace_network_address_info\{netns=\"$a\",[^}]*device=\"lo\"")"
check_eq "other devices stay" 1 \
	"$(count_lines "$ex" "^namespace_network_mtu_bytes\{netns=\"$a\",[^}]*device=\"vA\"\} 1500$")"
check_eq "their addresses stay" 2 \
	"$(count_lines "$ex" "^namespace_network_address_info\{netns=\"$a\",[^}]*device=\"vA\"")"
check_cmd "promtool accepts the filtered page" promtool_check "$ex"

finish
