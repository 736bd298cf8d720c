"""read-only-smoke: production starts with a read-only root filesystem and no network. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.judge.checks.inputs import CheckInputs, Finding

LOG_LINE_LIMIT = 200


def check_read_only_smoke(inputs: CheckInputs) -> Sequence[Finding]:
    smoke = inputs.smoke
    if smoke is None:
        return ()  # --smoke was not asked for
    command = inputs.last_in_chain("ENTRYPOINT") or inputs.last_in_chain("CMD")
    line = command.line if command is not None else inputs.stage.line
    config = inputs.built.config if inputs.built is not None else None
    if config is not None and not (config.entrypoint or config.cmd):
        return (Finding(passed=True, line=line, message="nothing to run: the image has no CMD or ENTRYPOINT"),)
    how = f"`docker run {smoke.options}`"
    if smoke.error is not None:
        return (Finding(passed=False, line=line, message=f"{how} could not start {smoke.image}: {smoke.error}"),)
    if smoke.running:
        return (Finding(passed=True, line=line, message=f"stayed up for {smoke.seconds:.0f} s under {how}"),)
    if smoke.exit_code == 0:
        return (Finding(passed=True, line=line, message=f"exited 0 after {smoke.seconds:.1f} s under {how}"),)
    last = next((ln.strip() for ln in reversed(smoke.log_tail) if ln.strip()), "")
    if len(last) > LOG_LINE_LIMIT:
        last = last[: LOG_LINE_LIMIT - 3] + "..."
    said = f"; last output: {last}" if last else "; no output"
    return (Finding(
        passed=False, line=line,
        message=f"exited {smoke.exit_code} after {smoke.seconds:.1f} s under {how}{said}; write only to a "
                "volume or tmpfs (e.g. /tmp) and need no network to start",
    ),)
