#!/usr/bin/env python3
"""The action's own image (issue 13, item 3): what a job pays to get it, before and after a change.

Builds the production stage of two Dockerfiles of this repository — `--before REV`'s and the
working tree's — with the stand-in bases of scripts/make-action-bases.sh, and prints per image:
  cold    `docker build --no-cache --target production` (what every job pays when action.yml
          says `image: Dockerfile`: no cache survives between jobs)
  warm    the same build again after a one-line change to the package (a developer's rebuild)
  size    the engine's image size, and the venv's size inside it
  layers  the image's layer count
  import  seconds to import what the entrypoint imports, in the container (best of 3): with no
          bytecode in the image, Python compiles every module of the package on every start

    .venv/bin/python bench/bench_action_image.py [--before f1881b6]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAND_INS = ("PYTHON_IMAGE=local/python:3-bookworm", "DOCKER_IMAGE=local/docker-cli:host",
             "BUILDX_IMAGE=local/buildx-bin:host")
IMPORT = ("import time; t = time.perf_counter(); import ci_optimizer.github.action, ci_optimizer.wiring; "
          "print(time.perf_counter() - t)")


def run(argv: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, "DOCKER_BUILDKIT": "1"})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def ca_secret() -> list[str]:
    """A TLS-intercepting proxy's CA, when this machine has one, for pip inside the build."""
    for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        path = os.environ.get(name)
        if path and Path(path).is_file():
            return ["--secret", f"id=pip-ca,src={path}"]
    return []


def build(context: Path, dockerfile: Path, tag: str, *, cold: bool) -> float:
    args = [part for arg in STAND_INS for part in ("--build-arg", arg)] + ca_secret()
    started = time.monotonic()
    run(["docker", "build", *(["--no-cache"] if cold else []), "--target", "production", "-f", str(dockerfile),
         "-t", tag, *args, str(context)])
    return time.monotonic() - started


def measure(context: Path, dockerfile: Path, tag: str) -> dict[str, float]:
    cold = build(context, dockerfile, tag, cold=True)
    init = context / "ci_optimizer" / "__init__.py"
    original = init.read_text()
    # a change no earlier run made: BuildKit would otherwise find this very layer in its cache
    init.write_text(original + f"# a one-line change {uuid.uuid4().hex}\n")
    try:
        warm = build(context, dockerfile, tag, cold=False)
    finally:
        init.write_text(original)
    size = int(run(["docker", "image", "inspect", "--format", "{{.Size}}", tag]))
    layers = len(run(["docker", "image", "inspect", "--format", "{{range .RootFS.Layers}}{{.}} {{end}}", tag]).split())
    venv = int(run(["docker", "run", "--rm", "--entrypoint", "du", tag, "-sb", "/opt/ci-optimizer"]).split()[0])
    imports = min(float(run(["docker", "run", "--rm", "--entrypoint", "/opt/ci-optimizer/bin/python", tag, "-c",
                             IMPORT])) for _ in range(3))
    return {"cold": cold, "warm": warm, "size": size, "venv": venv, "layers": layers, "import": imports}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="f1881b6", help="the revision whose Dockerfile is 'before'")
    args = parser.parse_args()
    run(["bash", str(ROOT / "scripts" / "make-action-bases.sh")])
    prefix = f"cio-bench-action-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="cio-action-") as tmp:
        context = Path(tmp) / "context"
        files = run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT).splitlines()
        for name in files:
            if (ROOT / name).is_file():
                (context / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, context / name)
        before = Path(tmp) / "Dockerfile.before"
        before.write_text(run(["git", "show", f"{args.before}:Dockerfile"], cwd=ROOT))
        print(f"{'Dockerfile':<16} {'cold':>7} {'warm':>7} {'size':>9} {'venv':>9} {'layers':>6} {'import':>7}")
        try:
            for name, dockerfile in ((f"{args.before} (before)", before), ("working tree", context / "Dockerfile")):
                m = measure(context, dockerfile, f"{prefix}/{uuid.uuid4().hex[:6]}:production")
                print(f"{name:<16} {m['cold']:>6.1f}s {m['warm']:>6.1f}s {m['size'] / 1e6:>7.1f}MB "
                      f"{m['venv'] / 1e6:>7.1f}MB {m['layers']:>6.0f} {m['import']:>6.2f}s", flush=True)
        finally:
            tags = run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", f"{prefix}/*"]).split()
            if tags:
                subprocess.run(["docker", "rmi", *tags], capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
