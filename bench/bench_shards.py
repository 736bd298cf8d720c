#!/usr/bin/env python3
"""Benchmark: a 12-Dockerfile monorepo, unsharded against 3 matrix legs (`--shard K/3`) and the merge.

The monorepo is made from the bench fixtures (by default 9 copies of `small` and 3 of `medium`,
so the Dockerfiles weigh differently); each copy gets `ENV SVC=<name>` after every FROM, so no two
Dockerfiles share BuildKit cache. Every run builds with `--no-cache` (cold without pruning the
shared engine's cache). The legs run one after another here; on a real matrix they run in
parallel on their own runners, so the critical path is the longest leg plus the merge.

Legs are split twice: by stage count (no previous report) and by the unsharded run's build
seconds (`--baseline`, as a matrix given the main branch's report would). Prints, for each: the
legs' wall times, the critical path against the unsharded wall time, the balance (longest /
shortest leg) and the merge's own time (target ≤ 1 s); and checks that the merged report has the
unsharded run's targets and sizes.

    .venv/bin/python bench/bench_shards.py [--small 9] [--medium 3] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from prerequisites import FIXTURES, fixture_dirs, require_cli

_FROM_LINE = re.compile(r"^(FROM\s.*)$", re.MULTILINE)


def make_monorepo(root: Path, counts: dict[str, int]) -> list[str]:
    dirs = {d.name: d for d in fixture_dirs(FIXTURES, [n for n, c in counts.items() if c])}
    services = []
    for name, count in counts.items():
        for i in range(count):
            service = f"{name}-{i + 1:02d}"
            target = root / service
            shutil.copytree(dirs[name], target)
            text = (target / "Dockerfile").read_text(encoding="utf-8")
            (target / "Dockerfile").write_text(_FROM_LINE.sub(rf"\1\nENV SVC={service}", text), encoding="utf-8")
            services.append(service)
    config = "dockerfiles:\n" + "".join(f"  - file: {s}/Dockerfile\n    context: {s}\n" for s in services)
    (root / ".ci-optimizer.yml").write_text(config, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "monorepo"]):
        subprocess.run(["git", "-C", str(root), *argv], check=True, env=env, capture_output=True)
    return services


def run(root: Path, prefix: str, *extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([str(require_cli()), "run", "--no-cache", "--no-hadolint", "--quiet", "--tag-prefix",
                             prefix, *extra], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: a checklist error or budget is still a finished run
        sys.exit(f"ci-optimizer failed: {result.stderr.strip()[-500:]}")
    return elapsed


def merge(reports: list[Path], out: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run([str(require_cli()), "merge", *map(str, reports), "--json", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"ci-optimizer merge failed: {result.stderr.strip()[-500:]}")
    return elapsed


def sizes(document: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [(t["name"], t["status"], t["size_bytes"]) for t in document["targets"]]


def legs(root: Path, prefix: str, work: Path, label: str, *extra: str) -> dict[str, Any]:
    times, reports, shares = [], [], []
    for k in (1, 2, 3):
        report = work / f"{label}-{k}.json"
        times.append(run(root, prefix, "--shard", f"{k}/3", "--json", str(report), *extra))
        reports.append(report)
        shares.append(len(json.loads(report.read_text())["origin"]["shard"]["dockerfiles"]))
    merged = work / f"{label}-merged.json"
    merge_seconds = merge(reports, merged)
    return {"label": label, "times": times, "shares": shares, "merge": merge_seconds,
            "merged": json.loads(merged.read_text())}


def remove_images(prefix: str) -> None:
    """Only the images this run tagged: the engine is shared."""
    listed = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True,
                            text=True, check=False).stdout.split()
    ours = [image for image in listed if image.startswith(f"{prefix}/")]
    if ours:
        subprocess.run(["docker", "rmi", "-f", *ours], capture_output=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=9)
    parser.add_argument("--medium", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the monorepo and the reports")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-shards-"))
    prefix = f"bench-shards-{uuid.uuid4().hex[:6]}"
    try:
        root = work / "repo"
        root.mkdir()
        services = make_monorepo(root, {"small": args.small, "medium": args.medium})
        full_report = work / "full.json"
        unsharded = run(root, prefix, "--json", str(full_report))
        full = json.loads(full_report.read_text())
        results = [legs(root, prefix, work, "stages"), legs(root, prefix, work, "seconds", "--baseline",
                                                              str(full_report))]
        print(f"{len(services)} Dockerfiles ({args.small} small, {args.medium} medium), --no-cache, legs run "
              "one after another\n")
        print(f"{'weights':<9} {'leg 1/3':>9} {'leg 2/3':>9} {'leg 3/3':>9} {'merge':>7} {'critical':>9} "
              f"{'unsharded':>10} {'speed-up':>9} {'balance':>8}  Dockerfiles per leg")
        for r in results:
            critical = max(r["times"]) + r["merge"]
            print(f"{r['label']:<9} " + " ".join(f"{t:>8.1f}s" for t in r["times"])
                  + f" {r['merge']:>6.2f}s {critical:>8.1f}s {unsharded:>9.1f}s {unsharded / critical:>8.2f}x "
                  f"{max(r['times']) / min(r['times']):>8.2f}  {'/'.join(map(str, r['shares']))}")
            if sizes(r["merged"]) != sizes(full):
                print(f"  !! merged ({r['label']}) differs from the unsharded run in targets or sizes")
        print("\nmerge: `ci-optimizer merge` wall time, Python start-up included (target ≤ 1 s)")
    finally:
        remove_images(prefix)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
