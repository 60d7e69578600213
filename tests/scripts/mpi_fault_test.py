#!/usr/bin/env python3
"""A rank that dies or hangs stops a data-parallel run with a clear message, and the same
command then resumes it from the last checkpoint to the uninterrupted run's results.

Usage: mpi_fault_test.py LEUKO MPIRUN WORKDIR

Three runs of `mpirun -n 2 leuko train --model tiny_cnn` on generated cells:
  reference  uninterrupted;
  killed     rank 1 gets SIGKILL once the first checkpoint is written: mpirun must stop
             rank 0 and exit non-zero within a minute (no hang); the same command then
             resumes ("resuming from ...") and must end with the reference's losses;
  stuck      rank 1 gets SIGSTOP (alive, but no longer taking part) with
             LEUKO_COLLECTIVE_TIMEOUT=5: rank 0's next collective must give up after 5 s
             with a message naming the collective and the timeout, and mpirun must end the
             job.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

leuko, mpirun, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", LEUKO_COLLECTIVE_TIMEOUT="60")
env.pop("LEUKO_DATA", None)  # generated cells, the same in every run


def command(folder):
    # Epochs of about half a second, so that a signal lands while the run is in its middle.
    return [mpirun, "-n", "2", "--oversubscribe", "--mca", "btl", "self,vader", leuko, "train",
            "--model", "tiny_cnn", "--size", "32", "--epochs", "12", "--batch", "2",
            "--synthetic-per-class", "16", "--workers", "0", "--seed", "5", "--out", folder]


def fail(message, run=None):
    if run is not None:
        message += f"\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    sys.exit(f"mpi_fault_test: {message}")


def losses(folder):
    with open(os.path.join(folder, "results.json")) as f:
        results = json.load(f)
    return [results["test_loss"]] + [e["train_loss"] for e in results["history"]]


def rank_pid(folder, rank):
    """The pid of the leuko process of `rank` that trains into `folder`, or None."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                arguments = f.read().split(b"\0")
            with open(f"/proc/{pid}/environ", "rb") as f:
                environment = f.read().split(b"\0")
        except OSError:
            continue
        if (os.path.basename(arguments[0]) == b"leuko" and folder.encode() in arguments
                and f"OMPI_COMM_WORLD_RANK={rank}".encode() in environment):
            return int(pid)
    return None


def interrupt(name, signal_number, extra_env):
    """Starts a run, sends rank 1 the signal after the first checkpoint, returns the run."""
    folder = os.path.join(work, name)
    shutil.rmtree(folder, ignore_errors=True)
    run = subprocess.Popen(command(folder), env=dict(env, **extra_env), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    checkpoint = os.path.join(folder, "checkpoint.safetensors")
    deadline = time.monotonic() + 120
    while not os.path.exists(checkpoint):
        if run.poll() is not None or time.monotonic() > deadline:
            run.kill()
            fail(f"{name}: the run ended or stalled before its first checkpoint")
        time.sleep(0.02)
    pid = rank_pid(folder, 1)
    if pid is None:
        fail(f"{name}: no rank 1 process found")
    os.kill(pid, signal_number)
    started = time.monotonic()
    try:
        stdout, stderr = run.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        run.kill()
        fail(f"{name}: mpirun still runs 90 s after rank 1 got signal {signal_number}: a hang")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)  # a stopped rank that mpirun left behind
        except ProcessLookupError:
            pass
    result = subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)
    seconds = time.monotonic() - started
    print(f"{name}: mpirun exited {run.returncode}, {seconds:.1f} s after the signal")
    if run.returncode == 0:
        fail(f"{name}: mpirun exited 0 although rank 1 got signal {signal_number}", result)
    if os.path.exists(os.path.join(folder, "results.json")):
        fail(f"{name}: the run finished before the signal; make its epochs longer", result)
    return folder, result, seconds


reference_folder = os.path.join(work, "reference")
shutil.rmtree(reference_folder, ignore_errors=True)
reference = subprocess.run(command(reference_folder), env=env, capture_output=True, text=True,
                           timeout=600)
if reference.returncode != 0:
    fail("the uninterrupted run failed", reference)
expected = losses(reference_folder)

# A dead rank: mpirun notices and ends the job; the same command resumes it.
folder, killed, _ = interrupt("killed", signal.SIGKILL, {})
resumed = subprocess.run(command(folder), env=env, capture_output=True, text=True, timeout=600)
if resumed.returncode != 0:
    fail("killed: the same command did not resume the run", resumed)
if "resuming from" not in resumed.stdout:
    fail("killed: the second run did not say that it resumes", resumed)
got = losses(folder)
# Resuming is exact in one process (crash_test); here the same 2 ranks redo the same sums.
if got != expected:
    fail(f"killed: the resumed run's losses {got} are not the uninterrupted run's {expected}")
print("killed: resumed to the uninterrupted run's losses, bit for bit")

# A stuck rank: rank 0's collective times out with a clear message.
_, stuck, seconds = interrupt("stuck", signal.SIGSTOP, {"LEUKO_COLLECTIVE_TIMEOUT": "5"})
if "waited 5 s for the other ranks" not in stuck.stderr:
    fail("stuck: no timeout message from rank 0", stuck)
if seconds > 60:
    fail(f"stuck: mpirun took {seconds:.0f} s to end the job after a 5 s timeout")
message = next(line for line in stuck.stderr.splitlines() if "waited 5 s" in line)
print(f"stuck: {message}")
print("mpi_fault_test: a dead rank and a stuck rank stop the run; the run resumes")
