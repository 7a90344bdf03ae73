#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Netlink corners on real namespaces: 64-bit counters past 4 GiB, dumps
# that span many datagrams, IPv6 addresses in every state, and address
# dumps interrupted by churn (never a half or doubled list with success=1).
. "$(dirname "$0")/lib.sh"
require_root
require_tool python3
require_tool jq

start_exporter || exit 1

# 64-bit counters: push 5 000 000 000 bytes through a namespace's loopback.
big=$(ns_add nl-huntwrap) || exit 1
ip -n "$big" link set lo up
ip netns exec "$big" python3 -c '
import socket, threading
N = 5000000000
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def rx():
    c, _ = srv.accept()
    while c.recv(1 << 20): pass
t = threading.Thread(target=rx); t.start()
cl = socket.create_connection(srv.getsockname()); buf = bytes(1 << 20); sent = 0
while sent < N:
    n = min(len(buf), N - sent); cl.sendall(buf[:n]); sent += n
cl.close(); t.join()'
scrape "$work_dir/big.prom"
ip -n "$big" -s -j link show lo >"$work_dir/big.json"
labels="netns=\"$big\",netns_inode=\"$(ns_inode "$big")\",device=\"lo\""
rx=$(jq -r '.[0].stats64.rx.bytes' "$work_dir/big.json")
check_cmd "kernel counted past 2^32" test "$rx" -gt 4294967296
check_eq "rx bytes past 2^32, every digit" "$rx" \
	"$(sample_value "$work_dir/big.prom" "namespace_network_receive_bytes_total{$labels}")"
check_eq "tx bytes past 2^32, every digit" "$(jq -r '.[0].stats64.tx.bytes' "$work_dir/big.json")" \
	"$(sample_value "$work_dir/big.prom" "namespace_network_transmit_bytes_total{$labels}")"
check_eq "rx packets" "$(jq -r '.[0].stats64.rx.packets' "$work_dir/big.json")" \
	"$(sample_value "$work_dir/big.prom" "namespace_network_receive_packets_total{$labels}")"
ip netns delete "$big"

# Multi-part dumps: 300 devices and 600 addresses, every one of them.
many=$(ns_add nl-many) || exit 1
{
	for i in $(seq 0 299); do echo "link add br$i type bridge"; done
	for i in $(seq 0 249); do echo "addr add 198.51.100.$((i + 1))/32 dev br$i"; done
	for i in $(seq 250 299); do echo "addr add 203.0.113.$((i - 249))/32 dev br$i"; done
	for i in $(seq 0 299); do printf 'addr add 2001:db8:%x::1/64 dev br%d nodad\n' "$i" "$i"; done
} >"$work_dir/many.batch"
ip -n "$many" -batch "$work_dir/many.batch"
im=$(ns_inode "$many")
scrape "$work_dir/many.prom"
check_eq "301 devices" 301 "$(count_lines "$work_dir/many.prom" "^namespace_network_mtu_bytes\{netns=\"$many\",")"
check_eq "300 IPv4 addresses" 300 "$(count_lines "$work_dir/many.prom" "^namespace_network_address_info\{netns=\"$many\",.*family=\"inet\",")"
check_eq "300 IPv6 addresses" 300 "$(count_lines "$work_dir/many.prom" "^namespace_network_address_info\{netns=\"$many\",.*family=\"inet6\",")"
grep -E "^namespace_network_address_info\{netns=\"$many\",[^}]*device=\"br299\"" "$work_dir/many.prom" | sort >"$work_dir/br299.got"
sort >"$work_dir/br299.want" <<EOF
namespace_network_address_info{netns="$many",netns_inode="$im",device="br299",family="inet",address="203.0.113.50",prefix_length="32",scope="global"} 1
namespace_network_address_info{netns="$many",netns_inode="$im",device="br299",family="inet6",address="2001:db8:12b::1",prefix_length="64",scope="global"} 1
EOF
check_cmd "br299 addresses exactly" diff -u "$work_dir/br299.want" "$work_dir/br299.got"
ip netns delete "$many"

# IPv6 addresses in every state: dadfailed, tentative on a down device,
# deprecated, the same link-local on two devices, host scope on lo.
a=$(ns_add nl-6a) || exit 1
b=$(ns_add nl-6b) || exit 1
ip -n "$a" link add v6a address 02:00:00:00:00:0a type veth peer name v6b netns "$b"
ip -n "$a" link add br6 type bridge
ip -n "$a" link set lo up
ip -n "$a" link set v6a up
ip -n "$b" link set v6b up
ip -n "$b" addr add 2001:db8:6::1/64 dev v6b nodad
sleep 0.2
ip -n "$a" addr add 2001:db8:6::1/64 dev v6a
ip -n "$a" addr add 2001:db8:7::1/64 dev br6
ip -n "$a" addr add 2001:db8:8::1/64 dev v6a preferred_lft 0 valid_lft 600 nodad
ip -n "$a" addr add fe80::1/64 dev v6a nodad
ip -n "$a" addr add fe80::1/64 dev br6 nodad
# wait for DAD to settle: the EUI-64 link-local leaves the tentative state
for i in $(seq 1 50); do
	ip -n "$a" -6 -j addr show dev v6a | jq -e '.[0].addr_info[] | select(.local=="fe80::ff:fe00:a") | select(.tentative != true)' >/dev/null && break
	sleep 0.1
