"""The size causes as one pull-request review, on the Dockerfile lines the PR changes.

GitHub accepts a review comment only on a line of the PR's diff (anything else is a 422), so the
lines come from the PR's own patches (`GET /pulls/N/files`), and only added lines get comments;
causes on other lines stay in the sticky comment. Each comment starts with a hidden marker naming
its Dockerfile line, so a re-run converges: a fixed cause's comment is deleted, an unchanged one
left alone, a changed one edited, and only the new ones go into a new review.

`sync_review` is the policy, pure over a `ReviewApi`; `PyGithubReview` is the adapter.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from github import Github

from ci_optimizer.config import load_config
from ci_optimizer.errors import CiOptimizerError
from ci_optimizer.github.action_settings import ActionSettings
from ci_optimizer.github.comment import CommentForbidden, NotFound, make_github, translated
from ci_optimizer.github.event import PullRequest
from ci_optimizer.github.runner import Console
from ci_optimizer.model.growth import Cause
from ci_optimizer.model.results import Report
from ci_optimizer.sizes import format_size

_MARKER = re.compile(r'^<!-- ci-optimizer:review key="(?P<key>[^"<>]*)" at="(?P<at>[^"<>]*)" -->$')
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


@dataclass(frozen=True, kw_only=True)
class ReviewComment:
    id: int
    body: str
    path: str
    line: int | None
    author: str = ""


@dataclass(frozen=True, kw_only=True)
class Planned:
    path: str
    line: int
    start_line: int | None  # a multi-line suggestion replaces start_line..line
    body: str


@dataclass(frozen=True, kw_only=True)
class ReviewResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    forbidden: str = ""  # why the token may not review (a fork PR): the sticky comment carries the causes
    posted: frozenset[tuple[str, int]] = field(default_factory=frozenset)  # (Dockerfile, line) in the review


class ReviewApi(Protocol):
    def files(self) -> list[tuple[str, str]]: ...  # (filename, patch) of every file the PR changes

    def comments(self) -> list[ReviewComment]: ...

    def create_review(self, commit: str, body: str, comments: Sequence[Planned]) -> None: ...

    def edit(self, comment_id: int, body: str) -> None: ...

    def delete(self, comment_id: int) -> None: ...


def diff_lines(patch: str) -> tuple[frozenset[int], frozenset[int]]:
    """(added lines, every line of the new file the diff shows) from a unified diff's hunks."""
    added: set[int] = set()
    shown: set[int] = set()
    line = 0
    for text in patch.splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            line = int(hunk.group("start"))
            continue
        if not line or text.startswith("-") or text.startswith("\\"):
            continue
        if text.startswith("+"):
            added.add(line)
        shown.add(line)
        line += 1
    return frozenset(added), frozenset(shown)


def marker(key: str, at: str) -> str:
    return f'<!-- ci-optimizer:review key="{key}" at="{at}" -->'


def marker_of(body: str) -> tuple[str, str] | None:
    match = _MARKER.match(body.split("\n", 1)[0].rstrip("\r"))
    return (match.group("key"), match.group("at")) if match else None


def plan(causes: Iterable[tuple[str, Cause]], files: Sequence[tuple[str, str]], *, key: str) -> dict[str, Planned]:
    """One comment per changed Dockerfile line that has causes, keyed by its marker's `at`.
    `causes`: (Dockerfile path as the report names it, cause)."""
    patches = {posixpath.normpath(name): patch for name, patch in files}
    grouped: dict[tuple[str, int], list[Cause]] = {}
    for dockerfile, cause in causes:
        path = posixpath.normpath(dockerfile.removeprefix("./"))
        if cause.line is not None and path in patches:
            grouped.setdefault((path, cause.line), []).append(cause)
    planned: dict[str, Planned] = {}
    for (path, line), found in sorted(grouped.items()):
        added, shown = diff_lines(patches[path])
        if line not in added:
            continue
        suggestion = next((c.suggestion for c in found if c.suggestion), None)
        end = line + suggestion.count("\n") if suggestion else line
        if suggestion and not all(n in shown for n in range(line, end + 1)):
            suggestion, end = None, line  # the instruction runs outside the diff: advice in words only
        at = f"{path}:{line}"
        planned[at] = Planned(path=path, line=end, start_line=line if end != line else None,
                              body=_body(key, at, found, suggestion))
    return planned


