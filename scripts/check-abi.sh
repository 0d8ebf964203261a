#!/usr/bin/env bash
# Compares the built shared library with the committed 0.1.0 ABI baseline (libabigail's abidiff,
# Debian package abigail-tools) and prints abidiff's report. Fails on an incompatible change
# (abidiff exit status bit 8), when abidiff itself fails (bits 1, 2), and on an ABI change (bit 4)
# that is more than additions: abidiff 2.2 reports a retyped struct field or moved offsets with
# bit 4 only, so a report with removed or changed functions or variables fails too. Additions
# pass. Policy: docs/guides/abi.md.
# Usage: scripts/check-abi.sh BUILD_DIR [LIBRARY]   (LIBRARY: default BUILD_DIR/lib/libofflinerl.so.X.Y.Z)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${1:?usage: scripts/check-abi.sh BUILD_DIR [LIBRARY]}"
baseline="$root/tests/abi/baseline-0.1.0.abi"
lib="${2:-}"
if [[ -z "$lib" ]]; then
  # The real file behind libofflinerl.so.0 (libofflinerl.so.MAJOR.MINOR.PATCH).
  lib="$(readlink -f "$build_dir/lib/libofflinerl.so.0" 2>/dev/null || true)"
fi
if [[ -z "$lib" || ! -f "$lib" ]]; then
  echo "check-abi: no shared library in $build_dir/lib (build first)" >&2
  exit 1
fi
command -v abidiff >/dev/null || { echo "check-abi: abidiff not found (apt-get install abigail-tools)" >&2; exit 1; }
# Without DWARF abidiff sees symbols only and would miss every type change.
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
  echo "check-abi: $lib has no debug information; abidiff would compare symbol names only" >&2
  exit 1
fi
echo "check-abi: abidiff $(basename "$baseline") $lib"
rc=0
# Structs that only grew at their end (struct_size) are additions: tests/abi/suppressions.abignore.
report="$(abidiff --headers-dir2 "$root/include/offlinerl" --suppressions "$root/tests/abi/suppressions.abignore" "$baseline" "$lib")" || rc=$?
echo "$report"
if (( rc & 1 || rc & 2 )); then
  echo "check-abi: abidiff failed (exit status $rc)" >&2
  exit 1
fi
if (( rc & 8 )); then
  echo "check-abi: INCOMPATIBLE ABI change against 0.1.0 (abidiff exit status $rc); see docs/guides/abi.md" >&2
  exit 1
fi
# "Functions changes summary: 0 Removed, 0 Changed (28 filtered out), 4 Added functions"
if (( rc & 4 )) && grep 'changes summary:' <<<"$report" | grep -Eq '[1-9][0-9]* (Removed|Changed)'; then
  echo "check-abi: INCOMPATIBLE ABI change against 0.1.0 (removed or changed functions or variables, abidiff exit status $rc); see docs/guides/abi.md" >&2
  exit 1
fi
if (( rc & 4 )); then
  echo "check-abi: compatible changes only (additions; abidiff exit status $rc)"
else
  echo "check-abi: no ABI change against 0.1.0"
fi
