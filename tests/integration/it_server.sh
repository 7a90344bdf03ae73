#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The server seen by a real HTTP client: routes and status codes, a
# process holding more than 1024 descriptors (select() would refuse them),
# concurrent scrapes that all get whole pages, the scraper's timeout header,
# and a graceful stop on SIGTERM.
. "$(dirname "$0")/lib.sh"
require_root
require_tool curl

ns=$(ns_add srv-fds) || exit 1

# Start with 1100 inherited descriptors so every socket the server opens is
# numbered above 1024.
ulimit -n 4096
(
	for i in $(seq 1 1100); do exec {fd}</dev/null; done
	exec "$EXPORTER" --web.listen-address=127.0.0.1:0
) >>"$work_dir/exporter.log" 2>&1 &
EXPORTER_PID=$!
started_pids+=("$EXPORTER_PID")
for i in $(seq 1 100); do
	PORT=$(sed -n 's/.*msg=listening .*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work_dir/exporter.log" | tail -n 1)
	[ -n "$PORT" ] && break
	sleep 0.05
done
URL=http://127.0.0.1:$PORT
check_cmd "exporter started with 1100 extra fds" test -n "$PORT"
code=$(curl -s -o "$work_dir/fds.prom" -w '%{http_code}' "$URL/metrics")
check_eq "scrape with sockets above fd 1024" 200 "$code"
check_cmd "page lists the test namespace" grep -q "netns=\"$ns\"" "$work_dir/fds.prom"
check_cmd "exporter holds over 1100 fds" test "$(ls /proc/$EXPORTER_PID/fd | wc -l)" -gt 1100
check_eq "no FD_SETSIZE complaint" 0 "$(grep -c FD_SETSIZE "$work_dir/exporter.log")"
stop_exporter

start_exporter || exit 1
status()
{
	curl -s -o /dev/null -w '%{http_code}' "$@"
}
check_eq "landing page" 200 "$(status "$URL/")"
check_cmd "landing page links the metrics path" grep -q 'href="/metrics"' <(curl -s "$URL/")
check_eq "health" 200 "$(status "$URL/-/healthy")"
check_eq "unknown path" 404 "$(status "$URL/nope")"
check_eq "wrong method" 405 "$(status -X POST "$URL/metrics")"
check_cmd "405 says what is allowed" grep -qi '^allow:.*GET' <(curl -s -D - -o /dev/null -X DELETE "$URL/metrics")
check_cmd "text format by default" grep -qi '^content-type: text/plain; version=0.0.4' <(curl -s -D - -o /dev/null "$URL/metrics")

# Concurrent scrapes: every body whole, with the same set of series names.
curls=()
for i in 1 2 3 4; do
	curl -s -o "$work_dir/c$i.prom" "$URL/metrics" &
	curls+=($!)
done
# only the clients: a bare wait would also wait for the exporter
wait "${curls[@]}"
for i in 1 2 3 4; do
	grep -v '^#' "$work_dir/c$i.prom" | sed 's/[ {].*//' | sort -u >"$work_dir/c$i.names"
	check_cmd "concurrent scrape $i is valid" promtool_check "$work_dir/c$i.prom"
	check_cmd "concurrent scrape $i has the same families" cmp -s "$work_dir/c1.names" "$work_dir/c$i.names"
done

# The scraper's timeout bounds the scrape.
code=$(status --max-time 2 -H 'X-Prometheus-Scrape-Timeout-Seconds: 2' "$URL/metrics")
check_eq "scrape with timeout header answers within it" 200 "$code"

# SIGTERM: the process ends by itself, with status 0.
kill -TERM "$EXPORTER_PID"
rc=0
wait "$EXPORTER_PID" || rc=$?
check_eq "SIGTERM exits cleanly" 0 "$rc"
check_cmd "shutdown is logged" grep -q 'level=info' "$work_dir/exporter.log"

finish
