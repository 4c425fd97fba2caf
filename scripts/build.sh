#!/usr/bin/env bash
# Configures and builds mcsec into build/ (or $MCSEC_BUILD). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${MCSEC_BUILD:-build}
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$B" -j"$(nproc)"
