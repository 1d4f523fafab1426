#!/usr/bin/env bash
# Installs every Debian package Synfire needs to build, test, fuzz and benchmark.
# Idempotent: installs only what is missing. Runs as root (or through sudo).
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config ccache
  libhdf5-dev hdf5-tools libssl-dev libsqlite3-dev libsodium-dev
  libboost1.81-dev libboost-url1.81-dev prometheus-cpp-dev libspdlog-dev
  nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  node-spdx-license-ids node-spdx-exceptions
  clang libclang-rt-14-dev
  libcurl4-openssl-dev pybind11-dev python3-dev python3-pytest
  time python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