done
ia=$(ns_inode "$a")
scrape "$work_dir/v6.prom"
grep -E "^namespace_network_address_info\{netns=\"$a\"," "$work_dir/v6.prom" | sort >"$work_dir/v6.got"
sort >"$work_dir/v6.want" <<EOF
namespace_network_address_info{netns="$a",netns_inode="$ia",device="lo",family="inet",address="127.0.0.1",prefix_length="8",scope="host"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="lo",family="inet6",address="::1",prefix_length="128",scope="host"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="v6a",family="inet6",address="2001:db8:6::1",prefix_length="64",scope="global"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="v6a",family="inet6",address="2001:db8:8::1",prefix_length="64",scope="global"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="v6a",family="inet6",address="fe80::1",prefix_length="64",scope="link"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="v6a",family="inet6",address="fe80::ff:fe00:a",prefix_length="64",scope="link"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="br6",family="inet6",address="2001:db8:7::1",prefix_length="64",scope="global"} 1
namespace_network_address_info{netns="$a",netns_inode="$ia",device="br6",family="inet6",address="fe80::1",prefix_length="64",scope="link"} 1
EOF
check_cmd "IPv6 addresses in every state" diff -u "$work_dir/v6.want" "$work_dir/v6.got"
ip netns delete "$a"
ip netns delete "$b"

# Interrupted dumps: rotate 2000 addresses while scraping. Every scrape is
# either complete (>= 1999 distinct, no duplicate) with success 1, or a
# failure (success 0) that lists none or the complete set.
intr=$(ns_add nl-intr) || exit 1
ip -n "$intr" link add brS type bridge
for i in $(seq 1 2000); do printf 'addr add 2001:db8:1::%x/128 dev brS nodad\n' "$i"; done >"$work_dir/stable.batch"
ip -n "$intr" -batch "$work_dir/stable.batch"
for r in 1 2 3; do
	for i in $(seq 1 2000); do
		printf 'addr del 2001:db8:1::%x/128 dev brS\naddr add 2001:db8:1::%x/128 dev brS nodad\n' "$i" "$i"
	done
done >"$work_dir/rotate.batch"
ip -n "$intr" -batch "$work_dir/rotate.batch" &
churn=$!
n=0
while kill -0 "$churn" 2>/dev/null && [ $n -lt 200 ]; do
	scrape "$work_dir/s$n.prom"
	n=$((n + 1))
done
wait "$churn"
scrape "$work_dir/final.prom"
bad=0
for f in "$work_dir"/s*.prom; do
	lines=$(grep "^namespace_network_address_info{netns=\"$intr\"," "$f")
	total=$(printf '%s' "$lines" | grep -c . || true)
	distinct=$(printf '%s' "$lines" | sort -u | grep -c . || true)
	ok=$(count_lines "$f" "^namespace_netns_collect_success\{netns=\"$intr\",[^}]*\} 1$")
	dup=$(sort "$f" | grep -v '^#' | uniq -d | grep -c . || true)
	if [ "$dup" != 0 ] || [ "$total" != "$distinct" ]; then
		bad=$((bad + 1))
		echo "duplicates in $f: $dup" >&2
	elif [ "$ok" = 1 ] && [ "$distinct" -lt 1999 ]; then
		bad=$((bad + 1))
		echo "half list with success=1 in $f: $distinct" >&2
	fi
done
check_cmd "churn scrapes taken" test "$n" -gt 3
check_eq "no scrape under churn was doubled or half with success" 0 "$bad"
check_eq "final scrape has all 2000 addresses" 2000 \
	"$(grep "^namespace_network_address_info{netns=\"$intr\"," "$work_dir/final.prom" | sort -u | grep -c .)"
check_eq "final scrape succeeded for the namespace" 1 \
	"$(count_lines "$work_dir/final.prom" "^namespace_netns_collect_success\{netns=\"$intr\",[^}]*\} 1$")"
# Failed scrapes (if the churn caused any) are told at warn once a minute,
# naming the namespace and why, not once per scrape.
failed_scrapes=$(grep -l "^namespace_netns_collect_success{netns=\"$intr\",[^}]*} 0$" "$work_dir"/s*.prom | wc -l)
warned=$(grep -c 'level=warn msg="cannot read some network namespaces"' "$work_dir/exporter.log")
if [ "$failed_scrapes" -gt 0 ]; then
	check_eq "churn failures warned about once ($failed_scrapes failed scrapes)" 1 "$warned"
	check_cmd "the warning names the namespace and says the dumps were interrupted" \
		grep -q "cannot read some network namespaces.*first=.*netns=..$intr.*dumps kept being interrupted" \
		"$work_dir/exporter.log"
else
	check_eq "no failed scrape, no warning" 0 "$warned"
fi

finish
