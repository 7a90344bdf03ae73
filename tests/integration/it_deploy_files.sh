#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the files under deploy/ and dashboards/ without running them (no
# Docker engine, no cluster, no Grafana here): the Prometheus configuration
# and rules pass promtool and their unit tests; the Kubernetes manifests are
# valid YAML with the security context and mounts the README promises; the
# dashboard is valid JSON whose panels all use the datasource variable; the
# systemd unit passes systemd-analyze; the Dockerfile installs what the
# build and the binary need; and every metric the dashboard and the rules
# use is one the exporter documents. Needs no root.
. "$(dirname "$0")/lib.sh"
for tool in promtool yq yamllint jq systemd-analyze perl dpkg pkg-config \
	objdump; do
	require_tool "$tool"
done

# quiet COMMAND...: runs it with its output set aside, shown on failure.
quiet()
{
	"$@" >"$work_dir/quiet.out" 2>&1 && return 0
	cat "$work_dir/quiet.out" >&2
	return 1
}

deploy=$SOURCE_DIR/deploy
kube=$deploy/kubernetes
rules=$deploy/rules/namespace_exporter.rules.yml
dashboard=$SOURCE_DIR/dashboards/namespace_exporter.json
unit=$deploy/namespace_exporter.service
dockerfile=$deploy/Dockerfile

# The metric families the exporter documents (README, "Metrics"), plus the
# series Prometheus itself adds to every target.
documented="
namespace_in_use namespace_max namespace_processes namespace_info
namespace_scan_processes namespace_scan_processes_skipped
namespace_holders namespace_mount_info namespace_holder_info
namespace_orphaned namespace_user_in_use namespace_user_charged
namespace_user_max namespace_scan_fd_tables_skipped
namespace_scan_holders_unresolved
namespace_network_receive_bytes_total namespace_network_receive_packets_total
namespace_network_receive_errs_total namespace_network_receive_drop_total
namespace_network_receive_fifo_total namespace_network_receive_compressed_total
namespace_network_receive_frame_total namespace_network_receive_multicast_total
namespace_network_receive_nohandler_total
namespace_network_transmit_bytes_total namespace_network_transmit_packets_total
namespace_network_transmit_errs_total namespace_network_transmit_drop_total
namespace_network_transmit_fifo_total namespace_network_transmit_compressed_total
namespace_network_transmit_colls_total namespace_network_transmit_carrier_total
namespace_network_up namespace_network_mtu_bytes namespace_network_iface_id
namespace_network_iface_link namespace_network_info
namespace_network_address_info namespace_netns_collect_success
namespace_network_peer_info
namespace_scrape_collector_success namespace_scrape_collector_duration_seconds
namespace_exporter_build_info
process_cpu_seconds_total process_resident_memory_bytes
process_virtual_memory_bytes process_open_fds process_max_fds
process_start_time_seconds
up scrape_duration_seconds scrape_samples_scraped
scrape_samples_post_metric_relabeling scrape_series_added
"

# --- Prometheus configuration and rules ---------------------------------
check_cmd "promtool check config deploy/prometheus.yml" \
	quiet promtool check config "$deploy/prometheus.yml"
check_cmd "promtool check rules" quiet promtool check rules "$rules"
check_cmd "promtool test rules (each alert fires and stays quiet)" \
	quiet promtool test rules "$deploy/rules/namespace_exporter.rules.test.yml"

# Every alert has a test case, so no rule is left unproven.
yq -r '.groups[].rules[] | select(.alert) | .alert' "$rules" | sort -u \
	>"$work_dir/alerts"
yq -r '.tests[].alert_rule_test[] | select(.exp_alerts | length > 0) | .alertname' \
	"$deploy/rules/namespace_exporter.rules.test.yml" | sort -u \
	>"$work_dir/tested"
check_cmd "every alert fires in some unit test" \
	cmp "$work_dir/alerts" "$work_dir/tested"
check_eq "alert count" 10 "$(wc -l <"$work_dir/alerts")"

# it_prometheus.sh removes each alert's final comparison against a number
# and runs the rest; an expression of another shape would slip through.
bad=$(yq -r '.groups[].rules[] | select(.alert) | .expr | gsub("\n"; " ")' "$rules" |
	grep -cvE '(==|!=|>=|<=|>|<)[[:space:]]*-?[0-9.]+[[:space:]]*$' || true)