def _body(key: str, at: str, causes: Sequence[Cause], suggestion: str | None) -> str:
    total = sum(c.bytes for c in causes)
    lines = [marker(key, at), f"**ci-optimizer**: this instruction costs **{format_size(total)}** that a fix saves "
                              "(measured in the built image):", ""]
    lines += [f"- {c.message}. Fix: {c.fix}" for c in causes]
    if suggestion is not None:
        fence = "`" * max(3, _longest_backticks(suggestion) + 1)
        lines += ["", f"{fence}suggestion", suggestion, fence]
    return "\n".join(lines)


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def sync_review(api: ReviewApi, *, key: str, commit: str, causes: Iterable[tuple[str, Cause]]) -> ReviewResult:
    try:
        planned = plan(causes, api.files(), key=key)
        existing: dict[str, ReviewComment] = {}
        deleted = updated = unchanged = 0
        for comment in sorted(api.comments(), key=lambda c: c.id):
            found = marker_of(comment.body)
            if found is None or found[0] != key:
                continue
            at = found[1]
            if at not in planned or at in existing:  # fixed, or a duplicate of a racing run
                api.delete(comment.id)
                deleted += 1
                continue
            existing[at] = comment
            if comment.body == planned[at].body:
                unchanged += 1
            else:
                api.edit(comment.id, planned[at].body)
                updated += 1
        new = [p for at, p in planned.items() if at not in existing]
        if new:
            count = f"{len(new)} finding{'s' if len(new) != 1 else ''}"
            api.create_review(commit, f"{marker(key, 'review')}\nci-optimizer: {count} on the lines this PR changes",
                              new)
        posted = frozenset((p.path, p.start_line or p.line) for p in planned.values())
        return ReviewResult(created=len(new), updated=updated, deleted=deleted, unchanged=unchanged, posted=posted)
    except CommentForbidden as exc:
        return ReviewResult(forbidden=str(exc))


class PyGithubReview:
    """`ReviewApi` over one pull request."""

    def __init__(self, github: Github, repository: str, number: int) -> None:
        self._pull = github.get_repo(repository).get_pull(number)
        self._repo = github.get_repo(repository)
        self._where = f"{repository}#{number}"
        self._objects: dict[int, Any] = {}

    def files(self) -> list[tuple[str, str]]:
        with translated(f"listing the files of {self._where}"):
            return [(f.filename, f.patch or "") for f in self._pull.get_files()]

    def comments(self) -> list[ReviewComment]:
        with translated(f"listing the review comments of {self._where}"):
            found = []
            for c in self._pull.get_review_comments():
                self._objects[c.id] = c
                found.append(ReviewComment(id=c.id, body=c.body or "", path=c.path or "", line=c.line,
                                           author=c.user.login if c.user is not None else ""))
            return found

    def create_review(self, commit: str, body: str, comments: Sequence[Planned]) -> None:
        payload: list[Mapping[str, Any]] = [
            {"path": p.path, "line": p.line, "side": "RIGHT", "body": p.body,
             **({"start_line": p.start_line, "start_side": "RIGHT"} if p.start_line else {})}
            for p in comments
        ]
        with translated(f"reviewing {self._where}"):
            self._pull.create_review(commit=self._repo.get_commit(commit), body=body, event="COMMENT",
                                     comments=payload)  # type: ignore[arg-type]

    def edit(self, comment_id: int, body: str) -> None:
        with translated(f"editing review comment {comment_id} on {self._where}"):
            self._objects[comment_id].edit(body)

    def delete(self, comment_id: int) -> None:
        try:
            with translated(f"deleting review comment {comment_id} on {self._where}"):
                self._objects[comment_id].delete()
        except NotFound:
            pass  # already gone: the outcome we wanted


def production_causes(report: Report) -> list[tuple[str, Cause]]:
    return [(t.dockerfile, c) for t in report.targets if t.role == "production" and t.growth for c in t.growth.causes]


def publish_review(report: Report, *, enabled: bool, github: Github | None, repository: str, number: int,
                   commit: str | None, key: str, warn: Callable[[str], None]) -> frozenset[tuple[str, int]]:
    """Post or converge the review; the (Dockerfile, line) pairs it holds, for the sticky comment.
    Never fails the run: a refused or failed review leaves every cause in the sticky comment."""
    causes = production_causes(report)
    if not enabled or github is None or number <= 0 or not commit:
        return frozenset()
    try:
        result = sync_review(PyGithubReview(github, repository, number), key=key, commit=commit, causes=causes)
    except CiOptimizerError as exc:
        warn(f"the review comments failed: {exc.one_line()}; the findings are in the PR comment")
        return frozenset()
    if result.forbidden:
        warn(f"no review comments: {result.forbidden}; the findings are in the PR comment")
    # The review names files as the PR does; the sticky comment names them as the report does.
    return frozenset((d, line) for d, _cause in causes for path, line in result.posted
                     if posixpath.normpath(d.removeprefix("./")) == path)


def for_action(report: Report, settings: ActionSettings, pr: PullRequest | None, console: Console, *,
               throttle: bool = True) -> frozenset[tuple[str, int]]:
    """The action's review: input `review` and the config's `review:` must both allow it."""
    github = make_github(settings.github_token, settings.runner.api_url, throttle=throttle) \
        if settings.github_token else None
    return publish_review(report, enabled=settings.review and _config_allows(settings), github=github,
                          repository=(pr.base_repo if pr else None) or settings.runner.repository,
                          number=pr.number if pr else 0, commit=pr.head_sha if pr else None, key=settings.comment_key,
                          warn=lambda message: console.warning(message, title="ci-optimizer"))


def _config_allows(settings: ActionSettings) -> bool:
    """The config's `review:` switch (the run has already read and validated the file)."""
    try:
        return load_config(Path(settings.config) if settings.config else None, root=Path()).review
    except CiOptimizerError:
        return True
