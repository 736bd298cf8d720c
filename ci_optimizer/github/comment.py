"""One sticky comment per pull request and comment key.

The comment is found again by a hidden marker on its first line, never by asking who we are:
`GET /user` answers 403 to the Actions token. Every page of comments is read, the oldest
marked comment is edited in place, and one is created only when none exists. Two runs that
race both create; each then lists again, keeps the oldest and deletes the newer duplicates of
the same author, so the PR converges to one comment whatever the interleaving.

`upsert` is the policy and is pure over a `CommentsApi`; `PyGithubComments` is the adapter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from github import Auth, Github, GithubException, GithubRetry
from requests import RequestException
from urllib3.util.retry import Retry

from ci_optimizer.errors import GitHubError
from ci_optimizer.github.action_settings import CommentMode, Secret

_MARKER = re.compile(r'^<!-- ci-optimizer:comment key="(?P<key>[^"<>]*)" digest="(?P<digest>[0-9a-f]*)" -->$')

Action = Literal["created", "updated", "unchanged", "skipped", "forbidden"]


@dataclass(frozen=True, kw_only=True)
class StoredComment:
    id: int
    body: str
    author: str
    url: str


@dataclass(frozen=True, kw_only=True)
class CommentResult:
    action: Action
    url: str | None = None
    removed_duplicates: int = 0
    detail: str = ""  # why it was forbidden, for the warning


class CommentForbidden(Exception):
    """The token may not read or write the PR's comments (fork PRs, read-only tokens)."""


class CommentsApi(Protocol):
    def list(self) -> list[StoredComment]: ...

    def create(self, body: str) -> StoredComment: ...

    def edit(self, comment_id: int, body: str) -> StoredComment: ...

    def delete(self, comment_id: int) -> None: ...


def marker(key: str, digest: str) -> str:
    return f'<!-- ci-optimizer:comment key="{key}" digest="{digest}" -->'


def marker_of(body: str) -> tuple[str, str] | None:
    """(key, digest) from a body's first line; a quote-reply (`> <!-- ...`) does not match."""
    match = _MARKER.match(body.split("\n", 1)[0].rstrip("\r"))
    return (match.group("key"), match.group("digest")) if match else None


def compose(key: str, digest: str, markdown: str) -> str:
    return f"{marker(key, digest)}\n{markdown}"


def ours(comments: Sequence[StoredComment], key: str) -> list[StoredComment]:
    """Comments carrying our marker for `key`, oldest first (ids grow with time)."""
    found = [c for c in comments if (m := marker_of(c.body)) is not None and m[0] == key]
    return sorted(found, key=lambda c: c.id)


def upsert(api: CommentsApi, *, key: str, digest: str, markdown: str, mode: CommentMode) -> CommentResult:
    if mode == "never":
        return CommentResult(action="skipped")
    body = compose(key, digest, markdown)
    try:
        existing = ours(api.list(), key)
        if existing:
            return _update(api, existing, body=body, digest=digest, mode=mode)
        created = api.create(body)
        # A run racing ours may have listed before our create and created its own: converge.
        again = [c for c in ours(api.list(), key) if c.author == created.author]
        if len(again) <= 1:
            return CommentResult(action="created", url=created.url)
        result = _update(api, again, body=body, digest=digest, mode="always")
        return CommentResult(action="created", url=result.url, removed_duplicates=result.removed_duplicates)
    except CommentForbidden as exc:
        return CommentResult(action="forbidden", detail=str(exc))


def _update(
    api: CommentsApi, existing: list[StoredComment], *, body: str, digest: str, mode: CommentMode
) -> CommentResult:
    keep, *rest = existing
    removed = 0
    for duplicate in rest:
        if duplicate.author == keep.author:  # never touch a marked comment someone else wrote
            api.delete(duplicate.id)
            removed += 1
    current = marker_of(keep.body)
    if keep.body == body or (mode == "on-change" and current is not None and current[1] == digest):
        return CommentResult(action="unchanged", url=keep.url, removed_duplicates=removed)
    edited = api.edit(keep.id, body)
    return CommentResult(action="updated", url=edited.url, removed_duplicates=removed)


