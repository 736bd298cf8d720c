"""Legs' reports merged into one (model/legs.py): the unsharded report, or one line naming the reports."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ci_optimizer.errors import UsageError
from ci_optimizer.model.image_model import ImageStats
from ci_optimizer.model.legs import merge
from ci_optimizer.model.origin import Origin, Shard, public_endpoint
from ci_optimizer.model.results import BudgetResult, CheckResult, Report, TargetResult, TesterResult
from ci_optimizer.model.sections import combine
from ci_optimizer.model.step_results import BuildResult
from ci_optimizer.report import json_report
from ci_optimizer.report.origin_text import where_ran

PLANNED = ("a/Dockerfile", "b/Dockerfile", "c/Dockerfile")
COMMIT = "1" * 40


def one(dockerfile: str, size: int, *, budget_ok: bool = True) -> Report:
    """One Dockerfile's report as build_and_measure + budgets make it (names unqualified)."""
    targets = tuple(
        TargetResult(name=name, dockerfile=dockerfile, role=role, stage_line=line,  # type: ignore[arg-type]
                     build=BuildResult(status="built", seconds=1.0, tag=f"t/{name}"),
                     image=ImageStats(image_id="sha256:" + (dockerfile[0] + name[0]).encode().hex() * 16,
                                      size_bytes=size * k, layers=2,
                                       layer_details=(), base_image="b", base_image_bytes=None))
        for name, role, line, k in (("tester", "tester", 3, 2), ("production", "production", 6, 1)))
    return Report(
        dockerfile=dockerfile, targets=targets, build_seconds=2.0,
        tester=TesterResult(target="tester", passed=True, seconds=0.5),
        budgets=(BudgetResult(target="production", rule="max_size", limit="1 MB", actual="x", passed=budget_ok),),
        checks=(CheckResult(id="non-root-user", target="production", severity="warning", passed=False, message="m"),),
    )


def leg(index: int, count: int, *parts: Report, commit: str = COMMIT) -> Report:
    report = combine(parts) if parts else Report(dockerfile="", targets=(), warnings=(f"shard {index}/{count}: x",))
    shard = Shard(index=index, count=count, dockerfiles=tuple(p.dockerfile for p in parts), planned=PLANNED)
    return replace(report, origin=Origin(engine="unix:///var/run/docker.sock", builder="default", driver="docker",
                                         commit=commit, shard=shard))


A, B, C = (one(d, s) for d, s in zip(PLANNED, (100, 200, 300), strict=True))


def test_merged_legs_equal_the_unsharded_report() -> None:
    unsharded = combine([A, B, C])
    merged = merge([("leg2.json", leg(2, 2, B, A)), ("leg1.json", leg(1, 2, C))])
    assert merged.targets == unsharded.targets  # names qualified as across the whole run, config order
    assert [t.name for t in merged.targets][:2] == ["a/Dockerfile:tester", "a/Dockerfile:production"]
    assert merged.sections == unsharded.sections
    assert merged.budgets == unsharded.budgets
    assert merged.checks == unsharded.checks
    assert merged.build_seconds == unsharded.build_seconds == 6.0
    assert merged.passed
    assert unsharded.passed
    assert merged.origin == Origin(commit=COMMIT)
    assert [leg.shard.index for leg in merged.legs if leg.shard] == [2, 1]


def test_a_budget_broken_in_one_leg_fails_the_merged_verdict() -> None:
    merged = merge([("1.json", leg(1, 2, A)), ("2.json", leg(2, 2, one("b/Dockerfile", 200, budget_ok=False), C))])
    assert not merged.passed
    assert [b.target for b in merged.failed_budgets] == ["b/Dockerfile:production"]


def test_a_failed_test_in_one_leg_fails_the_merged_verdict() -> None:
    failing = replace(B, tester=TesterResult(target="tester", passed=False, seconds=1.0))
    assert not merge([("1.json", leg(1, 2, A, C)), ("2.json", leg(2, 2, failing))]).passed


def test_an_empty_leg_adds_nothing() -> None:
    merged = merge([("1.json", leg(1, 2, A, B, C)), ("2.json", leg(2, 2))])
    assert merged.targets == combine([A, B, C]).targets
    assert merged.warnings == ()


def test_a_single_dockerfile_merges_back_to_its_own_report_shape() -> None:
    merged = merge([("1.json", leg(1, 1, A))])
    assert merged.targets == A.targets
    assert merged.tester == A.tester
    assert merged.sections == ()


