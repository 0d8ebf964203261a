#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the demonstration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/examples/orl_demo
