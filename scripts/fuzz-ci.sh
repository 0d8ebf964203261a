#!/usr/bin/env bash
# CI fuzzing: every target for a bounded time (default 60 s each, two at a time,
# a few minutes in all) in a separate build folder; fails on any finding.
# Usage: scripts/fuzz-ci.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-fuzz-ci} JOBS=${JOBS:-2} exec scripts/fuzz.sh "${1:-60}"
