#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What keeps each namespace alive, on real namespaces: a process in one, a
# bind mount (ip netns add), a descriptor kept by a `sleep` started with
# the netns file open, a deleted name whose namespace a descriptor keeps
# alive (an orphan), a socket made in a namespace whose name is gone
# (--collector.net.socket-holders), and the exporter itself, which must
# never appear as a holder of anything. Also the cgroup label, and the
# limits of a child user namespace read from inside it. promtool accepts
# the page.
. "$(dirname "$0")/lib.sh"
require_root
for tool in curl promtool ip unshare; do
	require_tool "$tool"
done
HOLD_SOCKET=$BUILD_DIR/tests/hold_socket
[ -x "$HOLD_SOCKET" ] || { echo "build $HOLD_SOCKET first" >&2; exit 1; }

proc_ns=$(ns_add hold-proc) || exit 1
mount_ns=$(ns_add hold-mount) || exit 1
fd_ns=$(ns_add hold-fd) || exit 1
gone_ns=$(ns_add hold-gone) || exit 1
sock_ns=$(ns_add hold-sock) || exit 1
opath_ns=$(ns_add hold-opath) || exit 1
i_opath=$(ns_inode "$opath_ns")
i_proc=$(ns_inode "$proc_ns")
i_mount=$(ns_inode "$mount_ns")
i_fd=$(ns_inode "$fd_ns")
i_gone=$(ns_inode "$gone_ns")
i_sock=$(ns_inode "$sock_ns")

# a process inside
ip netns exec "$proc_ns" sleep 600 &
proc_pid=$!
started_pids+=("$proc_pid")
# descriptors opened through the mount path, by processes outside
sleep 600 3<"/run/netns/$fd_ns" &
fd_pid=$!
started_pids+=("$fd_pid")
sleep 600 3<"/run/netns/$gone_ns" &
gone_pid=$!
started_pids+=("$gone_pid")
# an O_PATH descriptor, which can be neither entered nor asked as it is
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_PATH)
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
time.sleep(600)' "/run/netns/$opath_ns" &
opath_pid=$!
started_pids+=("$opath_pid")
"$HOLD_SOCKET" "/run/netns/$sock_ns" >"$work_dir/hold_socket.out" &
sock_pid=$!
started_pids+=("$sock_pid")
socket_ready()
{
	grep -q ready "$work_dir/hold_socket.out" 2>/dev/null
}
wait_until socket_ready
wait_until pid_in_netns "$proc_pid" "$i_proc"
wait_until pid_holds_fd "$fd_pid" 3 "$i_fd"
wait_until pid_holds_fd "$gone_pid" 3 "$i_gone"
wait_until pid_holds_fd "$opath_pid" 3 "$i_opath"
# the names go; a descriptor and a socket keep the namespaces alive
ip netns delete "$opath_ns"
ip netns delete "$gone_ns"
ip netns delete "$sock_ns"
check_cmd "the deleted netns lives on through the descriptor" \
	test "$(stat -L -c %i "/proc/$gone_pid/fd/3")" = "$i_gone"

# a child user namespace with a limit of its own and a netns it owns
unshare --user --map-root-user sh -c \
	'echo 33 >/proc/sys/user/max_net_namespaces && exec unshare --net sleep 600' &
userns_pid=$!
started_pids+=("$userns_pid")
for _ in $(seq 1 50); do
	u=$(stat -L -c %i "/proc/$userns_pid/ns/user" 2>/dev/null)
	n=$(stat -L -c %i "/proc/$userns_pid/ns/net" 2>/dev/null)
	[ -n "$u" ] && [ "$u" != "$(stat -L -c %i /proc/self/ns/user)" ] &&
		[ "$n" != "$(stat -L -c %i /proc/self/ns/net)" ] && break
	sleep 0.1
done
i_userns=$(stat -L -c %i "/proc/$userns_pid/ns/user")
i_host_userns=$(stat -L -c %i /proc/self/ns/user)

start_exporter || exit 1
# Scrapes of the netns collector alone run beside full ones (another
# selection is another collection): its workers hold namespace files
# open while the full scrape's scan reads the exporter's descriptor
# table. None of it may show.
for round in $(seq 1 20); do
	curl -sS --max-time 30 -o /dev/null "$URL/metrics?collect[]=netns" &
	scrape "$work_dir/round-$round.prom"
	wait $!
