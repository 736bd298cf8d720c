"""Post the sticky comment from a saved report (`ci-optimizer comment`, registered in commands.py).

This is the second half of the fork-safe pattern. The pull request's workflow runs the action
with a read-only token and uploads the report; a `workflow_run` workflow, which runs trusted
code from the default branch with a write token, downloads it and runs this command. The
report is untrusted input there: it is validated against the schema, re-rendered (never
posted as text), and the PR number it names is checked against the head commit of the run
that produced it, so a malicious PR cannot make the bot comment on another pull request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from ci_optimizer.errors import EXIT_OK, GitHubError, UsageError
from ci_optimizer.github import comment as sticky
from ci_optimizer.github.action_settings import RunnerEnv, Secret, read_input, runner_env, sanitize_key
from ci_optimizer.github.event import pull_request, read_event, workflow_run
from ci_optimizer.github.runner import Console, append_summary, output_block, redact
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.markdown import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    MarkdownOptions,
    render_markdown,
    stable_digest,
)
from ci_optimizer.textfile import read_text


@dataclass(frozen=True, kw_only=True)
class CommentRequest:
    report: Path
    pr: int | None = None
    key: str | None = None
    mode: str = "always"
    repository: str | None = None


@dataclass(frozen=True, kw_only=True)
class Target:
    """Where the comment goes, and the head commit it must be about (when known from a trusted source)."""

    repository: str
    number: int
    trusted_head: str | None
    number_trusted: bool


def post_saved_report(env: Mapping[str, str], request: CommentRequest, *, out: TextIO,
                      throttle: bool = True) -> int:
    console = Console(out)
    token = Secret(read_input(env, "github-token") or env.get("GITHUB_TOKEN", ""))
    if token:
        console.mask(token.reveal())
    if not token:
        raise UsageError("no token: set GITHUB_TOKEN (the workflow needs `permissions: pull-requests: write`)")
    runner = runner_env(env)
    document = _load(request.report)
    report = report_json.from_dict(document, source=str(request.report))
    block = document.get("github") or {}
    target = comment_target(request, runner, block)
    github = sticky.make_github(token, runner.api_url, throttle=throttle)
    if not target.number_trusted and target.trusted_head:
        actual = sticky.pull_head_sha(github, target.repository, target.number)
        if actual != target.trusted_head:
            raise GitHubError(
                f"the report names pull request #{target.number}, whose head is {actual[:12]}, but the workflow "
                f"run that made it built {target.trusted_head[:12]}: refusing to comment",
                location=str(request.report),
            )
    key = sanitize_key(request.key or str(block.get("comment_key") or "Dockerfile"))
    enforced = bool(block.get("budgets_enforced", True))
    options = MarkdownOptions(title="ci-optimizer" if key == "Dockerfile" else f"ci-optimizer · {key}",
                              budgets_enforced=enforced, head_sha=target.trusted_head or block.get("head_sha"),
                              run_url=runner.run_url)
    secret = (token.reveal(),)
    append_summary(runner.summary_path,
                   redact(render_markdown(report, _limit(options, SUMMARY_LIMIT)), secret))
    body = render_markdown(report, _limit(options, COMMENT_LIMIT - len(sticky.marker(key, "0" * 16)) - 1))
    api = sticky.PyGithubComments(github, target.repository, target.number)
    result = sticky.upsert(api, key=key, digest=stable_digest(report, budgets_enforced=enforced),
                           markdown=redact(body, secret), mode="on-change" if request.mode == "on-change" else "always")
    if result.action == "forbidden":
        raise GitHubError(f"{result.detail}: the commenting workflow needs `permissions: pull-requests: write`")
    console.line(f"ci-optimizer: comment {result.action} on {target.repository}#{target.number}: {result.url}")
    if runner.output_path:
        with Path(runner.output_path).open("a", encoding="utf-8") as handle:
            handle.write(output_block("comment-url", result.url or ""))
    return EXIT_OK


def _load(path: Path) -> Any:
    text = read_text(path, what="report", error=UsageError)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"cannot read the report: {exc}", location=str(path)) from None


def comment_target(request: CommentRequest, runner: RunnerEnv, block: Mapping[str, Any]) -> Target:
    """The PR to comment on: from the event when it names one (trusted), else from --pr or the report,
    which the caller checks against the head commit the event names."""
    payload = read_event(runner.event_path)
    run = workflow_run(runner.event_name, payload)
    pr = pull_request(runner.event_name, payload)
    repository = request.repository or runner.repository or str(block.get("repository") or "")
    if not repository:
        raise UsageError("no repository: pass --repository OWNER/NAME or set GITHUB_REPOSITORY")
    trusted_head = run.head_sha if run is not None else (pr.head_sha if pr is not None else None)
    if request.pr is not None:
        return Target(repository=repository, number=request.pr, trusted_head=trusted_head, number_trusted=False)
    if run is not None and run.pull_requests:
        return Target(repository=repository, number=run.pull_requests[0], trusted_head=trusted_head,
                      number_trusted=True)
    if pr is not None:
        return Target(repository=repository, number=pr.number, trusted_head=trusted_head, number_trusted=True)
    number = block.get("pull_request")
    if not isinstance(number, int):
        raise UsageError("no pull request: the report has none and the event names none; pass --pr NUMBER")
    return Target(repository=repository, number=number, trusted_head=trusted_head, number_trusted=False)


def _limit(options: MarkdownOptions, chars: int) -> MarkdownOptions:
    return replace(options, max_chars=chars)
