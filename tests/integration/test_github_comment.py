"""The sticky comment through PyGithub over real HTTP, against tests/fakes/github_api.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ci_optimizer.errors import GitHubError
from ci_optimizer.github.action_settings import Secret
from ci_optimizer.github.comment import (
    CommentResult,
    PyGithubComments,
    StoredComment,
    compose,
    make_github,
    pull_head_sha,
    upsert,
)
from tests.fakes.github_api import FakeGitHub

pytestmark = pytest.mark.integration

TOKEN = "ghs_integrationTOKEN0123456789"
FORK_TOKEN = "ghs_forkREADONLY0123456789"
REPO = "octo/app"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(prefix="/api/v3")  # served like GitHub Enterprise: the base URL carries a path
    server.add_token(TOKEN, "github-actions[bot]")
    server.add_token(FORK_TOKEN, "github-actions[bot]", can_write=False)
    with server.running():
        yield server


def api(fake: FakeGitHub, number: int = 7, token: str = TOKEN, **options: object) -> PyGithubComments:
    github = make_github(Secret(token), fake.url, throttle=False, **options)  # type: ignore[arg-type]
    return PyGithubComments(github, REPO, number)


def post(fake: FakeGitHub, markdown: str, *, digest: str = "d1", mode: str = "always", **kw: object) -> CommentResult:
    return upsert(api(fake, **kw), key="Dockerfile", digest=digest, markdown=markdown, mode=mode)  # type: ignore[arg-type]


def test_finds_its_comment_on_the_last_page_and_edits_it(fake: FakeGitHub) -> None:
    others = {fake.seed_comment(REPO, 7, f"review note {i} cc @alice", f"user{i % 3}"): f"review note {i} cc @alice"
              for i in range(230)}
    ours = fake.seed_comment(REPO, 7, compose("Dockerfile", "d0", "old result"), "github-actions[bot]")
    result = post(fake, "new result")
    assert result.action == "updated"
    assert result.url is not None
    assert result.url.endswith(f"#issuecomment-{ours}")
    comments = {c.id: c for c in fake.comments(REPO, 7)}
    assert comments[ours].body == compose("Dockerfile", "d1", "new result")
    assert {i: comments[i].body for i in others} == others  # everyone else's comments untouched
    pages = [r.query.get("page", ["1"])[0] for r in fake.requests("GET", r"/comments$")]
    assert pages == ["1", "2", "3"]  # 231 comments, 100 a page, followed through the Link headers
    assert not fake.requests("POST")
    assert not fake.requests("GET", r"^/user$")  # the Actions token gets 403 there: never asked


def test_creates_when_missing_then_edits_instead_of_duplicating(fake: FakeGitHub) -> None:
    first = post(fake, "one")
    second = post(fake, "two", digest="d2")
    assert (first.action, second.action) == ("created", "updated")
    assert [c.body for c in fake.comments(REPO, 7)] == [compose("Dockerfile", "d2", "two")]
    assert len(fake.requests("POST")) == 1
    assert len(fake.requests("PATCH")) == 1


def test_on_change_with_the_same_results_writes_nothing(fake: FakeGitHub) -> None:
    post(fake, "built in 3.1 s")
    again = post(fake, "built in 4.7 s", mode="on-change")
    assert again.action == "unchanged"
    assert not fake.requests("PATCH")
    assert fake.comments(REPO, 7)[0].body.endswith("built in 3.1 s")


def test_fork_token_is_refused_and_nothing_is_written(fake: FakeGitHub) -> None:
    result = post(fake, "x", token=FORK_TOKEN)
    assert result.action == "forbidden"
    assert "403 Resource not accessible by integration" in result.detail
    assert fake.comments(REPO, 7) == []
    assert len(fake.requests("POST")) == 1  # a plain 403 is not retried


def test_one_502_is_retried(fake: FakeGitHub) -> None:
    fake.fail_next("POST", r"/issues/7/comments$", 502)
    result = post(fake, "x")
    assert result.action == "created"
    assert [r.status for r in fake.requests("POST")] == [502, 201]
    assert len(fake.comments(REPO, 7)) == 1


def test_a_retried_post_that_had_landed_is_cleaned_up(fake: FakeGitHub) -> None:
    """The first POST is processed but its answer lost (simulated by a comment appearing before ours)."""
    post(fake, "x")
    fake.seed_comment(REPO, 7, compose("Dockerfile", "d1", "x"), "github-actions[bot]")
    result = post(fake, "y", digest="d2")
    assert (result.action, result.removed_duplicates) == ("updated", 1)
    assert [c.body for c in fake.comments(REPO, 7)] == [compose("Dockerfile", "d2", "y")]


def test_secondary_rate_limit_waits_for_retry_after(fake: FakeGitHub) -> None:
    fake.secondary_rate_limit_next("GET", r"/comments$", retry_after=1)
    started = time.monotonic()
    result = post(fake, "x")
    assert time.monotonic() - started >= 1.0
    assert result.action == "created"
    statuses = [r.status for r in fake.requests("GET", r"/comments$")]
    assert statuses[:2] == [403, 200]
    rate = fake.requests("GET")[-1]
    assert rate.headers["authorization"] == f"token {TOKEN}"


def test_persistent_5xx_is_a_one_line_error_without_the_token(fake: FakeGitHub) -> None:
    for _ in range(3):
        fake.fail_next("GET", r"/comments$", 503, message="Service Unavailable")
    with pytest.raises(GitHubError) as caught:
        post(fake, "x", retries=2, backoff=0.0)
    assert caught.value.one_line() == "listing the comments of octo/app#7 failed: HTTP 503 Service Unavailable"
    assert TOKEN not in repr(caught.value)


def test_bad_credentials_are_an_error_not_a_fork_warning(fake: FakeGitHub) -> None:
    with pytest.raises(GitHubError, match="HTTP 401 Bad credentials"):
        post(fake, "x", token="ghs_wrong")


class RacingComments(PyGithubComments):
    """Both runs list before either creates: the interleaving that makes two comments."""

    def __init__(self, barrier: threading.Barrier, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.barrier = barrier
        self.raced = False

    def create(self, body: str) -> StoredComment:
        if not self.raced:
            self.raced = True
            self.barrier.wait(timeout=30)
        return super().create(body)


def test_two_racing_runs_leave_one_comment(fake: FakeGitHub) -> None:
    fake.seed_comment(REPO, 7, "a human comment", "alice")
    barrier = threading.Barrier(2)
    results: list[CommentResult] = []

    def run(markdown: str) -> None:
        comments = RacingComments(barrier, make_github(Secret(TOKEN), fake.url, throttle=False), REPO, 7)
        results.append(upsert(comments, key="Dockerfile", digest=markdown, markdown=markdown, mode="always"))

    threads = [threading.Thread(target=run, args=(f"{i}" * 4,)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(fake.requests("POST")) == 2  # the race really happened
    comments = fake.comments(REPO, 7)
    assert [c.login for c in comments] == ["alice", "github-actions[bot]"]
    assert comments[1].body in (compose("Dockerfile", "1111", "1111"), compose("Dockerfile", "2222", "2222"))
    assert {r.action for r in results} == {"created"}
    assert len({r.url for r in results}) == 1  # both report the surviving comment


def test_pull_head_sha_reads_the_pull_request(fake: FakeGitHub) -> None:
    fake.add_pull(REPO, 7, head_sha="a" * 40, base_sha="b" * 40)
    github = make_github(Secret(TOKEN), fake.url, throttle=False)
    assert pull_head_sha(github, REPO, 7) == "a" * 40
    with pytest.raises(Exception, match="HTTP 404"):
        pull_head_sha(github, REPO, 8)
