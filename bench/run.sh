#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scrape benchmark for namespace_exporter. For each N (default 10 100 1000)
# it builds N network namespaces (lo plus two veth pairs, two addresses per
# veth, one holder process each), then measures in the same run:
#   - our exporter (Release build): median scrape time plain and gzipped,
#     page size, series count, peak RSS;
#   - baseline A, the obvious shell loop over `ip netns list` feeding one jq
#     program that writes Prometheus text;
#   - baseline B, node_exporter's netdev collector inside one namespace that
#     holds as many devices as the N namespaces together.
# It prints one markdown table and writes it to bench/results-<date>.md.
# Everything it makes is removed on exit, Ctrl-C included. Run as root:
#   bench/run.sh            # N = 10 100 1000
#   bench/run.sh 10 100     # only these N
# Environment: NSEBENCH_K (scrapes per median, default 21, odd, >= 11),
# NSEBENCH_BUILD_DIR, NSEBENCH_EXPORTER (a built binary: no build step),
# NSEBENCH_EXPORTER_ARGS (extra flags for our exporter),
# NSEBENCH_SKIP_APT=1, NSEBENCH_BASELINES_ONLY=1 (no exporter needed).
set -uo pipefail

bench_dir=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$bench_dir")
build_dir=${NSEBENCH_BUILD_DIR:-$source_dir/build-bench}
# a binary given here is used as it is, without building
exporter=${NSEBENCH_EXPORTER:-$build_dir/namespace_exporter}
exporter_args=${NSEBENCH_EXPORTER_ARGS:-}
baselines_only=${NSEBENCH_BASELINES_ONLY:-}
k_default=${NSEBENCH_K:-21}
# Every namespace we make carries this prefix (the project's rule for test
# namespaces is nsetest-<tag>); the start-up sweep removes only these.
prefix=nsetest-bench-
node_ns=${prefix}node
node_port=9100
# PIDs this script started, kept across a SIGKILL so the next run's sweep
# can end exactly those (checked against their command line first).
pid_file=/run/nsebench.pids
# A scrape set should take about this long; K shrinks (never below 11)
# when one scrape is slow, so N=1000 stays in minutes.
set_budget_ms=60000

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (namespaces, veth devices, /proc of others)" >&2
	exit 1
fi

sizes=("$@")
[ ${#sizes[@]} = 0 ] && sizes=(10 100 1000)
for n in "${sizes[@]}"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt 16000 ]; then
		echo "bench: N must be an integer from 1 to 16000, got '$n'" >&2
		exit 1
	fi
done
if ! [[ $k_default =~ ^[0-9]+$ ]] || [ "$k_default" -lt 11 ]; then
	echo "bench: NSEBENCH_K must be an integer >= 11" >&2
	exit 1
fi
[ $((k_default % 2)) = 0 ] && k_default=$((k_default + 1))

work=$(mktemp -d /tmp/nsebench.XXXXXX)
holder_pids=()
made_ns=()
exporter_pid=
node_pid=

log()
{
	printf 'bench: %s\n' "$*" >&2
}

now_ns()
{
	date +%s%N
}

clk_tck=$(getconf CLK_TCK)

# cpu_ms PID [children]: CPU time (user + system) PID has used, in ms; with
# "children", that of the children it has waited for is added. Wall time
# on a shared machine carries everyone else's load; CPU time mostly not.
cpu_ms()
{
	local stat f t
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo ""; return; }
	# fields after the command, which may hold spaces: state is f[0]
	read -r -a f <<<"${stat##*) }"
	t=$((f[11] + f[12]))
	[ "${2:-}" = children ] && t=$((t + f[13] + f[14]))
	echo $((t * 1000 / clk_tck))
}

# per_run_ms BEFORE AFTER RUNS
per_run_ms()
{
	awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN {
		if (a == "" || b == "" || r == 0) { print ""; exit }
		printf "%.3f\n", (b - a) / r }'
}

# ms_since START_NS: milliseconds (3 decimals) since START_NS.
ms_since()
{
	local end
	end=$(now_ns)
	awk -v a="$1" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'
}

