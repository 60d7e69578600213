#!/usr/bin/env bash
# Data-parallel scaling on this machine: the same global batch of 2B images per step, as
#   1 rank  x 1 thread,  batch 2B   (the baseline)
#   2 ranks x 1 thread,  batch B    (mpirun, Open MPI over shared memory)
#   1 rank  x 2 threads, batch 2B   (the other way to use two cores)
# each with `leuko bench data-parallel` (bench/data_parallel.cpp), twice in turn so that the
# machine's drift falls on all three; the faster of the two repeats is kept. Writes
# bench/results/data_parallel.json and prints a Markdown table; scaling efficiency is
# (2-rank images/s) / (2 x 1-rank images/s). Run it on an otherwise idle machine.
#
#   bench/scaling.sh [build/leuko]
set -euo pipefail
cd "$(dirname "$0")/.."
leuko=${1:-build/leuko}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export OMP_WAIT_POLICY=passive OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun -n 2 --oversubscribe --mca btl self,vader)

# network, per-rank batch B, bucket KiB (ResNet-18's 45 MB of gradients in 4 MiB buckets)
cases=("wbc_net 8 1024" "resnet18 4 4096")
for repeat in 1 2; do
  for c in "${cases[@]}"; do
    read -r model batch bucket <<<"$c"
    common=(bench data-parallel --model "$model" --steps 5 --bucket-kib "$bucket")
    OMP_NUM_THREADS=1 "$leuko" "${common[@]}" --batch $((2 * batch)) \
      --json "$scratch/$model-1x1-$repeat.json" 2>/dev/null
    OMP_NUM_THREADS=1 "${mpirun[@]}" "$leuko" "${common[@]}" --batch "$batch" \
      --json "$scratch/$model-2x1-$repeat.json" 2>/dev/null
    OMP_NUM_THREADS=2 "$leuko" "${common[@]}" --batch $((2 * batch)) \
      --json "$scratch/$model-1x2-$repeat.json" 2>/dev/null
  done
done

python3 - "$scratch" bench/results/data_parallel.json <<'EOF'
import json, os, platform, sys
scratch, out = sys.argv[1], sys.argv[2]
def best(name):  # the faster repeat
    rows = [json.load(open(os.path.join(scratch, f"{name}-{r}.json")))["results"][0] for r in (1, 2)]
    return max(rows, key=lambda r: r["images_per_s"])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor())
summary = []
print("| network | gradients | 1 rank x 1 thread | 2 ranks x 1 thread | efficiency | "
      "communication / step | overlap saves | 1 rank x 2 threads |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for model in ("wbc_net", "resnet18"):
    one, two, threads = best(f"{model}-1x1"), best(f"{model}-2x1"), best(f"{model}-1x2")
    efficiency = two["images_per_s"] / (2 * one["images_per_s"])
    summary.append({"model": model, "global_batch": one["batch_per_rank"],
                    "one_rank": one, "two_ranks": two, "one_rank_two_threads": threads,
                    "scaling_efficiency": efficiency})
    print(f"| {model} | {two['gradient_bytes'] / 1e6:.1f} MB, {two['buckets']} buckets | "
          f"{one['images_per_s']:.2f} img/s | {two['images_per_s']:.2f} img/s | {efficiency:.2f} | "
          f"{1e3 * two['communication_s']:.1f} ms of {1e3 * two['overlapped_step_s']:.0f} ms | "
          f"{1e3 * two['overlap_saves_s']:.1f} ms | {threads['images_per_s']:.2f} img/s |")
json.dump({"cpu": cpu, "results": summary}, open(out, "w"), indent=2)
print(f"(wrote {out}; {cpu})")
EOF
