#!/usr/bin/env bash
# Fails when a C file differs from what clang-format (repo .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
echo "clang-format: $(git ls-files '*.c' '*.h' | wc -l) files clean"
