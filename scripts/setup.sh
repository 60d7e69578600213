#!/usr/bin/env bash
# Installs what leuko needs from Debian's packages. Idempotent and non-interactive: it asks
# apt only for what is missing, so a second run costs a second.
#   scripts/setup.sh         build and test dependencies
#   scripts/setup.sh --dev   also PyTorch, torchvision and PIL (golden data, benchmarks vs PyTorch)
#                            and clang-format (scripts/check_format.sh)
#   scripts/setup.sh --fuzz  also Clang, its libFuzzer runtime and llvm-symbolizer (scripts/fuzz.sh)
set -euo pipefail

packages=(g++ cmake ninja-build ccache pkg-config
          libopenblas-dev libstb-dev doctest-dev libcli11-dev nlohmann-json3-dev
          libboost-context-dev libbenchmark-dev
          libcurl4-openssl-dev libtiff-dev
          libopenmpi-dev openmpi-bin  # data-parallel training (engine/distributed)
          gdb)  # docs_test steps through a kernel with it (docs/gdb_walkthrough.md)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(python3-torch python3-torchvision python3-pil python3-numpy clang-format)
fi
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang libclang-rt-dev llvm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all dependencies present"
