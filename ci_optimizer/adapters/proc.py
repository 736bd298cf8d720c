"""Every subprocess goes through here, so a failure always shows the command, exit code and output."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ci_optimizer.errors import CommandError

OUTPUT_TAIL = 50


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    check: bool = True,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            list(argv), cwd=cwd, env=dict(env) if env is not None else None, capture_output=True, text=True,
            timeout=timeout, check=False, input=stdin,
        )
    except FileNotFoundError:
        raise CommandError(f"command not found: {argv[0]}", argv=tuple(argv), returncode=127, output="") from None
    except subprocess.TimeoutExpired:
        raise CommandError(
            f"`{_show(argv)}` timed out after {timeout:.0f}s", argv=tuple(argv), returncode=-1, output=""
        ) from None
    if check and result.returncode != 0:
        raise _failure(argv, result.returncode, result.stdout + result.stderr)
    return result


def stream(
    argv: Sequence[str],
    on_line: Callable[[str, float], None],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run with stdout and stderr merged, handing each line and the monotonic time it arrived to `on_line`."""
    try:
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env) if env is not None else None, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace", bufsize=1,
        )
    except FileNotFoundError:
        raise CommandError(f"command not found: {argv[0]}", argv=tuple(argv), returncode=127, output="") from None
    with proc:
        for line in proc.stdout or ():
            on_line(line.rstrip("\n"), time.monotonic())
    return proc.returncode


def _failure(argv: Sequence[str], code: int, output: str) -> CommandError:
    tail = "\n".join(output.strip().splitlines()[-OUTPUT_TAIL:])
    last = tail.splitlines()[-1] if tail else "no output"
    return CommandError(f"`{_show(argv)}` exited with {code}: {last}", argv=tuple(argv), returncode=code, output=tail)


def _show(argv: Sequence[str]) -> str:
    text = " ".join(argv)
    return text if len(text) <= 120 else text[:117] + "..."