check_eq "every alert ends in a comparison with a number" 0 "$bad"

# --- YAML ---------------------------------------------------------------
for f in "$kube"/*.yaml "$deploy"/prometheus.yml "$deploy"/rules/*.yml; do
	check_cmd "$(basename "$f") parses as YAML" quiet yq -e . "$f"
	# PyYAML (behind yq) keeps the last of two equal keys; the API
	# server refuses them: a duplicate key is a silent bug
	check_cmd "$(basename "$f") has no duplicate keys" \
		yamllint -f parsable -d '{rules: {key-duplicates: enable}}' "$f"
done
check_eq "four Kubernetes manifests" 4 "$(ls "$kube"/*.yaml | wc -l)"

# kq FILE JQ-EXPR: the JSON value of the expression over a manifest.
kq()
{
	yq -c "$2" "$1"
}
ro=$kube/daemonset.yaml
admin=$kube/daemonset-admin.yaml
ctr='.spec.template.spec.containers[0]'
check_eq "read-only: kind" '"DaemonSet"' "$(kq "$ro" .kind)"
check_eq "read-only: hostPID" true "$(kq "$ro" .spec.template.spec.hostPID)"
check_eq "read-only: hostNetwork" true "$(kq "$ro" .spec.template.spec.hostNetwork)"
check_eq "read-only: not privileged" false "$(kq "$ro" "$ctr.securityContext.privileged")"
check_eq "read-only: drops every capability" '["ALL"]' \
	"$(kq "$ro" "$ctr.securityContext.capabilities.drop")"
check_eq "read-only: adds exactly the three it needs" \
	'["DAC_READ_SEARCH","SYS_ADMIN","SYS_PTRACE"]' \
	"$(kq "$ro" "$ctr.securityContext.capabilities.add | sort")"
check_eq "read-only: /run/netns with HostToContainer" '"HostToContainer"' \
	"$(kq "$ro" "$ctr.volumeMounts[] | select(.mountPath == \"/run/netns\") | .mountPropagation")"
check_eq "read-only: no Bidirectional mount" 0 \
	"$(kq "$ro" "[$ctr.volumeMounts[] | select(.mountPropagation == \"Bidirectional\")] | length")"
check_eq "read-only: host /proc mounted" '"/host/proc"' \
	"$(kq "$ro" "(.spec.template.spec.volumes[] | select(.hostPath.path == \"/proc\") | .name) as \$v | $ctr.volumeMounts[] | select(.name == \$v) | .mountPath")"
check_cmd "read-only: exporter reads the mounted /proc" \
	grep -q -- '--path.procfs=/host/proc' "$ro"

check_eq "admin: kind" '"DaemonSet"' "$(kq "$admin" .kind)"
check_cmd "admin: marked as the privileged admin variant in its first line" \
	grep -q 'ADMIN VARIANT: PRIVILEGED' <(head -n 2 "$admin")
check_eq "admin: its own name" '"namespace-exporter-admin"' "$(kq "$admin" .metadata.name)"
check_eq "admin: privileged (Bidirectional requires it)" true \
	"$(kq "$admin" "$ctr.securityContext.privileged")"
check_eq "admin: /run/netns with Bidirectional" '"Bidirectional"' \
	"$(kq "$admin" "$ctr.volumeMounts[] | select(.mountPath == \"/run/netns\") | .mountPropagation")"
check_eq "admin: hostPID and hostNetwork" '[true,true]' \
	"$(kq "$admin" '[.spec.template.spec.hostPID, .spec.template.spec.hostNetwork]')"
check_cmd "admin: TLS and auth configured" \
	grep -q -- '--web.config.file=' "$admin"
check_cmd "admin: admin users configured" \
	grep -q -- '--admin.config.file=' "$admin"

svc=$kube/service.yaml
sm=$kube/servicemonitor.yaml
for ds in "$ro" "$admin"; do
	# the Service selects the pods of both variants
	check_eq "service selects the pods of $(basename "$ds")" true \
		"$(yq --argjson sel "$(kq "$svc" .spec.selector)" \
			'.spec.template.metadata.labels | contains($sel)' "$ds")"
	check_eq "$(basename "$ds"): selector matches its pod labels" true \
		"$(yq '.spec.selector.matchLabels as $s | .spec.template.metadata.labels | contains($s)' "$ds")"
	check_eq "$(basename "$ds"): container port is the listen port" \
		"$(kq "$ds" "$ctr.ports[0].containerPort")" \
		"$(yq -r "$ctr.args[] | select(startswith(\"--web.listen-address=\")) | split(\":\") | last" "$ds")"
done
check_eq "service targets the container port by name" \
	"$(kq "$ro" "$ctr.ports[0].name")" "$(kq "$svc" '.spec.ports[0].targetPort')"
check_eq "ServiceMonitor kind" '"ServiceMonitor"' "$(kq "$sm" .kind)"
check_eq "ServiceMonitor scrapes the service's port" \
	"$(kq "$svc" '.spec.ports[0].name')" "$(kq "$sm" '.spec.endpoints[0].port')"
check_eq "ServiceMonitor selects the service" true \
	"$(yq --argjson sel "$(kq "$sm" .spec.selector.matchLabels)" \
		'.metadata.labels | contains($sel)' "$svc")"
check_eq "ServiceMonitor sets the job the rules match on" '"namespace_exporter"' \
	"$(kq "$sm" '.spec.endpoints[0].relabelings[] | select(.targetLabel == "job") | .replacement')"

# --- Dashboard ----------------------------------------------------------
check_cmd "dashboard is valid JSON" jq -e . "$dashboard" >/dev/null
check_cmd "dashboard schemaVersion is current (>= 39)" \
	jq -e '.schemaVersion >= 39' "$dashboard" >/dev/null
check_eq "datasource variable" '"datasource"' \
	"$(jq -c '.templating.list[] | select(.name == "datasource") | .type' "$dashboard")"
for v in instance netns; do
	check_eq "$v variable is a query on the datasource variable" \
		'["query","${datasource}"]' \
		"$(jq -c ".templating.list[] | select(.name == \"$v\") | [.type, .datasource.uid]" "$dashboard")"
done
check_eq "every panel and target uses the datasource variable" 0 \
	"$(jq '[.. | objects | select(has("targets")) | (., .targets[]) | .datasource.uid | select(. != "${datasource}")] | length' "$dashboard")"
check_eq "panel ids are unique" \
	"$(jq '[.. | objects | select(has("gridPos")) | .id] | length' "$dashboard")" \
	"$(jq '[.. | objects | select(has("gridPos")) | .id] | unique | length' "$dashboard")"
check_eq "refIds are unique within each panel" 0 \
	"$(jq '[.. | objects | select(has("targets")) | [.targets[].refId] | select(length != (unique | length))] | length' "$dashboard")"
# No two panels cover the same grid cell (Grafana would push one away).
overlaps=$(jq '[.. | objects | select(has("gridPos")) | .gridPos] as $g
	| [range(0; $g | length) as $i | range($i + 1; $g | length) as $j
	   | select($g[$i].x < $g[$j].x + $g[$j].w and $g[$j].x < $g[$i].x + $g[$i].w
	            and $g[$i].y < $g[$j].y + $g[$j].h and $g[$j].y < $g[$i].y + $g[$i].h)]
	| length' "$dashboard")
check_eq "panels do not overlap" 0 "$overlaps"
check_eq "panels stay within 24 columns" 0 \
	"$(jq '[.. | objects | select(has("gridPos")) | .gridPos | select(.x + .w > 24)] | length' "$dashboard")"
for want in 'namespace_in_use' 'namespace_max' 'namespace_processes' \
	'rate(namespace_network_receive_bytes_total' \
	'rate(namespace_network_transmit_packets_total' \
	'rate(namespace_network_receive_errs_total' \
	'rate(namespace_network_transmit_drop_total' 'namespace_network_up' \
	'namespace_network_address_info' 'namespace_network_peer_info' \
	'namespace_scrape_collector_duration_seconds' \
	'namespace_scrape_collector_success'; do
	check_cmd "a panel queries $want" \
		jq -e --arg w "$want" '[.. | objects | .expr? // empty | select(contains($w))] | length > 0' "$dashboard" >/dev/null
done

# --- Metric names -------------------------------------------------------
# Every metric name in a PromQL expression of the dashboard (panels and
# variable queries) and of the rules: drop strings, label matchers, range
# and grouping lists, then keep identifiers that are not functions or
# keywords.
{
	jq -r '.. | objects | .expr? // empty' "$dashboard"
	jq -r '.templating.list[] | select(.type == "query") | .query | if type == "object" then .query else . end' "$dashboard"
	yq -r '.groups[].rules[].expr' "$rules"
} | tr '\n' ' ' | perl -ne '
	s/"(?:[^"\\]|\\.)*"//g; s/\{[^}]*\}//g; s/\[[^\]]*\]//g;
	s/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)//g;
	s/\blabel_values\s*\(([^,]*),[^)]*\)/$1/g;
	while (/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g) {
		next if defined $2;
		next if $1 =~ /^(and|or|unless|bool|offset|inf|nan)$/i;
		print "$1\n";
	}' | sort -u >"$work_dir/used"
check_cmd "expressions name some metrics" test -s "$work_dir/used"
tr ' ' '\n' <<<"$documented" | grep . | sort -u >"$work_dir/documented"
undocumented=$(comm -23 "$work_dir/used" "$work_dir/documented" | tr '\n' ' ')
check_eq "every metric used is documented" "" "$undocumented"

# --- systemd unit -------------------------------------------------------
# verify needs the ExecStart binary to exist: point it at the build's.
binary=$EXPORTER
[ -x "$binary" ] || binary=/bin/true
sed "s#/usr/local/bin/namespace_exporter#$binary#" "$unit" \
	>"$work_dir/namespace_exporter.service"
systemd-analyze verify "$work_dir/namespace_exporter.service" \
	>"$work_dir/verify.out" 2>&1
verify_rc=$?
check_eq "systemd-analyze verify: no complaint" "0:" \
	"$verify_rc:$(tr '\n' ' ' <"$work_dir/verify.out")"
# Exposure 4.6 today (0 best, 10 worst); a lost hardening option shows.
check_cmd "systemd-analyze security: exposure at most 5.0" \
	systemd-analyze security --offline=true --threshold=50 \
	"$work_dir/namespace_exporter.service" >/dev/null
check_eq "unit's capability bounding set" \
	"CAP_DAC_READ_SEARCH CAP_SYS_ADMIN CAP_SYS_PTRACE" \
	"$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
# Options that give the service a mount, network, ipc, uts or user
# namespace of its own break what it reports (see the unit's comments).
for opt in PrivateTmp ProtectSystem ProtectHome ReadOnlyPaths \
	InaccessiblePaths PrivateDevices ProtectKernelTunables \
	ProtectKernelModules ProtectKernelLogs ProtectControlGroups \
	PrivateMounts MountFlags TemporaryFileSystem BindPaths ProtectProc \
	ProcSubset PrivateNetwork PrivateIPC ProtectHostname PrivateUsers \
	DynamicUser; do
	check_eq "unit does not set $opt" 0 "$(grep -c "^$opt=" "$unit")"
done

# RestrictNamespaces= in the unit lists the namespace types the exporter
# may enter or create; systemd's filter also refuses setns(fd, 0). Every
# setns() and unshare() in the sources must name its CLONE_NEW* types, and
# each must be one the unit allows: a new one needs adding there.
allowed=$(sed -n 's/^RestrictNamespaces=//p' "$unit" | tr ' ' '\n' | sed '
	s/^cgroup$/CLONE_NEWCGROUP/; s/^ipc$/CLONE_NEWIPC/; s/^net$/CLONE_NEWNET/
	s/^mnt$/CLONE_NEWNS/; s/^pid$/CLONE_NEWPID/; s/^user$/CLONE_NEWUSER/
	s/^uts$/CLONE_NEWUTS/; s/^time$/CLONE_NEWTIME/')
check_cmd "unit sets RestrictNamespaces" test -n "$allowed"
calls=$(grep -rnE '\<(setns|unshare) *\(' "$SOURCE_DIR"/exporter \
	"$SOURCE_DIR"/collectors --include='*.c')
check_cmd "the sources enter network namespaces" grep -q 'setns' <<<"$calls"
while IFS= read -r call; do
	types=$(grep -oE 'CLONE_NEW[A-Z]+' <<<"$call" | sort -u)
	if [ -z "$types" ]; then
		fail "no CLONE_NEW* type named (systemd refuses setns(fd, 0)): $call"
		continue
	fi
	for type in $types; do
		if grep -qx "$type" <<<"$allowed"; then
			where=$(cut -d: -f1-2 <<<"${call#"$SOURCE_DIR"/}")
			pass "RestrictNamespaces allows $type: $where"
		else
			fail "deploy/namespace_exporter.service: RestrictNamespaces= lacks $type for $call"
		fi
	done
done <<<"$calls"

# --- Flags used by the deploy files exist ------------------------------
if [ -x "$EXPORTER" ]; then
	"$EXPORTER" --help >"$work_dir/help" 2>&1
	# the exporter's flags all have a dot (--web.listen-address); docker,
	# cmake and apt-get flags in the Dockerfile have none
	grep -ohE -- '--[a-z]+\.[a-z0-9.-]+' "$kube"/*.yaml "$dockerfile" |
		sort -u >"$work_dir/flags"
	check_cmd "deploy files name some flags" test -s "$work_dir/flags"
	while read -r flag; do
		check_cmd "flag $flag is in --help" grep -q -- "$flag" "$work_dir/help"
	done <"$work_dir/flags"
else
	fail "no exporter binary at $EXPORTER to check flags against"
fi

# --- Dockerfile ---------------------------------------------------------
# stage_packages N: the packages apt-get installs in the Nth FROM stage.
stage_packages()
{
	awk -v n="$1" '
		/^FROM / { stage++ }
		stage == n { print }' "$dockerfile" |
		sed -n '/apt-get install/,/rm -rf/p' | tr ' \t\\' '\n\n\n' |
		grep -E '^[a-z0-9][a-z0-9.+-]+$' |
		grep -vE '^(apt-get|install|rm|rf)$' | sort -u
}
stage_packages 1 >"$work_dir/build-packages"
stage_packages 2 >"$work_dir/runtime-packages"
check_eq "two stages" 2 "$(grep -c '^FROM ' "$dockerfile")"
check_cmd "build stage is Debian bookworm" grep -q '^FROM debian:bookworm AS build' "$dockerfile"
check_cmd "runtime stage is Debian bookworm" grep -q '^FROM debian:bookworm-slim' "$dockerfile"
# Each pkg-config module CMakeLists.txt requires: its .pc file's Debian
# package is installed in the build stage.
modules=$(sed -n 's/^pkg_check_modules([A-Z_]* REQUIRED IMPORTED_TARGET \([a-z0-9_.-]*\)).*/\1/p' \
	"$SOURCE_DIR/CMakeLists.txt")
