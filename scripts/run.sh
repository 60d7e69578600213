#!/usr/bin/env bash
# Sets up, builds and runs leuko's main job: Study A's WBC-1 (one draw) and WBC-10 base rows,
# faithfully (all their images, 256 px, the study's 10 epochs and recipe), beside the
# published numbers: `leuko reproduce study-a --profile cpu --only wbc-1-base,wbc-10-base`.
# About 20 minutes on 2 idle cores with the real data. The same folder later takes the rest of
# the study (leuko reproduce study-a --profile cpu --dry-run lists it).
# Real data with --data DIR or LEUKO_DATA (the layout of /work/shared/data: pbc/, idc/,
# monuseg/, segwbc/); without either it runs on generated cells and says so loudly.
# Extra arguments are passed on (e.g. --data DIR, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
build/leuko reproduce study-a --profile cpu --only wbc-1-base,wbc-10-base "$@"
