"""The PR review through PyGithub over real HTTP, against the fake GitHub API and its 422 rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ci_optimizer.errors import GitHubError
from ci_optimizer.github.action_settings import Secret
from ci_optimizer.github.comment import make_github
from ci_optimizer.github.review import Planned, PyGithubReview, ReviewResult, marker, sync_review
from ci_optimizer.model.growth import Cause
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_reviews import ReviewCommentRecord

pytestmark = pytest.mark.integration

TOKEN = "ghs_reviewTOKEN0123456789"
FORK_TOKEN = "ghs_reviewFORK0123456789"
REPO = "octo/app"
SHA = "c" * 40
# Dockerfile lines 3 and 5-6 are new; 1-2 and 4 show as context; 7+ is outside the diff.
PATCH = ("@@ -1,4 +1,6 @@\n FROM local/debian:bookworm\n WORKDIR /app\n"
         "+RUN apt-get update && apt-get install -y hello\n"
         " COPY . .\n+RUN cp /usr/bin/hello /opt/h \\\n+ && true\n")
APT = Cause(kind="package-cache", line=3, bytes=20_000_000, message="apt lists: 20 MB in 9 files written by line 3",
            fix="`rm -rf /var/lib/apt/lists/*` in the RUN that installs",
            suggestion="RUN apt-get update && apt-get install -y hello && rm -rf /var/lib/apt/lists/*")
SHADOW = Cause(kind="shadowed", line=5, bytes=300_000, message="300 kB written by line 5 and deleted by line 9",
               fix="remove them in the same RUN")
OUTSIDE = Cause(kind="context-junk", line=4, bytes=90_000, message="/app/.git: 90 kB",
                fix="add `.git` to .dockerignore")
FAR = Cause(kind="duplicate-file", line=12, bytes=2_000_000, message="2 MB file present 2 times", fix="copy it once")


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_token(TOKEN, "github-actions[bot]")
    server.add_token(FORK_TOKEN, "github-actions[bot]", can_write=False)
    server.add_pull(REPO, 7, head_sha=SHA, base_sha="b" * 40)
    server.add_pull_file(REPO, 7, "README.md", "@@ -1 +1 @@\n-a\n+b\n")
    server.add_pull_file(REPO, 7, "Dockerfile", PATCH)
    with server.running():
        yield server


def review(fake: FakeGitHub, causes: list[Cause], token: str = TOKEN) -> ReviewResult:
    api = PyGithubReview(make_github(Secret(token), fake.url, throttle=False), REPO, 7)
    return sync_review(api, key="Dockerfile", commit=SHA, causes=[("./Dockerfile", c) for c in causes])


def test_posts_only_on_changed_lines_then_converges_on_reruns(fake: FakeGitHub) -> None:
    first = review(fake, [APT, SHADOW, OUTSIDE, FAR])
    assert (first.created, first.updated, first.deleted, first.unchanged) == (2, 0, 0, 0)
    assert first.posted == {("Dockerfile", 3), ("Dockerfile", 5)}
    comments = fake.review_comments(REPO, 7)
    assert [(c.path, c.start_line, c.line, c.commit) for c in comments] == [("Dockerfile", None, 3, SHA),
                                                                             ("Dockerfile", None, 5, SHA)]
    assert comments[0].body.startswith(marker("Dockerfile", "Dockerfile:3") + "\n")
    assert comments[0].body.endswith("\n```suggestion\n" + APT.suggestion + "\n```")  # type: ignore[operator]
    assert "```suggestion" not in comments[1].body
    assert len(fake.requests("POST", r"/reviews$")) == 1
    assert not [r for r in fake.requests() if r.status == 422]

    again = review(fake, [APT, SHADOW, OUTSIDE, FAR])
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 2)
    assert len(fake.requests("POST", r"/reviews$")) == 1  # nothing new: no second review

    grown = Cause(**{**APT.__dict__, "bytes": 25_000_000})
    fixed = review(fake, [grown, OUTSIDE])  # line 5's cause is fixed
    assert (fixed.created, fixed.updated, fixed.deleted, fixed.unchanged) == (0, 1, 1, 0)
    comments = fake.review_comments(REPO, 7)
    assert [c.line for c in comments] == [3]
    assert "**25 MB**" in comments[0].body
    assert not [r for r in fake.requests() if r.status == 422]


def test_a_multi_line_suggestion_spans_the_instruction_and_stays_in_its_hunk(fake: FakeGitHub) -> None:
    cleanup = Cause(kind="package-cache", line=5, bytes=10_000, message="m", fix="f",
                    suggestion="RUN cp /usr/bin/hello /opt/h \\\n && true && rm -rf /var/lib/apt/lists/*")
    review(fake, [cleanup])
    (comment,) = fake.review_comments(REPO, 7)
    assert (comment.start_line, comment.line) == (5, 6)


def test_the_fake_rejects_a_comment_outside_the_diff_as_github_does(fake: FakeGitHub) -> None:
    api = PyGithubReview(make_github(Secret(TOKEN), fake.url, throttle=False, retries=0), REPO, 7)
    with pytest.raises(GitHubError, match=r"reviewing octo/app#7 failed: HTTP 422"):
        api.create_review(SHA, "x", [Planned(path="Dockerfile", line=9, start_line=None, body="b")])
    assert fake.review_comments(REPO, 7) == []


def test_finds_its_comments_on_a_later_page_and_leaves_others_alone(fake: FakeGitHub) -> None:
    with fake.lock:
        for i in range(120):
            fake.reviews.comments[i + 1] = ReviewCommentRecord(i + 1, REPO, 7, "README.md", 1, None, f"note {i}",
                                                               "alice", SHA)
    review(fake, [APT])
    review(fake, [])
    assert len(fake.review_comments(REPO, 7)) == 120
    pages = [r.query.get("page", ["1"])[0] for r in fake.requests("GET", r"/pulls/7/comments$")]
    assert pages == ["1", "2", "1", "2"]


def test_a_fork_token_is_forbidden_and_says_why(fake: FakeGitHub) -> None:
    result = review(fake, [APT], token=FORK_TOKEN)
    assert result.forbidden.startswith("reviewing octo/app#7: HTTP 403")
    assert fake.review_comments(REPO, 7) == []
