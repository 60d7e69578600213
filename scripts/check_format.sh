#!/usr/bin/env bash
# Checks that every tracked C++/CUDA source is laid out as .clang-format says (CI runs it).
#   scripts/check_format.sh          list the files that differ, exit 1 if any
#   scripts/check_format.sh --fix    rewrite them in place
# The layout is clang-format's, so its version matters: Debian 12's clang-format (14) is the
# one the tree is formatted with; another version may move a few lines differently.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format not found (apt install clang-format)"; exit 2; }
mapfile -t sources < <(git ls-files '*.cpp' '*.h' '*.cu' '*.cuh')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${sources[@]}"
  exit 0
fi
bad=()
for f in "${sources[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "check_format: ${#bad[@]} of ${#sources[@]} files differ from .clang-format ($(clang-format --version | grep -o 'version [0-9.]*')):"
  printf '  %s\n' "${bad[@]}"
  echo "check_format: run scripts/check_format.sh --fix"
  exit 1
fi
echo "check_format: all ${#sources[@]} sources as .clang-format says"
