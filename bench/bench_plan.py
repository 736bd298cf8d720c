#!/usr/bin/env python3
"""Benchmark: `ci-optimizer plan` on a 60-stage Dockerfile, and what the new default targets save.

(a) plan's work after start-up: parse + roles + targets + the JSON document, in-process, median of
    many runs (target from issue 12: ≤ 50 ms);
(b) start-up: `ci-optimizer plan --help` and `ci-optimizer plan` as fresh processes (no docker import);
(c) with --runs: `ci-optimizer run --analyze none --no-hadolint` on the same file with the default
    targets and with `--targets all` (the old default): how many targets each builds, and its wall
    time with `--no-cache` (every step runs; the shared engine's cache is never pruned) and then warm.
    The images are tagged under --tag-prefix; remove them afterwards.

    .venv/bin/python bench/bench_plan.py [--runs] [--base-image local/busybox:1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prerequisites import REPO

from ci_optimizer.plan.plan_view import plan_document
from ci_optimizer.plan.prepare import RunOptions, prepare

SIXTY = REPO / "tests" / "unit" / "data" / "sixty-stages"  # inside tests/: the action image runs its tests
CLI = [sys.executable, "-m", "ci_optimizer"]


def plan_work(repeat: int) -> float:
    options = RunOptions(dockerfile=SIXTY / "Dockerfile", context=SIXTY)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        json.dumps(plan_document(prepare(options)))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def wall(argv: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=SIXTY)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run_once(extra: list[str], base_image: str, prefix: str) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        argv = [*CLI, "run", "--quiet", "--tag-prefix", prefix, "--build-arg", f"BASE_IMAGE={base_image}",
                "--analyze", "none", "--no-hadolint", "--json", str(report), *extra]
        started = time.perf_counter()
        subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, cwd=SIXTY)
        seconds = time.perf_counter() - started
        return len(json.loads(report.read_text())["targets"]), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", action="store_true", help="also time `ci-optimizer run` (needs the engine)")
    parser.add_argument("--base-image", default="local/busybox:1")
    parser.add_argument("--tag-prefix", default="cio-bench-plan")
    args = parser.parse_args()
    print("| measure | value |\n|---|---|")
    print(f"| plan work, 60 stages (median of 200) | {plan_work(200):.1f} ms |")
    print(f"| `plan --help` process wall (median of 5) | {wall([*CLI, 'plan', '--help']):.0f} ms |")
    print(f"| `plan` process wall (median of 5) | {wall([*CLI, 'plan']):.0f} ms |")
    if not args.runs:
        return
    for label, extra in (("default targets", []), ("--targets all (old default)", ["--targets", "all"])):
        targets, cold = run_once([*extra, "--no-cache"], args.base_image, args.tag_prefix)
        _, warm = run_once(extra, args.base_image, args.tag_prefix)
        print(f"| `run`, {label} | {targets} targets; --no-cache {cold:.1f} s, warm {warm:.1f} s |")


if __name__ == "__main__":
    main()