# --- PyGithub adapter --------------------------------------------------------------------------

TIMEOUT_SECONDS = 30
RETRIES = 5


def make_github(token: Secret, api_url: str, *, timeout: int = TIMEOUT_SECONDS, retries: int = RETRIES,
                backoff: float = 0.5, throttle: bool = True) -> Github:
    """PyGithub with retries for 5xx and (secondary) rate limits, and a timeout on every request.

    GithubRetry retries 403s only when they are rate limits (a `Retry-After` header or a rate
    limit message), so a fork's "Resource not accessible" 403 still fails at once. PATCH and
    DELETE join the retried methods: editing or deleting the same comment twice is harmless,
    and a POST retried after a lost answer is undone by the duplicate cleanup in `upsert`.
    """
    retry = GithubRetry(
        total=retries,
        backoff_factor=backoff,
        raise_on_status=False,  # hand the last answer to PyGithub, which names the status
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"GET", "POST", "PATCH", "DELETE"},
    )
    return Github(
        auth=Auth.Token(token.reveal()) if token else None,
        base_url=api_url,
        timeout=timeout,
        retry=retry,
        per_page=100,
        lazy=True,  # no GET of the repository or the issue just to reach its comments
        seconds_between_requests=0.25 if throttle else None,
        seconds_between_writes=1.0 if throttle else None,
    )


class PyGithubComments:
    """`CommentsApi` over one issue or pull request (PR comments are issue comments)."""

    def __init__(self, github: Github, repository: str, number: int) -> None:
        self._issue = github.get_repo(repository).get_issue(number)
        self._where = f"{repository}#{number}"
        self._objects: dict[int, Any] = {}

    def list(self) -> list[StoredComment]:
        with translated(f"listing the comments of {self._where}"):
            return [self._keep(c) for c in self._issue.get_comments()]

    def create(self, body: str) -> StoredComment:
        with translated(f"commenting on {self._where}"):
            return self._keep(self._issue.create_comment(body))

    def edit(self, comment_id: int, body: str) -> StoredComment:
        with translated(f"editing comment {comment_id} on {self._where}"):
            comment = self._objects[comment_id]
            comment.edit(body)
            return self._keep(comment)

    def delete(self, comment_id: int) -> None:
        try:
            with translated(f"deleting duplicate comment {comment_id} on {self._where}"):
                self._objects[comment_id].delete()
        except NotFound:
            pass  # the racing run deleted it first: that is the outcome we wanted

    def _keep(self, comment: Any) -> StoredComment:
        self._objects[comment.id] = comment
        author = comment.user.login if comment.user is not None else ""
        return StoredComment(id=comment.id, body=comment.body or "", author=author, url=comment.html_url or "")


class NotFound(Exception):
    """A delete of something already gone (404): the outcome the caller wanted (github/review.py too)."""


@contextmanager
def translated(doing: str) -> Iterator[None]:
    """PyGithub/requests exceptions -> CommentForbidden, NotFound or a one-line GitHubError."""
    try:
        yield
    except GithubException as exc:
        message = _message(exc)
        if exc.status == 404 and doing.startswith("deleting"):
            raise NotFound() from None
        # 403: a fork's read-only token; 404: a token that may not see the repository or PR.
        if exc.status in (403, 404):
            raise CommentForbidden(f"{doing}: HTTP {exc.status} {message}".strip()) from None
        raise GitHubError(f"{doing} failed: HTTP {exc.status} {message}".strip()) from None
    except RequestException as exc:
        raise GitHubError(f"{doing} failed: {type(exc).__name__}: {_first_line(str(exc))}") from None


def _message(exc: Any) -> str:
    data = exc.data
    if isinstance(data, dict) and data.get("message"):
        return _first_line(str(data["message"]))
    return ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def pull_head_sha(github: Github, repository: str, number: int) -> str:
    """The head commit of a pull request, as GitHub knows it now."""
    with translated(f"reading pull request {repository}#{number}"):
        return str(github.get_repo(repository).get_pull(number).head.sha)
