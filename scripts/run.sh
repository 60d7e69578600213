#!/usr/bin/env bash
# Sets up, builds and runs leuko's main job. Arguments are passed to `leuko demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/leuko demo "$@"
