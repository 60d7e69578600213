#!/usr/bin/env bash
# Packs what a bare GPU machine needs to build leuko, into gpu-kit/ (ignored by git; the
# device tool carries it with the working tree): the .deb files of the build's Debian
# libraries, fetched with `apt-get download` (nothing is installed here), and, when a data
# root is here, Study A's WBC-10 for the check's training run. On the GPU machine
# bench/gpu_check.sh unpacks the packages with dpkg-deb into a private prefix, never over /.
#
#   scripts/gpu_kit.sh     then, there: bench/gpu_check.sh --out DIR
#
# What the GPU machine already has (the H200 this project borrows: nvcc 13, CMake, ninja,
# g++, Python with PyTorch's cuDNN/cuBLAS wheels) is not packed. About 23 MB, and 23 MB of
# images (never committed: gpu-kit/ is ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
kit=gpu-kit/debs

# The version of Boost that Debian's libboost-context-dev points at (1.74 on Debian 12).
boost=$(apt-cache depends libboost-context-dev | sed -n 's/^ *Depends: libboost-context\(.*\)-dev$/\1/p')
[[ -n "$boost" ]] || { echo "gpu_kit: cannot tell which Boost libboost-context-dev depends on"; exit 1; }

# The headers and libraries of scripts/setup.sh's build packages, with the runtime libraries
# that are not on a stock Ubuntu/Debian image (libgfortran for OpenBLAS). Google Benchmark is
# left out: the check builds no benchmark that uses it.
packages=(libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libgfortran5
          libstb-dev doctest-dev libcli11-dev nlohmann-json3-dev
          "libboost$boost-dev" "libboost-context$boost-dev" "libboost-context$boost.0")

mkdir -p "$kit"
rm -f "$kit"/*.deb.partial
(cd "$kit" && apt-get download "${packages[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
missing=()
for p in "${packages[@]}"; do
  compgen -G "$kit/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "gpu_kit: could not download ${missing[*]} (is Debian's package mirror reachable?)"
  exit 1
fi
# One version of each package: an older one left from an earlier run is removed.
for p in "${packages[@]}"; do
  mapfile -t versions < <(ls -t "$kit/${p}"_*.deb)
  ((${#versions[@]} > 1)) && rm -f "${versions[@]:1}"
done
echo "gpu_kit: ${#packages[@]} packages, $(du -sh "$kit" | cut -f1) in $kit"

# Study A's WBC-10 as its wbc-10-base sub-run sees it (822 training images, pbc/test split
# 1,299 / 556 into test and validation), laid out by `leuko subsets --write`: the GPU
# machine gets no copy of ../shared/data, and all of pbc (84 MB) is more than it carries.
data=${LEUKO_DATA:-../shared/data}
if [[ -d $data/pbc && ! -d gpu-kit/wbc-10 ]]; then
  [[ -x build/leuko ]] || scripts/build.sh
  build/leuko subsets --data "$data" --write 10 --out gpu-kit/wbc-10
fi
[[ -d gpu-kit/wbc-10 ]] || echo "gpu_kit: no pbc under $data: the check will not train WBC-10"
echo "gpu_kit: $(du -sh gpu-kit | cut -f1) in gpu-kit/ in all"
