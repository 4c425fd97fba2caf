#!/usr/bin/env bash
# cmake --install gives bin/mcsec, lib/libmcsec.{a,so}, include/mcsec/*.h and
# lib/pkgconfig/mcsec.pc; a program outside the tree builds against it with
# pkg-config, both shared and static, and runs.
set -eu
BUILD=${1:?usage: install_check.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD" --prefix "$T/prefix" >/dev/null
fail=0 pass=0
for f in bin/mcsec include/mcsec/common.h include/mcsec/eccsi.h; do
  if [ -e "$T/prefix/$f" ]; then pass=$((pass+1)); else echo "missing $f"; fail=$((fail+1)); fi
done
libdir=$(ls -d "$T"/prefix/lib* | head -1)
for f in libmcsec.a libmcsec.so pkgconfig/mcsec.pc; do
  if [ -e "$libdir/$f" ]; then pass=$((pass+1)); else echo "missing lib/$f"; fail=$((fail+1)); fi
done
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shared
cc -o "$T/consumer" "$SRC/tests/install/consumer.c" $(pkg-config --cflags --libs mcsec)
if LD_LIBRARY_PATH="$libdir" "$T/consumer"; then pass=$((pass+1)); else fail=$((fail+1)); fi
# static libmcsec against the shared system libraries it requires (Debian
# ships no static libcurl, so `pkg-config --static` would ask for archives of
# curl's own dependencies that are not installed)
deps=$(pkg-config --print-requires-private mcsec | sed 's/ *>=.*//' | tr '\n' ' ')
cc -o "$T/consumer_static" "$SRC/tests/install/consumer.c" $(pkg-config --cflags mcsec) \
   "$libdir/libmcsec.a" $(pkg-config --libs $deps) -lpthread
if "$T/consumer_static"; then pass=$((pass+1)); else fail=$((fail+1)); fi
# the installed CLI runs
if "$T/prefix/bin/mcsec" --version >/dev/null; then pass=$((pass+1)); else fail=$((fail+1)); fi
echo "install_check: $pass passed, $fail failed"
[ $fail = 0 ]
