#!/usr/bin/env python3
"""Benchmark: what comparing with the base branch costs on a PR that changes only the production stage.

Three runs of `ci-optimizer run` on the head of a PR, each from a cold cache for that PR:
  plain     no comparison
  base-ref  --base-ref main: the merge base is built too, through the same BuildKit, so the
            stages the PR did not touch come from cache
  baseline  --baseline FILE: a report saved by an earlier run on main (another checkout, another
            cache, as on another runner) is read; nothing is built for the base
Targets from issue 3: base-ref ≤ 1.3 × plain, baseline ≤ 1.05 × plain.

"Cold" never prunes the engine's cache (other people share it): every repository gets a fresh
`ARG CIO_BENCH_NONCE=<random>` in each stage, which is in the environment of every RUN and so
in its cache key. Each fixture from bench/fixtures is copied into a temporary git
repository: `main` holds the fixture, the branch `pr` changes only the production stage:
  append  adds one RUN at the end of the production stage (the common PR: one more step)
  edit    edits the first RUN of the production stage (everything after it rebuilds on both sides)

    .venv/bin/python bench/bench_compare.py [--only small,medium] [--changes append,edit] [--repeat 3]

The fixtures build on local base images: `make provision-all` makes them (and installs git).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from prerequisites import CLI, FIXTURES, fixture_dirs, require_cli, require_program

PREFIX = "cio-bench-compare"
IDENTITY = ("-c", "user.name=bench", "-c", "user.email=bench@ci-optimizer.invalid", "-c", "init.defaultBranch=main",
            "-c", "commit.gpgsign=false")
TARGETS = {"base-ref": 1.30, "baseline": 1.05}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, "-C", str(repo), *args], check=True, capture_output=True)


def with_nonce(dockerfile: str) -> str:
    """Every stage gets its own never-seen ARG: a cold cache for this repository only."""
    nonce = uuid.uuid4().hex
    return re.sub(r"^(FROM .*)$", rf"\1\nARG CIO_BENCH_NONCE={nonce}", dockerfile, flags=re.MULTILINE)


def pr_change(dockerfile: str, change: str) -> str:
    """Change only the production stage (the last stage of every fixture)."""
    production = dockerfile.rindex("\nFROM ")
    head, stage = dockerfile[:production], dockerfile[production:]
    if change == "append":
        return dockerfile.rstrip("\n") + "\nRUN echo 'one more step' > /tmp/pr-change.txt\n"
    first_run = stage.index("\nRUN ") + len("\nRUN ")
    return head + stage[:first_run] + "echo 'edited' > /tmp/pr-edit.txt && " + stage[first_run:]


def make_repo(fixture: Path, into: Path, change: str) -> Path:
    """A git repository: `main` is the fixture, the checked-out branch `pr` changes its production stage."""
    shutil.copytree(fixture, into)
    for path in into.rglob("*"):
        path.chmod(0o755 if path.is_dir() or path.stat().st_mode & 0o111 else 0o644)
    dockerfile = into / "Dockerfile"
    dockerfile.write_text(with_nonce(dockerfile.read_text()))
    git(into, "init", "--quiet")
    git(into, "add", ".")
    git(into, "commit", "--quiet", "-m", "the base")
    git(into, "checkout", "--quiet", "-b", "pr")
    dockerfile.write_text(pr_change(dockerfile.read_text(), change))
    git(into, "commit", "--quiet", "-am", "the PR")
    return into


def run(repo: Path, *extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([str(CLI), "run", "--quiet", "--tag-prefix", PREFIX, *extra], cwd=repo,
                            capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1 is a failed budget or check: still a complete run
        sys.exit(f"ci-optimizer failed in {repo}: {result.stderr.strip()[-800:]}")
    return elapsed


def measure_once(fixture: Path, change: str, work: Path, modes: list[str]) -> dict[str, float]:
    times = {"plain": run(make_repo(fixture, work / "plain", change))}
    if "base-ref" in modes:
        times["base-ref"] = run(make_repo(fixture, work / "base-ref", change), "--base-ref", "main")
    if "baseline" in modes:
        main_run = make_repo(fixture, work / "main-branch", change)
        git(main_run, "checkout", "--quiet", "main")
        saved = work / "baseline.json"
        run(main_run, "--write-baseline", str(saved))  # the main-branch workflow, not timed
        times["baseline"] = run(make_repo(fixture, work / "baseline", change), "--baseline", str(saved))
    return times


def remove_images() -> None:
    """Only the images this benchmark tagged; the build cache stays (it is shared)."""
    listed = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
                            capture_output=True, text=True, check=True).stdout.split()
    mine = [tag for tag in listed if tag.startswith(PREFIX + "/")]
    if mine:
        subprocess.run(["docker", "image", "rm", *mine], check=False, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="default: %(default)s")
    parser.add_argument("--only", default="small,medium")
    parser.add_argument("--changes", default="append,edit")
    parser.add_argument("--modes", default="base-ref,baseline", help="compared with a plain run every time")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    require_cli()
    require_program("git", "run `make provision-all` (or `apt-get install git`)")
    names = args.only.split(",")
    fixtures = dict(zip(names, fixture_dirs(args.fixtures, names), strict=True))
    rows = []
    try:
        for name in names:
            for change in args.changes.split(","):
                samples = []
                for i in range(args.repeat):
                    print(f"{name} / {change}: run {i + 1} of {args.repeat} ...", file=sys.stderr, flush=True)
                    with tempfile.TemporaryDirectory(prefix="cio-bench-compare-") as tmp:
                        samples.append(measure_once(fixtures[name], change, Path(tmp), args.modes.split(",")))
                    remove_images()
                rows.append((name, change, {k: statistics.median(s[k] for s in samples) for k in samples[0]}))
    finally:
        remove_images()
    print(f"{'fixture':<8} {'PR':<7} {'plain':>8} {'base-ref':>9} {'ratio':>6} {'baseline':>9} {'ratio':>6}")
    for name, change, m in rows:
        cells = "".join(f" {m[k]:>8.2f}s {m[k] / m['plain']:>6.2f}" if k in m else f" {'-':>9} {'-':>6}"
                        for k in ("base-ref", "baseline"))
        print(f"{name:<8} {change:<7} {m['plain']:>7.2f}s{cells}")
    print(f"median of {args.repeat} runs each; targets: base-ref ≤ {TARGETS['base-ref']:.2f}, "
          f"baseline ≤ {TARGETS['baseline']:.2f} (× plain)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
