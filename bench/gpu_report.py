#!/usr/bin/env python3
"""Writes gpu_check.json from what bench/gpu_check.sh left in its output folder, and prints
a short summary: the machine, each step's seconds and exit status, the test counts (from
CTest's JUnit file) with the names of failed tests, the kernels' speed against cuDNN and
cuBLAS, and the training steps' images/s. Anything a step did not produce is null, so the
JSON of a check that stopped early (no GPU, a failed build) still says how far it got.

    bench/gpu_report.py --root REPO --out DIR --steps FILE [--gpu NAME] [--arch 90]
"""
import argparse
import datetime
import json
import os
import subprocess
import xml.etree.ElementTree as ElementTree


def read_steps(path):
    steps = []
    with open(path) as lines:
        for line in lines:
            name, seconds, status = line.split()
            steps.append({"name": name, "seconds": int(seconds), "exit": int(status)})
    return steps


def read_tests(path):
    """Counts of CTest's JUnit file; None when the tests did not run."""
    if not os.path.exists(path):
        return None
    suite = ElementTree.parse(path).getroot()
    failed, skipped, passed = [], 0, 0
    for case in suite.iter("testcase"):
        if case.find("failure") is not None or case.get("status") == "fail":
            failed.append(case.get("name"))
        elif case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
            skipped += 1
        else:
            passed += 1
    return {"passed": passed, "failed": len(failed), "skipped": skipped, "failures": failed}


def read_json(path):
    """A benchmark's JSON; None when absent, and the text when it is not JSON (a crash)."""
    if not os.path.exists(path):
        return None
    with open(path) as text:
        content = text.read()
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return {"not_json": content[-2000:]}


# The README's Study A table: wbc-10-base trained on the same 822 images on 2 CPU cores.
CPU_WBC10 = {"accuracy": 0.915, "macro_f1": 0.874, "test_loss": 0.222}


def wbc10_training(out):
    """The GPU's WBC-10 run (gpu_check.sh step 3) beside the CPU's; None when it did not run."""
    results = read_json(os.path.join(out, "wbc10-gpu", "results.json"))
    if results is None:
        return None
    timing = read_json(os.path.join(out, "wbc10-gpu", "timing.json")) or {}
    gpu = {"accuracy": results.get("accuracy"), "macro_f1": results.get("macro", {}).get("f1"),
           "test_loss": results.get("test_loss"), "wall_seconds": timing.get("wall_seconds")}
    return {"gpu": gpu, "cpu": CPU_WBC10}


def commit(root):
    try:
        return subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", required=True)
    parser.add_argument("--gpu", default="")
    parser.add_argument("--arch", default="90")
    args = parser.parse_args()

    steps = read_steps(args.steps)
    seconds = {s["name"]: s["seconds"] for s in steps}
    train_steps = {}
    for s in steps:
        if s["name"].startswith("train_step_"):
            model = s["name"][len("train_step_"):]
            # `leuko bench train --json` writes {"results": [one row a network]}.
            result = read_json(os.path.join(args.out, f"train_step_{model}.json"))
            train_steps[model] = result["results"][0] if result and "results" in result else result
    report = {
        "commit": commit(args.root),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gpu": args.gpu or None,
        "cuda_architecture": args.arch,
        "cores": os.cpu_count(),
        "steps": steps,
        "build_seconds": seconds.get("configure", 0) + seconds.get("build", 0)
                         if "build" in seconds else None,
        "tests": read_tests(os.path.join(args.out, "ctest.xml")),
        "kernels_vs_vendor": read_json(os.path.join(args.out, "gpu_kernels.json")),
        "train_step": train_steps or None,
        "wbc10_training": wbc10_training(args.out),
    }
    with open(os.path.join(args.out, "gpu_check.json"), "w") as file:
        json.dump(report, file, indent=2)
        file.write("\n")

    print(f"gpu_check: {report['gpu'] or 'no GPU'}, sm_{args.arch}, commit {report['commit']}")
    for s in steps:
        print(f"  {s['name']:<24} {s['seconds']:>5} s  exit {s['exit']}")
    tests = report["tests"]
    if tests is not None:
        print(f"  tests: {tests['passed']} passed, {tests['failed']} failed, "
              f"{tests['skipped']} skipped")
        for name in tests["failures"]:
            print(f"    FAILED {name}")
    for model, result in train_steps.items():
        if result and "images_per_s" in result:
            print(f"  train step {model}: {result['images_per_s']:.1f} images/s "
                  f"(batch {result['batch']})")
    wbc10 = report["wbc10_training"]
    if wbc10 is not None and wbc10["gpu"]["accuracy"] is not None:
        print(f"  WBC-10 on the GPU: accuracy {wbc10['gpu']['accuracy']:.3f} "
              f"(CPU: {wbc10['cpu']['accuracy']:.3f}), {wbc10['gpu']['wall_seconds']} s")
    print(f"gpu_check: {os.path.join(args.out, 'gpu_check.json')}")


if __name__ == "__main__":
    main()