def test_two_reports_of_one_shard_are_an_error_naming_both() -> None:
    with pytest.raises(UsageError, match=r"^merge: x\.json and y\.json are both shard 1/2$"):
        merge([("x.json", leg(1, 2, A)), ("y.json", leg(1, 2, B, C))])


def test_two_reports_of_one_dockerfile_are_an_error_naming_both() -> None:
    with pytest.raises(UsageError, match=r"^merge: x\.json and y\.json both report a/Dockerfile$"):
        merge([("x.json", leg(1, 2, A, B)), ("y.json", leg(2, 2, A, C))])


def test_the_same_plain_report_twice_is_an_overlap() -> None:
    with pytest.raises(UsageError, match=r"both report a/Dockerfile"):
        merge([("x.json", A), ("y.json", A)])


def test_a_missing_leg_is_an_error_unless_partial_is_allowed() -> None:
    legs = [("1.json", leg(1, 3, A)), ("3.json", leg(3, 3, C))]
    with pytest.raises(UsageError, match=r"^merge: shard 2/3 missing \(not built: b/Dockerfile\); every leg's report "
                                         r"is needed, or pass --allow-partial$"):
        merge(legs)
    partial = merge(legs, allow_partial=True)
    assert partial.warnings[0] == "partial merge: shard 2/3 missing (not built: b/Dockerfile)"
    assert [t.dockerfile for t in partial.targets] == ["a/Dockerfile"] * 2 + ["c/Dockerfile"] * 2


def test_legs_of_different_commits_are_an_error_naming_them() -> None:
    with pytest.raises(UsageError, match=r"^merge: the reports are of different commits: "
                                         r"1\.json \(111111111111\), 2\.json \(222222222222\)$"):
        merge([("1.json", leg(1, 2, A)), ("2.json", leg(2, 2, B, C, commit="2" * 40))])


def test_legs_of_different_matrices_are_an_error() -> None:
    with pytest.raises(UsageError, match=r"^merge: 2\.json is shard 2/3 .* and 1\.json is shard 1/2 "):
        merge([("1.json", leg(1, 2, A)), ("2.json", leg(2, 3, B))])


def test_a_plain_report_among_shards_is_an_error() -> None:
    with pytest.raises(UsageError, match=r"^merge: plain\.json is not a shard's report"):
        merge([("1.json", leg(1, 2, A)), ("plain.json", B)])


def test_no_report_is_an_error() -> None:
    with pytest.raises(UsageError, match=r"^merge: no reports given$"):
        merge([])


def test_origin_and_legs_survive_the_json_report() -> None:
    merged = merge([("1.json", leg(1, 2, A)), ("2.json", leg(2, 2, B, C))])
    again = json_report.from_dict(json.loads(json_report.dumps(merged)))
    assert again.origin == merged.origin
    assert again.legs == merged.legs
    assert json_report.to_dict(A).keys().isdisjoint({"origin", "legs"})  # optional: absent when unknown


@pytest.mark.parametrize(("endpoint", "shown"), [
    ("tcp://user:s3cret@build.example:2376", "tcp://build.example:2376"),
    ("ssh://deploy@host", "ssh://host"),
    ("unix:///var/run/docker.sock", "unix:///var/run/docker.sock"),
    ("default", "default"),
])
def test_endpoints_are_shown_without_credentials(endpoint: str, shown: str) -> None:
    assert public_endpoint(endpoint) == shown


def test_where_a_report_ran_is_one_line_and_a_merged_one_lists_its_legs() -> None:
    single = replace(A, origin=Origin(engine="tcp://build:2376", builder="ci", driver="docker-container",
                                      load_seconds=1.25, commit=COMMIT))
    assert where_ran(single) == ("Ran on engine tcp://build:2376, builder ci (docker-container driver), "
                                 "1.2 s loading images into the engine at 111111111111")
    merged = merge([("1.json", leg(1, 2, A)), ("2.json", leg(2, 2))])
    assert where_ran(merged, lambda s: f"`{s}`") == (
        "Merged from 2 reports at `111111111111`: shard 1/2 (`a/Dockerfile`), engine `unix:///var/run/docker.sock`, "
        "builder `default` (docker driver); shard 2/2 (nothing), engine `unix:///var/run/docker.sock`, "
        "builder `default` (docker driver)")
    assert where_ran(A) == ""
