#!/usr/bin/env python3
"""Runs what docs/ shows, so that the docs cannot rot.

    docs_test.py SOURCE_DIR BUILD_DIR

For every Markdown file under docs/:
- each ```console block is run: a line starting with "$ " is a command (bash, from the
  source folder, with a leading "build/" meaning BUILD_DIR); every other line of the block
  must appear, whole, in that command's output, and the command must exit with 0;
- every path in backticks (a name with a '/' and no spaces or '<') must exist in the source
  tree.
A gdb command is skipped, loudly, where gdb cannot trace a program (no ptrace in this
sandbox); the test then exits with 77, which CTest reports as skipped, not passed.
"""
import pathlib
import re
import subprocess
import sys

SKIPPED = 77  # CTest's SKIP_RETURN_CODE for this test


def console_blocks(text):
    """Yields (first line number, lines) of each ```console block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            start, block = i + 2, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                block.append(lines[i])
                i += 1
            yield start, block
        i += 1


def commands_with_expected_output(block):
    """Splits a block into (command, [expected output lines])."""
    pairs = []
    for line in block:
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif line.strip():
            if not pairs:
                raise ValueError(f"output line before any command: {line!r}")
            pairs[-1][1].append(line.rstrip())
    return pairs


def gdb_can_trace():
    run = subprocess.run(["gdb", "-batch", "-q", "-ex", "run", "/bin/true"],
                         capture_output=True, text=True)
    return run.returncode == 0 and "exited normally" in run.stdout


def backticked_paths(text):
    for match in re.finditer(r"`([^`\s]+)`", text):
        name = match.group(1)
        # A name with '<' is a pattern (kernels/cpu/<stem>.cpp), not a path.
        if "/" in name and not name.startswith(("http", "-", "$")) and not set(name) & set("=<*"):
            yield name.rstrip(".,:;")


def main():
    source, build = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
    docs = sorted((source / "docs").rglob("*.md"))
    if not docs:
        print("docs_test: no Markdown files under docs/")
        return 1
    failures, skipped, ran = [], [], 0
    traceable = None
    for doc in docs:
        name = doc.relative_to(source)
        text = doc.read_text()
        for path in backticked_paths(text):
            if path.startswith("build/"):
                continue  # built files are checked by running the commands
            if not (source / path).exists():
                failures.append(f"{name}: names `{path}`, which does not exist")
        for line_number, block in console_blocks(text):
            for command, expected in commands_with_expected_output(block):
                if command.startswith("gdb "):
                    if traceable is None:
                        traceable = gdb_can_trace()
                    if not traceable:
                        skipped.append(f"{name}:{line_number}: {command}")
                        continue
                shell_command = re.sub(r"(^|[\s=])build/", lambda m: m.group(1) + str(build) + "/",
                                       command)
                run = subprocess.run(["bash", "-o", "pipefail", "-c", shell_command], cwd=source,
                                     capture_output=True, text=True, timeout=300)
                ran += 1
                output = {line.rstrip() for line in (run.stdout + run.stderr).splitlines()}
                where = f"{name}:{line_number}: `{command}`"
                if run.returncode != 0:
                    failures.append(f"{where} exited with {run.returncode}:\n"
                                    f"{(run.stdout + run.stderr)[-2000:]}")
                    continue
                for line in expected:
                    if line not in output:
                        failures.append(f"{where}: its output lacks the line\n    {line}\n"
                                        f"output:\n{(run.stdout + run.stderr)[-2000:]}")
    print(f"docs_test: {len(docs)} docs, {ran} commands run, {len(skipped)} skipped, "
          f"{len(failures)} failures")
    for failure in failures:
        print("FAIL", failure)
    for skip in skipped:
        print("SKIPPED (gdb cannot trace a program here)", skip)
    if failures:
        return 1
    return SKIPPED if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
