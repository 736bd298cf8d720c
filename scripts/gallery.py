#!/usr/bin/env python3
"""`make gallery`: build every example before (Dockerfile.before) and after (Dockerfile) with `ci-optimizer run`
and print the table of issue 15 (sizes, reduction, layers, compressed size, build time cold and warm, tests,
checks).

Only the CLI and its JSON report are used (ci_optimizer/schemas/report.schema.json). The bases are the local
stand-ins of scripts/make-gallery-bases.sh, passed as build args. "Cold" is `--no-cache` (no layer cache; the
stand-in bases and BuildKit's cache mounts stay), or with `--prune` an empty build cache (`docker builder prune
-af`, which also empties the cache mounts: npm/pip/go downloads again). "Warm" is the next run, nothing changed.

    .venv/bin/python scripts/gallery.py [--only node-distroless,go-scratch,python-slim] [--prune] [--json PATH]
    .venv/bin/python scripts/gallery.py --bench-fixtures DIR   # copies for bench/bench_build.py --fixtures DIR
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = ("node-distroless", "go-scratch", "python-slim")
STAND_INS = {
    "NODE_IMAGE": "local/node:18",
    "DISTROLESS_IMAGE": "local/distroless-nodejs:18",
    "GO_IMAGE": "local/golang:1.19",
    "PYTHON_IMAGE": "local/python:3.11",
    "SLIM_IMAGE": "local/python:3.11-slim",
}
WRITEUP_CLAIM = "write-up: Python 1.2 GB → 85 MB (−93 %)"


@dataclass(frozen=True, kw_only=True)
class Measured:
    code: int
    seconds: float  # wall clock of the whole `ci-optimizer run`
    report: dict[str, Any]

    def production(self) -> dict[str, Any]:
        found: dict[str, Any] = next(t for t in self.report["targets"] if t["role"] == "production")
        return found

    def checks(self) -> tuple[int, int]:
        passed = sum(1 for c in self.report["checks"] if c["passed"])
        return passed, len(self.report["checks"]) - passed


@dataclass(frozen=True, kw_only=True)
class Row:
    example: str
    before_bytes: int
    after_bytes: int
    reduction_percent: float
    before_layers: int
    after_layers: int
    before_compressed: int | None
    after_compressed: int | None
    cold_seconds: float
    warm_seconds: float
    tests_passed: bool
    checks_before: tuple[int, int]
    checks_after: tuple[int, int]
    failed_after: tuple[str, ...]


def cli() -> str:
    return os.environ.get("CI_OPTIMIZER") or str(REPO / ".venv" / "bin" / "ci-optimizer")


def build_args(dockerfile: Path) -> list[str]:
    declared = set(re.findall(r"^ARG\s+(\w+)", dockerfile.read_text(encoding="utf-8"), flags=re.MULTILINE))
    return [part for name, image in STAND_INS.items() if name in declared
            for part in ("--build-arg", f"{name}={image}")]


def run(example: str, dockerfile_name: str, *, no_cache: bool, out: Path) -> Measured:
    context = REPO / "examples" / example
    dockerfile = context / dockerfile_name
    report_path = out / f"{example}-{dockerfile_name}-{'cold' if no_cache else 'warm'}.json"
    argv = [cli(), "run", "--file", str(dockerfile), "--context", str(context), "--tag-prefix", "gallery",
            "--json", str(report_path), "--quiet", "--no-hadolint", *build_args(dockerfile)]
    if no_cache:
        argv.append("--no-cache")
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if not report_path.is_file():
        sys.exit(f"gallery: {example}/{dockerfile_name}: no report (exit {done.returncode}): {done.stderr[-800:]}")
    return Measured(code=done.returncode, seconds=seconds, report=json.loads(report_path.read_text(encoding="utf-8")))


def measure(example: str, *, prune: bool, out: Path) -> Row:
    print(f"gallery: {example} ...", file=sys.stderr, flush=True)
    if prune:
        subprocess.run(["docker", "builder", "prune", "-af"], check=True, capture_output=True)
    before = run(example, "Dockerfile.before", no_cache=not prune, out=out)
    if prune:
        subprocess.run(["docker", "builder", "prune", "-af"], check=True, capture_output=True)
    cold = run(example, "Dockerfile", no_cache=not prune, out=out)
    warm = run(example, "Dockerfile", no_cache=False, out=out)
    b, a = before.production(), warm.production()
    tester = warm.report["tester"]
    return Row(
        example=example, before_bytes=b["size_bytes"], after_bytes=a["size_bytes"],
        reduction_percent=100.0 * (b["size_bytes"] - a["size_bytes"]) / b["size_bytes"],
        before_layers=b["layers"], after_layers=a["layers"],
        before_compressed=b["compressed_bytes"], after_compressed=a["compressed_bytes"],
        cold_seconds=cold.seconds, warm_seconds=warm.seconds,
        tests_passed=bool(tester and tester["passed"] and cold.report["tester"]["passed"]),
        checks_before=before.checks(), checks_after=warm.checks(),
        failed_after=tuple(sorted({f"{c['id']} ({c['severity']})" for c in warm.report["checks"] if not c["passed"]})),
    )


def size(n: int | None) -> str:
    """Decimal units, as `docker images` and ci-optimizer print them."""
    if n is None:
        return "—"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def table(rows: list[Row]) -> str:
    lines = [
        "| example | size before → after | reduction | layers | compressed | build cold | build warm "
        "| tests | checks passed/failed (before → after) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.example} | {size(r.before_bytes)} → {size(r.after_bytes)} | −{r.reduction_percent:.1f} % "
            f"| {r.before_layers} → {r.after_layers} | {size(r.before_compressed)} → {size(r.after_compressed)} "
            f"| {r.cold_seconds:.1f} s | {r.warm_seconds:.1f} s | {'passed' if r.tests_passed else 'FAILED'} "
            f"| {r.checks_before[0]}/{r.checks_before[1]} → {r.checks_after[0]}/{r.checks_after[1]} |"
        )
    lines.append(f"| *{WRITEUP_CLAIM}* | | | | | | | | |")
    return "\n".join(lines)


def bench_fixtures(dest: Path, only: list[str]) -> None:
    """Copies on the stand-ins (ARG defaults and FROM lines): bench/bench_build.py passes no build args."""
    for example in only:
        target = dest / example
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(REPO / "examples" / example, target)
        dockerfile = target / "Dockerfile"
        text = dockerfile.read_text(encoding="utf-8")
        for name, image in STAND_INS.items():  # literal FROM lines: bench/prerequisites.py reads them
            text = re.sub(rf"^ARG {name}=\S+$", f"ARG {name}={image}", text, flags=re.MULTILINE)
            text = text.replace(f"FROM ${{{name}}}", f"FROM {image}")
        dockerfile.write_text(text, encoding="utf-8")
    print(f"bench fixtures in {dest}: .venv/bin/python bench/bench_build.py --fixtures {dest} --only {','.join(only)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default=",".join(EXAMPLES))
    parser.add_argument("--prune", action="store_true", help="cold = empty build cache (docker builder prune -af)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--bench-fixtures", type=Path, help="write bench_build fixtures here and exit")
    args = parser.parse_args(argv)
    only = [name for name in args.only.split(",") if name]
    unknown = sorted(set(only) - set(EXAMPLES))
    if unknown:
        parser.error(f"unknown example(s): {', '.join(unknown)}")
    if args.bench_fixtures:
        bench_fixtures(args.bench_fixtures, only)
        return 0
    subprocess.run(["bash", str(REPO / "scripts" / "make-gallery-bases.sh")], check=True)
    with tempfile.TemporaryDirectory(prefix="gallery-") as tmp:
        rows = [measure(example, prune=args.prune, out=Path(tmp)) for example in only]
    print(table(rows))
    for r in rows:
        if r.failed_after:
            print(f"{r.example}: failed checks after: {', '.join(r.failed_after)}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")
    return 0 if all(r.tests_passed for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
