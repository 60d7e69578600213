#!/usr/bin/env python3
"""Two MPI ranks train the same model as one process with the doubled batch.

Usage: mpi_train_test.py LEUKO MPIRUN WORKDIR

Trains the pRCC autoencoder (no batch norm, whose statistics are per rank) on generated
cells for two epochs three times: `mpirun -n 2 leuko train --batch 2`, `leuko train --batch 4`
and `leuko train --batch 2`. Every loss of the first two runs (training and validation per
epoch, test) must agree, and the third must differ: it shows that the check can fail, i.e.
that the two ranks really combine their halves of each batch.

Tolerance: relative 1e-4. The ranks sum their scaled gradients in another order than one
process sums its batch, so the weights differ by float rounding; Adam divides by
sqrt(v) and can enlarge that for near-zero gradients. Measured on a 2-core EPYC: 4e-8.
"""
import json
import os
import shutil
import subprocess
import sys

leuko, mpirun, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
common = ["train", "--model", "prcc_autoencoder", "--size", "32", "--epochs", "2",
          "--synthetic-per-class", "4", "--workers", "0", "--lr", "0.001", "--seed", "3"]
env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", LEUKO_COLLECTIVE_TIMEOUT="120")
env.pop("LEUKO_DATA", None)  # generated cells, the same in every run


def train(out, batch, ranks=1):
    folder = os.path.join(work, out)
    shutil.rmtree(folder, ignore_errors=True)
    command = [leuko] + common + ["--batch", str(batch), "--out", folder]
    if ranks > 1:
        # Shared memory between the ranks of this machine; no network.
        command = [mpirun, "-n", str(ranks), "--oversubscribe", "--mca", "btl", "self,vader"] + command
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        sys.exit(f"mpi_train_test: {' '.join(command)} failed:\n{run.stdout}\n{run.stderr}")
    with open(os.path.join(folder, "results.json")) as f:
        results = json.load(f)
    losses = [results["test_loss"]]
    for epoch in results["history"]:
        losses += [epoch["train_loss"], epoch["val_loss"]]
    return losses


def close(a, b):
    return all(abs(x - y) <= 1e-4 * abs(y) for x, y in zip(a, b))


two_ranks = train("two-ranks", 2, ranks=2)
one_process = train("one-process", 4)
half_batch = train("half-batch", 2)
print("2 ranks x batch 2:", two_ranks)
print("1 rank x batch 4: ", one_process)
print("1 rank x batch 2: ", half_batch)
if not close(two_ranks, one_process):
    sys.exit("mpi_train_test: 2 ranks of batch 2 do not train as 1 process of batch 4")
if close(half_batch, one_process):
    sys.exit("mpi_train_test: batch 2 and batch 4 agree: the check cannot tell them apart")
print("mpi_train_test: 2 ranks match 1 process with the doubled batch (rtol 1e-4)")
