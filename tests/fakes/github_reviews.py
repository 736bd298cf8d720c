"""Pull-request reviews for the fake GitHub API (github_api.py), with GitHub's rules that bite:

- a review comment must sit on a line of the PR's diff, on the new side (`side: RIGHT`): a line the
  patch of `GET /pulls/N/files` shows; anything else is rejected with 422 "Line could not be
  resolved", and the whole review with it (nothing is created);
- a multi-line comment (`start_line`..`line`) must lie within one hunk;
- review comments list in pages with `Link` headers; only their author may edit or delete them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")
_REPO = r"(?P<repo>[^/]+/[^/]+)"
REVIEW_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(rf"^/repos/{_REPO}/pulls/(?P<number>\d+)/files$"), "list_pull_files"),
    ("GET", re.compile(rf"^/repos/{_REPO}/pulls/(?P<number>\d+)/comments$"), "list_review_comments"),
    ("POST", re.compile(rf"^/repos/{_REPO}/pulls/(?P<number>\d+)/reviews$"), "create_review"),
    ("PATCH", re.compile(rf"^/repos/{_REPO}/pulls/comments/(?P<id>\d+)$"), "edit_review_comment"),
    ("DELETE", re.compile(rf"^/repos/{_REPO}/pulls/comments/(?P<id>\d+)$"), "delete_review_comment"),
]


@dataclass
class ReviewCommentRecord:
    id: int
    repo: str
    number: int
    path: str
    line: int
    start_line: int | None
    body: str
    login: str
    commit: str


@dataclass
class ReviewState:
    files: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)  # (filename, patch)
    comments: dict[int, ReviewCommentRecord] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)


def hunks(patch: str) -> list[set[int]]:
    """The new-side lines each hunk of a unified diff shows."""
    found: list[set[int]] = []
    line = 0
    for text in patch.splitlines():
        match = _HUNK.match(text)
        if match:
            line = int(match.group("start"))
            found.append(set())
        elif found and not text.startswith(("-", "\\")):
            found[-1].add(line)
            line += 1
    return found


class ReviewEndpoints:
    """Mixed into FakeGitHub: `self.state`, `self.url`, `self._page` and `self.lock` come from it."""

    reviews: ReviewState

    @property
    def url(self) -> str:
        raise NotImplementedError  # FakeGitHub's

    def add_pull_file(self, repo: str, number: int, filename: str, patch: str) -> None:
        with self.lock:  # type: ignore[attr-defined]
            self.reviews.files.setdefault((repo, number), []).append((filename, patch))

    def review_comments(self, repo: str, number: int) -> list[ReviewCommentRecord]:
        with self.lock:  # type: ignore[attr-defined]
            return sorted((c for c in self.reviews.comments.values() if (c.repo, c.number) == (repo, number)),
                          key=lambda c: c.id)

    def _review_json(self, c: ReviewCommentRecord) -> dict[str, Any]:
        return {"id": c.id, "body": c.body, "path": c.path, "line": c.line, "start_line": c.start_line,
                "side": "RIGHT", "commit_id": c.commit, "user": {"login": c.login, "id": 1, "type": "Bot"},
                "url": f"{self.url}/repos/{c.repo}/pulls/comments/{c.id}",
                "html_url": f"https://github.example/{c.repo}/pull/{c.number}#discussion_r{c.id}",
                "pull_request_url": f"{self.url}/repos/{c.repo}/pulls/{c.number}"}

    def _list_pull_files(self, account: Any, query: dict[str, list[str]], body: Any, repo: str, number: str) -> Any:
        items = [{"filename": name, "status": "modified", "patch": patch, "sha": "0" * 40}
                 for name, patch in self.reviews.files.get((repo, int(number)), [])]
        return self._page(items, query, f"{self.url}/repos/{repo}/pulls/{number}/files")  # type: ignore[attr-defined]

    def _list_review_comments(self, account: Any, query: dict[str, list[str]], body: Any, repo: str,
                              number: str) -> Any:
        items = [self._review_json(c) for c in sorted(self.reviews.comments.values(), key=lambda c: c.id)
                 if (c.repo, c.number) == (repo, int(number))]
        return self._page(items, query, f"{self.url}/repos/{repo}/pulls/{number}/comments")  # type: ignore[attr-defined]

    def _create_review(self, account: Any, query: Any, body: Any, repo: str, number: str) -> Any:
        if not isinstance(body, dict):
            return 422, {"message": "Validation Failed"}, {}
        patches = dict(self.reviews.files.get((repo, int(number)), []))
        wanted = body.get("comments") or []
        for comment in wanted:
            path, line, start = comment.get("path"), comment.get("line"), comment.get("start_line")
            span = set(range(start, line + 1)) if isinstance(start, int) and isinstance(line, int) else {line}
            fits = path in patches and comment.get("side", "RIGHT") == "RIGHT" and any(
                span <= hunk for hunk in hunks(patches[path]))
            if not fits:
                return 422, {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"],
                             "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review"}, {}
        for comment in wanted:
            self.state.next_id += 1  # type: ignore[attr-defined]
            record = ReviewCommentRecord(self.state.next_id, repo, int(number), comment["path"],  # type: ignore
                                         comment["line"], comment.get("start_line"), comment["body"], account.login,
                                         body.get("commit_id") or "")
            self.reviews.comments[record.id] = record
        review = {"id": len(self.reviews.reviews) + 1, "body": body.get("body", ""), "state": "COMMENTED",
                  "commit_id": body.get("commit_id"), "user": {"login": account.login, "id": 1, "type": "Bot"},
                  "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "event": body.get("event")}
        self.reviews.reviews.append(review)
        return 200, review, {}

    def _review_comment(self, account: Any, repo: str, id: str) -> ReviewCommentRecord | tuple[int, Any, Any]:
        comment = self.reviews.comments.get(int(id))
        if comment is None or comment.repo != repo:
            return 404, {"message": "Not Found"}, {}
        if comment.login != account.login:
            return 403, {"message": "Resource not accessible by integration"}, {}
        return comment

    def _edit_review_comment(self, account: Any, query: Any, body: Any, repo: str, id: str) -> Any:
        found = self._review_comment(account, repo, id)
        if isinstance(found, tuple):
            return found
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return 422, {"message": "Validation Failed"}, {}
        found.body = body["body"]
        return 200, self._review_json(found), {}

    def _delete_review_comment(self, account: Any, query: Any, body: Any, repo: str, id: str) -> Any:
        found = self._review_comment(account, repo, id)
        if isinstance(found, tuple):
            return found
        del self.reviews.comments[found.id]
        return 204, None, {}
