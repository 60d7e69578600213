#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with Clang (ASan + UBSan, -DLEUKO_FUZZ=ON) in
# build-fuzz/, makes the seed corpora (scripts/make_fuzz_corpus.sh) when missing, and runs
# each target for FUZZ_SECONDS (default 60) seconds. A crash, leak, report, an input slower
# than 20 s or a process above 2.5 GB fails the run; the input that did it is saved as
# fuzz-corpus/crashes/<kind>-<hash>, to be replayed with build-fuzz/tests/fuzz/fuzz_<target> FILE.
#   scripts/fuzz.sh [TARGET...]    targets: safetensors image run_config cli (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --fuzz
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
((${#targets[@]})) || targets=(safetensors image run_config cli)
if [[ ! -f build-fuzz/build.ninja ]]; then
  CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLEUKO_FUZZ=ON -DLEUKO_CUDA=OFF -DLEUKO_MPI=OFF -DLEUKO_BUILD_TESTS=OFF
fi
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
if [[ ! -d fuzz-corpus ]]; then
  [[ -x build/leuko ]] || scripts/build.sh
  scripts/make_fuzz_corpus.sh build/leuko
fi
mkdir -p fuzz-corpus/crashes
for target in "${targets[@]}"; do
  log=fuzz-corpus/$target.log
  # New inputs that reach new code are added to fuzz-corpus/<target>/ (the first folder).
  if ! build-fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -rss_limit_mb=2560 -timeout=20 \
         -print_final_stats=1 -artifact_prefix=fuzz-corpus/crashes/ \
         fuzz-corpus/"$target" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: fuzz_$target FAILED (log: $log, input: fuzz-corpus/crashes/)"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: fuzz_$target: $runs inputs in $seconds s, no crash, leak or hang"
done
echo "fuzz: passed, ${#targets[@]} target(s) x $seconds s"