done
body=$work_dir/body.prom
check_cmd "scraped" scrape "$body"
check_cmd "promtool accepts the page" promtool_check "$body"

fresh_exporter()
{
	stop_exporter
	start_exporter "$@"
}

holders()
{
	sample_value "$body" "namespace_holders{type=\"net\",inode=\"$1\",holder=\"$2\"}"
}

# --- a process ----------------------------------------------------------
check_eq "process: one process holds it" 1 "$(holders "$i_proc" process)"
check_eq "process: and its mount" 1 "$(holders "$i_proc" mount)"
check_eq "process: no orphan" 0 \
	"$(count_lines "$body" "^namespace_orphaned\{type=\"net\",inode=\"$i_proc\"")"
# its cgroup, as /proc/PID/cgroup says: this host is v1 or v2
want_cgroup=$(awk -F: '$1 == 0 && $3 != "/" { sub(/^0::/, ""); print; exit }' \
	"/proc/$proc_pid/cgroup")
if [ -z "$want_cgroup" ]; then
	want_cgroup=$(awk -F: '$2 == "name=systemd" && $3 != "/" { print $3; exit }' \
		"/proc/$proc_pid/cgroup")
fi
if [ -z "$want_cgroup" ]; then
	want_cgroup=$(sort -t: -k1,1n "/proc/$proc_pid/cgroup" |
		awk -F: '$3 != "/" { print $3; exit }')
fi
check_eq "process: cgroup of its first process" "${want_cgroup:-/}" \
	"$(grep -F "namespace_info{type=\"net\",inode=\"$i_proc\"," "$body" |
		sed -n 's/.*,cgroup="\([^"]*\)"}.*/\1/p')"
check_eq "process: its pid names it" 1 \
	"$(count_lines "$body" "^namespace_info\{type=\"net\",inode=\"$i_proc\",pid=\"$proc_pid\",command=\"sleep\"")"

# --- a bind mount -------------------------------------------------------
check_eq "mount: one mount holds it" 1 "$(holders "$i_mount" mount)"
check_eq "mount: no process, no descriptor" 0 \
	"$(count_lines "$body" "^namespace_holders\{type=\"net\",inode=\"$i_mount\",holder=\"(process|fd|socket)\"")"
check_eq "mount: its path" 1 \
	"$(count_lines "$body" "^namespace_mount_info\{type=\"net\",inode=\"$i_mount\",path=\"/run/netns/$mount_ns\"\} 1$")"
check_eq "mount: orphaned, held by the mount" 1 \
	"$(sample_value "$body" "namespace_orphaned{type=\"net\",inode=\"$i_mount\",held_by=\"mount\"}")"

# --- a descriptor beside the mount --------------------------------------
check_eq "fd: one descriptor holds it" 1 "$(holders "$i_fd" fd)"
check_eq "fd: and the mount" 1 "$(holders "$i_fd" mount)"
check_eq "fd: the holding sleep is named" 1 \
	"$(sample_value "$body" "namespace_holder_info{type=\"net\",inode=\"$i_fd\",holder=\"fd\",pid=\"$fd_pid\",command=\"sleep\"}")"

# --- a deleted name: only the descriptor is left ------------------------
check_eq "gone: one descriptor holds it" 1 "$(holders "$i_gone" fd)"
check_eq "gone: nothing else" 0 \
	"$(count_lines "$body" "^namespace_holders\{type=\"net\",inode=\"$i_gone\",holder=\"(process|mount|socket)\"")"
check_eq "gone: orphaned, held by a descriptor" 1 \
	"$(sample_value "$body" "namespace_orphaned{type=\"net\",inode=\"$i_gone\",held_by=\"fd\"}")"
check_eq "gone: the holding sleep is named" 1 \
	"$(sample_value "$body" "namespace_holder_info{type=\"net\",inode=\"$i_gone\",holder=\"fd\",pid=\"$gone_pid\",command=\"sleep\"}")"
# the kernel was asked through a duplicate of the descriptor
check_eq "gone: its owner is known" 1 \
	"$(count_lines "$body" "^namespace_info\{type=\"net\",inode=\"$i_gone\",.*owner_userns=\"$i_host_userns\"")"
