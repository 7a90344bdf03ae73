#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up 1000 network namespaces (nsetest-netns-bench-NNNN), each with lo
# and two veth pairs (4 veth devices) holding one IPv4 and one IPv6 address
# each, runs bench_netns over them and removes them again (also on
# failure). Needs root.
#
#	tests/tools/bench_netns.sh BUILD-DIR [COUNT [RUNS [WORKERS]]]
#
# NSEBENCH_PREFIX names the namespaces (default nsetest-netns-bench-), so
# that two benches never share them. NSEBENCH_HUB=1 adds one namespace,
# PREFIXhub, and in every other one a veth eth0 whose peer is in the hub:
# the layout of a container host, where every pair crosses namespaces.
set -euo pipefail

build=${1:?usage: bench_netns.sh BUILD-DIR [COUNT [RUNS [WORKERS]]]}
count=${2:-1000}
runs=${3:-10}
workers=${4:-0}
tool=$build/tests/bench_netns
prefix=${NSEBENCH_PREFIX:-nsetest-netns-bench-}
hub=${NSEBENCH_HUB:-0}
work=$(mktemp -d /tmp/nsetest-netns-bench.XXXXXX)

[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$tool" ] || { echo "build $tool first" >&2; exit 1; }

cleanup()
{
	for name in $(ls /run/netns 2>/dev/null | grep "^$prefix" || true); do
		echo "netns delete $name"
	done >"$work/delete.batch"
	ip -force -batch "$work/delete.batch" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# Quiet devices: no link-local addresses and no DAD, so no traffic.
cat >"$work/devices.batch" <<'BATCH'
link add va0 type veth peer name vb0
link add va1 type veth peer name vb1
link set va0 addrgenmode none
link set vb0 addrgenmode none
link set va1 addrgenmode none
link set vb1 addrgenmode none
addr add 192.0.2.1/24 dev va0
addr add 2001:db8:0::1/64 dev va0 nodad
addr add 192.0.2.2/24 dev vb0
addr add 2001:db8:0::2/64 dev vb0 nodad
addr add 198.51.100.1/24 dev va1
addr add 2001:db8:1::1/64 dev va1 nodad
addr add 198.51.100.2/24 dev vb1
addr add 2001:db8:1::2/64 dev vb1 nodad
BATCH
for i in $(seq -f %04g 1 "$count"); do
	echo "netns add $prefix$i"
done >"$work/add.batch"
ip -batch "$work/add.batch"
for i in $(seq -f %04g 1 "$count"); do
	ip -n "$prefix$i" -batch "$work/devices.batch"
done
if [ "$hub" = 1 ]; then
	ip netns add "${prefix}hub"
	for i in $(seq -f %04g 1 "$count"); do
		ip -n "$prefix$i" link add eth0 type veth peer name "h$i" \
			netns "${prefix}hub"
	done
fi
"$tool" "$runs" "$workers"
