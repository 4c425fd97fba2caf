#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine:
#   1. installs missing packages, 2. builds and runs every CTest test,
#   3. rebuilds with ASan + UBSan and runs the suite again,
#   4. builds the libFuzzer targets with clang and runs each briefly on its
#      seed corpus (a regression run; long runs: see docs/testing.md).
# Exits non-zero on any failure. MCSEC_FUZZ_SECONDS sets step 4's time per target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== build + tests"
MCSEC_BUILD=build bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2

echo "== ASan + UBSan build + tests"
MCSEC_BUILD=build-asan bash scripts/build.sh -DMCSEC_SANITIZE=ON -DMCSEC_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j2 -E 'install_check|ct_'

echo "== fuzz regression"
secs=${MCSEC_FUZZ_SECONDS:-20}
CC=clang cmake -S . -B build-fuzz -DMCSEC_FUZZ=ON -DMCSEC_TESTS=OFF -DMCSEC_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)"
fuzz_pass=0 fuzz_fail=0
for f in build-fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f"); name=${name#fuzz_}
  work=$(mktemp -d)
  if "$f" -max_total_time="$secs" -print_final_stats=0 "$work" "fuzz/corpus/$name" >"$work.log" 2>&1; then
    fuzz_pass=$((fuzz_pass+1))
  else
    fuzz_fail=$((fuzz_fail+1)); echo "fuzz_$name found a failure:"; tail -40 "$work.log"
  fi
  rm -rf "$work" "$work.log"
done
echo "fuzz: $fuzz_pass passed, $fuzz_fail failed"
[ "$fuzz_fail" = 0 ]