# no name, mount or process leads there: the netns collector goes in
# through the holder's descriptor
check_eq "gone: its devices are read" 1 \
	"$(count_lines "$body" "^namespace_network_mtu_bytes\{netns=\"\",netns_inode=\"$i_gone\",device=\"lo\"\} 65536$")"
check_eq "gone: read completely" 1 \
	"$(sample_value "$body" "namespace_netns_collect_success{netns=\"\",netns_inode=\"$i_gone\"}")"

# --- an O_PATH descriptor ------------------------------------------------
check_eq "O_PATH: one descriptor holds it" 1 "$(holders "$i_opath" fd)"
check_eq "O_PATH: its devices are read" 1 \
	"$(count_lines "$body" "^namespace_network_mtu_bytes\{netns=\"\",netns_inode=\"$i_opath\",device=\"lo\"\} 65536$")"

# --- a socket: only with the flag ---------------------------------------
check_eq "socket: not seen without the flag" 0 \
	"$(count_lines "$body" "inode=\"$i_sock\"")"

# --- the exporter holds nothing -----------------------------------------
check_eq "exporter: never a holder, in 21 scrapes beside netns ones" 0 \
	"$(cat "$work_dir"/round-*.prom "$body" |
		count_lines - "^namespace_holder_info\{.*pid=\"$EXPORTER_PID\"")"
check_eq "nothing unresolved" 0 \
	"$(awk '$1 == "namespace_scan_holders_unresolved" { print $2 }' "$body")"

# --- user namespace limits ----------------------------------------------
check_eq "userns: limit read inside it" 33 \
	"$(sample_value "$body" "namespace_user_max{type=\"net\",userns=\"$i_userns\",owner_uid=\"0\"}")"
check_eq "userns: the netns it owns" 1 \
	"$(sample_value "$body" "namespace_user_in_use{type=\"net\",userns=\"$i_userns\",owner_uid=\"0\"}")"
check_eq "userns: the host's limit is its own" \
	"$(cat /proc/sys/user/max_net_namespaces)" \
	"$(sample_value "$body" "namespace_user_max{type=\"net\",userns=\"$i_host_userns\",owner_uid=\"0\"}")"
charged=$(sample_value "$body" "namespace_user_charged{type=\"user\",userns=\"$i_host_userns\",uid=\"0\"}")
check_cmd "userns: charged to root in the host's user namespace" \
	test "${charged:-0}" -ge 1

# --- sockets, with the flag ---------------------------------------------
fresh_exporter --collector.net.socket-holders || exit 1
check_cmd "socket: scraped" scrape "$body"
check_eq "socket: one socket holds it" 1 "$(holders "$i_sock" socket)"
check_eq "socket: nothing else" 0 \
	"$(count_lines "$body" "^namespace_holders\{type=\"net\",inode=\"$i_sock\",holder=\"(process|mount|fd)\"")"
check_eq "socket: orphaned, held by a socket" 1 \
	"$(sample_value "$body" "namespace_orphaned{type=\"net\",inode=\"$i_sock\",held_by=\"socket\"}")"
check_eq "socket: the holder is named" 1 \
	"$(sample_value "$body" "namespace_holder_info{type=\"net\",inode=\"$i_sock\",holder=\"socket\",pid=\"$sock_pid\",command=\"hold_socket\"}")"
check_eq "socket: its devices are read through the socket" 1 \
	"$(count_lines "$body" "^namespace_network_mtu_bytes\{netns=\"\",netns_inode=\"$i_sock\",device=\"lo\"\} 65536$")"
check_eq "socket: read completely" 1 \
	"$(sample_value "$body" "namespace_netns_collect_success{netns=\"\",netns_inode=\"$i_sock\"}")"
check_eq "socket: the exporter's own sockets hold nothing" 0 \
	"$(count_lines "$body" "^namespace_holder_info\{.*pid=\"$EXPORTER_PID\"")"
check_cmd "socket: promtool accepts the page" promtool_check "$body"

# --- and once the holders go, so do the namespaces ----------------------
kill "$gone_pid" "$sock_pid"
wait "$gone_pid" "$sock_pid" 2>/dev/null
fresh_exporter --collector.net.socket-holders || exit 1
check_cmd "released: scraped" scrape "$body"
for inode in "$i_gone" "$i_sock"; do
	check_eq "released: $inode is gone" 0 \
		"$(count_lines "$body" "inode=\"$inode\"")"
done

finish
