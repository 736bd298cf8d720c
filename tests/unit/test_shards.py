"""Which Dockerfiles each matrix leg builds (plan/shards.py): exact, deterministic, balanced."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_optimizer.errors import UsageError
from ci_optimizer.model.origin import Shard
from ci_optimizer.model.results import Report, Section, TargetResult
from ci_optimizer.model.step_results import BuildResult
from ci_optimizer.pipeline.preparation import Prepared, prepare_request
from ci_optimizer.pipeline.request import Request
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.shards import ShardSpec, parse_shard, previous_seconds, saved_share, select, split, weigh
from ci_optimizer.report import json_report

FILES = [f"svc{i:02d}/Dockerfile" for i in range(1, 13)]


def test_parse_shard_reads_k_of_n() -> None:
    assert parse_shard("2/3") == ShardSpec(index=2, count=3)
    assert parse_shard(" 1 / 1 ") == ShardSpec(index=1, count=1)
    assert str(parse_shard("3/3")) == "3/3"


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "2", "a/b", "1/3/4", "-1/3", ""])
def test_parse_shard_refuses_what_is_not_k_of_n(text: str) -> None:
    with pytest.raises(UsageError, match=r"^--shard '"):
        parse_shard(text)


def test_equal_weights_deal_dockerfiles_round_robin_in_config_order() -> None:
    weights = {f: 3.0 for f in FILES}
    legs = split(FILES, weights, 3)
    assert legs == (tuple(FILES[0::3]), tuple(FILES[1::3]), tuple(FILES[2::3]))


def test_every_dockerfile_lands_on_exactly_one_leg() -> None:
    weights = {f: float(i % 5 + 1) for i, f in enumerate(FILES)}
    for count in (1, 2, 3, 5, 12, 15):
        legs = split(FILES, weights, count)
        assert sorted(d for leg in legs for d in leg) == sorted(FILES)
        assert len(legs) == count


def test_heaviest_go_first_to_the_lightest_leg() -> None:
    weights = {"a": 10.0, "b": 6.0, "c": 5.0, "d": 4.0, "e": 1.0}
    # a -> 1 (10), b -> 2 (6), c -> 2 (11), d -> 1 (14), e -> 2 (12)
    assert split(list(weights), weights, 2) == (("a", "d"), ("b", "c", "e"))


def test_split_does_not_depend_on_dict_order_only_on_config_order() -> None:
    weights = {"b": 2.0, "a": 2.0, "c": 2.0}
    assert split(["a", "b", "c"], weights, 2) == (("a", "c"), ("b",))
    assert split(["a", "b", "c"], dict(reversed(list(weights.items()))), 2) == (("a", "c"), ("b",))


def test_more_legs_than_dockerfiles_leaves_the_last_legs_empty() -> None:
    assert select(["a", "b"], {"a": 1.0, "b": 1.0}, ShardSpec(index=3, count=3)) == ()
    assert select(["a", "b"], {"a": 1.0, "b": 1.0}, ShardSpec(index=2, count=3)) == ("b",)


def test_weights_are_stage_counts_without_a_previous_report() -> None:
    assert weigh(["a", "b"], stages={"a": 4, "b": 0}) == {"a": 4.0, "b": 1.0}


def test_previous_seconds_win_and_an_unknown_dockerfile_is_scaled_by_its_stages() -> None:
    # a: 30 s for 3 stages, b: 10 s for 1 stage -> 10 s per stage; c (new, 2 stages) weighs 20 s
    weights = weigh(["a", "b", "c"], stages={"a": 3, "b": 1, "c": 2}, seconds={"a": 30.0, "b": 10.0})
    assert weights == {"a": 30.0, "b": 10.0, "c": 20.0}


def test_a_fully_cached_previous_build_still_weighs_something() -> None:
    assert weigh(["a"], stages={"a": 3}, seconds={"a": 0.0}) == {"a": 0.05}


def test_previous_seconds_come_from_sections_or_the_single_dockerfile() -> None:
    several = Report(dockerfile="a, b", targets=(), sections=(
        Section(dockerfile="a", build_seconds=4.5), Section(dockerfile="b", build_seconds=None)))
    assert previous_seconds(several) == {"a": 4.5}
    assert previous_seconds(Report(dockerfile="Dockerfile", targets=(), build_seconds=2.0)) == {"Dockerfile": 2.0}


def test_measured_weights_balance_twelve_dockerfiles_on_three_legs() -> None:
    seconds = {f: s for f, s in zip(FILES, [40, 8, 8, 30, 5, 5, 20, 12, 3, 3, 25, 9], strict=True)}
    legs = split(FILES, {f: float(s) for f, s in seconds.items()}, 3)
    loads = sorted(sum(seconds[d] for d in leg) for leg in legs)
    assert loads == [55, 56, 57]  # 168 s over 3 legs: within a second of the even 56


def test_a_leg_compares_with_its_own_share_of_the_saved_report() -> None:
    def target(dockerfile: str) -> TargetResult:
        return TargetResult(name=f"{dockerfile}:production", dockerfile=dockerfile, role="production", stage_line=1,
                            build=BuildResult(status="built"))

    saved = Report(dockerfile="a, b, gone", targets=tuple(target(d) for d in ("a", "b", "gone")),
                   sections=tuple(Section(dockerfile=d) for d in ("a", "b", "gone")))
    first = Shard(index=1, count=2, dockerfiles=("a",), planned=("a", "b"))
    second = Shard(index=2, count=2, dockerfiles=("./b",), planned=("a", "b"))
    # leg 1 also carries what no leg builds any more, so "on the base but not on this branch" is said once
    assert [t.dockerfile for t in saved_share(saved, first).targets] == ["a", "gone"]
    assert [s.dockerfile for s in saved_share(saved, second).sections] == ["b"]


def test_prepare_request_plans_only_this_legs_dockerfiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # config paths are relative to where ci-optimizer runs
    stages = {"one": 1, "two": 2, "three": 3}
    for name, count in stages.items():
        (tmp_path / name).mkdir()
        # a chain, so production builds every stage (the default targets are production, tester, builder)
        body = "".join(f"FROM {f's{i - 1}' if i else 'local/busybox:1'} AS s{i}\nRUN true\n" for i in range(count))
        (tmp_path / name / "Dockerfile").write_text(body)
    config = tmp_path / "c.yml"
    config.write_text("dockerfiles:\n" + "".join(f"  - file: {n}/Dockerfile\n    context: {n}\n" for n in stages))

    def prepared(spec: str, baseline: Path | None = None) -> Prepared:
        request = Request(config=config, template=RunOptions(dockerfile=Path("Dockerfile"), context=Path()),
                          shard=parse_shard(spec), baseline=baseline)
        return prepare_request(request, cwd=tmp_path)

    # by stages: three (3) -> leg 1, two (2) -> leg 2, one (1) -> leg 2
    first, second = prepared("1/2"), prepared("2/2")
    assert [str(o.dockerfile) for o, _p in first.runs] == ["three/Dockerfile"]
    assert second.shard == Shard(index=2, count=2, dockerfiles=("one/Dockerfile", "two/Dockerfile"),
                                 planned=("one/Dockerfile", "two/Dockerfile", "three/Dockerfile"))
    assert "three/Dockerfile:s2" in second.elsewhere
    assert "s2" in second.elsewhere  # a budget may name the stage alone
    # with a previous report, its seconds decide: one took 50 s, the others little
    saved = Report(dockerfile="x", targets=(), sections=(
        Section(dockerfile="one/Dockerfile", build_seconds=50.0),
        Section(dockerfile="two/Dockerfile", build_seconds=2.0),
        Section(dockerfile="three/Dockerfile", build_seconds=3.0)))
    (tmp_path / "base.json").write_text(json_report.dumps(saved))
    assert prepared("1/2", tmp_path / "base.json").shard.dockerfiles == ("one/Dockerfile",)  # type: ignore[union-attr]
