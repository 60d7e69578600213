#!/usr/bin/env python3
"""bench/gpu_report.py: the GPU check's JSON, from a check that stopped after the build (no
GPU) and from one that ran everything, with a failed test, a skipped one and a benchmark
that crashed. The JUnit file has the layout CTest 3.25 writes with --output-junit."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORT = os.path.join(ROOT, "bench", "gpu_report.py")

JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="4" failures="1" disabled="0" skipped="1" hostname="" time="3">
  <testcase name="conv2d_test/forward" classname="conv2d_test/forward" time="0.1" status="run">
    <system-out>ok</system-out>
  </testcase>
  <testcase name="conv2d_test/backward" classname="conv2d_test/backward" time="0.1" status="run">
  </testcase>
  <testcase name="ssim_test/gpu" classname="ssim_test/gpu" time="0.2" status="fail">
    <failure message="Failed"/>
    <system-out>check_close: y[3] is 1.5, expected 1.0</system-out>
  </testcase>
  <testcase name="pool_test/data" classname="pool_test/data" time="0" status="notrun">
    <skipped message="Disabled"/>
  </testcase>
</testsuite>
"""


def run_report(folder, steps, gpu=""):
    with open(os.path.join(folder, "steps"), "w") as file:
        file.write("".join(f"{name} {seconds} {status}\n" for name, seconds, status in steps))
    result = subprocess.run([sys.executable, REPORT, "--root", ROOT, "--out", folder,
                             "--steps", os.path.join(folder, "steps"), "--gpu", gpu],
                            capture_output=True, text=True, check=True)
    with open(os.path.join(folder, "gpu_check.json")) as file:
        return json.load(file), result.stdout


class GpuReport(unittest.TestCase):
    def test_a_check_without_gpu_reports_the_build_only(self):
        with tempfile.TemporaryDirectory() as folder:
            report, summary = run_report(folder, [("configure", 12, 0), ("build", 300, 0)])
        self.assertIsNone(report["gpu"])
        self.assertEqual(report["build_seconds"], 312)
        self.assertIsNone(report["tests"])
        self.assertIsNone(report["kernels_vs_vendor"])
        self.assertIsNone(report["train_step"])
        self.assertIsNone(report["wbc10_training"])
        self.assertEqual([s["name"] for s in report["steps"]], ["configure", "build"])
        self.assertIn("no GPU", summary)

    def test_a_full_check_counts_tests_and_keeps_a_crashed_benchmark_text(self):
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "ctest.xml"), "w") as file:
                file.write(JUNIT)
            with open(os.path.join(folder, "gpu_kernels.json"), "w") as file:
                json.dump({"conv": [{"shape": "c1"}]}, file)
            with open(os.path.join(folder, "train_step_wbc_net.json"), "w") as file:
                json.dump({"results": [{"images_per_s": 812.5, "batch": 16}]}, file)
            with open(os.path.join(folder, "train_step_resnet18.json"), "w") as file:
                file.write("cuda: an illegal memory access was encountered")
            os.mkdir(os.path.join(folder, "wbc10-gpu"))
            with open(os.path.join(folder, "wbc10-gpu", "results.json"), "w") as file:
                json.dump({"accuracy": 0.9, "macro": {"f1": 0.85}, "test_loss": 0.3}, file)
            with open(os.path.join(folder, "wbc10-gpu", "timing.json"), "w") as file:
                json.dump({"wall_seconds": 95.5}, file)
            report, summary = run_report(
                folder, [("configure", 10, 0), ("build", 90, 0), ("tests", 40, 8),
                         ("train_step_wbc_net", 3, 0), ("train_step_resnet18", 1, 1)],
                gpu="NVIDIA H200, 580.159.04, 143771 MiB")
        self.assertEqual(report["gpu"], "NVIDIA H200, 580.159.04, 143771 MiB")
        self.assertEqual(report["tests"], {"passed": 2, "failed": 1, "skipped": 1,
                                           "failures": ["ssim_test/gpu"]})
        self.assertEqual(report["kernels_vs_vendor"], {"conv": [{"shape": "c1"}]})
        self.assertEqual(report["train_step"]["wbc_net"]["images_per_s"], 812.5)
        self.assertIn("illegal memory access", report["train_step"]["resnet18"]["not_json"])
        self.assertEqual(report["steps"][2], {"name": "tests", "seconds": 40, "exit": 8})
        self.assertIn("FAILED ssim_test/gpu", summary)
        self.assertIn("812.5 images/s", summary)
        self.assertEqual(report["wbc10_training"]["gpu"],
                         {"accuracy": 0.9, "macro_f1": 0.85, "test_loss": 0.3,
                          "wall_seconds": 95.5})
        self.assertEqual(report["wbc10_training"]["cpu"]["accuracy"], 0.915)
        self.assertIn("WBC-10 on the GPU: accuracy 0.900 (CPU: 0.915), 95.5 s", summary)


if __name__ == "__main__":
    unittest.main()
