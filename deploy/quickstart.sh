#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up and starts the exporter on a fresh Debian or Ubuntu machine:
# installs the build dependencies, builds with CMake into build/, then runs
# namespace_exporter in the foreground (on :9879 unless arguments say
# otherwise). Run as root: reading every process's namespaces and entering
# network namespaces needs it. Extra arguments go to the exporter.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "quickstart: run as root (e.g. sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends build-essential cmake \
	pkg-config git ca-certificates libmicrohttpd-dev libmnl-dev zlib1g-dev \
	libyaml-dev libcrypt-dev libgnutls28-dev >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNSE_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
exec ./build/namespace_exporter "$@"
