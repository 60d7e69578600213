#!/usr/bin/env bash
# Configures (once) and builds leuko in build/. Extra arguments go to cmake's configure step,
# e.g. scripts/build.sh -DLEUKO_CUDA=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja || $# -gt 0 ]]; then
  cmake -S . -B build -G Ninja "$@"
fi
cmake --build build -j "$(nproc)"
