"""The job summary and the sticky comment of one action run (the PR review rides along)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from ci_optimizer.errors import EXIT_ERROR, EXIT_OK, CiOptimizerError
from ci_optimizer.github import comment as sticky
from ci_optimizer.github import review
from ci_optimizer.github.action_settings import ActionSettings
from ci_optimizer.github.event import PullRequest
from ci_optimizer.github.runner import Console, append_summary, redact
from ci_optimizer.model.results import Report
from ci_optimizer.report import markdown_text as md
from ci_optimizer.report.markdown import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    MarkdownOptions,
    render_markdown,
    stable_digest,
)

FORK_HELP = (
    "A pull request from a fork gets a read-only token, so the comment cannot be written here; "
    "the report is in this job's summary. To comment on fork PRs, upload the report as an artifact "
    "and post it from a workflow_run workflow with `ci-optimizer comment --report report.json` "
    "(see docs/github-action.md, 'Pull requests from forks')."
)


@dataclass(frozen=True, kw_only=True)
class Published:
    code: int
    comment_url: str = ""


def comment_title(settings: ActionSettings) -> str:
    return f"ci-optimizer · {settings.comment_key}" if settings.comment_key_given else "ci-optimizer"


@dataclass(frozen=True, kw_only=True)
class Publisher:
    """Writes the job summary and the sticky comment for one run."""

    settings: ActionSettings
    pr: PullRequest | None
    console: Console
    throttle: bool = True

    def report(self, report: Report) -> Published:
        options = MarkdownOptions(
            title=comment_title(self.settings),
            budgets_enforced=self.settings.fail_on_budget,
            head_sha=self.pr.head_sha if self.pr is not None else self.settings.runner.sha,
            run_url=self.settings.runner.run_url,
        )
        self._summary(render_markdown(report, replace(options, max_chars=SUMMARY_LIMIT)))
        options = replace(options, reviewed=review.for_action(report, self.settings, self.pr, self.console,
                                                              throttle=self.throttle))
        room = COMMENT_LIMIT - len(sticky.marker(self.settings.comment_key, "0" * 16)) - 1
        body = render_markdown(report, replace(options, max_chars=room))
        return self._comment(body, stable_digest(report, budgets_enforced=self.settings.fail_on_budget))

    def error(self, message: str) -> Published:
        """A run that produced no report still replaces the old verdict: a stale ✅ would lie."""
        body = (f"### ❌ {md.text(comment_title(self.settings))}: could not run\n\n"
                f"{md.code(message, limit=1000)}\n\nSee the workflow run's log.\n")
        self._summary(body)
        return self._comment(body, text_digest(message))

    def _summary(self, markdown: str) -> None:
        append_summary(self.settings.runner.summary_path, self._redact(markdown))

    def _redact(self, text: str) -> str:
        return redact(text, (self.settings.github_token.reveal(),))

    def _comment(self, body: str, digest: str) -> Published:
        settings, pr, console = self.settings, self.pr, self.console
        if settings.comment == "never":
            return Published(code=EXIT_OK)
        if settings.shard is not None:
            console.line(f"ci-optimizer: shard {settings.shard}: no comment; the merge-reports job posts the one")
            return Published(code=EXIT_OK)
        if pr is None or pr.number <= 0:
            console.line(f"ci-optimizer: not a pull request event ({settings.runner.event_name or 'none'}): "
                         "no comment, the report is in the job summary")
            return Published(code=EXIT_OK)
        if not settings.github_token:
            console.warning("no github-token: the comment was not posted; the report is in the job summary")
            return Published(code=EXIT_OK)
        try:
            api = sticky.PyGithubComments(
                sticky.make_github(settings.github_token, settings.runner.api_url, throttle=self.throttle),
                pr.base_repo or settings.runner.repository, pr.number,
            )
            result = sticky.upsert(api, key=settings.comment_key, digest=digest, markdown=self._redact(body),
                                   mode=settings.comment)
        except CiOptimizerError as exc:
            console.error(f"the PR comment failed: {exc.one_line()}", title="ci-optimizer")
            return Published(code=EXIT_ERROR)
        if result.action == "forbidden":
            console.warning(f"{FORK_HELP} ({result.detail})", title="ci-optimizer: comment not posted")
            return Published(code=EXIT_OK)
        extra = f", removed {result.removed_duplicates} duplicate(s)" if result.removed_duplicates else ""
        console.line(f"ci-optimizer: comment {result.action}{extra}: {result.url}")
        return Published(code=EXIT_OK, comment_url=result.url or "")


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
