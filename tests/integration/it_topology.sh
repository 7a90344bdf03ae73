#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Case 11 through the real binary over HTTP: three namespaces whose veths
# share ifindexes and whose ids for each other differ in each, made in the
# order of the case so that B numbers C before A. Every end must name its
# peer's namespace (name and inode) and device exactly, as the kernel's
# id tables read inside each namespace after the scrape say.
. "$(dirname "$0")/lib.sh"
require_root
require_tool jq
require_tool promtool

a=$(ns_add topo-it-A) || exit 1
b=$(ns_add topo-it-B) || exit 1
c=$(ns_add topo-it-C) || exit 1
ip -n "$a" link add vAB type veth peer name vBA netns "$b"
ip -n "$a" link add vAC type veth peer name vCA netns "$c"
ip -n "$b" link add vBC type veth peer name vCB netns "$c"

start_exporter || exit 1
scrape "$work_dir/body.prom"
body=$work_dir/body.prom
check_cmd "promtool accepts the page" promtool_check "$body"

ia=$(ns_inode "$a")
ib=$(ns_inode "$b")
ic=$(ns_inode "$c")
peer_line()
{
	printf 'namespace_network_peer_info{netns="%s",netns_inode="%s",device="%s",peer_netns="%s",peer_netns_inode="%s",peer_device="%s"} 1\n' "$@"
}

# the table of case 11, exactly and nothing else for these namespaces
{
	peer_line "$a" "$ia" vAB "$b" "$ib" vBA
	peer_line "$a" "$ia" vAC "$c" "$ic" vCA
	peer_line "$b" "$ib" vBA "$a" "$ia" vAB
	peer_line "$b" "$ib" vBC "$c" "$ic" vCB
	peer_line "$c" "$ic" vCA "$a" "$ia" vAC
	peer_line "$c" "$ic" vCB "$b" "$ib" vBC
} | sort >"$work_dir/peers.want"
grep -E "^namespace_network_peer_info\{netns=\"$NSE_TEST_PREFIX"topo-it- "$body" |
	sort >"$work_dir/peers.got"
check_cmd "case 11 peers exactly" diff -u "$work_dir/peers.want" "$work_dir/peers.got"

# each device's raw id, translated by its own namespace's table now
for ns in "$a" "$b" "$c"; do
	ids=$(ip -n "$ns" -j netns list-id)
	ip -n "$ns" -j -d link | jq -r --argjson ids "$ids" '.[] |
		select(.link_netnsid != null) | [.ifname, (.link_netnsid as $i |
		$ids[] | select(.nsid == $i) | .name), .link_index] |
		map(tostring) | join(" ")' >"$work_dir/ids"
	check_eq "$ns has two linked veths" 2 "$(wc -l <"$work_dir/ids")"
	while read -r dev peer_ns peer_index; do
		peer_dev=$(ip -n "$peer_ns" -j link |
			jq -r ".[] | select(.ifindex == $peer_index) | .ifname")
		check_eq "$ns $dev names the kernel's peer" 1 \
			"$(grep -cF "$(peer_line "$ns" "$(ns_inode "$ns")" "$dev" \
				"$peer_ns" "$(ns_inode "$peer_ns")" "$peer_dev")" "$body")"
	done <"$work_dir/ids"
done
# the same number means another namespace in each: resolved, never shown
check_eq "no raw netnsid on the page" 0 "$(count_lines "$body" 'netnsid')"
check_eq "no device is its own peer" 0 \
	"$(count_lines "$body" '^namespace_network_peer_info\{[^}]*device="(v[A-C]{2})",[^}]*peer_device="\1"')"
check_eq "veths listed as such" 6 \
	"$(count_lines "$body" "^namespace_network_info\{netns=\"${NSE_TEST_PREFIX}topo-it-[ABC]\",[^}]*kind=\"veth\"")"
check_eq "netns collector succeeded" 1 \
	"$(sample_value "$body" 'namespace_scrape_collector_success{collector="netns"}')"

finish
