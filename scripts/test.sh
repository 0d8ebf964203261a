#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every ctest case
# (cmocka unit and integration tests, the ABI symbol check, the Python unittest suite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh "$@"
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)"
