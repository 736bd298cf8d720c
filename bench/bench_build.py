#!/usr/bin/env python3
"""Benchmark: ci-optimizer's one-graph build against the manual way, cold and warm.

(a) manual: `docker build --target X` for each target in turn, then `docker image inspect`;
(b) `ci-optimizer run --analyze none --no-hadolint`: the same work (every target, the tester,
    measurement, report), so the ratio b/a says what the one-graph build costs or saves;
(c) `ci-optimizer run` as a user runs it by default, which also streams production out of the
    engine for the layer analysis and runs the checklist (hadolint included): shown for reference.

Cold means an empty BuildKit cache: this script runs `docker builder prune -af` before each cold
run (build cache only; images are kept). Prints a table and the ratio b/a. Targets from issue 2:
≤ 1.0 cold, ≤ 1.2 warm.

    .venv/bin/python bench/bench_build.py [--fixtures bench/fixtures] [--only small,medium]

The fixtures build on local base images: `make provision-all` makes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from prerequisites import FIXTURES, fixture_dirs, require_cli

TARGETS = ("builder", "tester", "production")


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


CORE = ("--analyze", "none", "--no-hadolint")


def tool(fixture: Path, name: str, extra: tuple[str, ...] = CORE) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [str(require_cli()), "run", "--context", str(fixture), "--quiet", "--tag-prefix",
         "bench-tool", "--json", f"/tmp/bench-{name}.json", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    # Exit 1 is a verdict (a check, budget or test failed): the run was timed all the same. Only
    # an error (2) or a target that did not build makes the figure meaningless.
    if result.returncode == 1:
        report = json.loads(Path(f"/tmp/bench-{name}.json").read_text(encoding="utf-8"))
        broken = [t["name"] for t in report["targets"] if t["status"] != "built"]
        if not broken:
            return elapsed
        sys.exit(f"ci-optimizer could not build {', '.join(broken)} of {name}")
    if result.returncode != 0:
        sys.exit(f"ci-optimizer failed on {name}: {result.stderr.strip()[-500:]}")
    return elapsed


def measure(fixture: Path, name: str, warm_runs: int) -> dict[str, float]:
    prune()
    cold_a = manual(fixture, name)
    prune()
    cold_b = tool(fixture, name)
    prune()
    cold_c = tool(fixture, name, extra=("--analyze", "production"))
    warm_a = statistics.median(manual(fixture, name) for _ in range(warm_runs))
    warm_b = statistics.median(tool(fixture, name) for _ in range(warm_runs))
    warm_c = statistics.median(tool(fixture, name, extra=("--analyze", "production")) for _ in range(warm_runs))
    return {"cold_a": cold_a, "cold_b": cold_b, "cold_c": cold_c, "warm_a": warm_a, "warm_b": warm_b,
            "warm_c": warm_c}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="default: %(default)s")
    parser.add_argument("--only", default="small,medium,large")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    names = args.only.split(",")
    require_cli()
    rows = []
    for name, fixture in zip(names, fixture_dirs(args.fixtures, names), strict=True):
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows.append((name, measure(fixture, name, args.warm_runs)))
    print(f"{'fixture':<8} {'':<5} {'(a) manual':>11} {'(b) run':>9} {'b/a':>5} {'(c) run+analysis':>17} {'c/a':>5}")
    for name, m in rows:
        for when in ("cold", "warm"):
            a, b, c = m[f"{when}_a"], m[f"{when}_b"], m[f"{when}_c"]
            print(f"{name:<8} {when:<5} {a:>10.2f}s {b:>8.2f}s {b / a:>5.2f} {c:>16.2f}s {c / a:>5.2f}")
    print("targets (issue 2): b/a ≤ 1.00 cold, ≤ 1.20 warm; lower is better")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
