#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The exporter as a real Prometheus server sees it. Starts Prometheus on a
# free loopback port with deploy/prometheus.yml (scrape interval 1s, target
# and rule path rewritten) scraping a real exporter, while ping pushes
# traffic across a veth between two test namespaces; then, through
# Prometheus's HTTP API: the target is up and every scrape succeeded with
# no sample dropped or refused; every PromQL expression of the dashboards
# (variables substituted) and of the alert rules (final comparison removed)
# parses and returns series; the rules evaluate without error; a counter in
# Prometheus equals the kernel's. Prometheus 2.42 asks for OpenMetrics
# first, so that is the format it parses here; the classic text format of
# the same exporter goes through `promtool check metrics`.
. "$(dirname "$0")/lib.sh"
require_root
for tool in prometheus promtool curl jq yq ip ping ss; do
	require_tool "$tool"
done

rules=$SOURCE_DIR/deploy/rules/namespace_exporter.rules.yml

# --- Test namespaces with traffic ---------------------------------------
a=$(ns_add prom-a) || exit 1
b=$(ns_add prom-b) || exit 1
# ns_add ran in a subshell: register the names for removal here
ns_track "$a"
ns_track "$b"
for ns in "$a" "$b"; do
	# no IPv6: router solicitations and MLD reports would move the
	# counters compared below at any moment
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || exit 1
	ip -n "$ns" link set lo up || exit 1
done
ip -n "$a" link add pa0 type veth peer name pb0 netns "$b" || exit 1
ip -n "$a" addr add 192.0.2.1/24 dev pa0 || exit 1
ip -n "$b" addr add 192.0.2.2/24 dev pb0 || exit 1
ip -n "$a" link set pa0 up || exit 1
ip -n "$b" link set pb0 up || exit 1
# An orphan for NamespaceOrphaned to see: a namespace whose name is gone,
# kept alive only by a descriptor of a sleep outside it (killed at exit).
orphan=$(ns_add prom-orphan) || exit 1
ns_track "$orphan"
orphan_inode=$(ns_inode "$orphan")
sleep 600 3<"/run/netns/$orphan" &
started_pids+=("$!")
wait_until pid_holds_fd "$!" 3 "$orphan_inode" || exit 1
ip netns delete "$orphan" || exit 1

start_exporter || exit 1

# --- Prometheus ---------------------------------------------------------
# deploy/prometheus.yml as shipped, but scraping the test exporter every
# second and loading the rules by absolute path.
yq -y --arg target "127.0.0.1:$PORT" --arg rules "$rules" '
	.global.scrape_interval = "1s" | .global.evaluation_interval = "1s"
	| .rule_files = [$rules]
	| .scrape_configs[0].scrape_timeout = "1s"
	| .scrape_configs[0].static_configs = [{targets: [$target]}]' \
	"$SOURCE_DIR/deploy/prometheus.yml" >"$work_dir/prometheus.yml" || exit 1
check_cmd "test configuration derived from deploy/prometheus.yml is valid" \
	promtool check config "$work_dir/prometheus.yml" >/dev/null
job=$(yq -r '.scrape_configs[0].job_name' "$work_dir/prometheus.yml")

