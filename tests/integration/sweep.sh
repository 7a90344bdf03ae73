#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Removes every network namespace named with the test prefix: run before
# the integration tests and after them, so a run killed by a timeout
# leaves nothing behind for the next one. Teardown is asynchronous, so it
# polls until the names are gone. Names may hold any byte but '/' (spaces,
# newlines, bytes that are not UTF-8), so they are read from the directory
# with a glob, never split from text.
set -u
prefix=nsetest-
dir=/run/netns
if [ "$(id -u)" != 0 ]; then
	[ "${CI:-}" = true ] && { echo "sweep needs root under CI" >&2; exit 1; }
	exit 77
fi
shopt -s nullglob
left()
{
	local entries=("$dir/$prefix"*)
	echo "${#entries[@]}"
}
for path in "$dir/$prefix"*; do
	name=${path#"$dir/"}
	ip netns delete "$name" 2>/dev/null || rm -f -- "$path"
done
for i in $(seq 1 50); do
	if [ "$(left)" = 0 ]; then
		echo "sweep: 1 passed, 0 failed"
		exit 0
	fi
	sleep 0.1
done
echo "sweep: $(left) test namespaces left behind" >&2
echo "sweep: 0 passed, 1 failed"
exit 1
