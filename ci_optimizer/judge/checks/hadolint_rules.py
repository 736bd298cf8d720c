"""hadolint's findings folded into the checklist under their own rule ids (`hadolint/DL3008`). Pure.

hadolint already lints Dockerfile text well (pinning, apt hygiene, shellcheck on RUN); the
checklist does not re-implement its rules, it reports them next to its own image-based ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding, HadolintFinding, HadolintRun, Severity

PREFIX = "hadolint/"
LEVELS: dict[str, Severity] = {"error": "error", "warning": "warning", "info": "info", "style": "info"}


def parse_json(text: str) -> tuple[HadolintFinding, ...]:
    """`hadolint --format json` output -> findings. Raises ValueError when it is not that."""
    try:
        items = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise ValueError(f"hadolint printed something that is not JSON: {exc}") from None
    if not isinstance(items, list):
        raise ValueError("hadolint's JSON output is not a list")
    findings = []
    for item in items:
        if not isinstance(item, dict) or "code" not in item:
            raise ValueError(f"unexpected item in hadolint's JSON output: {str(item)[:80]}")
        line = item.get("line")
        findings.append(HadolintFinding(
            code=str(item["code"]), level=str(item.get("level", "warning")),
            line=int(line) if isinstance(line, int) and line > 0 else None,
            message=" ".join(str(item.get("message", "")).split()),
        ))
    return tuple(findings)


def rule_id(code: str) -> str:
    return PREFIX + code


def help_uri(code: str) -> str:
    if code.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{code}"
    return f"https://github.com/hadolint/hadolint/wiki/{code}"


def target_of(model: DockerfileModel, line: int | None, default: str) -> str:
    """The stage a line belongs to; lines before the first FROM belong to `default`."""
    found = default
    for stage in model.stages:
        if line is not None and stage.line <= line:
            found = stage.target_name
    return found


def hadolint_findings(inputs: CheckInputs) -> Sequence[tuple[str, str, Severity, Finding]]:
    """(id, target, default severity, finding) for every hadolint result; one note when it did not run."""
    run: HadolintRun | None = inputs.hadolint
    if run is None:
        return ()
    if run.error is not None:
        note = Finding(passed=True, message=f"hadolint did not run: {run.error}")
        return (("hadolint", inputs.target, "info", note),)
    if not run.findings:
        version = f" {run.version}" if run.version else ""
        return (("hadolint", inputs.target, "info", Finding(passed=True, message=f"hadolint{version}: no findings")),)
    return tuple(
        (rule_id(f.code), target_of(inputs.model, f.line, inputs.target), LEVELS.get(f.level, "warning"),
         Finding(passed=False, line=f.line, message=f"{f.code}: {f.message}"))
        for f in run.findings
    )
