#!/usr/bin/env bash
# The "Who may include whom" rule of ../shared/design/ARCHITECTURE.md, checked on the sources:
#   experiments -> models -> engine -> kernels/cpu, kernels/cuda -> kernels/simt
# Fails, naming each offending line, when a file includes a layer it may not know.
# Usage: include_rule_test.sh [SOURCE_DIR] (default: the checkout this script is in).
set -uo pipefail
cd "${1:-$(dirname "$0")/../..}" || exit 2

status=0
# forbid FOLDER PATTERN WHY: no #include "PATTERN..." in any source file under FOLDER.
forbid() {
  local hits
  hits=$(grep -rnE --include='*.h' --include='*.cpp' --include='*.cu' --include='*.cuh' \
              "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"($2)" "$1")
  if [[ -n "$hits" ]]; then
    echo "$1 must not include $2: $3"
    echo "$hits"
    status=1
  fi
}

forbid kernels 'engine/|models/|experiments/' \
  "kernels are pure functions of pointers, sizes and streams"
forbid kernels/cuda 'kernels/cpu/' \
  "parameter structs both backends take live in kernels/op_params.h"
forbid kernels/cpu 'kernels/cuda/' "the CPU backend does not know the CUDA one"
forbid kernels/simt 'kernels/cuda/|kernels/cpu/' "the emulator knows no kernel"
forbid engine 'models/|experiments/' "the engine knows no network and no study"
forbid models 'kernels/|experiments/' "models speak only the engine's ops and modules"
forbid bench 'experiments/' "the benchmarks are a library the CLI calls, not the other way"

[[ $status -eq 0 ]] && echo "include rule holds"
exit $status
