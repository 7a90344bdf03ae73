# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the integration tests: root check, test namespaces that
# are removed even when a test fails, an exporter on a free loopback port,
# and counted checks ending in the "N passed, N failed" line.
#
# Every namespace a test makes is called $NSE_TEST_PREFIX<something>; the
# sweep test removes whatever a killed run left behind.

set -u

NSE_TEST_PREFIX=nsetest-
BUILD_DIR=${NSE_BUILD_DIR:?set NSE_BUILD_DIR to the build tree}
SOURCE_DIR=${NSE_SOURCE_DIR:?set NSE_SOURCE_DIR to the source tree}
EXPORTER=$BUILD_DIR/namespace_exporter

passed=0
failed=0
test_name=$(basename "$0" .sh)
work_dir=$(mktemp -d "/tmp/$test_name.XXXXXX")
started_pids=()

# Exit 77 (skipped) without root; under CI (which runs as root) a missing
# root is a failure, never a silent skip.
require_root()
{
	if [ "$(id -u)" != 0 ]; then
		if [ "${CI:-}" = true ]; then
			echo "FAIL: $test_name needs root and CI must run it" >&2
			exit 1
		fi
		echo "SKIP: $test_name needs root" >&2
		exit 77
	fi
}

require_tool()
{
	if ! command -v "$1" >/dev/null 2>&1; then
		if [ "${CI:-}" = true ]; then
			echo "FAIL: $test_name needs $1" >&2
			exit 1
		fi
		echo "SKIP: $test_name needs $1" >&2
		exit 77
	fi
}

# wait_until COMMAND [ARGS...]: runs COMMAND every 0.05 s until it succeeds,
# for at most 10 s. Background processes reach the state a test needs
# (inside a namespace, holding a descriptor) when the scheduler lets them:
# wait for the state itself, never for a fixed time.
wait_until()
{
	local i
	for i in $(seq 1 200); do
		"$@" && return 0
		sleep 0.05
	done
	echo "gave up waiting for: $*" >&2
	return 1
}

# pid_in_netns PID INODE: process PID is in the network namespace INODE.
pid_in_netns()
{
	[ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" = "$2" ]
}

# pid_holds_fd PID FD INODE: descriptor FD of process PID refers to INODE.
pid_holds_fd()
{
	[ "$(stat -L -c %i "/proc/$1/fd/$2" 2>/dev/null)" = "$3" ]
}

# Waits until the named namespace is gone from `ip netns list` (removal is
# asynchronous when something still holds the mount).
wait_netns_gone()
{
	local i
	for i in $(seq 1 50); do
		ip netns list | grep -qE "^$1( |\$)" || return 0
		sleep 0.1
	done
	return 1
}

cleanup()
{
	local pid ns
	for pid in "${started_pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# ns_add runs in $(...) subshells, so names are kept in a file
	if [ -f "$work_dir/namespaces" ]; then
		while IFS= read -r ns; do
			ip netns delete "$ns" 2>/dev/null || rm -f "/run/netns/$ns"
		done <"$work_dir/namespaces"
	fi
	rm -rf "$work_dir"
}
trap cleanup EXIT

# ns_add SUFFIX: creates ${NSE_TEST_PREFIX}SUFFIX and echoes its name.
ns_add()
{
	local name=$NSE_TEST_PREFIX$1
	ip netns delete "$name" 2>/dev/null
	ip netns add "$name" || return 1
	ns_track "$name"
	echo "$name"
}

# ns_track NAME: removes NAME at exit (for namespaces made by other means).
ns_track()
{
	printf '%s\n' "$1" >>"$work_dir/namespaces"
}

ns_inode()
{
	stat -L -c %i "/run/netns/$1"
}

# start_exporter [ARGS...]: starts the exporter on a kernel-chosen loopback
# port and sets EXPORTER_PID, PORT and URL. Its log is $work_dir/exporter.log,
# appended to by every start: only the lines this start added are searched
# for the port, or a restart would pick up the previous run's port.
start_exporter()
{
	local log=$work_dir/exporter.log i earlier_lines=0
	[ -f "$log" ] && earlier_lines=$(wc -l <"$log")
	"$EXPORTER" --web.listen-address=127.0.0.1:0 "$@" \
		>>"$log" 2>&1 &
	EXPORTER_PID=$!
	started_pids+=("$EXPORTER_PID")
	PORT=
	for i in $(seq 1 100); do
		PORT=$(tail -n "+$((earlier_lines + 1))" "$log" |
			sed -n 's/.*msg=listening .*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' |
			head -n 1)
		[ -n "$PORT" ] && break
		kill -0 "$EXPORTER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$PORT" ]; then
		echo "exporter did not start; its log:" >&2
		cat "$log" >&2
		return 1
	fi
	URL=http://127.0.0.1:$PORT
}

stop_exporter()
{
	kill -TERM "$EXPORTER_PID" 2>/dev/null
	wait "$EXPORTER_PID" 2>/dev/null
}

# scrape FILE [CURL ARGS...]: GET the metrics page into FILE.
scrape()
{
	local out=$1
	shift
	curl -sS --max-time 30 -o "$out" "$@" "$URL/metrics"
}

pass()
{
	passed=$((passed + 1))
	echo "ok: $*"
}

fail()
{
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# check_eq WHAT EXPECTED ACTUAL
check_eq()
{
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1: expected [$2], got [$3]"
	fi
}

# check_cmd WHAT COMMAND...: passes when the command succeeds.
check_cmd()
{
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what (command: $*)"
	fi
}

# sample_value FILE SERIES-PREFIX: the value of the one sample whose line
# starts with the given text (metric name and labels, as written).
sample_value()
{
	grep -F -- "$2" "$1" | awk '{ print $NF }'
}

# count_lines FILE EXTENDED-REGEX
count_lines()
{
	grep -cE -- "$2" "$1" || true
}

promtool_check()
{
	# exit 1 is a parse error; 3 is lint only (see promtool's help)
	local rc=0
	promtool check metrics <"$1" >"$work_dir/promtool.out" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		return 0
	fi
	cat "$work_dir/promtool.out" >&2
	return 1
}

finish()
{
	echo "$test_name: $passed passed, $failed failed"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