check_cmd "CMakeLists.txt names pkg-config modules" test -n "$modules"
for module in $modules; do
	pc=$(pkg-config --variable=pcfiledir "$module")/$module.pc
	pkg=$(dpkg -S "$pc" 2>/dev/null | cut -d: -f1 | head -n 1)
	check_cmd "build stage installs ${pkg:-the package of $module.pc} (pkg-config $module)" \
		grep -qx "${pkg:-no package found}" "$work_dir/build-packages"
done
# Each library the binary needs (DT_NEEDED) comes from a package the
# runtime stage installs by name (libc6 is in every Debian image).
if [ -x "$EXPORTER" ]; then
	# the sanitizer runtimes of an ASan/UBSan tree are not shipped
	needed=$(objdump -p "$EXPORTER" | awk '$1 == "NEEDED" { print $2 }' |
		grep -vE '^lib(a|ub|t|l)san\.')
	check_cmd "the binary needs shared libraries" test -n "$needed"
	for lib in $needed; do
		path=$(ldd "$EXPORTER" | awk -v l="$lib" '$1 == l { print $3 }')
		pkg=$(dpkg -S "$path" 2>/dev/null | cut -d: -f1 | head -n 1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null |
			cut -d: -f1 | head -n 1)
		if [ "$pkg" = libc6 ] || { [ -n "$pkg" ] &&
			grep -qx "$pkg" "$work_dir/runtime-packages"; }; then
			pass "runtime stage provides $lib ($pkg)"
		else
			fail "runtime stage lacks ${pkg:-the package of $path}, which provides $lib"
		fi
	done
fi
# Every source directory CMakeLists.txt builds from is copied in.
for dir in $(grep -oE '\$\{CMAKE_SOURCE_DIR\}/[a-z_]+/' "$SOURCE_DIR/CMakeLists.txt" |
	sed 's#.*}/\(.*\)/#\1#' | sort -u); do
	check_cmd "Dockerfile copies $dir/" grep -qE "^COPY $dir " "$dockerfile"
done

finish
