#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Times the namespace scan's holder parts (bench_holders) on this host as
# it is, then with COUNT more processes each holding a descriptor of one
# test namespace (`sleep 600 3</run/netns/nsetest-hold-bench`), then with
# COUNT more each also holding a socket made in it (hold_socket), then
# with USERNS user namespaces of their own (each owning a netns), and
# removes everything again (also on failure). Needs root.
#
#	tests/tools/bench_holders.sh BUILD-DIR [COUNT [RUNS [USERNS]]]
set -euo pipefail

build=${1:?usage: bench_holders.sh BUILD-DIR [COUNT [RUNS [USERNS]]]}
count=${2:-1000}
runs=${3:-20}
userns=${4:-100}
tool=$build/tests/bench_holders
hold_socket=$build/tests/hold_socket
ns=nsetest-hold-bench
pids=()

[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$tool" ] && [ -x "$hold_socket" ] || {
	echo "build $tool and $hold_socket first" >&2
	exit 1
}

cleanup()
{
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	ip netns delete "$ns" 2>/dev/null || true
}
trap cleanup EXIT

ip netns delete "$ns" 2>/dev/null || true
ip netns add "$ns"

echo "== as the host is ($(ls /proc | grep -c '^[0-9]') processes)"
"$tool" "$runs"

for _ in $(seq 1 "$count"); do
	sleep 600 3<"/run/netns/$ns" &
	pids+=("$!")
done
echo "== with $count sleeps holding a descriptor of $ns"
"$tool" "$runs"

out=$(mktemp /tmp/nsetest-hold-bench.XXXXXX)
for _ in $(seq 1 "$count"); do
	"$hold_socket" "/run/netns/$ns" >>"$out" &
	pids+=("$!")
done
for _ in $(seq 1 100); do
	[ "$(grep -c ready "$out")" -ge "$count" ] && break
	sleep 0.1
done
rm -f "$out"
echo "== and $count processes holding a socket made in $ns"
"$tool" "$runs"

for _ in $(seq 1 "$userns"); do
	unshare --user --map-root-user unshare --net sleep 600 &
	pids+=("$!")
done
sleep 1
echo "== and $userns user namespaces, each owning a netns"
"$tool" "$runs"
