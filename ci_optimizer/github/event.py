"""The webhook payload the runner saves at GITHUB_EVENT_PATH -> the pull request it is about.

On `pull_request` the SHA to report is `pull_request.head.sha`: GITHUB_SHA is the merge commit
GitHub made for the run. On `workflow_run` (the fork-safe commenting workflow) the payload names
the run that produced the report; for a fork its `pull_requests` list is empty, so the number
has to come from the report and be checked against the run's head SHA (`commands.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ci_optimizer.errors import UsageError
from ci_optimizer.textfile import read_text

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True, kw_only=True)
class PullRequest:
    number: int
    base_sha: str
    head_sha: str
    base_ref: str  # the branch the PR merges into
    base_repo: str  # owner/name
    head_repo: str | None  # None when the fork was deleted
    is_fork: bool


@dataclass(frozen=True, kw_only=True)
class WorkflowRun:
    """The run a `workflow_run` event reports on."""

    run_id: int
    head_sha: str
    head_repo: str | None
    is_fork: bool
    pull_requests: tuple[int, ...]  # empty for forks: GitHub lists only same-repository PRs
    conclusion: str | None


def read_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    text = read_text(path, what="event payload", error=UsageError)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"cannot read the event payload: {exc}", location=path) from None
    if not isinstance(payload, dict):
        raise UsageError("the event payload is not a JSON object", location=path)
    return payload


def pull_request(event_name: str, payload: Mapping[str, Any]) -> PullRequest | None:
    """The pull request of a `pull_request`/`pull_request_target` event, else None."""
    if event_name not in PULL_REQUEST_EVENTS:
        return None
    pr = payload.get("pull_request")
    if not isinstance(pr, Mapping):
        return None
    base = _mapping(pr, "base")
    head = _mapping(pr, "head")
    base_repo = _full_name(base) or ""
    head_repo = _full_name(head)
    return PullRequest(
        number=int(pr.get("number") or payload.get("number") or 0),
        base_sha=str(base.get("sha", "")),
        head_sha=str(head.get("sha", "")),
        base_ref=str(base.get("ref", "")),
        base_repo=base_repo,
        head_repo=head_repo,
        is_fork=head_repo != base_repo,
    )


def workflow_run(event_name: str, payload: Mapping[str, Any]) -> WorkflowRun | None:
    if event_name != "workflow_run":
        return None
    run = payload.get("workflow_run")
    if not isinstance(run, Mapping):
        return None
    head_repo = _name_of(run.get("head_repository"))
    this_repo = _name_of(payload.get("repository")) or _name_of(run.get("repository"))
    prs = run.get("pull_requests") or []
    return WorkflowRun(
        run_id=int(run.get("id") or 0),
        head_sha=str(run.get("head_sha", "")),
        head_repo=head_repo,
        is_fork=head_repo != this_repo,
        pull_requests=tuple(int(p["number"]) for p in prs if isinstance(p, Mapping) and "number" in p),
        conclusion=run.get("conclusion"),
    )


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _full_name(side: Mapping[str, Any]) -> str | None:
    return _name_of(side.get("repo"))


def _name_of(repo: Any) -> str | None:
    if isinstance(repo, Mapping) and repo.get("full_name"):
        return str(repo["full_name"])
    return None
