#!/usr/bin/env bash
# Usage: scripts/check-install-rpath.sh [BUILD_DIR]
# Installs BUILD_DIR (default: build) into a scratch prefix outside the build tree and
# runs the installed programs with LD_LIBRARY_PATH unset: each must find the installed
# libofflinerl.so.0 through its relative RPATH ($ORIGIN/../lib), not the build tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-${BUILD_DIR:-build}}"
[ -d "$build_dir" ] || { echo "no build directory $build_dir" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix with space"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
unset LD_LIBRARY_PATH
lib="$(find "$prefix" -name 'libofflinerl.so.0' | head -n 1)"
[ -n "$lib" ] || { echo "no libofflinerl.so.0 under $prefix" >&2; exit 1; }
lib="$(realpath "$lib")"

# The library an installed program loads, as the dynamic loader resolves it.
resolved() { ldd "$1" | awk '$1 == "libofflinerl.so.0" { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' |
               sed 's/ (0x[0-9a-f]*)$//'; }
fail=0
for prog in "$prefix"/bin/*; do
  [ -x "$prog" ] || continue
  head -c 4 "$prog" | grep -q ELF || continue
  got="$(resolved "$prog")"
  if [ -z "$got" ] || [ "$got" = "not found" ] || [ "$(realpath "$got")" != "$lib" ]; then
    echo "FAIL: $prog loads libofflinerl.so.0 from '${got:-nowhere}', not $lib" >&2
    echo "      RUNPATH: $(readelf -d "$prog" | grep -E 'RUNPATH|RPATH' || echo none)" >&2
    fail=1
  else
    echo "ok: $(basename "$prog") -> $got"
  fi
done
[ -x "$prefix/bin/orl" ] || { echo "FAIL: $prefix/bin/orl was not installed" >&2; exit 1; }
[ "$fail" = 0 ] || exit 1

# They run: the CLI prints the installed library's version, an example runs.
out="$("$prefix/bin/orl" version)"
echo "${out%%$'\n'*}"
"$prefix/bin/orl_demo" | grep -q "^libofflinerl " ||
  { echo "FAIL: the installed orl_demo did not run" >&2; exit 1; }
echo "install rpath: the installed programs run from $prefix without LD_LIBRARY_PATH"