# A port nothing listens on; Prometheus needs a fixed one, so a port taken
# between the look and the bind is retried with another.
free_port()
{
	local port
	for _ in $(seq 1 100); do
		port=$((20000 + RANDOM % 40000))
		if [ -z "$(ss -Hltn "sport = :$port")" ]; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

prom_pid=
for _ in 1 2 3 4 5; do
	prom_port=$(free_port) || break
	rm -rf "$work_dir/tsdb"
	prometheus --config.file="$work_dir/prometheus.yml" \
		--storage.tsdb.path="$work_dir/tsdb" \
		--storage.tsdb.retention.time=1h \
		--web.listen-address="127.0.0.1:$prom_port" \
		>"$work_dir/prometheus.log" 2>&1 &
	prom_pid=$!
	started_pids+=("$prom_pid")
	PROM=http://127.0.0.1:$prom_port
	for _ in $(seq 1 150); do
		curl -sf -o /dev/null "$PROM/-/ready" && break 2
		kill -0 "$prom_pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$prom_pid" 2>/dev/null
	wait "$prom_pid" 2>/dev/null
	grep -q 'address already in use' "$work_dir/prometheus.log" || break
	prom_pid=
done
if [ -z "$prom_pid" ] || ! curl -sf -o /dev/null "$PROM/-/ready"; then
	fail "Prometheus did not start; its log:"
	cat "$work_dir/prometheus.log" >&2
	finish
	exit 1
fi
pass "Prometheus ready on 127.0.0.1:$prom_port"

# Traffic while Prometheus scrapes: 500 pings of 1000 bytes, 20 ms apart,
# about 10 s in all.
ip netns exec "$a" ping -q -c 500 -i 0.02 -s 1000 192.0.2.2 \
	>"$work_dir/ping.log" 2>&1 &
ping_pid=$!
started_pids+=("$ping_pid")

# promql EXPR: the API's JSON answer for an instant query now.
promql()
{
	curl -sS --max-time 10 -G --data-urlencode "query=$1" "$PROM/api/v1/query"
}

# Wait for ten scrapes, while the pings run.
for _ in $(seq 1 100); do
	n=$(promql "count_over_time(up{job=\"$job\"}[1m])" |
		jq -r '.data.result[0].value[1] // 0')
	[ "${n:-0}" -ge 10 ] && break
	sleep 0.5
done
check_cmd "Prometheus scraped the exporter at least 10 times" test "${n:-0}" -ge 10

# --- Scrape health ------------------------------------------------------
promql "up{job=\"$job\"}" >"$work_dir/up.json"
check_eq "up is 1 for the target" '["127.0.0.1:'"$PORT"'","1"]' \
	"$(jq -c '[.data.result[] | .metric.instance, .value[1]]' "$work_dir/up.json")"
min_up=$(promql "min_over_time(up{job=\"$job\"}[1m])" | jq -r '.data.result[0].value[1]')
check_eq "every scrape so far succeeded" 1 "$min_up"
if [ "$min_up" != 1 ]; then
	echo "up and scrape_duration_seconds over the last minute:" >&2
	promql "up{job=\"$job\"}[1m]" | jq -c '[.data.result[0].values[][1]]' >&2
	promql "scrape_duration_seconds{job=\"$job\"}[1m]" |
		jq -c '[.data.result[0].values[][1]]' >&2
	grep -v 'level=info' "$work_dir/exporter.log" | head -n 20 >&2
fi
curl -sS "$PROM/api/v1/targets?state=active" >"$work_dir/targets.json"
check_eq "target health up, no last error" '[{"health":"up","lastError":""}]' \
	"$(jq -c --arg j "$job" '[.data.activeTargets[] | select(.labels.job == $j) | {health, lastError}]' "$work_dir/targets.json")"
check_eq "no sample dropped by relabelling or limits" 0 \
	"$(promql "scrape_samples_scraped{job=\"$job\"} - scrape_samples_post_metric_relabeling{job=\"$job\"}" |
		jq -r '.data.result[0].value[1]')"
check_cmd "the scrape carries series" test \
	"$(promql "scrape_samples_scraped{job=\"$job\"}" | jq -r '.data.result[0].value[1] // 0')" -gt 50

# Prometheus's own counters of samples it refused.
curl -sS "$PROM/metrics" >"$work_dir/prometheus.prom"
for family in prometheus_target_scrapes_sample_duplicate_timestamp_total \
	prometheus_target_scrapes_sample_out_of_order_total \
	prometheus_target_scrapes_sample_out_of_bounds_total \
	prometheus_target_scrapes_exceeded_sample_limit_total \
	prometheus_target_scrapes_exceeded_body_size_limit_total \
	prometheus_target_scrape_pool_exceeded_label_limits_total \
	prometheus_target_scrapes_cache_flush_forced_total; do
	value=$(awk -v f="$family" '$1 == f { print $2 }' "$work_dir/prometheus.prom")
	check_eq "$family" 0 "${value:-missing}"
done

# The format Prometheus negotiates with the Accept header 2.42 sends.
accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
check_cmd "Prometheus's Accept header gets OpenMetrics" \
	grep -qi '^content-type: application/openmetrics-text; *version=1.0.0' \
	<(curl -sS -D - -o /dev/null -H "Accept: $accept" "$URL/metrics")

# --- Rules --------------------------------------------------------------
# Let a few evaluation rounds pass, then every rule must be healthy.
sleep 3
curl -sS "$PROM/api/v1/rules" >"$work_dir/rules.json"
check_eq "all rules loaded" \
	"$(yq '[.groups[].rules[]] | length' "$rules")" \
	"$(jq '[.data.groups[].rules[]] | length' "$work_dir/rules.json")"
check_eq "every rule evaluates without error" "" \
	"$(jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.lastError)"' "$work_dir/rules.json")"

# query_returns WHAT EXPR: the expression parses and returns >= 1 series.
query_returns()
{
	local answer
	answer=$(promql "$2")
	if jq -e '.status == "success" and (.data.result | length) > 0' \
		<<<"$answer" >/dev/null 2>&1; then
		pass "$1 returns series"
	else
		fail "$1 returns nothing: $2 -> $(head -c 300 <<<"$answer")"
	fi
}

# Each alert without its final comparison: what it compares must exist.
while IFS=$'\t' read -r name expr64; do
	expr=$(base64 -d <<<"$expr64" | tr '\n' ' ')
	bare=$(sed -E 's/[[:space:]]*(==|!=|>=|<=|>|<)[[:space:]]*-?[0-9.]+[[:space:]]*$//' <<<"$expr")
	if [ "$bare" = "$expr" ]; then
		fail "alert $name has no final comparison to remove: $expr"
		continue
	fi
	query_returns "alert $name" "$bare"
done < <(yq -r '.groups[].rules[] | select(.alert) | [.alert, (.expr | @base64)] | @tsv' "$rules")

# --- Dashboards ---------------------------------------------------------
# Grafana's variables, as a person would pick them: this exporter and the
# test namespace; intervals fit a 1 s scrape.
substitute()
{
	sed -E -e 's/\$\{?__rate_interval\}?/5s/g' -e 's/\$\{?__interval\}?/2s/g' \
		-e 's/\$\{?__range\}?/1m/g' \
		-e "s/\\\$\\{?instance\\}?/127.0.0.1:$PORT/g" \
		-e "s/\\\$\\{?netns\\}?/$a/g"
}
dashboards=("$SOURCE_DIR"/dashboards/*.json)
check_cmd "there are dashboards" test -f "${dashboards[0]}"
for dashboard in "${dashboards[@]}"; do
	d=$(basename "$dashboard" .json)
	n=0
	while IFS=$'\t' read -r where expr64; do
		expr=$(base64 -d <<<"$expr64" | substitute)
		if grep -q '\$' <<<"$expr"; then
			fail "$d: $where keeps an unknown variable: $expr"
			continue
		fi
		query_returns "$d: $where" "$expr"
		n=$((n + 1))
	done < <(jq -r '.. | objects | select(has("targets")) | .title as $t
		| .targets[] | select(.expr) | ["\($t) \(.refId)", (.expr | @base64)] | @tsv' "$dashboard")
	check_cmd "$d: has panel queries" test "$n" -gt 10
	# Variable queries: label_values(SELECTOR, LABEL) lists LABEL's values
	# among SELECTOR's series, so there must be series that carry it.
	while IFS=$'\t' read -r var query64; do
		query=$(base64 -d <<<"$query64" | substitute)
		selector=$(sed -nE 's/^label_values\((.*), *([a-zA-Z_]+)\)$/\1/p' <<<"$query")
		label=$(sed -nE 's/^label_values\((.*), *([a-zA-Z_]+)\)$/\2/p' <<<"$query")
		if [ -z "$selector" ]; then
			fail "$d: variable $var: not a label_values() query: $query"
			continue
		fi
		values=$(promql "$selector" | jq -r --arg l "$label" \
			'[.data.result[].metric[$l] // empty] | unique | .[]')
		check_cmd "$d: variable $var has values" test -n "$values"
		case $var in
		instance) check_cmd "$d: \$instance offers the test exporter" \
			grep -qx "127.0.0.1:$PORT" <<<"$values" ;;
		netns) check_cmd "$d: \$netns offers the test namespace" \
			grep -qx "$a" <<<"$values" ;;
		esac
	done < <(jq -r '.templating.list[] | select(.type == "query")
		| [.name, ((.query | if type == "object" then .query else . end) | @base64)] | @tsv' "$dashboard")
done

# --- A counter in Prometheus equals the kernel's ------------------------
wait "$ping_pid"
check_cmd "ping got its answers" grep -q ' 0% packet loss' "$work_dir/ping.log"

# kernel_counter DIRECTION FIELD: pa0's counter from `ip -s -j link`.
kernel_counter()
{
	ip -n "$a" -s -j link show dev pa0 | jq -r ".[0].stats64.$1.$2"
}

# compare METRIC DIRECTION FIELD: with the device idle, every sample
# Prometheus took between two equal kernel reads must equal them.
compare()
{
	local metric=$1 t1 t2 k1 k2 samples
	for _ in 1 2 3 4 5; do
		t1=$(date +%s.%N)
		k1=$(kernel_counter "$2" "$3")
		sleep 3
		k2=$(kernel_counter "$2" "$3")
		t2=$(date +%s.%N)
		# something moved the counter: read again
		[ "$k1" = "$k2" ] || continue
		# samples scraped after t1 and finished (1 s timeout) before t2
		samples=$(curl -sS -G --data-urlencode \
			"query=$metric{job=\"$job\",netns=\"$a\",device=\"pa0\"}[30s]" \
			--data-urlencode "time=$t2" "$PROM/api/v1/query" |
			jq -r --argjson t1 "$t1" --argjson t2 "$t2" \
			'.data.result[0].values[] | select(.[0] > $t1 and .[0] < $t2 - 1) | .[1]' |
			sort -u)
		if [ -z "$samples" ]; then
			continue
		fi
		check_eq "$metric in Prometheus equals the kernel's $2.$3" "$k1" "$samples"
		return
	done
	fail "$metric: no quiet moment with a scrape in it after 5 tries"
}
# the replies that came back (a loaded machine may lose some of the 500)
if ! check_cmd "traffic went through pa0" test "$(kernel_counter rx bytes)" -gt 100000; then
	cat "$work_dir/ping.log" >&2
fi
compare namespace_network_receive_bytes_total rx bytes
compare namespace_network_transmit_packets_total tx packets

# --- The classic text format of the same exporter -----------------------
scrape "$work_dir/direct.prom"
check_cmd "classic text scrape passes promtool check metrics" \
	promtool_check "$work_dir/direct.prom"
check_cmd "classic text scrape lists the test namespace" \
	grep -q "netns=\"$a\"" "$work_dir/direct.prom"

# --- Stop Prometheus by its PID ------------------------------------------
kill -TERM "$prom_pid"
rc=0
wait "$prom_pid" || rc=$?
check_eq "Prometheus stopped cleanly" 0 "$rc"

finish
