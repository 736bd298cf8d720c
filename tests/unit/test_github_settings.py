"""Action settings from an injected environment, and the event payload. Pure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_optimizer.errors import UsageError
from ci_optimizer.github.action_settings import (
    Secret,
    default_comment_key,
    load_settings,
    runner_env,
    sanitize_key,
    split_list,
)
from ci_optimizer.github.event import pull_request, read_event, workflow_run
from ci_optimizer.github.saved_report import CommentRequest, Target, comment_target

TOKEN = "ghs_0123456789abcdefSECRET"


def test_defaults_when_nothing_is_set() -> None:
    s = load_settings({})
    assert (s.file, s.context, s.config, s.targets, s.tester, s.production) == (None, None, None, (), None, None)
    assert (s.build_args, s.base_ref, s.baseline, s.comment, s.fail_on_budget) == ((), None, None, "always", True)
    assert s.comment_key == "Dockerfile"
    assert not s.comment_key_given
    assert s.runner.api_url == "https://api.github.com"


def test_runner_passes_hyphenated_names_and_they_win_over_underscores() -> None:
    env = {"INPUT_GITHUB-TOKEN": TOKEN, "INPUT_GITHUB_TOKEN": "other", "INPUT_FAIL-ON-BUDGET": "false",
           "INPUT_BUILD-ARGS": "PYTHON_VERSION=3.12\n\n# a comment\nURL=https://x/?a=1,b=2\n"}
    s = load_settings(env)
    assert s.github_token.reveal() == TOKEN
    assert s.fail_on_budget is False
    assert s.build_args == ("PYTHON_VERSION=3.12", "URL=https://x/?a=1,b=2")


def test_token_falls_back_to_github_token_and_never_shows() -> None:
    s = load_settings({"GITHUB_TOKEN": TOKEN})
    assert s.github_token.reveal() == TOKEN
    for text in (repr(s), str(s), f"{s}", f"{s.github_token}", repr(s.github_token)):
        assert TOKEN not in text
    assert "Secret('***')" in repr(s)


def test_runner_environment() -> None:
    s = load_settings({
        "GITHUB_REPOSITORY": "octo/app", "GITHUB_API_URL": "https://ghe.example/api/v3/",
        "GITHUB_SERVER_URL": "https://ghe.example", "GITHUB_RUN_ID": "42", "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_EVENT_NAME": "pull_request", "GITHUB_OUTPUT": "/o", "GITHUB_STEP_SUMMARY": "/s",
    })
    assert s.runner.api_url == "https://ghe.example/api/v3"
    assert s.runner.run_url == "https://ghe.example/octo/app/actions/runs/42"
    assert (s.runner.output_path, s.runner.summary_path, s.runner.workspace) == ("/o", "/s", "/github/workspace")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FAIL-ON-BUDGET", "yes", "input fail-on-budget: expected true or false, got 'yes'"),
        ("COMMENT", "sometimes", "input comment: expected one of always, on-change, never, got 'sometimes'"),
        ("BUILD-ARGS", "A=1\nhunter2", "input build-args, line 2: expected KEY=VALUE"),
    ],
)
def test_bad_inputs_are_one_line_usage_errors(name: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_settings({f"INPUT_{name}": value})
    assert caught.value.one_line() == message
    assert "hunter2" not in caught.value.one_line()


def test_lists_and_keys() -> None:
    assert split_list("a, b\nc,,\n") == ("a", "b", "c")
    assert default_comment_key("./services/api/Dockerfile", None, None) == "services/api/Dockerfile"
    assert default_comment_key(None, "services/api", None) == "services/api/Dockerfile"
    assert default_comment_key(None, None, "ci/size.yml") == "ci/size.yml"
    assert default_comment_key("web/Dockerfile", None, "ci/size.yml") == "web/Dockerfile"
    assert sanitize_key('py 3.12 --> "x"\n<y>') == "py_3.12_-__x_y_"
    assert sanitize_key("") == "default"
    assert load_settings({"INPUT_COMMENT-KEY": "leg <1>"}).comment_key == "leg_1_"


def test_secret_equality_and_truth() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert not Secret("")


# --- event payloads ----------------------------------------------------------------------------

BASE = "b" * 40
HEAD = "a" * 40


def pr_payload(head_repo: str | None = "octo/app") -> dict[str, object]:
    return {
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"sha": BASE, "ref": "main", "repo": {"full_name": "octo/app"}},
            "head": {"sha": HEAD, "ref": "feature", "repo": {"full_name": head_repo} if head_repo else None},
        },
    }


def test_pull_request_event_gives_number_shas_and_fork_flag() -> None:
    pr = pull_request("pull_request", pr_payload())
    assert pr is not None
    assert (pr.number, pr.base_sha, pr.head_sha, pr.base_ref, pr.is_fork) == (7, BASE, HEAD, "main", False)
    fork = pull_request("pull_request_target", pr_payload("someone/app"))
    assert fork is not None
    assert fork.is_fork
    assert fork.head_repo == "someone/app"
    deleted_fork = pull_request("pull_request", pr_payload(None))
    assert deleted_fork is not None
    assert deleted_fork.is_fork


def test_other_events_have_no_pull_request() -> None:
    assert pull_request("push", {"ref": "refs/heads/main"}) is None
    assert pull_request("pull_request", {}) is None


def test_workflow_run_event() -> None:
    payload = {
        "repository": {"full_name": "octo/app"},
        "workflow_run": {"id": 99, "head_sha": HEAD, "conclusion": "success",
                         "head_repository": {"full_name": "someone/app"}, "pull_requests": []},
    }
    run = workflow_run("workflow_run", payload)
    assert run is not None
    assert (run.run_id, run.head_sha, run.is_fork, run.pull_requests) == (99, HEAD, True, ())
    same = workflow_run("workflow_run", {**payload, "workflow_run": {
        **payload["workflow_run"], "head_repository": {"full_name": "octo/app"},  # type: ignore[dict-item]
        "pull_requests": [{"number": 7}]}})
    assert same is not None
    assert not same.is_fork
    assert same.pull_requests == (7,)


def test_read_event_errors_name_the_file(tmp_path: Path) -> None:
    assert read_event(None) == {}
    with pytest.raises(UsageError) as missing:
        read_event(str(tmp_path / "nope.json"))
    assert missing.value.one_line() == f"{tmp_path / 'nope.json'}: event payload not found"
    bad = tmp_path / "event.json"
    bad.write_text("[1]")
    with pytest.raises(UsageError, match="not a JSON object"):
        read_event(str(bad))
    bad.write_text(json.dumps(pr_payload()))
    assert read_event(str(bad))["number"] == 7


# --- where `ci-optimizer comment` posts ---------------------------------------------------------


def _request_target(tmp_path: Path, event_name: str, payload: dict[str, object], block: dict[str, object],
                    pr: int | None = None) -> object:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    runner = runner_env({"GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event),
                         "GITHUB_REPOSITORY": "octo/app"})
    return comment_target(CommentRequest(report=tmp_path / "r.json", pr=pr), runner, block)


def test_comment_target_trusts_the_event_and_checks_what_only_the_report_says(tmp_path: Path) -> None:
    run = {"repository": {"full_name": "octo/app"},
           "workflow_run": {"id": 1, "head_sha": HEAD, "head_repository": {"full_name": "someone/app"},
                            "pull_requests": []}}
    block = {"pull_request": 7, "repository": "evil/elsewhere"}
    assert _request_target(tmp_path, "workflow_run", run, block) == Target(
        repository="octo/app", number=7, trusted_head=HEAD, number_trusted=False)
    same_repo = {**run, "workflow_run": {**run["workflow_run"], "pull_requests": [{"number": 3}]}}  # type: ignore[dict-item]
    assert _request_target(tmp_path, "workflow_run", same_repo, block) == Target(
        repository="octo/app", number=3, trusted_head=HEAD, number_trusted=True)
    assert _request_target(tmp_path, "workflow_run", run, block, pr=9) == Target(
        repository="octo/app", number=9, trusted_head=HEAD, number_trusted=False)
    assert _request_target(tmp_path, "pull_request", pr_payload(), {}) == Target(
        repository="octo/app", number=7, trusted_head=HEAD, number_trusted=True)
    with pytest.raises(UsageError, match="no pull request"):
        _request_target(tmp_path, "push", {}, {})
