#!/usr/bin/env bash
# Installs the library into a scratch prefix, pip-installs bindings/python into a
# fresh venv without network access, and runs a smoke test against the installed
# library (OFFLINERL_LIBRARY) from outside the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
build_dir="${BUILD_DIR:-build}"
# An interpreter whose (system) site has what an offline pip build needs.
python=""
for candidate in ${PYTHON:-} /usr/bin/python3 python3; do
  if "$candidate" -c "import setuptools, wheel, venv, ensurepip" 2>/dev/null; then
    python="$candidate"
    break
  fi
done
[ -n "$python" ] || { echo "no python3 with setuptools, wheel and venv (scripts/install-deps.sh)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
lib="$(find "$prefix" -name 'libofflinerl.so.0' | head -n 1)"
[ -n "$lib" ] || { echo "no libofflinerl.so.0 under $prefix" >&2; exit 1; }

# The offline route: a venv made with --system-site-packages, so the build backend that
# pyproject.toml declares (setuptools.build_meta) comes from the system, and
# --no-build-isolation --no-index, so pip neither creates a build environment nor asks an
# index. On a machine with network access a plain `pip install bindings/python` in a fresh
# venv fetches setuptools>=61 itself.
"$python" -m venv --system-site-packages "$tmp/venv"
# Build from a copy: an in-tree build would leave build/ and *.egg-info in bindings/python.
cp -r bindings/python "$tmp/src"
rm -rf "$tmp/src/tests"
"$tmp/venv/bin/python" -m pip install --quiet --no-build-isolation --no-index "$tmp/src"

cd "$tmp"  # away from the checkout: the installed package, not the source tree
OFFLINERL_LIBRARY="$lib" "$tmp/venv/bin/python" - <<'PY'
import os
import offlinerl

assert "site-packages" in offlinerl.__file__, offlinerl.__file__
from importlib import metadata
assert offlinerl.__version__ == offlinerl.version(), offlinerl.__version__
assert metadata.version("offlinerl") == offlinerl.__binding_version__, metadata.version("offlinerl")
lib = offlinerl.load()
assert os.path.realpath(lib._name) == os.path.realpath(os.environ["OFFLINERL_LIBRARY"])
with offlinerl.Simulator(n_items=30, n_clusters=3, seed=1) as sim, sim.generate(200) as data:
    train, valid, test = data.split(0.8, 0.1, seed=1)
    with train, valid, test, offlinerl.Trainer("sl", epochs=1, embed_dim=8, hidden_dim=8) as t:
        assert t.fit(train, valid)
        with t.export() as model:
            assert len(model.recommend([1, 2], 5)) == 5
            metrics = model.evaluate(test)
            assert metrics["click"]["count"] > 0
            back = offlinerl.Model.from_bytes(model.to_bytes())
            assert back.recommend([1, 2], 5) == model.recommend([1, 2], 5)
            back.close()
try:
    offlinerl.Dataset(window=0)
except offlinerl.OfflineRLError as exc:
    assert exc.status == offlinerl.Status.OUT_OF_RANGE
else:
    raise AssertionError("window=0 accepted")
print(f"python package {offlinerl.__file__} works with {lib._name} "
      f"(libofflinerl {offlinerl.version()})")
PY
version_text="$(OFFLINERL_LIBRARY="$lib" "$tmp/venv/bin/python" -m offlinerl version)"
echo "${version_text%%$'\n'*}"
OFFLINERL_LIBRARY="$lib" "$tmp/venv/bin/orl-py" sim baselines --sessions 20 --items 20 >/dev/null
echo "python install: pip-installed bindings/python ran against the installed library"
