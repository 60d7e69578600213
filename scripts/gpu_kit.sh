#!/usr/bin/env bash
# Packs what a bare GPU machine needs to build leuko, into gpu-kit/ (ignored by git; the
# device tool carries it with the working tree): the .deb files of the build's Debian
# libraries, fetched with `apt-get download` (nothing is installed here). On the GPU machine
# bench/gpu_check.sh unpacks them with dpkg-deb into a private prefix, never over /.
#
#   scripts/gpu_kit.sh     then, there: bench/gpu_check.sh --out DIR
#
# What the GPU machine already has (the H200 this project borrows: nvcc 13, CMake, ninja,
# g++, Python with PyTorch's cuDNN/cuBLAS wheels) is not packed. About 23 MB.
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
