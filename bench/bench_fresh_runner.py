#!/usr/bin/env python3
"""Benchmark P6 (issue 13): a pull request on a fresh runner, with main's images in a registry.

Setup per fixture: main is built once with `ci-optimizer run --cache-to type=inline` (inline cache
in every target's image) and every target's image pushed to a local registry as `main-<target>`.
The PR adds one file to production (a COPY). Each timed run starts on a fresh runner: the
private engine's build cache and images pruned, the base images kept (nothing can be pulled here).
  a     what the team already runs: docker buildx build --cache-from …:main-production --target production
  b     ci-optimizer run --cache-from …:main-{target} --baseline-image …:main-{target}
        (every target's image pushed with inline cache: every target comes from cache)
  b0    ci-optimizer run --cache-from …:main-{target} --analyze none (build and tests only, no comparison)
  b1    ci-optimizer run --cache-from …:main-production --baseline-image …:main-production
        (the team pushes production only, as build-push-action does: builder and tester are built)
  c     today's default: ci-optimizer run --base-ref main, no cache
Targets: b/a ≤ 1.3; b/c reported. Also the registry lookup per target, and where b spends its time
(from its log, each line timestamped): start-up and lookups, build, tester, analysis, checklist.

The engine pruned is a PRIVATE dockerd (own data root, socket, bridge), never the shared one.

    .venv/bin/python bench/bench_fresh_runner.py [--only small,medium,compile,go] [--hadolint]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration import registries  # noqa: E402
from tests.integration.private_engine import private_engine  # noqa: E402

CLI = str(ROOT / ".venv" / "bin" / "ci-optimizer")
# name: (source directory, build args, base images the private engine needs)
FIXTURES = {
    "small": (ROOT / "bench" / "fixtures" / "small", (), ("local/busybox:1",)),
    "medium": (ROOT / "bench" / "fixtures" / "medium", (), ("local/debian:bookworm",)),
    # a real compile: gcc -O2 of generated C units, the tester runs the program's self-test
    "compile": (ROOT / "bench" / "fixtures" / "compile", ("TOOLCHAIN=local/python:3.11",),
                ("local/python:3.11", "local/debian:bookworm")),
    # a real compile and real tests: go build and go test of the gallery's service (net/http). The
    # engine's BuildKit v0.8 (Docker 20.10) panics in CalcSlowCache on it, intermittently.
    "go": (ROOT / "examples" / "go-scratch", ("GO_IMAGE=local/golang:1.19",), ("local/golang:1.19",)),
}


@dataclass
class Timed:
    seconds: float
    lines: list[tuple[float, str]] = field(default_factory=list)


def sh(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> Timed:
    """Run argv, each output line timestamped (seconds since start); exit 0 or 1 (a budget) is fine."""
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = [(time.monotonic() - started, line.rstrip("\n")) for line in process.stdout]
    code = process.wait()
    timed = Timed(time.monotonic() - started, lines)
    if code not in (0, 1):
        tail = "\n".join(line for _t, line in lines[-40:])
        raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{tail}")
    return timed


def prune(env: dict[str, str], keep: tuple[str, ...]) -> None:
    """A fresh runner: no images but the bases, no build cache. Images first: the build cache an
    image still uses survives `docker builder prune` (the first pass pruned in the other order,
    and later runs reused what earlier ones had built)."""
    images = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"], env=env,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    kept = {line.split()[1] for line in images if line.split()[0] in keep}
    doomed = {line.split()[1] for line in images} - kept
    if doomed:
        subprocess.run(["docker", "rmi", "-f", *doomed], env=env, capture_output=True, check=False)
    subprocess.run(["docker", "builder", "prune", "-af"], env=env, capture_output=True, check=True)
    left = subprocess.run(["docker", "system", "df", "--format", "{{.Type}}={{.Size}}"], env=env,
                          capture_output=True, text=True, check=True).stdout.splitlines()
    if "Build Cache=0B" not in left:
        raise SystemExit(f"the engine is not fresh after the prune: {left}")
    # BuildKit collects what the prune released in the background; a build that starts meanwhile
    # can hit BuildKit v0.8's nil dereference in CalcSlowCache (moby/buildkit#2156 fixed one such
    # race) and take the engine down. A fresh runner has nothing being collected: let it settle.
    time.sleep(5)


def project(name: str, workdir: Path) -> Path:
    repo = workdir / name
    shutil.copytree(FIXTURES[name][0], repo)
    if (repo / "gen_sources.py").exists():
        subprocess.run([sys.executable, str(repo / "gen_sources.py"), str(repo)], check=True)
    git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@b"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "main"], check=True)
    subprocess.run([*git, "checkout", "-qb", "pr"], check=True)
    # one new file in production: a COPY works after any USER and on scratch
    (repo / "pr.txt").write_text("the pull request\n")
    text = (repo / "Dockerfile").read_text()
    (repo / "Dockerfile").write_text(text.rstrip("\n") + "\nCOPY pr.txt /pr.txt\n")
    subprocess.run([*git, "add", "pr.txt"], check=True)
    subprocess.run([*git, "commit", "-qam", "pr"], check=True)
    return repo


def built(report_path: Path, run: Timed) -> dict[str, object]:
    """The run's report; stops the bench when a target failed (exit 1 is also a broken budget)."""
    report: dict[str, object] = json.loads(report_path.read_text())
    failed = [t["name"] for t in report["targets"] if t["status"] != "built"]  # type: ignore[attr-defined]
    if failed:
        tail = "\n".join(line for _t, line in run.lines[-40:])
        raise SystemExit(f"{report_path.name}: {', '.join(failed)} did not build:\n{tail}")
    return report


