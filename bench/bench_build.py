#!/usr/bin/env python3
"""Benchmark: ci-optimizer's one-graph build against the manual way, cold and warm.

(a) manual: `docker build --target X` for each target in turn, then `docker image inspect`;
(b) `ci-optimizer run` (bake of every target, tester, measurement, report).

Cold means an empty BuildKit cache: this script runs `docker builder prune -af` before each cold
run (build cache only; images are kept). Prints a table and the ratio b/a. Targets from issue 2:
≤ 1.0 cold, ≤ 1.2 warm.

    .venv/bin/python bench/bench_build.py [--fixtures ../shared/bench-fixtures] [--only small,medium]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGETS = ("builder", "tester", "production")
REPO = Path(__file__).resolve().parents[1]


def sh(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def prune() -> None:
    sh(["docker", "builder", "prune", "-af"])


def manual(fixture: Path, name: str) -> float:
    started = time.perf_counter()
    for target in TARGETS:
        sh(["docker", "build", "--target", target, "-t", f"bench-manual/{name}:{target}", str(fixture)])
    sh(["docker", "image", "inspect", *(f"bench-manual/{name}:{t}" for t in TARGETS)])
    return time.perf_counter() - started


def tool(fixture: Path, name: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [str(REPO / ".venv/bin/ci-optimizer"), "run", "--context", str(fixture), "--quiet", "--tag-prefix",
         "bench-tool", "--json", f"/tmp/bench-{name}.json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"ci-optimizer failed on {name}: {result.stderr.strip()[-500:]}")
    return elapsed


def measure(fixture: Path, name: str, warm_runs: int) -> dict[str, float]:
    prune()
    cold_a = manual(fixture, name)
    prune()
    cold_b = tool(fixture, name)
    warm_a = statistics.median(manual(fixture, name) for _ in range(warm_runs))
    warm_b = statistics.median(tool(fixture, name) for _ in range(warm_runs))
    return {"cold_a": cold_a, "cold_b": cold_b, "warm_a": warm_a, "warm_b": warm_b}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=REPO.parent / "shared" / "bench-fixtures")
    parser.add_argument("--only", default="small,medium,large")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for name in args.only.split(","):
        fixture = args.fixtures / name
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows.append((name, measure(fixture, name, args.warm_runs)))
    print(f"{'fixture':<8} {'cold manual':>12} {'cold ci-opt':>12} {'ratio':>6} "
          f"{'warm manual':>12} {'warm ci-opt':>12} {'ratio':>6}")
    for name, m in rows:
        print(f"{name:<8} {m['cold_a']:>11.2f}s {m['cold_b']:>11.2f}s {m['cold_b'] / m['cold_a']:>6.2f} "
              f"{m['warm_a']:>11.2f}s {m['warm_b']:>11.2f}s {m['warm_b'] / m['warm_a']:>6.2f}")
    print("targets: cold ratio ≤ 1.00, warm ratio ≤ 1.20 (b/a; lower is better)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
