"""The gallery's examples as the tests drive them: through the `ci-optimizer` CLI and its JSON report only.

The package is never imported here: the CLI and the report schema are the contract (issue 15).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BASES_SCRIPT = ROOT / "scripts" / "make-gallery-bases.sh"

# The local stand-ins scripts/make-gallery-bases.sh makes, by the ARG each Dockerfile declares.
STAND_INS: Mapping[str, str] = {
    "NODE_IMAGE": "local/node:18",
    "DISTROLESS_IMAGE": "local/distroless-nodejs:18",
    "GO_IMAGE": "local/golang:1.19",
    "PYTHON_IMAGE": "local/python:3.11",
    "SLIM_IMAGE": "local/python:3.11-slim",
}


@dataclass(frozen=True, kw_only=True)
class Example:
    name: str
    base_args: tuple[str, ...]  # the ARG names of its bases
    shell_free: bool  # distroless and scratch: no /bin/sh in production
    test_file: str  # a test file, and a string in it to break one test deliberately
    break_from: str
    break_to: str
    broken_test: str  # the failing test's name as the runner prints it


GALLERY: tuple[Example, ...] = (
    Example(name="node-distroless", base_args=("NODE_IMAGE", "DISTROLESS_IMAGE"), shell_free=True,
            test_file="test/app.test.js", break_from="'hello, Ada'", break_to="'hello, Grace'",
            broken_test="greets by name"),
    Example(name="go-scratch", base_args=("GO_IMAGE",), shell_free=True,
            test_file="handler_test.go", break_from='"hello, Ada"', break_to='"hello, Grace"',
            broken_test="TestGreetByName"),
    Example(name="python-slim", base_args=("PYTHON_IMAGE", "SLIM_IMAGE"), shell_free=False,
            test_file="tests/test_app.py", break_from='== "hello, Ada"', break_to='== "hello, Grace"',
            broken_test="test_greets_by_name"),
)


def cli() -> list[str]:
    """The CLI to drive: $CI_OPTIMIZER when set (e.g. an installed snapshot), else the project's venv."""
    return [os.environ.get("CI_OPTIMIZER") or str(ROOT / ".venv" / "bin" / "ci-optimizer")]


def stand_in_args(example: Example) -> list[str]:
    return [part for name in example.base_args for part in ("--build-arg", f"{name}={STAND_INS[name]}")]


@dataclass(frozen=True, kw_only=True)
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any]

    def target(self, role: str) -> dict[str, Any]:
        found = [t for t in self.report["targets"] if t["role"] == role]
        assert len(found) == 1, f"one {role} target expected: {[t['name'] for t in self.report['targets']]}"
        target: dict[str, Any] = found[0]
        return target

    def checks(self, check_id: str) -> list[dict[str, Any]]:
        production = self.target("production")["name"]
        return [c for c in self.report["checks"] if c["id"] == check_id and c["target"] == production]

    def failed_checks(self) -> dict[str, list[dict[str, Any]]]:
        failed: dict[str, list[dict[str, Any]]] = {}
        for check in self.report["checks"]:
            if not check["passed"]:
                failed.setdefault(check["id"], []).append(check)
        return failed


def run_ci_optimizer(*, dockerfile: Path, context: Path, tag_prefix: str, json_path: Path,
                     extra: Sequence[str] = (), timeout: float = 900) -> Run:
    argv = [*cli(), "run", "--file", str(dockerfile), "--context", str(context), "--tag-prefix", tag_prefix,
            "--json", str(json_path), "--quiet", "--no-hadolint", *extra]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout)
    if not json_path.is_file():
        raise AssertionError(f"no JSON report (exit {done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    report = json.loads(json_path.read_text(encoding="utf-8"))
    return Run(code=done.returncode, stdout=done.stdout, stderr=done.stderr, report=report)


def copy_example(example: Example, dest: Path, *, dockerignore: bool = True) -> Path:
    shutil.copytree(EXAMPLES / example.name, dest, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    if not dockerignore:
        (dest / ".dockerignore").unlink()
    return dest


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the only line of `path` that contains `text`."""
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line]
    assert len(hits) == 1, f"{text!r} is on lines {hits} of {path}"
    return hits[0]


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=False, timeout=timeout)


def http_get_json(url: str, *, deadline_seconds: float) -> tuple[int, Any]:
    """GET `url` until it answers (the service may still be starting), then (status, JSON body)."""
    deadline = time.monotonic() + deadline_seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local test URL)
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
        except OSError as exc:
            last = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {deadline_seconds} s: {last}")


def wait_healthy(container: str, *, deadline_seconds: float) -> str:
    deadline = time.monotonic() + deadline_seconds
    status = ""
    while time.monotonic() < deadline:
        status = docker("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()
        if status in ("healthy", "unhealthy"):
            return status
        time.sleep(0.5)
    return status


def remove_images_with_prefix(prefix: str) -> None:
    listed = docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    tags = [tag for tag in listed if tag.startswith(prefix + "/")]
    if tags:
        with contextlib.suppress(subprocess.TimeoutExpired):
            docker("rmi", "-f", *tags, timeout=300)
