#!/usr/bin/env bash
# Training throughput and peak memory of leuko against PyTorch (Debian's python3-torch), the
# same network, batch and thread count, timed back to back in the same run. Prints a table
# and writes bench/results/vs_pytorch.json (rows of networks not named this time are kept).
#
#   scripts/bench_vs_pytorch.sh [MODEL...]     MODEL: wbc_net autoencoder resnet18 kandel_cnn
#
# "ratio" is images/s (wall clock), "cpu ratio" the same from CPU seconds per image (PyTorch's
# over ours), which stays meaningful when other work shares the machine.
# Environment: THREADS (default 2), STEPS (timed steps per network, default 5), BUILD_DIR
# (default build). Both frameworks run under the same OpenBLAS settings: whatever
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE the caller exports (unset them for AVX-512 sgemm).
set -euo pipefail
cd "$(dirname "$0")/.."
models=("$@")
[[ ${#models[@]} -eq 0 ]] && models=(wbc_net autoencoder resnet18 kandel_cnn)
threads=${THREADS:-2}
steps=${STEPS:-5}
build=${BUILD_DIR:-build}
export OMP_NUM_THREADS=$threads
if [[ ! -x $build/bench/bench_train_step ]]; then
  cmake -S . -B "$build" -G Ninja >/dev/null
  ninja -C "$build" bench_train_step >/dev/null
fi
mkdir -p bench/results
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for model in "${models[@]}"; do
  "$build/bench/bench_train_step" "$model" --steps "$steps" --json "$scratch/$model.leuko.json" >/dev/null
  /usr/bin/python3 scripts/bench_pytorch.py "$model" --steps "$steps" --threads "$threads" \
    --json "$scratch/$model.pytorch.json" >/dev/null
done
/usr/bin/python3 - "$scratch" bench/results/vs_pytorch.json "${models[@]}" <<'PY'
import json, os, sys
scratch, out, models = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
print(f"{'model':12} {'batch':>5} {'leuko img/s':>12} {'torch img/s':>12} {'ratio':>6}"
      f" {'cpu ratio':>9} {'leuko MiB':>10} {'torch MiB':>10} {'mem ratio':>9}")
for model in models:
    ours = json.load(open(os.path.join(scratch, model + ".leuko.json")))
    theirs = json.load(open(os.path.join(scratch, model + ".pytorch.json")))
    row = {"model": model, "batch": ours["batch"], "input": ours["input"], "threads": ours["threads"],
           "leuko": ours, "pytorch": theirs,
           "throughput_ratio": ours["images_per_s"] / theirs["images_per_s"],
           "cpu_time_ratio": theirs["cpu_s_per_image"] / ours["cpu_s_per_image"],
           "peak_rss_ratio": ours["peak_rss_mib"] / theirs["peak_rss_mib"]}
    rows.append(row)
    print(f"{model:12} {row['batch']:>5} {ours['images_per_s']:>12.2f} {theirs['images_per_s']:>12.2f}"
          f" {row['throughput_ratio']:>6.2f} {row['cpu_time_ratio']:>9.2f} {ours['peak_rss_mib']:>10.0f} {theirs['peak_rss_mib']:>10.0f}"
          f" {row['peak_rss_ratio']:>9.2f}")
env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
for row in rows:
    row["environment"] = env
# Networks measured earlier and not named this time keep their rows.
previous = json.load(open(out))["results"] if os.path.exists(out) else []
kept = [row for row in previous if row["model"] not in models]
with open(out, "w") as f:
    json.dump({"results": kept + rows}, f, indent=2)
    f.write("\n")
print("wrote", out)
PY
