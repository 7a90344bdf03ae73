#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Namespaces come and go while the exporter runs: entries under /run/netns
# that are no namespace give no series and no error, a deleted namespace
# disappears from the next scrape, and the exporter never keeps one alive
# (the veth whose other end lived there vanishes from its peer).
. "$(dirname "$0")/lib.sh"
require_root

start_exporter || exit 1
scrape "$work_dir/before.prom"
in_use_before=$(sample_value "$work_dir/before.prom" 'namespace_in_use{type="net"}')

# Entries that are not namespaces: the state between the two steps of a
# delete, a plain file left by a crash, a link to a process that is gone.
live=$(ns_add life-live) || exit 1
mid=$(ns_add life-mid) || exit 1
umount -l "/run/netns/$mid"
stale=${NSE_TEST_PREFIX}life-stale
touch "/run/netns/$stale"
ns_track "$stale"
gone=$(sh -c 'echo $$')
dangling=${NSE_TEST_PREFIX}life-dangling
ln -s "/proc/$gone/ns/net" "/run/netns/$dangling"
ns_track "$dangling"

scrape "$work_dir/stale.prom"
check_eq "only the live entry is named" "netns=\"$live\"" \
	"$(grep -o "netns=\"${NSE_TEST_PREFIX}life-[a-z]*\"" "$work_dir/stale.prom" | sort -u)"
check_eq "live entry has its nsfs inode" 1 \
	"$(count_lines "$work_dir/stale.prom" "^namespace_network_mtu_bytes\{netns=\"$live\",netns_inode=\"$(ns_inode "$live")\",device=\"lo\"\} 65536$")"
check_eq "netns collector still succeeds" 1 \
	"$(sample_value "$work_dir/stale.prom" 'namespace_scrape_collector_success{collector="netns"}')"
check_eq "in_use grew by exactly the live one" $((in_use_before + 1)) \
	"$(sample_value "$work_dir/stale.prom" 'namespace_in_use{type="net"}')"
for inode in $(stat -c %i "/run/netns/$mid" "/run/netns/$stale"); do
	check_eq "tmpfs inode $inode is no netns_inode" 0 \
		"$(count_lines "$work_dir/stale.prom" "netns_inode=\"$inode\"")"
done
check_cmd "no error-level log line for stale entries" \
	test "$(grep -c 'level=error' "$work_dir/exporter.log")" = 0
rm -f "/run/netns/$mid" "/run/netns/$stale" "/run/netns/$dangling"

# A scrape visits both ends of a veth pair; then one end's namespace is
# deleted and scraping goes on. The kernel must free it.
pa=$(ns_add life-pinA) || exit 1
pb=$(ns_add life-pinB) || exit 1
ip -n "$pa" link add vpA type veth peer name vpB netns "$pb"
ib=$(ns_inode "$pb")
scrape "$work_dir/pin1.prom"
check_eq "vpA seen before the delete" 1 \
	"$(count_lines "$work_dir/pin1.prom" "^namespace_network_mtu_bytes\{netns=\"$pa\",[^}]*device=\"vpA\"")"
ip netns delete "$pb"
scrape "$work_dir/pin2.prom"
check_eq "deleted namespace gone from the next scrape" 0 \
	"$(count_lines "$work_dir/pin2.prom" "netns=\"$pb\"|netns_inode=\"$ib\"")"
# teardown is asynchronous: poll for the kernel to drop the pair
freed=no
for i in $(seq 1 50); do
	if ! ip -n "$pa" link show vpA >/dev/null 2>&1; then
		freed=yes
		break
	fi
	scrape "$work_dir/pin3.prom" # scraping goes on meanwhile
	sleep 0.1
done
check_eq "kernel freed the deleted namespace (vpA gone)" yes "$freed"
scrape "$work_dir/pin3.prom"
check_eq "vpA gone from the page" 0 \
	"$(count_lines "$work_dir/pin3.prom" "device=\"vpA\"")"
held=0
for f in /proc/$EXPORTER_PID/fd/*; do
	[ "$(stat -L -c %i "$f" 2>/dev/null)" = "$ib" ] && held=$((held + 1))
done
check_eq "exporter holds no fd of the deleted namespace" 0 "$held"

# A namespace deleted between two scrapes while a process keeps it alive:
# the name is gone, the namespace is still found through the process.
kept=$(ns_add life-kept) || exit 1
ik=$(ns_inode "$kept")
ip netns exec "$kept" sleep 30 &
sleeper=$!
started_pids+=("$sleeper")
wait_until pid_in_netns "$sleeper" "$ik"
ip netns delete "$kept"
scrape "$work_dir/kept.prom"
check_eq "name of the deleted namespace is gone" 0 \
	"$(count_lines "$work_dir/kept.prom" "netns=\"$kept\"")"
check_eq "its namespace is still read through the process" 1 \
	"$(count_lines "$work_dir/kept.prom" "^namespace_network_mtu_bytes\{netns=\"\",netns_inode=\"$ik\",device=\"lo\"\}")"
kill "$sleeper"
wait "$sleeper" 2>/dev/null

check_cmd "exporter still running" kill -0 "$EXPORTER_PID"

# A restart that is slow to come up: the tests must talk to the new
# exporter, never to the port the previous one logged in the same file.
stop_exporter
previous_port=$PORT
cat >"$work_dir/slow-start" <<EOF
#!/bin/sh
sleep 0.5
exec "$EXPORTER" "\$@"
EOF
chmod +x "$work_dir/slow-start"
EXPORTER=$work_dir/slow-start start_exporter || exit 1
check_cmd "the restarted exporter has a port of its own" test "$PORT" != "$previous_port"
check_cmd "the restarted exporter answers" scrape "$work_dir/restarted.prom"
finish
