#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite. Real-data tests run when LEUKO_DATA points
# at a data root (by default ../shared/data when it exists); otherwise they are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
scripts/build.sh "$@"
if [[ -z "${LEUKO_DATA:-}" && -d ../shared/data ]]; then
  export LEUKO_DATA="$(cd ../shared/data && pwd)"
fi
# Idle OpenMP threads sleep instead of spinning: with two test programs on two cores,
# spinning threads steal the cores from the ones doing work (4x slower suites).
export OMP_WAIT_POLICY=passive
ctest --test-dir build --output-on-failure -j "$(nproc)"
