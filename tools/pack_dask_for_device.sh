#!/usr/bin/env bash
# Packs this Debian 12 machine's Python 3.11 with Debian's python3-distributed (Dask) and the
# modules it imports into one tarball, for a machine that has no Dask and another Python (the
# device machine: Ubuntu 24.04, Python 3.12, where Debian's compiled modules would not load).
# tools/bench_dask_device.sh unpacks it there. Tests, fuzzing and CI do not use this.
#
# usage: tools/pack_dask_for_device.sh OUT.tar.xz      (about 13 MB)
set -euo pipefail
out=$(realpath "$1")
dist=/usr/lib/python3/dist-packages
[ -x /usr/bin/python3.11 ] && [ -d "$dist/distributed" ] ||
  { echo "pack_dask_for_device.sh: needs Debian's python3.11 and python3-distributed (scripts/install-deps.sh)" >&2; exit 1; }
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/usr/bin" "$stage/usr/lib/python3/dist-packages"
cp /usr/bin/python3.11 "$stage/usr/bin/"
cp -a /usr/lib/python3.11 "$stage/usr/lib/"
# (python3.11/dist-packages holds stray pieces of other packages, e.g. numpy headers, that
# would shadow the real modules as namespace packages)
rm -rf "$stage"/usr/lib/python3.11/{test,idlelib,tkinter,ensurepip,lib2to3,turtledemo,dist-packages}
# The top-level modules that importing distributed, its scheduler and worker CLIs and a
# LocalCluster loads from dist-packages.
modules=$(/usr/bin/python3.11 - <<'PY'
import sys
import distributed, distributed.cli.dask_scheduler, distributed.cli.dask_worker
from distributed import Client, LocalCluster
tops = set()
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None) or ""
    if "/dist-packages/" in f:
        tops.add(f.split("/dist-packages/")[1].split("/")[0])
print(" ".join(sorted(tops - {"numpy"})))
PY
)
for m in $modules; do cp -a "$dist/$m" "$stage/usr/lib/python3/dist-packages/"; done
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
tar cJf "$out" -C "$stage" usr
echo "wrote $out ($(du -h "$out" | cut -f1)): python3.11 + $modules"
