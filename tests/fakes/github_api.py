"""A real HTTP server on 127.0.0.1 that answers like the GitHub REST API, for the calls we make.

Not a mock: PyGithub (and the action's entrypoint, in a subprocess) talk to it over TCP through
their whole stack (requests, urllib3 retries, pagination by `Link` header). It behaves like
github.com where it matters to us:

- `GET /user` is 403, as it is for the Actions token;
- a token registered as read-only (a fork PR's token) gets 403 "Resource not accessible by
  integration" on every write; an unknown token gets 401 "Bad credentials";
- editing or deleting another user's comment is 403;
- comments list in pages (`per_page`, default 30, max 100) with `Link` headers;
- every answer carries `X-RateLimit-*` headers;
- `fail_next` injects one-off failures (a 502, a secondary rate limit 403 with `Retry-After`).

Every request is recorded so tests can assert on what was sent. Serve it under a path prefix
(`prefix="/api/v3"`) to stand in for GitHub Enterprise Server.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.github_reviews import REVIEW_ROUTES, ReviewEndpoints, ReviewState

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/user$"), "get_user"),
    ("GET", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)$"), "get_repo"),
    ("GET", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)$"), "get_issue"),
    ("GET", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/pulls/(?P<number>\d+)$"), "get_pull"),
    ("GET", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)/comments$"), "list_comments"),
    ("POST", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)/comments$"), "create_comment"),
    ("GET", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$"), "get_comment"),
    ("PATCH", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$"), "edit_comment"),
    ("DELETE", re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$"), "delete_comment"),
    *REVIEW_ROUTES,
]
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
Answer = tuple[int, Any, dict[str, str]]  # status, JSON body, extra headers


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # without the prefix and the query
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Comment:
    id: int
    repo: str
    number: int
    body: str
    login: str
    created: float


@dataclass
class Account:
    login: str
    can_write: bool
    type: str = "Bot"


@dataclass
class PullRequest:
    number: int
    head_sha: str
    base_sha: str
    head_repo: str | None = None


@dataclass
class State:
    accounts: dict[str, Account] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    pulls: dict[tuple[str, int], PullRequest] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    next_id: int = 1000
    rate_remaining: int = 5000


class FakeGitHub(ReviewEndpoints):
    def __init__(self, *, prefix: str = "") -> None:
        self.prefix = prefix.rstrip("/")
        self.state = State()
        self.reviews = ReviewState()
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- set-up ---------------------------------------------------------------------------------

    def add_token(self, token: str, login: str = "github-actions[bot]", *, can_write: bool = True,
                  kind: str = "Bot") -> None:
        with self.lock:
            self.state.accounts[token] = Account(login=login, can_write=can_write, type=kind)

    def add_pull(self, repo: str, number: int, *, head_sha: str, base_sha: str, head_repo: str | None = None) -> None:
        with self.lock:
            self.state.pulls[(repo, number)] = PullRequest(number, head_sha, base_sha, head_repo or repo)

    def seed_comment(self, repo: str, number: int, body: str, login: str) -> int:
        with self.lock:
            return self._insert(repo, number, body, login).id

    def fail_next(self, method: str, path: str, status: int = 502, *, headers: dict[str, str] | None = None,
                  message: str = "Bad Gateway") -> None:
        """The next request matching `method` and the regex `path` (no prefix) gets this answer, once."""
        with self.lock:
            self.state.failures.append(
                Failure(method, re.compile(path), status, dict(headers or {}), {"message": message})
            )

    def secondary_rate_limit_next(self, method: str, path: str, retry_after: int = 1) -> None:
        self.fail_next(
            method, path, 403, headers={"Retry-After": str(retry_after)},
            message="You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        )

    # --- inspection -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}{self.prefix}"

    def comments(self, repo: str, number: int) -> list[Comment]:
        with self.lock:
            return sorted((c for c in self.state.comments.values() if (c.repo, c.number) == (repo, number)),
                          key=lambda c: c.id)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self.lock:
            found = list(self.state.requests)
        return [r for r in found
                if (method is None or r.method == method) and (path is None or re.search(path, r.path))]

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-github", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def running(self) -> Iterator[FakeGitHub]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    # --- request handling (under the lock) ------------------------------------------------------

    def _insert(self, repo: str, number: int, body: str, login: str) -> Comment:
        self.state.next_id += 1
        comment = Comment(self.state.next_id, repo, number, body, login, time.time())
        self.state.comments[comment.id] = comment
        return comment

    def _comment_json(self, c: Comment) -> dict[str, Any]:
        api = f"{self.url}/repos/{c.repo}"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(c.created))
        account = next((a for a in self.state.accounts.values() if a.login == c.login), None)
        return {
            "id": c.id,
            "node_id": f"IC_{c.id}",
            "url": f"{api}/issues/comments/{c.id}",
            "html_url": f"{self.url.removesuffix(self.prefix)}/{c.repo}/pull/{c.number}#issuecomment-{c.id}",
            "issue_url": f"{api}/issues/{c.number}",
            "body": c.body,
            "user": {"login": c.login, "id": abs(hash(c.login)) % 10**8,
                     "type": account.type if account else "User"},
            "created_at": stamp,
            "updated_at": stamp,
            "author_association": "NONE",
        }

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        path = parts.path
        if self.prefix:
            if not path.startswith(self.prefix + "/"):
                return self._record(Recorded(method, path, query, headers, body, 404), {"message": "Not Found"})
            path = path[len(self.prefix):]
        for failure in self.state.failures:
            if failure.method == method and failure.path.search(path):
                self.state.failures.remove(failure)
                return self._record(Recorded(method, path, query, headers, body, failure.status), failure.body,
                                    failure.headers)
        token = headers.get("authorization", "").removeprefix("token ").removeprefix("Bearer ").strip()
        account = self.state.accounts.get(token)
        if account is None:
            return self._record(Recorded(method, path, query, headers, body, 401), {"message": "Bad credentials"})
        for verb, pattern, name in _ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                if method in WRITE_METHODS and not account.can_write:
                    return self._record(Recorded(method, path, query, headers, body, 403),
                                        {"message": "Resource not accessible by integration"})
                status, answer, extra = getattr(self, "_" + name)(account, query, body, **match.groupdict())
                return self._record(Recorded(method, path, query, headers, body, status), answer, extra)
        return self._record(Recorded(method, path, query, headers, body, 404), {"message": "Not Found"})

    def _record(self, request: Recorded, answer: Any, extra: dict[str, str] | None = None,
                ) -> tuple[int, dict[str, str], Any]:
        self.state.requests.append(request)
        status = request.status
        self.state.rate_remaining -= 1
        out = {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": str(self.state.rate_remaining),
            "X-RateLimit-Used": str(5000 - self.state.rate_remaining),
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Resource": "core",
            **(extra or {}),
        }
        return status, out, answer

    # --- endpoints: (account, query, body, **path params) -> (status, json, headers) ------------

    def _get_user(self, account: Account, query: Any, body: Any) -> Answer:
        return 403, {"message": "Resource not accessible by integration"}, {}

    def _get_repo(self, account: Account, query: Any, body: Any, repo: str) -> Answer:
        owner, name = repo.split("/")
        return 200, {"id": 1, "name": name, "full_name": repo, "owner": {"login": owner},
                     "url": f"{self.url}/repos/{repo}", "private": False}, {}

    def _get_issue(self, account: Account, query: Any, body: Any, repo: str, number: str) -> Answer:
        return 200, {"id": int(number), "number": int(number), "url": f"{self.url}/repos/{repo}/issues/{number}",
                     "state": "open", "title": "PR", "pull_request": {}}, {}

    def _get_pull(self, account: Account, query: Any, body: Any, repo: str, number: str) -> Answer:
        pr = self.state.pulls.get((repo, int(number)))
        if pr is None:
            return 404, {"message": "Not Found"}, {}
        return 200, {"id": pr.number, "number": pr.number, "url": f"{self.url}/repos/{repo}/pulls/{number}",
                     "state": "open",
                     "head": {"sha": pr.head_sha, "repo": {"full_name": pr.head_repo}},
                     "base": {"sha": pr.base_sha, "repo": {"full_name": repo}}}, {}

    def _list_comments(self, account: Account, query: dict[str, list[str]], body: Any, repo: str,
                       number: str) -> Answer:
        items = sorted((c for c in self.state.comments.values() if (c.repo, c.number) == (repo, int(number))),
                       key=lambda c: c.id)
        return self._page([self._comment_json(c) for c in items], query,
                          f"{self.url}/repos/{repo}/issues/{number}/comments")

    def _page(self, items: list[Any], query: dict[str, list[str]], base: str) -> Answer:
        """One page of `items` (per_page default 30, at most 100) with GitHub's `Link` header."""
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []
        if page < last:
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
            links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _create_comment(self, account: Account, query: Any, body: Any, repo: str, number: str) -> Answer:
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return 422, {"message": "Validation Failed"}, {}
        if len(body["body"]) > 65536:
            return 422, {"message": "Validation Failed",
                         "errors": [{"message": "Body is too long (maximum is 65536 characters)"}]}, {}
        comment = self._insert(repo, int(number), body["body"], account.login)
        return 201, self._comment_json(comment), {"Location": self._comment_json(comment)["url"]}

    def _comment(self, account: Account, repo: str, id: str, *, own: bool) -> Comment | Answer:
        """The comment, or the answer GitHub gives: 404 if unknown, 403 if another user wrote it."""
        comment = self.state.comments.get(int(id))
        if comment is None or comment.repo != repo:
            return 404, {"message": "Not Found"}, {}
        if own and comment.login != account.login:
            return 403, {"message": "Resource not accessible by integration"}, {}
        return comment

    def _get_comment(self, account: Account, query: Any, body: Any, repo: str, id: str) -> Answer:
        found = self._comment(account, repo, id, own=False)
        return found if isinstance(found, tuple) else (200, self._comment_json(found), {})

    def _edit_comment(self, account: Account, query: Any, body: Any, repo: str, id: str) -> Answer:
        found = self._comment(account, repo, id, own=True)
        if isinstance(found, tuple):
            return found
        if not isinstance(body, dict) or not isinstance(body.get("body"), str) or len(body["body"]) > 65536:
            return 422, {"message": "Validation Failed"}, {}
        found.body = body["body"]
        return 200, self._comment_json(found), {}

    def _delete_comment(self, account: Account, query: Any, body: Any, repo: str, id: str) -> Answer:
        found = self._comment(account, repo, id, own=True)
        if isinstance(found, tuple):
            return found
        del self.state.comments[found.id]
        return 204, None, {}


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = raw.decode("utf-8", "replace")
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake.lock:
                status, out_headers, answer = fake.handle(self.command, self.path, headers, body)
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep pytest output clean; requests are recorded instead

    return Handler
