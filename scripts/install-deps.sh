#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the build, tests and docs need (only the missing ones).
set -euo pipefail
packages=(build-essential cmake pkg-config libopenblas-dev zlib1g-dev libcmocka-dev doxygen
          clang-format python3 python3-venv python3-pip python3-setuptools
          python3-wheel)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
