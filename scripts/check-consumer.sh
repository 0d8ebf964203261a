#!/usr/bin/env bash
# Installs the library into a scratch prefix, then builds and runs the consumer
# project against the *installed* copy: once with find_package, once with pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
libdir="$prefix/lib"
[ -d "$prefix/lib/x86_64-linux-gnu" ] && libdir="$prefix/lib/x86_64-linux-gnu"
readelf -d "$libdir/libofflinerl.so" | grep -q 'SONAME.*libofflinerl.so.0' \
  || { echo "installed library lacks SONAME libofflinerl.so.0" >&2; exit 1; }

echo "== consumer via find_package(offlinerl)"
cmake -S examples/consumer -B "$prefix/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer-cmake" >/dev/null
LD_LIBRARY_PATH="$libdir" "$prefix/consumer-cmake/consumer"
"$prefix/consumer-cmake/consumer_static"

echo "== consumer via pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -o "$prefix/consumer-pc" examples/consumer/consumer.c $(pkg-config --cflags --libs offlinerl)
LD_LIBRARY_PATH="$libdir" "$prefix/consumer-pc"
cc -std=c11 -o "$prefix/consumer-pc-static" examples/consumer/consumer.c \
  $(pkg-config --cflags offlinerl) "$libdir/libofflinerl.a" \
  $(pkg-config --static --libs offlinerl | sed 's/-lofflinerl//')
"$prefix/consumer-pc-static"
echo "consumer: built and ran against the installed library (CMake package and pkg-config)"
