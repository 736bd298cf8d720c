"""Checklist findings -> SARIF 2.1.0, so GitHub code scanning shows them on the Dockerfile lines.

Only failed checks become results (a SARIF result is a problem to look at). GitHub needs a
region with a start line on every result and paths relative to the repository root; results
carry a fingerprint without line numbers so an alert survives edits above it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ci_optimizer import __version__
from ci_optimizer.errors import UsageError
from ci_optimizer.judge.checks.hadolint_rules import PREFIX as HADOLINT_PREFIX
from ci_optimizer.judge.checks.hadolint_rules import help_uri
from ci_optimizer.judge.checks.registry import CHECKS
from ci_optimizer.model.results import CheckResult

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/ci-optimizer/ci-optimizer"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub ranks security alerts by this score (0-10): critical >= 9, high >= 7, medium >= 4.
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}
_DIGITS = re.compile(r"\d+")


def sarif_log(results: Sequence[CheckResult], *, root: Path | None = None) -> dict[str, Any]:
    failed = [r for r in results if not r.passed]
    rule_ids = sorted({r.id for r in failed}, key=_rule_order)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    first_message = {r.id: r.message for r in reversed(failed)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ci-optimizer",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule_id, first_message[rule_id]) for rule_id in rule_ids],
            }},
            "columnKind": "utf16CodeUnits",
            "results": [_result(r, index[r.id], root) for r in failed],
        }],
    }


def write_sarif(path: Path, results: Sequence[CheckResult], *, root: Path | None = None) -> None:
    text = json.dumps(sarif_log(results, root=root), indent=2) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--sarif: cannot write {path}: {exc.strerror or exc}") from None


def _rule_order(rule_id: str) -> tuple[int, str]:
    order = [c.id for c in CHECKS]
    return (order.index(rule_id), "") if rule_id in order else (len(order), rule_id)


def _rule(rule_id: str, example: str) -> dict[str, Any]:
    check = next((c for c in CHECKS if c.id == rule_id), None)
    if check is None:  # hadolint/DL3008, or the hadolint note
        code = rule_id.removeprefix(HADOLINT_PREFIX)
        summary = example.removeprefix(f"{code}: ")
        return {
            "id": rule_id,
            "name": code,
            "shortDescription": {"text": summary},
            "helpUri": help_uri(code),
            "help": {"text": f"{summary} (hadolint rule {code}: {help_uri(code)})"},
            "properties": {"tags": ["dockerfile", "hadolint"]},
        }
    properties: dict[str, Any] = {"tags": ["dockerfile", *check.tags]}
    if "security" in check.tags:
        properties["security-severity"] = SECURITY_SEVERITY[check.severity]
    return {
        "id": check.id,
        "name": "".join(word.capitalize() for word in check.id.split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.help},
        "help": {"text": check.help},
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": properties,
    }


def _result(result: CheckResult, rule_index: int, root: Path | None) -> dict[str, Any]:
    location = _artifact(result.file or "Dockerfile", root)
    fingerprint = "\0".join((result.id, result.target, location.get("uri", ""), _DIGITS.sub("#", result.message)))
    return {
        "ruleId": result.id,
        "ruleIndex": rule_index,
        "level": LEVELS[result.severity],
        "message": {"text": f"{result.target}: {result.message}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": location,
            # GitHub places an alert only with a start line; a whole-file finding points at line 1.
            "region": {"startLine": result.line or 1},
        }}],
        "partialFingerprints": {"ciOptimizer/v1": hashlib.sha256(fingerprint.encode()).hexdigest()},
        "properties": {"target": result.target},
    }


def _artifact(file: str, root: Path | None) -> dict[str, str]:
    path = Path(file)
    if path.is_absolute() and root is not None:
        try:
            path = path.relative_to(root)
        except ValueError:
            return {"uri": path.as_uri()}
    elif path.is_absolute():
        return {"uri": path.as_uri()}
    relative = PurePosixPath(*path.parts).as_posix().removeprefix("./")
    return {"uri": quote(relative, safe="/"), "uriBaseId": "%SRCROOT%"}
