"""The sticky-comment policy over an in-memory comment list, and the action's pure decisions.

The same policy runs against a real HTTP server in tests/integration/test_github_comment.py.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ci_optimizer.cli.main import build_parser, request_from_args
from ci_optimizer.github.action import exit_code, request_from_settings
from ci_optimizer.github.action_settings import load_settings
from ci_optimizer.github.comment import (
    CommentForbidden,
    StoredComment,
    compose,
    marker,
    marker_of,
    ours,
    upsert,
)
from ci_optimizer.github.event import PullRequest
from ci_optimizer.github.publisher import comment_title
from ci_optimizer.model.results import BudgetResult, Report, TargetResult, TesterResult
from ci_optimizer.plan.runs import Flags
from tests.report_support import make_target, retarget


class Thread:
    """A PR's comments in memory, with the API's id order; `me` is who the token writes as."""

    def __init__(self, me: str = "bot", *, writable: bool = True) -> None:
        self.me = me
        self.writable = writable
        self.comments: dict[int, StoredComment] = {}
        self.next_id = 100
        self.calls: list[str] = []
        self.before_create: list[str] = []  # bodies another run creates just before ours (a race)

    def add(self, body: str, author: str) -> int:
        self.next_id += 1
        self.comments[self.next_id] = StoredComment(id=self.next_id, body=body, author=author,
                                                    url=f"u/{self.next_id}")
        return self.next_id

    def list(self) -> list[StoredComment]:
        self.calls.append("list")
        return list(self.comments.values())

    def create(self, body: str) -> StoredComment:
        self.calls.append("create")
        for other in self.before_create:
            self.add(other, self.me)
        self.before_create = []
        if not self.writable:
            raise CommentForbidden("commenting on o/r#1: HTTP 403 Resource not accessible by integration")
        return self.comments[self.add(body, self.me)]

    def edit(self, comment_id: int, body: str) -> StoredComment:
        self.calls.append(f"edit {comment_id}")
        if not self.writable:
            raise CommentForbidden("HTTP 403")
        self.comments[comment_id] = replace(self.comments[comment_id], body=body)
        return self.comments[comment_id]

    def delete(self, comment_id: int) -> None:
        self.calls.append(f"delete {comment_id}")
        self.comments.pop(comment_id, None)


def test_marker_round_trip_and_quotes_do_not_count() -> None:
    assert marker("Dockerfile", "ab12") == '<!-- ci-optimizer:comment key="Dockerfile" digest="ab12" -->'
    assert marker_of(compose("k", "ab12", "body")) == ("k", "ab12")
    assert marker_of("> " + compose("k", "ab12", "body")) is None
    assert marker_of("hello\n" + marker("k", "ab")) is None


def test_creates_once_then_edits_in_place() -> None:
    thread = Thread()
    first = upsert(thread, key="k", digest="d1", markdown="one", mode="always")
    second = upsert(thread, key="k", digest="d2", markdown="two", mode="always")
    assert (first.action, second.action) == ("created", "updated")
    assert first.url == second.url
    assert [c.body for c in thread.comments.values()] == [compose("k", "d2", "two")]
    assert thread.calls == ["list", "create", "list", "list", f"edit {thread.next_id}"]


def test_identical_body_is_not_rewritten_and_on_change_compares_digests() -> None:
    thread = Thread()
    upsert(thread, key="k", digest="d1", markdown="one", mode="always")
    assert upsert(thread, key="k", digest="d1", markdown="one", mode="always").action == "unchanged"
    assert upsert(thread, key="k", digest="d1", markdown="one, 2 s slower", mode="on-change").action == "unchanged"
    assert upsert(thread, key="k", digest="d2", markdown="bigger", mode="on-change").action == "updated"
    assert not any(call.startswith("edit") for call in thread.calls[:-1])


def test_never_touches_nothing() -> None:
    thread = Thread()
    assert upsert(thread, key="k", digest="d", markdown="x", mode="never").action == "skipped"
    assert thread.calls == []


def test_other_keys_users_and_quotes_are_left_alone() -> None:
    thread = Thread()
    mine_other_key = thread.add(compose("web/Dockerfile", "d", "web"), "bot")
    human = thread.add("LGTM @bot", "alice")
    quoted = thread.add("> " + compose("k", "d", "old"), "alice")
    result = upsert(thread, key="k", digest="d", markdown="api", mode="always")
    assert result.action == "created"
    assert thread.comments[mine_other_key].body == compose("web/Dockerfile", "d", "web")
    assert thread.comments[human].body == "LGTM @bot"
    assert thread.comments[quoted].body.startswith("> ")
    assert len(thread.comments) == 4


def test_two_racing_runs_converge_to_the_oldest_comment() -> None:
    thread = Thread()
    thread.before_create = [compose("k", "d0", "the other run")]  # it listed, found nothing, created first
    result = upsert(thread, key="k", digest="d1", markdown="ours", mode="always")
    assert result.action == "created"
    assert result.removed_duplicates == 1
    assert len(thread.comments) == 1
    (survivor,) = thread.comments.values()
    assert survivor.body == compose("k", "d1", "ours")  # the oldest comment now carries our result
    assert result.url == survivor.url


def test_leftover_duplicates_are_cleaned_but_only_our_authors() -> None:
    thread = Thread()
    keep = thread.add(compose("k", "d", "1"), "bot")
    dup = thread.add(compose("k", "d", "2"), "bot")
    foreign = thread.add(compose("k", "d", "pasted by a human"), "alice")
    result = upsert(thread, key="k", digest="d9", markdown="new", mode="always")
    assert (result.action, result.removed_duplicates) == ("updated", 1)
    assert set(thread.comments) == {keep, foreign}
    assert f"delete {dup}" in thread.calls


def test_forbidden_write_is_a_result_not_an_exception() -> None:
    thread = Thread(writable=False)
    result = upsert(thread, key="k", digest="d", markdown="x", mode="always")
    assert result.action == "forbidden"
    assert "403" in result.detail
    assert result.url is None


def test_oldest_marked_comment_wins_regardless_of_list_order() -> None:
    comments = [StoredComment(id=9, body=compose("k", "a", "x"), author="bot", url="9"),
                StoredComment(id=3, body=compose("k", "a", "x"), author="bot", url="3")]
    assert [c.id for c in ours(comments, "k")] == [3, 9]


# --- the action's decisions --------------------------------------------------------------------

PR = PullRequest(number=7, base_sha="b" * 40, head_sha="a" * 40, base_ref="main", base_repo="o/r",
                 head_repo="o/r", is_fork=False)


def test_every_run_input_becomes_the_request_the_cli_would_make() -> None:
    settings = load_settings({
        "INPUT_FILE": "docker/Dockerfile", "INPUT_CONTEXT": "docker", "INPUT_CONFIG": "size.yml",
        "INPUT_TARGETS": "a\nb", "INPUT_TESTER": "unit", "INPUT_PRODUCTION": "runtime",
        "INPUT_BUILD-ARGS": "A=1\nB=x y", "INPUT_BUILDER-STAGE": "compile", "INPUT_PLATFORM": "linux/arm64",
    })
    request = request_from_settings(settings, PR)
    assert request == request_from_args(build_parser().parse_args([
        "run", "--file", "docker/Dockerfile", "--context", "docker", "--config", "size.yml", "--targets", "a,b",
        "--tester", "unit", "--production", "runtime", "--build-arg", "A=1", "--build-arg", "B=x y",
        "--base-ref", "b" * 40, "--builder-stage", "compile", "--platform", "linux/arm64",
    ]))
    assert request.flags == Flags(file=Path("docker/Dockerfile"), context=Path("docker"), targets=("a", "b"),
                                  tester="unit", production="runtime", builder="compile",
                                  build_args={"A": "1", "B": "x y"}, platform="linux/arm64")
    assert (request.config, request.base_ref, request.baseline) == (Path("size.yml"), "b" * 40, None)


def test_base_ref_input_beats_the_event_and_a_baseline_keeps_the_base_as_its_fallback() -> None:
    explicit = load_settings({"INPUT_BASE-REF": "origin/release"})
    assert request_from_settings(explicit, PR).base_ref == "origin/release"
    baseline = load_settings({"INPUT_BASELINE": "base/report.json"})
    with_pr = request_from_settings(baseline, PR)
    assert (with_pr.baseline, with_pr.base_ref) == (Path("base/report.json"), "b" * 40)
    without = request_from_settings(baseline, None)
    assert (without.baseline, without.base_ref) == (Path("base/report.json"), None)
    assert request_from_settings(load_settings({}), None).base_ref is None  # a push: nothing to compare


def test_unset_inputs_leave_the_cli_and_config_defaults_alone() -> None:
    assert request_from_settings(load_settings({}), None) == request_from_args(build_parser().parse_args(["run"]))


def test_a_shared_engine_tag_prefix_is_passed_on() -> None:
    settings = load_settings({"CI_OPTIMIZER_TAG_PREFIX": "runner-7"})
    assert request_from_settings(settings, None).template.tag_prefix == "runner-7"
    assert request_from_settings(load_settings({}), None).template.tag_prefix == "ci-optimizer"


def built(name: str) -> TargetResult:
    return make_target(name=name, dockerfile="Dockerfile", role="stage", stage_line=1, status="built")


@pytest.mark.parametrize(
    ("report", "enforce", "code"),
    [
        (Report(dockerfile="D", targets=(built("a"),)), True, 0),
        (Report(dockerfile="D", targets=(retarget(built("a"), status="failed"),)), False, 1),
        (Report(dockerfile="D", targets=(built("a"),),
                tester=TesterResult(target="a", passed=False, seconds=1)), False, 1),
        (Report(dockerfile="D", targets=(built("a"),),
                budgets=(BudgetResult(target="a", rule="max_size", limit="1", actual="2", passed=False),)), True, 1),
        (Report(dockerfile="D", targets=(built("a"),),
                budgets=(BudgetResult(target="a", rule="max_size", limit="1", actual="2", passed=False),)), False, 0),
    ],
)
def test_exit_code_follows_fail_on_budget_for_budgets_only(report: Report, enforce: bool, code: int) -> None:
    assert exit_code(report, fail_on_budget=enforce) == code


def test_comment_title_names_the_leg_only_when_given() -> None:
    assert comment_title(load_settings({})) == "ci-optimizer"
    assert comment_title(load_settings({"INPUT_COMMENT-KEY": "py3.12"})) == "ci-optimizer · py3.12"
