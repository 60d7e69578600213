#!/usr/bin/env bash
# The GPU check, in one command, for a machine with an NVIDIA GPU:
#   1. configures and builds the real CUDA backend (nvcc, cuDNN, cuBLAS) in build-gpu/;
#   2. runs the CUDA tests on the GPU: every "cuda-emu matches the CPU" case runs on
#      Device::cuda instead of the emulator when LEUKO_TEST_GPU=1 (see gpu_test_device() in
#      tests/support/testing.h), plus the device tests;
#   3. benchmarks the project's implicit-GEMM convolution and tiled GEMM against cuDNN and
#      cuBLAS (bench/gpu_kernels.cpp), JSON written to build-gpu/gpu_kernels.json.
# Without a GPU it prints "not run: no GPU" and exits 0.
#
#   bench/gpu_check.sh            (LEUKO_GPU_BUILD=<dir> to build elsewhere)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${LEUKO_GPU_BUILD:-$root/build-gpu}

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "not run: no GPU"
  exit 0
fi
nvidia-smi -L

cmake -S "$root" -B "$build" -G Ninja -DLEUKO_CUDA=ON
ninja -C "$build"

LEUKO_TEST_GPU=1 ctest --test-dir "$build" -R "cuda-emu|device_test" --output-on-failure

"$build/bench/bench_gpu_kernels" | tee "$build/gpu_kernels.json"
