"""The repository's own workflows: least permissions, actions pinned by SHA, the fork-safe split."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = sorted((Path(__file__).resolve().parents[2] / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in raw:
        raw["on"] = raw.pop(True)
    document: dict[str, Any] = raw
    return document


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_there_are_the_ci_and_the_fork_safe_pair() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "image-size.yml", "image-size-comment.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_full_commit_sha(path: Path) -> None:
    for step in steps(load(path)):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert PINNED.match(uses), f"{path.name}: {uses} is not pinned by a 40-character commit SHA"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_declared_and_least(path: Path) -> None:
    document = load(path)
    permissions = document.get("permissions")
    assert isinstance(permissions, dict), f"{path.name}: set top-level permissions explicitly"
    assert permissions.get("contents") == "read"
    writes = {k for k, v in permissions.items() if v == "write"}
    for job in document["jobs"].values():
        writes |= {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
    if path.name == "image-size-comment.yml":
        assert writes == {"pull-requests"}
    else:
        assert writes == set(), f"{path.name} runs PR code: it must not get a write token"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_runs_pr_code_with_secrets(path: Path) -> None:
    document = load(path)
    assert "pull_request_target" not in document["on"]
    for step in steps(document):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_the_comment_half_runs_trusted_code_after_the_measuring_half() -> None:
    comment = load(next(p for p in WORKFLOWS if p.name == "image-size-comment.yml"))
    measure = load(next(p for p in WORKFLOWS if p.name == "image-size.yml"))
    assert comment["on"]["workflow_run"]["workflows"] == [measure["name"]]
    runs = [s.get("run", "") for s in steps(comment)]
    assert any(r.startswith("ci-optimizer comment --report") for r in runs)
    used = [s.get("uses", "") for s in steps(measure)]
    assert "./" in used
    action_step = next(s for s in steps(measure) if s.get("uses") == "./")
    assert action_step["with"]["comment"] == "never"
