#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up and runs the whole test suite: installs the test dependencies
# (as root, through apt-get), builds the plain and the ASan/UBSan trees, runs
# every test in both trees (the integration scripts then drive the
# sanitized exporter), and the C unit and fixture tests under valgrind.
# Root-only tests skip without root; with CI=true a skip is a failure,
# since CI runs as root and a skip there hides a broken test.
set -euo pipefail
cd "$(dirname "$0")/.."

deps=(build-essential cmake pkg-config git libmicrohttpd-dev libmnl-dev
      zlib1g-dev libcmocka-dev iproute2 iputils-ping procps curl jq python3
      ca-certificates valgrind
      # admin API: web configuration (YAML), bcrypt, TLS, a test CA
      libyaml-dev libcrypt-dev libgnutls28-dev openssl
      prometheus
      # deploy/ checks: YAML through jq (yq), duplicate keys, the unit
      yq yamllint systemd
      # the landing page rendered in a headless browser
      chromium chromium-driver)
if [ "$(id -u)" = 0 ] && [ -z "${NSE_SKIP_APT:-}" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# without recommends: prometheus would pull in and start node_exporter
	apt-get install -y -qq --no-install-recommends "${deps[@]}" >/dev/null
fi

jobs=$(nproc)
cmake -S . -B build -DNSE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DNSE_WERROR=ON -DNSE_SANITIZE=ON \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"

status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Unit and fixture tests are quick and independent: run them in parallel.
(cd build && ctest -L 'unit|fixture' -j"$jobs" --output-on-failure) 2>&1 |
	tee -a "$log" || status=1
# Tests on real namespaces and servers run one at a time.
(cd build && ctest -LE 'unit|fixture' --output-on-failure) 2>&1 |
	tee -a "$log" || status=1
(cd build-asan && ctest -L 'unit|fixture' -j"$jobs" --output-on-failure) 2>&1 |
	tee -a "$log" || status=1
# The same real-namespace tests against the sanitized exporter: undefined
# behaviour or a memory error aborts it, and a leak at exit fails its exit
# status, on the paths only real namespaces reach.
(cd build-asan && ctest -LE 'unit|fixture' --output-on-failure) 2>&1 |
	tee -a "$log" || status=1
# valgrind over the C unit and fixture tests of the plain tree: any error or
# definite leak fails the test (options in CMakeLists.txt).
(cd build && ctest -T memcheck -L 'unit|fixture' -R '^test_' -j"$jobs" \
	--output-on-failure) 2>&1 | tee -a "$log" || status=1

if [ "${CI:-}" = true ] && grep -qE '\*\*\*Skipped|Not Run' "$log"; then
	echo "CI runs as root: a skipped test is a failure here" >&2
	status=1
fi
exit $status