# median FILE: median of the numbers in FILE, one a line.
median()
{
	sort -g "$1" | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan"; exit }
			if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
			else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

record_pid()
{
	echo "$1" >>"$pid_file"
}

# Ends one PID we started, if it is still the program we started.
end_pid()
{
	local pid=$1 cmd
	[ -r "/proc/$pid/cmdline" ] || return 0
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
	case $cmd in
	"sleep infinity "* | *prometheus-node-exporter* | *namespace_exporter*)
		kill "$pid" 2>/dev/null ;;
	esac
}

ns_names()
{
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$prefix" || true
	local path
	for path in /run/netns/"$prefix"*; do
		[ -e "$path" ] && echo "${path##*/}"
	done
	return 0
}

delete_namespaces()
{
	local name i
	for name in $(ns_names | sort -u); do
		ip netns delete "$name" 2>/dev/null || rm -f "/run/netns/$name"
	done
	for i in $(seq 1 100); do
		[ -z "$(ns_names)" ] && return 0
		sleep 0.1
	done
	log "left behind: $(ns_names | tr '\n' ' ')"
	return 1
}

# A run killed with SIGKILL left namespaces and holders: end the holders
# it recorded (by PID, after checking what they run), then the names.
sweep()
{
	local pid
	if [ -f "$pid_file" ]; then
		while read -r pid; do
			[[ $pid =~ ^[0-9]+$ ]] && end_pid "$pid"
		done <"$pid_file"
		rm -f "$pid_file"
	fi
	# and its work directory (two runs at once would sweep each other's
	# namespaces anyway, so another live run is not a case to spare)
	local dir
	for dir in /tmp/nsebench.*; do
		[ -d "$dir" ] && [ "$dir" != "$work" ] && rm -rf "$dir"
	done
	delete_namespaces
}

stop_holders()
{
	local pid
	for pid in "${holder_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${holder_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	holder_pids=()
}

