#!/usr/bin/env python3
"""Two MPI ranks train the same model as one process with the doubled batch.

Usage: mpi_train_test.py LEUKO MPIRUN WORKDIR

Trains on generated cells for two epochs, three ways each: `mpirun -n 2 leuko train --batch 2`,
`leuko train --batch 4` and a third run that must come out different (it shows that the check
can fail). Every loss of the first two (training and validation per epoch, test) and every
weight and buffer of their last checkpoints must agree.
  prcc_autoencoder  no batch norm; the third run: one process with --batch 2, i.e. the two
                    ranks really combine their halves of each batch;
  wbc_net, tiny_cnn batch norm, synchronised over the ranks (--sync-bn); the third run: two
                    ranks without --sync-bn, whose statistics are each rank's own (the default,
                    as PyTorch's DDP), which trains another model.

Tolerance: relative 1e-4 (a weight's difference over its tensor's largest magnitude). The
ranks sum their scaled gradients (and sync BN its statistics, in double) in another order than
one process sums its batch, so the weights differ by float rounding. Adam divides by sqrt(v),
which turns the rounding of a near-zero gradient into a step of up to lr: with Adam the
batch-norm networks' losses differed by up to 5e-5, too near the tolerance to hold on every
CPU, so they train with SGD (momentum 0.9), whose steps are linear in the gradient. Measured on
a 2-core EPYC: at most 1.6e-7 (autoencoder, Adam), 8.8e-7 (WBC net) and 3.2e-7 (tiny CNN);
the runs that must differ differ by 0.2 and more.
"""
import array
import json
import os
import shutil
import struct
import subprocess
import sys

leuko, mpirun, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
common = ["train", "--size", "32", "--epochs", "2", "--synthetic-per-class", "4", "--workers", "0",
          "--seed", "3"]
adam = ["--optimizer", "adam", "--lr", "0.001"]
sgd = ["--optimizer", "sgd", "--lr", "0.01", "--momentum", "0.9"]
env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", LEUKO_COLLECTIVE_TIMEOUT="120")
env.pop("LEUKO_DATA", None)  # generated cells, the same in every run


def train(model, out, batch, ranks=1, flags=()):
    folder = os.path.join(work, model, out)
    shutil.rmtree(folder, ignore_errors=True)
    command = [leuko] + common + ["--model", model, "--batch", str(batch), "--out", folder]
    command += list(flags)
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
    return {"losses": losses, "weights": model_weights(os.path.join(folder, "checkpoint.safetensors"))}


def model_weights(path):
    """The float32 model tensors of a leuko checkpoint (a safetensors file), by name."""
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        data = f.read()
    weights = {}
    for name, entry in header.items():
        if name.startswith("model.") and entry["dtype"] == "F32":
            begin, end = entry["data_offsets"]
            weights[name] = array.array("f", data[begin:end])  # little-endian, as x86-64
    return weights


def worst(a, b):
    """The largest relative difference of the losses and of the weights (each tensor's
    largest difference over its largest magnitude)."""
    losses = max(abs(x - y) / abs(y) for x, y in zip(a["losses"], b["losses"]))
    weights = max(max(abs(x - y) for x, y in zip(a["weights"][k], w)) / max(max(map(abs, w)), 1e-6)
                  for k, w in b["weights"].items())
    return max(losses, weights)


def check(model, two_ranks, one_process, different, what_differs):
    print(f"{model}: 2 ranks x batch 2: losses {two_ranks['losses']}")
    print(f"{model}: 1 rank x batch 4:  losses {one_process['losses']}")
    print(f"{model}: {what_differs}: losses {different['losses']}")
    if worst(two_ranks, one_process) > 1e-4:
        sys.exit(f"mpi_train_test: {model}: 2 ranks of batch 2 do not train as 1 process of batch 4 "
                 f"(worst relative difference {worst(two_ranks, one_process):.2e})")
    if worst(different, one_process) <= 1e-4:
        sys.exit(f"mpi_train_test: {model}: {what_differs} agrees with 1 process of batch 4: "
                 "the check cannot tell them apart")
    print(f"mpi_train_test: {model}: 2 ranks match 1 process with the doubled batch in every loss "
          f"and weight (worst relative difference {worst(two_ranks, one_process):.1e}, rtol 1e-4; "
          f"{what_differs}: {worst(different, one_process):.1e})")


check("prcc_autoencoder", train("prcc_autoencoder", "two-ranks", 2, ranks=2, flags=adam),
      train("prcc_autoencoder", "one-process", 4, flags=adam),
      train("prcc_autoencoder", "half-batch", 2, flags=adam), "1 rank x batch 2")
for model in ("wbc_net", "tiny_cnn"):
    check(model, train(model, "two-ranks-sync-bn", 2, ranks=2, flags=sgd + ["--sync-bn"]),
          train(model, "one-process", 4, flags=sgd),
          train(model, "two-ranks-own-bn", 2, ranks=2, flags=sgd),
          "2 ranks x batch 2, each rank's own BN")
