#!/usr/bin/env bash
# Installs everything bertcls needs to build, test and convert checkpoints (Debian 12).
# Idempotent: apt-get skips what is already installed. CI (.ci/run) runs it in a fresh Debian 12
# root, so a package missing here fails CI.
# oneDNN: Debian's dnnl-config.cmake wants the OpenCL headers (ocl-icd-opencl-dev, only a
# Recommends of libdnnl-dev), which a CPU-only bertcls never uses; CMakeLists.txt finds oneDNN
# with cmake/FindOneDNN.cmake instead, so nothing OpenCL is listed here.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libdnnl-dev libcli11-dev libsentencepiece-dev nlohmann-json3-dev catch2 libutf8proc-dev
  python3 python3-numpy
  python3-distributed  # scripts/bertcls-dask, `bertcls batch` on a Dask cluster (and its tests)
  parallel  # the GNU parallel example of `bertcls batch --shard` in the tests
  chromium  # the headless browser test of `bertcls attention -o page.html`
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "bertcls dependencies installed"
