#!/usr/bin/env bash
# tools/bench_dask_scaling.sh on a machine without Dask (the device machine), with the Python
# and Dask that tools/pack_dask_for_device.sh packed: 1, 2, 4, 8 workers on the bundled model,
# then on a random bert-base (made with that machine's own python3 and numpy).
#
# usage: tools/bench_dask_device.sh PY_TARBALL BERTCLS MAKE_RANDOM_BERT OUT_DIR
#   BERTCLS: the binary (or a wrapper that sets LD_LIBRARY_PATH); MAKE_RANDOM_BERT: a copy of
#   ../shared/tools/make_random_bert.py. BASE_RECORDS (default 1600) records for bert-base;
#   NUMPY_PYTHON (default python3): a Python with numpy, for making and converting bert-base.
set -uo pipefail
tarball=$(realpath "$1"); bertcls=$(realpath "$2"); make_bert=$(realpath "$3"); out=$(realpath "$4")
cd "$(dirname "$0")/.."
mkdir -p "$out"
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
tar xJf "$tarball" -C "$root"
mkdir -p "$root/bin"
printf '#!/bin/sh\nPYTHONHOME=%s/usr PYTHONPATH=%s/usr/lib/python3/dist-packages exec %s/usr/bin/python3.11 "$@"\n' \
  "$root" "$root" "$root" > "$root/bin/python3.11"
for c in scheduler worker; do
  printf '#!/bin/sh\nexec %s -m distributed.cli.dask_%s "$@"\n' "$root/bin/python3.11" "$c" > "$root/bin/dask-$c"
done
chmod +x "$root"/bin/*
export PATH=$root/bin:$PATH
PYTHON=$root/bin/python3.11 BERTCLS=$bertcls timeout 300 bash tools/bench_dask_scaling.sh > "$out/dask-bundled.txt" 2>&1
${NUMPY_PYTHON:-python3} "$make_bert" "$root/base" --preset base > /dev/null
${NUMPY_PYTHON:-python3} scripts/convert_checkpoint.py "$root/base" -o "$root/base.bertcls" > /dev/null
RECORDS=${BASE_RECORDS:-1600} SHARD_LINES=50 PYTHON=$root/bin/python3.11 BERTCLS=$bertcls timeout 300 \
  bash tools/bench_dask_scaling.sh "$root/base.bertcls" > "$out/dask-bert-base.txt" 2>&1
cat "$out"/dask-*.txt
