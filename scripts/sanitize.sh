#!/usr/bin/env bash
# Builds the whole test suite with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ and runs it. The real CUDA backend is left out (nvcc code cannot be
# instrumented); the emulated one (cuda-emu) is built and tested like everything else.
# Any report (heap or stack overflow, use after free, leak, undefined behaviour) fails the
# test that made it. Extra arguments go to ctest, e.g. scripts/sanitize.sh -R simt
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ ! -f build-asan/build.ninja ]]; then
  # -O2 with line tables: the suite runs at a usable speed and reports name lines.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLEUKO_SANITIZE=ON -DLEUKO_CUDA=OFF -DLEUKO_MPI=OFF  # Open MPI leaks at exit by design
fi
cmake --build build-asan -j "$(nproc)"
if [[ -z "${LEUKO_DATA:-}" && -d ../shared/data ]]; then
  export LEUKO_DATA="$(cd ../shared/data && pwd)"
fi
export OMP_WAIT_POLICY=passive  # as in scripts/test.sh
# allocator_may_return_null: tests ask for impossible sizes on purpose and expect a null
# pointer or std::bad_alloc (as without ASan), not an abort.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" "$@"
echo "sanitize: passed, no AddressSanitizer, LeakSanitizer or UBSan report"
