#!/usr/bin/env bash
# The GPU check, in one command, for a machine with an NVIDIA GPU: a set-up one
# (scripts/setup.sh), or a bare one that has only the CUDA toolkit, CMake, ninja, g++ and
# Python (the H200 this project borrows now and then: see README, "Running on a GPU").
#   0. the build's Debian libraries come from gpu-kit/debs when it is there (packed here by
#      scripts/gpu_kit.sh), unpacked into a private prefix; cuDNN and cuBLAS from the CUDA
#      toolkit, or else from the Python wheels (nvidia-cudnn, nvidia-cublas) PyTorch brought;
#   1. builds for one architecture (sm_90 unless LEUKO_GPU_ARCH says otherwise) and only the
#      targets the check runs, on every core, in a folder outside the tree;
#   2. runs every test program that compares a device with the CPU with LEUKO_TEST_GPU=1, so
#      that each "cuda-emu matches the CPU" case runs on the GPU (Device::cuda) instead;
#   3. benchmarks the project's convolution and GEMM kernels against cuDNN and cuBLAS, and
#      one training step of each network on the GPU (images/s); then, when the kit holds
#      WBC-10 and time is left, trains Study A's WBC net on it (10 epochs, 256 px);
#   4. if time is left, compute-sanitizer (memcheck) over the same test programs;
#   5. writes gpu_check.json (bench/gpu_report.py) and gpu_check.log into --out.
# Without a GPU it stops after the build, which it still times, and the JSON says so.
#
#   bench/gpu_check.sh [--out DIR] [--build DIR] [--minutes N]
#     --out      where the JSON and the log go (default: the build folder)
#     --build    the build folder (default /tmp/leuko-gpu-build; made fresh when absent)
#     --minutes  the budget for steps 2-4 after the build (default 6): the sanitizer pass
#                runs only when time is left, and is cut at the budget
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=/tmp/leuko-gpu-build
out=""
minutes=6
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    *) echo "gpu_check: unknown argument '$1' (expected --out DIR, --build DIR, --minutes N)"; exit 2 ;;
  esac
done
out=${out:-$build}
mkdir -p "$out" "$build"
log=$out/gpu_check.log
steps=$out/gpu_check.steps  # "name seconds status" per step, for the report
: >"$steps"
exec > >(tee "$log") 2>&1

# Runs one step, timed; its status is recorded and the check goes on (the report says which
# failed), except where the caller stops on failure.
step() {
  local name=$1 start=$SECONDS status=0
  shift
  echo "=== $name: $*"
  "$@" || status=$?
  echo "=== $name: $((SECONDS - start)) s, exit $status"
  echo "$name $((SECONDS - start)) $status" >>"$steps"
  return "$status"
}
report() {
  python3 "$root/bench/gpu_report.py" --root "$root" --out "$out" --steps "$steps" \
    --gpu "${gpu:-}" --arch "$arch"
}

gpu=""
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
fi
arch=${LEUKO_GPU_ARCH:-90}
echo "gpu_check: GPU ${gpu:-none}; sm_$arch; $(nproc) cores; commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# ---- 0. Libraries -------------------------------------------------------------------------
# No `leuko data fetch` (libcurl, libtiff): the check downloads nothing.
cmake_args=(-DLEUKO_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$arch" -DCMAKE_BUILD_TYPE=Release
            -DLEUKO_FETCH=OFF)
prefix=$build/prefix
if compgen -G "$root/gpu-kit/debs/*.deb" >/dev/null; then
  rm -rf "$prefix" && mkdir -p "$prefix"
  for deb in "$root"/gpu-kit/debs/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
  cmake_args+=(-DCMAKE_PREFIX_PATH="$prefix/usr")
  libs=$prefix/usr/lib/x86_64-linux-gnu
  export LD_LIBRARY_PATH=$libs:$libs/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo "gpu_check: $(ls "$root"/gpu-kit/debs/*.deb | wc -l) packages of gpu-kit/ unpacked into $prefix"
fi

