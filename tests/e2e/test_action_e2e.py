"""entrypoint.py run as a runner runs it: real engine, real git, a local GitHub API over HTTP."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

from ci_optimizer.report import json_report as report_json
from tests.e2e.harness import FORK_TOKEN, REPO, TOKEN, Project, assert_no_token, pr_event
from tests.fakes.github_api import FakeGitHub

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

MARKER = re.compile(r'^<!-- ci-optimizer:comment key="Dockerfile" digest="[0-9a-f]{16}" -->\n')


def event_for(project: Project, number: int, *, fork: bool = False) -> dict[str, Any]:
    event = pr_event(project, fork=fork)
    event["number"] = event["pull_request"]["number"] = number
    return event


def test_two_runs_leave_one_comment_edited_in_place(project: Project, fake: FakeGitHub, run_action: Any) -> None:
    others = {fake.seed_comment(REPO, 7, f"review {i} @alice <b>x</b>", "alice"): f"review {i} @alice <b>x</b>"
              for i in range(120)}  # more than one page of 100
    fake.fail_next("POST", r"/issues/7/comments$", 502)  # one bad gateway, then success

    first = run_action(event=event_for(project, 7))
    assert first.code == 0, first.log
    assert first.stdout.startswith(f"::add-mask::{TOKEN}\n")
    assert "::group::ci-optimizer: build, test and measure every target\n" in first.stdout
    assert "::group::ci-optimizer: production (production) — " in first.stdout
    assert first.outputs["passed"] == "true"
    assert first.outputs["report"] == ".ci-optimizer/report.json"
    comment_url = first.outputs["comment-url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/octo/app/pull/7#issuecomment-\d+", comment_url)

    # Make the comment on the server stale, as an earlier commit's run would have left it: the second
    # run must edit it in place. (Its own figures may render identically when every step is cached,
    # and an identical body is rightly left untouched.)
    (posted,) = [c for c in fake.comments(REPO, 7) if c.login == "github-actions[bot]"]
    with fake.lock:
        posted.body = posted.body.replace("ci-optimizer: passed", "ci-optimizer: stale", 1)

    second = run_action(event=event_for(project, 7))
    assert second.code == 0, second.log
    assert second.outputs["comment-url"] == comment_url

    ours = [c for c in fake.comments(REPO, 7) if c.login == "github-actions[bot]"]
    assert len(ours) == 1
    assert [r.status for r in fake.requests("POST", r"/issues/7/comments$")] == [502, 201]
    assert len(fake.requests("PATCH")) == 1  # the second run edited the stale comment
    assert "ci-optimizer: stale" not in ours[0].body
    assert {c.id: c.body for c in fake.comments(REPO, 7) if c.login == "alice"} == others
    assert not fake.requests("GET", r"^/user$")

    body = ours[0].body
    assert MARKER.match(body)
    assert "### ✅ ci-optimizer: passed" in body
    assert re.search(r"\| `production` \| production \| 2\.\d+ MB \| ▲ \+30\d kB \(\+1\d\.\d %\) \|", body)
    assert f"measured at `{project.head_sha[:12]}`" in body  # the PR head, not GITHUB_SHA's merge commit
    assert "`Dockerfile:16`" in body  # the line that made production grow

    # The summary needs no permission and has the same report.
    assert "| `production` | production |" in second.summary
    # The report on disk is the contract, and says which PR it is about.
    document = json.loads((project.root / ".ci-optimizer" / "report.json").read_text())
    report_json.validate(document)
    assert document["github"] == {"repository": REPO, "pull_request": 7, "head_sha": project.head_sha,
                                  "base_sha": project.base_sha, "comment_key": "Dockerfile",
                                  "budgets_enforced": True}
    # The workspace belongs to another user: git was told to trust exactly it (the base build
    # above needed git in that workspace).
    if os.geteuid() == 0:
        assert f"directory = {project.root}" in (second.home / ".gitconfig").read_text()
    for run in (first, second):
        assert "Traceback" not in run.log
        assert_no_token(run, project, fake, TOKEN)

    third = run_action({"comment": "on-change"}, event=event_for(project, 7))
    assert third.code == 0, third.log
    assert len(fake.requests("PATCH")) == 1  # same sizes and verdict: the comment is left alone
    assert "ci-optimizer: comment unchanged" in third.stdout


def test_fork_pr_warns_writes_the_summary_and_exits_on_budgets(project: Project, fake: FakeGitHub,
                                                                run_action: Any) -> None:
    run = run_action(event=event_for(project, 8, fork=True), token=FORK_TOKEN)
    assert run.code == 0, run.log
    # checklist findings are warnings too (on Dockerfile lines); the fork warning has no file
    (warning,) = [line for line in run.stdout.splitlines() if line.startswith("::warning title=")]
    assert warning.startswith("::warning title=ci-optimizer%3A comment not posted::A pull request from a fork")
    assert "workflow_run" in warning
    assert "403 Resource not accessible by integration" in warning
    assert run.outputs == {"passed": "true", "report": ".ci-optimizer/report.json", "comment-url": ""}
    assert "### ✅ ci-optimizer: passed" in run.summary
    assert fake.comments(REPO, 8) == []
    assert_no_token(run, project, fake, FORK_TOKEN)


def test_budget_breach_fails_the_job_unless_fail_on_budget_is_false(project: Project, fake: FakeGitHub,
                                                                    run_action: Any) -> None:
    strict = run_action({"config": "strict.yml"}, event=event_for(project, 9))
    assert strict.code == 1, strict.log
    assert strict.outputs["passed"] == "false"
    assert re.search(r"^::error file=Dockerfile,line=14,title=ci-optimizer%3A budget max_size exceeded by "
                     r"production::", strict.stdout, re.MULTILINE)
    (comment,) = fake.comments(REPO, 9)
    assert "### ❌ ci-optimizer: failed" in comment.body
    assert "budget exceeded: `production` max\\_size" in comment.body

    relaxed = run_action({"config": "strict.yml", "fail-on-budget": "false"}, event=event_for(project, 9))
    assert relaxed.code == 0, relaxed.log
    assert relaxed.outputs["passed"] == "true"
    assert re.search(r"^::warning file=Dockerfile,line=14,title=ci-optimizer%3A budget max_size",
                     relaxed.stdout, re.MULTILINE)
    (comment,) = fake.comments(REPO, 9)
    assert "### ⚠️ ci-optimizer: passed" in comment.body
    assert "budget exceeded (not enforced)" in comment.body


def test_failing_tests_fail_even_when_budgets_are_not_enforced(project: Project, fake: FakeGitHub,
                                                               run_action: Any) -> None:
    run = run_action({"fail-on-budget": "false", "build-args": "BASE_IMAGE=local/busybox:1\nFAIL_TESTS=1"},
                     event=event_for(project, 10))
    assert run.code == 1, run.log
    assert run.outputs["passed"] == "false"
    assert re.search(r"^::error file=Dockerfile,line=10,title=ci-optimizer%3A tests failed in tester::",
                     run.stdout, re.MULTILINE)
    (comment,) = fake.comments(REPO, 10)
    assert "- tests failed in `tester`" in comment.body


def test_bad_input_is_one_error_line_and_exit_2(project: Project, fake: FakeGitHub, run_action: Any) -> None:
    run = run_action({"comment": "sometimes"}, event=event_for(project, 11))
    assert run.code == 2
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert errors == ["::error title=ci-optimizer::input comment: expected one of always, on-change, never, "
                      "got 'sometimes'"]
    assert run.outputs["passed"] == "false"
    assert "Traceback" not in run.log
    assert fake.comments(REPO, 11) == []


def test_a_run_that_cannot_start_replaces_the_verdict(project: Project, fake: FakeGitHub, run_action: Any) -> None:
    run = run_action({"targets": "no-such-stage"}, event=event_for(project, 12))
    assert run.code == 2, run.log
    assert run.outputs == {"passed": "false", "report": "", "comment-url": run.outputs["comment-url"]}
    (comment,) = fake.comments(REPO, 12)
    assert "### ❌ ci-optimizer: could not run" in comment.body
    assert "no-such-stage" in comment.body
    assert "### ❌ ci-optimizer: could not run" in run.summary


def test_fork_safe_pair_posts_from_workflow_run_and_checks_the_pr(project: Project, fake: FakeGitHub,
                                                                  run_action: Any, tmp_path: Any) -> None:
    # 1. The PR workflow: read-only token, no comment, the report is saved as an artifact.
    pr_run = run_action({"comment": "never"}, event=event_for(project, 13, fork=True), token=FORK_TOKEN)
    assert pr_run.code == 0, pr_run.log
    assert pr_run.outputs["comment-url"] == ""
    artifact = tmp_path / "artifact" / "report.json"
    artifact.parent.mkdir()
    artifact.write_text((project.root / ".ci-optimizer" / "report.json").read_text())
    assert not fake.requests(path=r"/issues/13/")

    # 2. The workflow_run workflow: trusted code, write token, the event names the run's head commit.
    fake.add_pull(REPO, 13, head_sha=project.head_sha, base_sha=project.base_sha, head_repo="someone/app")
    run_event = {"action": "completed", "repository": {"full_name": REPO},
                 "workflow_run": {"id": 55, "head_sha": project.head_sha, "conclusion": "success",
                                  "head_repository": {"full_name": "someone/app"}, "pull_requests": []}}
    posted = run_action(event=run_event, event_name="workflow_run", token="",
                        argv=("comment", "--report", str(artifact)), extra_env={"GITHUB_TOKEN": TOKEN})
    assert posted.code == 0, posted.log
    (comment,) = fake.comments(REPO, 13)
    assert MARKER.match(comment.body)
    assert "| `production` | production |" in comment.body
    assert posted.outputs["comment-url"].endswith(f"#issuecomment-{comment.id}")
    assert_no_token(posted, project, fake, TOKEN)

    # 3. A report that names another PR (a malicious fork could write anything) is refused.
    fake.add_pull(REPO, 14, head_sha="c" * 40, base_sha=project.base_sha)
    document = json.loads(artifact.read_text())
    document["github"]["pull_request"] = 14
    artifact.write_text(json.dumps(document))
    refused = run_action(event=run_event, event_name="workflow_run", token="",
                         argv=("comment", "--report", str(artifact)), extra_env={"GITHUB_TOKEN": TOKEN})
    assert refused.code == 2
    assert "refusing to comment" in refused.stderr
    assert fake.comments(REPO, 14) == []
