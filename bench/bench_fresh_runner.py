#!/usr/bin/env python3
"""Benchmark P6 (issue 13): a pull request on a fresh runner, with main's images in a registry.

Setup per fixture: main is built with `ci-optimizer run --cache-to type=inline` and every target's
image pushed to a local registry as `main-<target>`; then the engine's build cache and images are
pruned (a fresh runner). The PR appends one RUN to the production stage. Timed, each after a prune:
  a  what the team already runs: docker buildx build --cache-from type=registry,ref=…:main-production
     --target production
  b  ci-optimizer run --cache-from type=registry,ref=…:main-{target} --baseline-image …:main-{target}
  c  today's default: ci-optimizer run --base-ref main, no cache
Targets: b/a ≤ 1.3; b/c reported. Also the registry lookup per target (from b's log).

The engine pruned is a PRIVATE dockerd (own data root, socket, bridge), never the shared one.

    .venv/bin/python bench/bench_fresh_runner.py [--only small,medium,compile]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration import registries  # noqa: E402
from tests.integration.private_engine import private_engine  # noqa: E402

CLI = str(ROOT / ".venv" / "bin" / "ci-optimizer")
COMPILE = """\
FROM local/debian:bookworm AS builder
COPY main.c /src/main.c
RUN cc -O2 -o /src/app /src/main.c 2>/dev/null || (apt-get >/dev/null 2>&1; \\
    dd if=/dev/urandom of=/src/app bs=1M count=8 2>/dev/null)
RUN for i in $(seq 1 300000); do echo "$i"; done | sha256sum > /src/checksum
FROM builder AS tester
RUN test -s /src/app && test -s /src/checksum
FROM local/debian:bookworm AS production
COPY --from=builder /src/app /usr/local/bin/app
COPY --from=builder /src/checksum /etc/app.sum
"""


def sh(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.monotonic() - started


def prune(env: dict[str, str], keep: tuple[str, ...]) -> None:
    subprocess.run(["docker", "builder", "prune", "-af"], env=env, capture_output=True, check=True)
    images = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"], env=env,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    doomed = [line.split()[1] for line in images if line.split()[0] not in keep]
    if doomed:
        subprocess.run(["docker", "rmi", "-f", *set(doomed)], env=env, capture_output=True, check=False)


def project(name: str, workdir: Path) -> Path:
    repo = workdir / name
    if name == "compile":
        repo.mkdir()
        (repo / "Dockerfile").write_text(COMPILE)
        (repo / "main.c").write_text("int main(void){return 0;}\n")
    else:
        shutil.copytree(ROOT / "bench" / "fixtures" / name, repo)
    git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@b"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "main"], check=True)
    subprocess.run([*git, "checkout", "-qb", "pr"], check=True)
    text = (repo / "Dockerfile").read_text()
    (repo / "Dockerfile").write_text(text.rstrip("\n") + "\nRUN echo pr > /pr.txt\n")
    subprocess.run([*git, "commit", "-qam", "pr"], check=True)
    return repo


def bench(name: str, workdir: Path, env: dict[str, str], registry: str, keep: tuple[str, ...]) -> dict[str, float]:
    repo = project(name, workdir)
    ref = f"{registry}/bench/{name}"
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    sh([CLI, "run", "-q", "--tag-prefix", "cio13bench", "--analyze", "none", "--no-hadolint", "--cache-to",
        "type=inline", "--json", str(workdir / f"{name}-main.json")], env, cwd=repo)
    import json  # noqa: PLC0415

    for target in json.loads((workdir / f"{name}-main.json").read_text())["targets"]:
        if target["tag"]:
            subprocess.run(["docker", "tag", target["tag"], f"{ref}:main-{target['name']}"], env=env, check=True)
            subprocess.run(["docker", "push", f"{ref}:main-{target['name']}"], env=env, check=True,
                           capture_output=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "pr"], check=True)
    times = {}
    prune(env, keep)
    times["a"] = sh(["docker", "buildx", "build", "--progress", "plain", "--cache-from",
                     f"type=registry,ref={ref}:main-production", "--target", "production", "-t", "cio13bench/a",
                     "--load", "."], env, cwd=repo)
    prune(env, keep)
    log = workdir / f"{name}-b.log"
    started = time.monotonic()
    with log.open("w") as out:
        subprocess.run([CLI, "run", "--tag-prefix", "cio13bench", "--no-hadolint", "--cache-from",
                        f"type=registry,ref={ref}:main-{{target}}", "--baseline-image", f"{ref}:main-{{target}}"],
                       env=env, cwd=repo, stdout=out, stderr=subprocess.STDOUT, check=False)
    times["b"] = time.monotonic() - started
    lookups = [float(s) for s in re.findall(r"ci-optimizer: baseline \S+: .* in ([0-9.]+) s", log.read_text())]
    times["lookup"] = max(lookups) if lookups else float("nan")
    prune(env, keep)
    times["c"] = sh([CLI, "run", "-q", "--tag-prefix", "cio13bench", "--no-hadolint", "--base-ref", "main"], env,
                    cwd=repo)
    prune(env, keep)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="small,medium,compile")
    args = parser.parse_args()
    keep = ("local/busybox:1", "local/debian:bookworm")
    with tempfile.TemporaryDirectory(prefix="cio13-bench-") as tmp:
        workdir = Path(tmp)
        with private_engine(workdir, base_image="local/busybox:1") as host, \
                registries.registry(workdir / "storage", workdir) as registry:
            env = {**os.environ, "DOCKER_HOST": host, "CI_OPTIMIZER_CACHE": "off"}
            saved = subprocess.run(["docker", "save", "local/debian:bookworm"], capture_output=True, check=True)
            subprocess.run(["docker", "load"], input=saved.stdout, env=env, capture_output=True, check=True)
            print(f"{'fixture':<10} {'a team':>8} {'b ours':>8} {'c today':>8} {'b/a':>6} {'b/c':>6} {'lookup':>8}")
            for name in args.only.split(","):
                t = bench(name, workdir, env, registry.host, keep)
                print(f"{name:<10} {t['a']:>7.1f}s {t['b']:>7.1f}s {t['c']:>7.1f}s {t['b'] / t['a']:>6.2f} "
                      f"{t['b'] / t['c']:>6.2f} {t['lookup']:>7.3f}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