# A library of NVIDIA's (cudnn, cublas, cublasLt) in the toolkit, or else in a Python wheel:
# prints the wheel's library file; the toolkit's is found by CMake itself.
toolkit_lib=$(dirname "$(command -v nvcc 2>/dev/null || echo /usr/local/cuda/bin/nvcc)")/../lib64
wheel_dirs() { python3 -c 'import site, sys; print("\n".join(site.getsitepackages() + sys.path))' 2>/dev/null | sort -u | while read -r d; do [[ -d $d/nvidia ]] && echo "$d/nvidia"; done; }
wheel_library() {
  [[ -e $toolkit_lib/lib$1.so ]] && return 0
  local dirs; mapfile -t dirs < <(wheel_dirs)
  ((${#dirs[@]})) && find "${dirs[@]}" -name "lib$1.so*" -type f 2>/dev/null | sort | head -1
}
# The wheels keep each library's headers in a folder of their own beside it, and have only
# versioned names (libcudnn.so.9): CMake is given the files, the compilers the headers.
wheel_includes=""
for vendor in cudnn cublas cublasLt; do
  lib=$(wheel_library $vendor)
  [[ -z $lib ]] && continue
  if [[ $vendor == cudnn ]]; then
    cmake_args+=(-DCUDNN_LIBRARY="$lib")
  else
    cmake_args+=(-DCUDA_${vendor}_LIBRARY="$lib")
  fi
  wheel_includes+=" -isystem $(cd "$(dirname "$lib")/../include" && pwd)"
  export LD_LIBRARY_PATH=$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo "gpu_check: $vendor from a Python wheel: $lib"
done
[[ -n $wheel_includes ]] && cmake_args+=(-DCMAKE_CXX_FLAGS="$wheel_includes" -DCMAKE_CUDA_FLAGS="$wheel_includes")

# ---- 1. Build -----------------------------------------------------------------------------
# The programs that compare a device with the CPU, found by what they call, so that a new
# test of that kind is in the check without editing this file.
mapfile -t device_tests < <(grep -rlE 'gpu_test_device|Device::cuda\b' "$root/tests" --include='*_test.cpp' |
                            xargs -n1 basename | sed 's/\.cpp$//' | sort)
targets=("${device_tests[@]}" leuko)
echo "gpu_check: ${#device_tests[@]} test programs: ${device_tests[*]}"
step configure cmake -S "$root" -B "$build" -G Ninja "${cmake_args[@]}" || { report; exit 1; }
step build cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" || { report; exit 1; }
# What the build used must be what was meant: no Debian library header from the system's
# /usr/include when a kit was unpacked (an incomplete kit would go unnoticed here and fail
# on a bare machine).
if [[ -d $prefix ]]; then
  step prefix_only bash -c "! ninja -C '$build' -t deps | grep -E '^ +/usr/include/(stb|CLI|nlohmann|doctest|boost|x86_64-linux-gnu/openblas)' | sort -u | head -5 | grep ."
fi
if [[ -z $gpu ]]; then
  echo "gpu_check: no GPU here: stopping after the build"
  report
  exit 0
fi

# ---- 2-4. On the GPU, within the budget -----------------------------------------------------
deadline=$((SECONDS + minutes * 60))
names=$(IFS='|'; echo "${device_tests[*]}")
step tests env LEUKO_TEST_GPU=1 ctest --test-dir "$build" -R "^($names)/" -j 8 \
  --output-on-failure --output-junit "$out/ctest.xml" || true
step kernels_vs_vendor "$build/leuko" bench gpu --json "$out/gpu_kernels.json" || true
for model in wbc_net prcc_autoencoder resnet18 kandel_cnn; do
  step "train_step_$model" "$build/leuko" bench train --model "$model" --device cuda --steps 10 \
    --json "$out/train_step_$model.json" || true
done
# 3. Study A's WBC net on the kit's WBC-10 with the study's recipe (spec section 2), beside
# the CPU run of the README's table; the run folder comes back without its weights.
wbc10=$root/gpu-kit/wbc-10
if [[ -d $wbc10 ]] && ((deadline - SECONDS > 120)); then
  step wbc10_train timeout $((deadline - SECONDS)) "$build/leuko" train --model wbc_net \
    --data "$wbc10" --device cuda --size 256 --epochs 10 --batch 16 --optimizer adam \
    --lr 0.01 --weight-decay 1e-4 --schedule onecycle --clip-value 0.1 --normalize none \
    --seed 0 --out "$out/wbc10-gpu" || true
  rm -f "$out/wbc10-gpu"/*.safetensors
fi
left=$((deadline - SECONDS))
if command -v compute-sanitizer >/dev/null && ((left > 60)); then
  step memcheck timeout "$left" bash -c 'build=$1; shift
      for t in "$@"; do
        LEUKO_TEST_GPU=1 compute-sanitizer --tool memcheck --error-exitcode 1 "$build/$t" || exit 1
      done' memcheck "$build" "${device_tests[@]}" || true
fi
report