def phases(run: Timed, report: dict[str, object]) -> str:
    """Where a run's time went, from its timestamped log and its JSON report."""
    def first(pattern: str) -> float | None:
        return next((t for t, line in run.lines if re.search(pattern, line)), None)

    lookups = [t for t, line in run.lines if re.search(r"^ci-optimizer: baseline \S+:", line)]
    build_start = max(lookups) if lookups else 0.0
    build = float(report.get("build_seconds") or 0.0)  # type: ignore[arg-type]
    tester = first(r"^ci-optimizer: running \S+ \(")
    analysis = first(r"^ci-optimizer: analysing the layers")
    checks = first(r"^ci-optimizer: checking production readiness")
    end = run.seconds
    marks = [("start+lookup", 0.0), ("build", build_start), ("tester", tester),
             ("analysis", analysis), ("checks", checks), ("end", end)]
    known = [(n, t) for n, t in marks if t is not None]
    parts = []
    for (name, t), (_next, t2) in itertools.pairwise(known):
        if name == "build":
            parts.append(f"build {build:.1f}")
            if t2 - t - build > 0.05:
                parts.append(f"after-build {t2 - t - build:.1f}")
        else:
            parts.append(f"{name} {t2 - t:.1f}")
    return ", ".join(parts)


def bench(name: str, workdir: Path, env: dict[str, str], registry: str, keep: tuple[str, ...],
          *, hadolint: bool) -> dict[str, object]:
    repo = project(name, workdir)
    ref = f"{registry}/bench/{name}"
    args = [a for kv in FIXTURES[name][1] for a in ("--build-arg", kv)]
    lint = [] if hadolint else ["--no-hadolint"]
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    main_json = workdir / f"{name}-main.json"
    sh([CLI, "run", "-q", "--tag-prefix", "cio13bench", "--analyze", "none", "--no-hadolint", "--cache-to",
        "type=inline", "--json", str(main_json), *args], env, cwd=repo)
    for target in json.loads(main_json.read_text())["targets"]:
        if target["tag"]:
            subprocess.run(["docker", "tag", target["tag"], f"{ref}:main-{target['name']}"], env=env, check=True)
            subprocess.run(["docker", "push", f"{ref}:main-{target['name']}"], env=env, check=True,
                           capture_output=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "pr"], check=True)
    out: dict[str, object] = {}
    prune(env, keep)
    out["a"] = sh(["docker", "buildx", "build", "--progress", "plain", "--cache-from",
                   f"type=registry,ref={ref}:main-production", "--target", "production", "-t", "cio13bench/a",
                   "--load", *args, "."], env, cwd=repo).seconds
    every, production_only = f"{ref}:main-{{target}}", f"{ref}:main-production"
    for key, cache, compare in (("b", every, ["--baseline-image", every]),
                                ("b0", every, ["--analyze", "none"]),
                                ("b1", production_only, ["--baseline-image", production_only])):
        prune(env, keep)
        report = workdir / f"{name}-{key}.json"
        run = sh([CLI, "run", "--tag-prefix", "cio13bench", *lint, "--cache-from", f"type=registry,ref={cache}",
                  *compare, "--json", str(report), *args], env, cwd=repo)
        out[key] = run.seconds
        document = built(report, run)
        out[f"{key}-phases"] = phases(run, document)
        # the floor under the layer analysis: the engine's export of production alone
        production = next(t for t in document["targets"] if t["role"] == "production")  # type: ignore[attr-defined]
        out[f"{key}-save"] = sh(["sh", "-c", f"docker save {production['tag']} > /dev/null"], env).seconds
        lookups = [float(m.group(1)) for _t, line in run.lines
                   if (m := re.search(r"^ci-optimizer: baseline \S+: .* in ([0-9.]+) s", line))]
        out[f"{key}-lookup"] = max(lookups) if lookups else float("nan")
    prune(env, keep)
    report = workdir / f"{name}-c.json"
    run = sh([CLI, "run", "--tag-prefix", "cio13bench", *lint, "--base-ref", "main", "--json", str(report), *args],
             env, cwd=repo)
    built(report, run)
    out["c"] = run.seconds
    prune(env, keep)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="small,medium,compile")
    parser.add_argument("--hadolint", action="store_true", help="run the checklist with hadolint (default: off)")
    args = parser.parse_args()
    names = args.only.split(",")
    keep = tuple(dict.fromkeys(base for n in names for base in FIXTURES[n][2]))
    startup = min(sh([CLI, "--version"], dict(os.environ)).seconds for _ in range(3))
    print(f"python start-up (ci-optimizer --version): {startup:.2f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="cio13-bench-") as tmp:
        workdir = Path(tmp)
        with private_engine(workdir, base_image=keep[0]) as host, \
                registries.registry(workdir / "storage", workdir) as registry:
            env = {**os.environ, "DOCKER_HOST": host, "CI_OPTIMIZER_CACHE": "off"}
            for image in keep[1:]:
                saved = subprocess.run(["docker", "save", image], capture_output=True, check=True)
                subprocess.run(["docker", "load"], input=saved.stdout, env=env, capture_output=True, check=True)
            print(f"{'fixture':<8} {'a team':>7} {'b ours':>7} {'b0':>7} {'b1':>7} {'c today':>8} {'b/a':>5} "
                  f"{'b0/a':>5} {'b1/a':>5} {'b/c':>5} {'lookup':>7}")
            for name in names:
                try:
                    t = bench(name, workdir, env, registry.host, keep, hadolint=args.hadolint)
                except SystemExit:
                    for log in workdir.glob("engine-*/dockerd.log"):  # the engine's side of a failure
                        shutil.copy(log, Path(tempfile.gettempdir()) / f"cio13-bench-{name}-dockerd.log")
                    raise
                a, b, b0, b1, c = (float(t[k]) for k in ("a", "b", "b0", "b1", "c"))  # type: ignore[arg-type]
                print(f"{name:<8} {a:>6.1f}s {b:>6.1f}s {b0:>6.1f}s {b1:>6.1f}s {c:>7.1f}s {b / a:>5.2f} "
                      f"{b0 / a:>5.2f} {b1 / a:>5.2f} {b / c:>5.2f} {float(t['b-lookup']):>6.3f}s", flush=True)  # type: ignore[arg-type]
                for key in ("b", "b0", "b1"):
                    print(f"         {key + ':':<4}{t[f'{key}-phases']}; docker save of production alone: "
                          f"{float(t[f'{key}-save']):.1f} s", flush=True)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
