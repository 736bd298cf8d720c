"""What the benchmarks need before they start, each missing piece one line and exit code 2.

The fixtures build on local base images that no registry serves (bench/fixtures/README.md);
a run that stopped on a build error minutes in, or on a traceback, would not say how to fix it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "bench" / "fixtures"
CLI = REPO / ".venv" / "bin" / "ci-optimizer"
PROVISION = "make provision-all"

# FROM [--platform=...] IMAGE [AS NAME]; the fixtures name their bases literally (no ARG in FROM).
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(?P<image>\S+)(?:\s+AS\s+(?P<name>\S+))?", re.IGNORECASE | re.MULTILINE)


def stop(message: str) -> NoReturn:
    print(f"{Path(sys.argv[0]).name}: {message}", file=sys.stderr)
    raise SystemExit(2)


def base_images(dockerfile: Path) -> list[str]:
    """The images a Dockerfile's stages start from, other than its own stages and scratch."""
    stages: set[str] = set()
    bases: list[str] = []
    for match in _FROM.finditer(dockerfile.read_text(encoding="utf-8")):
        image, name = match["image"], match["name"]
        if image.lower() not in stages and image != "scratch" and image not in bases:
            bases.append(image)
        if name:
            stages.add(name.lower())
    return bases


def fixture_dirs(fixtures: Path, names: Iterable[str]) -> list[Path]:
    """Each named fixture's directory, its Dockerfile there and its base images in the engine."""
    dirs = []
    for name in names:
        directory = fixtures / name
        if not (directory / "Dockerfile").is_file():
            stop(f"no fixture {name!r}: {directory / 'Dockerfile'} does not exist")
        dirs.append(directory)
    require_images(image for d in dirs for image in base_images(d / "Dockerfile"))
    return dirs


def require_images(images: Iterable[str], *, what: str = "the base image", fix: str = f"run `{PROVISION}`") -> None:
    for image in dict.fromkeys(images):
        try:
            result = subprocess.run(["docker", "image", "inspect", image], capture_output=True, text=True,
                                    check=False, timeout=60)
        except FileNotFoundError:
            stop(f"the docker CLI is not installed: run `{PROVISION}`")
        if result.returncode == 0:
            continue
        if "no such image" in result.stderr.lower():
            stop(f"{what} {image} is missing: {fix}")
        reason = (result.stderr.strip().splitlines() or ["no output"])[0]
        stop(f"cannot ask the Docker engine for {image} ({reason}): run `{PROVISION}`")


def require_cli() -> Path:
    if not CLI.is_file():
        stop(f"{CLI} is missing: run `make install`")
    return CLI


def require_program(name: str, how: str) -> str:
    found = shutil.which(name)
    if found is None:
        stop(f"{name} is not installed: {how}")
    return found
