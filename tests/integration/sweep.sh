#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Removes every network namespace named with the test prefix: run before
# the integration tests and after them, so a run killed by a timeout
# leaves nothing behind for the next one. Teardown is asynchronous, so it
# polls until the names are gone.
set -u
prefix=nsetest-
if [ "$(id -u)" != 0 ]; then
	[ "${CI:-}" = true ] && { echo "sweep needs root under CI" >&2; exit 1; }
	exit 77
fi
names()
{
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$prefix" || true
	ls /run/netns 2>/dev/null | grep "^$prefix" || true
}
for name in $(names | sort -u); do
	ip netns delete "$name" 2>/dev/null || rm -f "/run/netns/$name"
done
for i in $(seq 1 50); do
	[ -z "$(names)" ] && { echo "sweep: 1 passed, 0 failed"; exit 0; }
	sleep 0.1
done
echo "sweep: left behind: $(names | tr '\n' ' ')" >&2
echo "sweep: 0 passed, 1 failed"
exit 1