# Alive and not yet a zombie waiting for us to reap it.
running()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop_child PID: SIGTERM, and SIGKILL should it still run 5 s later (a
# server that hangs on shutdown must not outlive the benchmark).
stop_child()
{
	local i
	kill "$1" 2>/dev/null
	for i in $(seq 1 50); do
		running "$1" || break
		sleep 0.1
	done
	if running "$1"; then
		log "PID $1 ignored SIGTERM for 5 s, sending SIGKILL"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

stop_exporter()
{
	[ -n "$exporter_pid" ] && stop_child "$exporter_pid"
	exporter_pid=
}

stop_node()
{
	[ -n "$node_pid" ] && stop_child "$node_pid"
	node_pid=
}

teardown()
{
	stop_exporter
	stop_node
	stop_holders
	delete_namespaces
	made_ns=()
	: >"$pid_file"
}

cleaned=
cleanup()
{
	[ -n "$cleaned" ] && return
	cleaned=1
	trap '' INT TERM
	teardown
	rm -f "$pid_file"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'log "interrupted, cleaning up"; exit 130' INT
trap 'log "terminated, cleaning up"; exit 143' TERM
trap 'exit 129' HUP

install_deps()
{
	local pkgs=(iproute2 jq curl procps prometheus-node-exporter)
	[ -z "$baselines_only" ] && pkgs+=(build-essential cmake pkg-config \
		libmicrohttpd-dev libmnl-dev zlib1g-dev git)
	[ -n "${NSEBENCH_SKIP_APT:-}" ] && return 0
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends "${missing[@]}" \
			>/dev/null
}

# The Debian package starts node_exporter as a service where it can; we
# never stop a process we did not start, but say so: it skews timings.
check_foreign_node_exporter()
{
	local pids pid others=()
	pids=$(pgrep -f '(^|/)(prometheus-node-exporter|node_exporter)( |$)' ||
		true)
	for pid in $pids; do
		[ "$pid" = "$node_pid" ] && continue
		others+=("$pid")
	done
	if [ ${#others[@]} -gt 0 ]; then
		log "WARNING: node_exporter not started by this run is" \
			"running (PID ${others[*]}); left alone, it adds load"
		foreign_node="PID ${others[*]}"
	fi
}

# Warnings are the test suite's business (it builds with -Werror); GCC's
# -O3 flow analysis sees more of them, and a benchmark should measure the
# code rather than stop on one.
build_exporter()
{
	cmake -S "$source_dir" -B "$build_dir" -DNSE_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 &&
		cmake --build "$build_dir" -j"$(nproc)" >>"$work/cmake.log" 2>&1
}

# setup_bench_namespaces N: nsetest-bench-1..N, each with lo up, veth pairs
# va0/vb0 and va1/vb1 (both ends inside), on each veth one address from
# 198.18.0.0/15 and one from 2001:db8::/32, and a holder process.
setup_bench_namespaces()
{
	local n=$1 i j k ns batch=$work/batch
	local devs=(va0 vb0 va1 vb1)
	for i in $(seq 1 "$n"); do
		ns=$prefix$i
		ip netns add "$ns" || return 1
		made_ns+=("$ns")
		{
			echo "link set lo up"
			echo "link add va0 type veth peer name vb0"
			echo "link add va1 type veth peer name vb1"
			for j in 0 1 2 3; do
				# no link-local address: no RS/MLD traffic moves
				# the counters, and exactly two addresses a veth
				echo "link set ${devs[j]} addrgenmode none"
				k=$((i * 4 + j))
				printf 'addr add 198.%d.%d.%d/15 dev %s\n' \
					$((18 + k / 65536)) $((k / 256 % 256)) \
					$((k % 256)) "${devs[j]}"
				printf 'addr add 2001:db8:%x::%x/64 dev %s nodad\n' \
					"$i" $((j + 1)) "${devs[j]}"
			done
			for j in 0 1 2 3; do
				echo "link set ${devs[j]} up"
			done
		} >"$batch"
		ip -n "$ns" -batch "$batch" || return 1
		ip netns exec "$ns" sleep infinity </dev/null >/dev/null 2>&1 &
		holder_pids+=($!)
		record_pid $!
	done
}

# setup_node_namespace DEVICES: one namespace holding DEVICES veth ends
# (rounded up to pairs) plus lo, all up.
setup_node_namespace()
{
	local pairs=$((($1 + 1) / 2)) i batch=$work/node-batch
	ip netns add "$node_ns" || return 1
	made_ns+=("$node_ns")
	{
		echo "link set lo up"
		for i in $(seq 1 "$pairs"); do
			echo "link add na$i type veth peer name nb$i"
			echo "link set na$i addrgenmode none"
			echo "link set nb$i addrgenmode none"
			echo "link set na$i up"
			echo "link set nb$i up"
		done
	} >"$batch"
	ip -n "$node_ns" -batch "$batch"
}

start_exporter()
{
	local log_file=$work/exporter.log i
	: >"$log_file"
	# shellcheck disable=SC2086 # extra flags are meant to split
	"$exporter" --web.listen-address=127.0.0.1:0 $exporter_args \
		>>"$log_file" 2>&1 &
	exporter_pid=$!
	record_pid "$exporter_pid"
	port=
	for i in $(seq 1 200); do
		port=$(sed -n 's/.*msg=listening .*address=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
			"$log_file" | tail -n 1)
		[ -n "$port" ] && return 0
		kill -0 "$exporter_pid" 2>/dev/null || break
		sleep 0.05
	done
	log "exporter did not report its port; its log:"
	cat "$log_file" >&2
	return 1
}

# scrape_set URL K OUT_TIMES BODY [CURL ARGS]: K timed scrapes; each
# response's seconds go to OUT_TIMES as milliseconds.
scrape_set()
{
	local url=$1 k=$2 times=$3 body=$4 i t
	shift 4
	: >"$times"
	for i in $(seq 1 "$k"); do
		t=$(curl -sS --max-time 120 -o "$body" -w '%{time_total}' \
			"$@" "$url") || return 1
		awk -v t="$t" 'BEGIN { printf "%.3f\n", t * 1000 }' >>"$times"
	done
}

series_count()
{
	grep -cv -e '^#' -e '^[[:space:]]*$' "$1" || true
}

# The shell baseline: every named namespace, two ip calls each, one jq
# program turning them into Prometheus text grouped by family.
shell_jq=$(cat <<'JQ'
def esc: gsub("\\\\"; "\\\\") | gsub("\""; "\\\"") | gsub("\n"; "\\n");
def dev_labels: "netns=\"\(.netns | esc)\",netns_inode=\"\(.inode)\",device=\"\(.ifname | esc)\"";
[inputs] as $all
| [$all[] | . as $n | .links[] | . + {netns: $n.netns, inode: $n.inode}] as $devs
| [$all[] | . as $n | .addrs[] | .ifname as $dev | .addr_info[]
   | {netns: $n.netns, inode: $n.inode, ifname: $dev, family, local,
      prefixlen, scope}] as $addrs
| (
    (["rx", "receive"], ["tx", "transmit"]) as [$dir, $word]
    | ([$devs[] | .stats64[$dir] // {} | keys_unsorted[]] | unique[]) as $key
    | "namespace_network_\($word)_\($key)_total" as $name
    | "# HELP \($name) Counter \($key) (\($word)) of the device.",
      "# TYPE \($name) counter",
      ($devs[] | select(.stats64[$dir][$key] != null)
       | "\($name){\(dev_labels)} \(.stats64[$dir][$key])")
  ),
  "# HELP namespace_network_mtu_bytes MTU of the device.",
  "# TYPE namespace_network_mtu_bytes gauge",
  ($devs[] | "namespace_network_mtu_bytes{\(dev_labels)} \(.mtu)"),
  "# HELP namespace_network_up 1 when the device is operationally up.",
  "# TYPE namespace_network_up gauge",
  ($devs[] | "namespace_network_up{\(dev_labels)} \(if .operstate == "UP" then 1 else 0 end)"),
  "# HELP namespace_network_info Device facts as labels; value 1.",
  "# TYPE namespace_network_info gauge",
  ($devs[] | "namespace_network_info{\(dev_labels),address=\"\(.address // "" | esc)\",operstate=\"\(.operstate // "" | esc)\",link_type=\"\(.link_type // "" | esc)\"} 1"),
  "# HELP namespace_network_address_info One series per address; value 1.",
  "# TYPE namespace_network_address_info gauge",
  ($addrs[] | "namespace_network_address_info{\(dev_labels),family=\"\(.family)\",address=\"\(.local | esc)\",prefix_length=\"\(.prefixlen)\",scope=\"\(.scope)\"} 1")
JQ
)

shell_loop()
{
	local -A inode=()
	local name ino ns links addrs
	while read -r name ino; do
		inode[${name##*/}]=$ino
	done < <(stat -L -c '%n %i' /run/netns/* 2>/dev/null)
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		# a namespace deleted since the listing is skipped
		links=$(ip -n "$ns" -s -j link 2>/dev/null) || continue
		addrs=$(ip -n "$ns" -j addr 2>/dev/null) || continue
		ino=${inode[$ns]:-0}
		ns=${ns//\\/\\\\}
		printf '{"netns":"%s","inode":%s,"links":%s,"addrs":%s}\n' \
			"${ns//\"/\\\"}" "$ino" "$links" "$addrs"
	done | jq -rn "$shell_jq"
}

fmt_ms()
{
	awk -v v="$1" 'BEGIN {
		if (v == "" || v == "nan") { print "n/a"; exit }
		if (v >= 100) printf "%.0f ms\n", v
		else if (v >= 10) printf "%.1f ms\n", v
		else printf "%.2f ms\n", v }'
}

fmt_us()
{
	if [ -n "$1" ]; then echo "$1 µs"; else echo "n/a"; fi
}

fmt_kib()
{
	awk -v v="$1" 'BEGIN {
		if (v == "") { print "n/a"; exit }
		if (v >= 1048576) printf "%.1f MiB\n", v / 1048576
		else printf "%.1f KiB\n", v / 1024 }'
}

# per_series_us MS SERIES
per_series_us()
{
	awk -v t="$1" -v s="$2" 'BEGIN {
		if (t == "" || t == "nan" || s == "" || s == 0) { print ""; exit }
		printf "%.3f\n", t * 1000 / s }'
}

# ratio A B: A / B with one decimal, or n/a.
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "nan" || b == "nan" || b == 0) {
			print "n/a"; exit }
		r = a / b
		if (r >= 100) printf "%.0f×\n", r
		else printf "%.1f×\n", r }'
}

# Other test suites sweep nsetest-*: a run that lost namespaces on the
# way measured something else and must not report (bench_one returns 2
# and the N is tried again).
check_namespaces()
{
	local have
	have=$(ip netns list 2>/dev/null | awk '{ print $1 }' |
		grep -c "^${prefix}[0-9]" || true)
	[ "$have" = "$1" ] && return 0
	log "only $have of $1 benchmark namespaces are left: something" \
		"else removed nsetest-* during the run; discarding it"
	return 1
}

# Returns 2 when the node namespace's name is gone (swept by someone
# else), so that the failed scrape makes the N run again; 1 otherwise.
node_lost()
{
	[ -e "/run/netns/$node_ns" ] && return 1
	log "$node_ns was removed during the run; discarding it"
	return 2
}

choose_k()
{
	# $1: one warm scrape in ms
	awk -v t="$1" -v k="$k_default" -v b="$set_budget_ms" 'BEGIN {
		if (t > 0 && t * k > b) k = int(b / t)
		if (k < 11) k = 11
		if (k % 2 == 0) k++
		print k }'
}

table_rows=()
cpu_rows=()
detail_rows=()
scaling=()

bench_one()
{
	local n=$1 t0 setup_ms k foreign
	local our_plain='' our_gzip='' size_plain='' size_gzip='' series=''
	local hwm_kb=''
	local shell_med shell_series node_med node_series node_devices node_k
	local node_hwm_kb ours_ps node_ps reps gz_enc=no warm
	local cpu0 our_cpu='' shell_cpu node_cpu our_cpu_ps node_cpu_ps

	log "N=$n: sweeping, then creating $n namespaces"
	teardown
	t0=$(now_ns)
	setup_bench_namespaces "$n" || { log "setup failed"; return 1; }
	setup_ms=$(ms_since "$t0")
	log "N=$n: setup took $(fmt_ms "$setup_ms")"
	# namespaces of other runs (other test suites) are scraped too
	foreign=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -vc "^$prefix" ||
		true)

	k=$k_default
	if [ -z "$baselines_only" ]; then
		start_exporter || return 1
		local url=http://127.0.0.1:$port/metrics
		t0=$(now_ns)
		scrape_set "$url" 2 "$work/warm" "$work/body.prom" ||
			{ log "warm-up scrape failed"; return 1; }
		warm=$(tail -n 1 "$work/warm")
		k=$(choose_k "$warm")
		log "N=$n: exporter up on port $port, $k scrapes per set"
		cpu0=$(cpu_ms "$exporter_pid")
		scrape_set "$url" "$k" "$work/t-plain" "$work/body.prom" ||
			return 1
		our_cpu=$(per_run_ms "$cpu0" "$(cpu_ms "$exporter_pid")" "$k")
		scrape_set "$url" "$k" "$work/t-gzip" "$work/body.gz" \
			-H 'Accept-Encoding: gzip' -D "$work/gz-headers" ||
			return 1
		grep -qi '^content-encoding: *gzip' "$work/gz-headers" &&
			gz_enc=yes
		our_plain=$(median "$work/t-plain")
		our_gzip=$(median "$work/t-gzip")
		size_plain=$(stat -c %s "$work/body.prom")
		size_gzip=$(stat -c %s "$work/body.gz")
		series=$(series_count "$work/body.prom")
		hwm_kb=$(awk '/^VmHWM:/ { print $2 }' \
			"/proc/$exporter_pid/status")
		if [ "$gz_enc" = yes ]; then
			local gz_series
			gz_series=$(gzip -dc "$work/body.gz" >"$work/body.gunz" &&
				series_count "$work/body.gunz")
			[ "$gz_series" = "$series" ] ||
				log "N=$n: gzip page has $gz_series series," \
					"plain $series"
		else
			log "N=$n: WARNING: no Content-Encoding: gzip in reply"
		fi
		stop_exporter
		check_namespaces "$n" || return 2
	fi

	reps=5
	[ "$n" -ge 1000 ] && reps=3
	log "N=$n: shell loop, $reps runs"
	: >"$work/t-shell"
	local r
	cpu0=$(cpu_ms $$ children)
	for ((r = 0; r < reps; r++)); do
		t0=$(now_ns)
		shell_loop >"$work/shell.prom" || { log "shell loop failed"; return 1; }
		printf '%s\n' "$(ms_since "$t0")" >>"$work/t-shell"
	done
	check_namespaces "$n" || return 2
	shell_cpu=$(per_run_ms "$cpu0" "$(cpu_ms $$ children)" "$reps")
	shell_med=$(median "$work/t-shell")
	shell_series=$(series_count "$work/shell.prom")

	# the node namespace holds as many devices as ours together (lo
	# excepted there: it has its own)
	node_devices=$((n * 5 - 1))
	log "N=$n: node_exporter namespace with lo and $node_devices veth ends"
	t0=$(now_ns)
	setup_node_namespace "$node_devices" || { log "node setup failed"; return 1; }
	node_devices=$(ip -n "$node_ns" -o link | wc -l)
	log "N=$n: node namespace setup took $(fmt_ms "$(ms_since "$t0")")"
	ip netns exec "$node_ns" prometheus-node-exporter \
		--collector.disable-defaults --collector.netdev \
		--web.listen-address=127.0.0.1:$node_port \
		>"$work/node.log" 2>&1 &
	node_pid=$!
	record_pid "$node_pid"
	local node_url=http://127.0.0.1:$node_port/metrics i up=
	for i in $(seq 1 100); do
		if ip netns exec "$node_ns" curl -s -o /dev/null \
			"$node_url" 2>/dev/null; then
			up=1
			break
		fi
		kill -0 "$node_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$up" ]; then
		log "node_exporter did not answer; its log:"
		cat "$work/node.log" >&2
		return 1
	fi
	check_foreign_node_exporter
	ip netns exec "$node_ns" bash -c "$(declare -f scrape_set); \
		scrape_set '$node_url' 2 '$work/node-warm' '$work/node.prom'" ||
		{ node_lost; return; }
	node_k=$(choose_k "$(tail -n 1 "$work/node-warm")")
	cpu0=$(cpu_ms "$node_pid")
	ip netns exec "$node_ns" bash -c "$(declare -f scrape_set); \
		scrape_set '$node_url' $node_k '$work/t-node' '$work/node.prom'" ||
		{ node_lost; return; }
	node_cpu=$(per_run_ms "$cpu0" "$(cpu_ms "$node_pid")" "$node_k")
	node_med=$(median "$work/t-node")
	node_series=$(series_count "$work/node.prom")
	node_hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$node_pid/status")
	stop_node

	ours_ps=$(per_series_us "$our_plain" "$series")
	node_ps=$(per_series_us "$node_med" "$node_series")
	our_cpu_ps=$(per_series_us "$our_cpu" "$series")
	node_cpu_ps=$(per_series_us "$node_cpu" "$node_series")

	table_rows+=("| $n | $(fmt_ms "$our_plain") | $(fmt_ms "$our_gzip") | $(fmt_kib "$size_plain") / $(fmt_kib "$size_gzip") | ${series:-n/a} | $(fmt_kib "${hwm_kb:+$((hwm_kb * 1024))}") | $(fmt_ms "$shell_med") | $(ratio "$shell_med" "$our_plain") | $(fmt_us "$node_ps") | $(fmt_us "$ours_ps") | $(ratio "$node_ps" "$ours_ps") |")
	detail_rows+=("| $n | $(fmt_ms "$setup_ms") | $k | ${gz_enc} | $foreign | $shell_series | $reps | $node_devices | $node_series | $node_k | $(fmt_ms "$node_med") | $(fmt_kib "${node_hwm_kb:+$((node_hwm_kb * 1024))}") |")
	cpu_rows+=("| $n | $(fmt_ms "$our_cpu") | $(fmt_ms "$shell_cpu") | $(ratio "$shell_cpu" "$our_cpu") | $(fmt_ms "$node_cpu") | $(fmt_us "$node_cpu_ps") | $(fmt_us "$our_cpu_ps") | $(ratio "$node_cpu_ps" "$our_cpu_ps") |")
	scaling+=("$n ${our_plain:-nan} ${series:-0} ${our_cpu:-nan}")

	log "N=$n: tearing down"
	teardown
}

print_report()
{
	local first last
	echo "## namespace_exporter scrape benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	local head dirty=''
	head=$(git -C "$source_dir" rev-parse --short=12 HEAD 2>/dev/null ||
		echo unknown)
	[ -n "$(git -C "$source_dir" status --porcelain 2>/dev/null)" ] &&
		dirty=" with uncommitted changes"
	[ -z "$baselines_only" ] &&
		echo "Exporter: $("$exporter" --version 2>&1 | head -n 1)," \
			"$exporter; source tree at $head$dirty." && echo
	echo "Kernel $(uname -r), $(nproc) CPUs," \
		"$(prometheus-node-exporter --version 2>&1 |
			awk 'NR == 1 { print "node_exporter " $3 }' | tr -d ,)."
	[ -n "$baselines_only" ] && echo && echo "Baselines only: our exporter was not run."
	[ -n "${foreign_node:-}" ] && echo && echo "A node_exporter not started by this run was running ($foreign_node)."
	echo
	echo "| N | ours plain | ours gzip | size plain / gzip | series | VmHWM | shell loop | shell ÷ ours | node_exporter per series | ours per series | node ÷ ours |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${table_rows[@]}"
	echo
	echo "| N | setup | K (ours) | gzip sent | other netns | shell series | shell runs | node devices | node series | K (node) | node median | node VmHWM |"
	echo "|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${detail_rows[@]}"
	echo
	echo "CPU time (user + system) per scrape or run, mean over the same sets:"
	echo
	echo "| N | ours CPU | shell loop CPU | shell ÷ ours | node_exporter CPU | node_exporter per series | ours per series | node ÷ ours |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${cpu_rows[@]}"
	if [ -z "$baselines_only" ] && [ ${#scaling[@]} -ge 2 ]; then
		first=${scaling[0]}
		last=${scaling[${#scaling[@]}-1]}
		echo
		awk -v a="$first" -v b="$last" 'BEGIN {
			split(a, x, " "); split(b, y, " ")
			printf "Linearity: from N=%d to N=%d (%.0f× the namespaces) ", x[1], y[1], y[1] / x[1]
			printf "the series grew %.1f× and the median scrape %.1f×; ", y[3] / x[3], y[2] / x[2]
			printf "per series, the median went from %.3f to %.3f µs ", x[2] * 1000 / x[3], y[2] * 1000 / y[3]
			printf "and CPU time from %.3f to %.3f µs.\n", x[4] * 1000 / x[3], y[4] * 1000 / y[3] }'
	fi
}

main()
{
	local n report attempt rc
	install_deps || { log "apt-get failed"; exit 1; }
	sweep || exit 1
	: >"$pid_file"
	if [ -n "${NSEBENCH_EXPORTER:-}" ]; then
		[ -x "$exporter" ] || { log "$exporter is not executable"; exit 1; }
	elif [ -z "$baselines_only" ]; then
		log "building $build_dir (Release)"
		if ! build_exporter || [ ! -x "$exporter" ]; then
			log "exporter build failed (tail of the log below);" \
				"NSEBENCH_BASELINES_ONLY=1 runs the baselines alone"
			tail -n 30 "$work/cmake.log" >&2
			exit 1
		fi
	fi
	for n in "${sizes[@]}"; do
		for attempt in 1 2 3; do
			bench_one "$n"
			rc=$?
			[ $rc = 0 ] && break
			if [ $rc = 2 ] && [ $attempt -lt 3 ]; then
				log "N=$n: again, attempt $((attempt + 1)) of 3"
				continue
			fi
			log "N=$n failed"
			exit 1
		done
	done
	report=$bench_dir/results-$(date +%Y%m%d-%H%M%S).md
	print_report | tee "$report"
	log "written to $report"
}

main
