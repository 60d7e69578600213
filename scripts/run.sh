#!/usr/bin/env bash
# Sets up, builds and runs leuko's main job: `leuko reproduce study-a --profile quick`.
# Real data with --data DIR or LEUKO_DATA (the layout of /work/shared/data: pbc/, idc/,
# monuseg/, segwbc/); without either it runs on generated cells and says so loudly.
# Extra arguments are passed on (e.g. --data DIR, --out DIR, --profile cpu).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
build/leuko reproduce study-a --profile quick "$@"
