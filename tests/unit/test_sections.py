from __future__ import annotations

import json

from ci_optimizer.model import sections
from ci_optimizer.model.results import (
    BudgetResult,
    CheckResult,
    Reduction,
    Report,
    Section,
    TargetResult,
    TesterResult,
)
from ci_optimizer.model.sections import by_section, combine, reductions, stage_name
from ci_optimizer.report import json_report as report_json
from tests.report_support import make_target


def target(name: str, dockerfile: str, size: int = 10) -> TargetResult:
    return make_target(name=name, dockerfile=dockerfile, role="stage", stage_line=1, status="built", size_bytes=size)


def one(dockerfile: str, *names: str, tester_passed: bool = True) -> Report:
    return Report(
        dockerfile=dockerfile,
        targets=tuple(target(n, dockerfile) for n in names),
        tester=TesterResult(target="tester", passed=tester_passed, seconds=1.0) if "tester" in names else None,
        reduction=Reduction(from_target="builder", to_target="production", from_bytes=10, to_bytes=5, percent=50.0)
        if "production" in names else None,
        checks=(CheckResult(id="user", target="production", severity="warning", passed=False, message="root"),)
        if "production" in names else (),
        build_seconds=2.5,
        warnings=("buildx missing",),
    )


def test_one_dockerfile_comes_back_unchanged() -> None:
    report = one("Dockerfile", "builder", "production")
    assert combine([report]) is report
    assert by_section(report) == (
        (Section(dockerfile="Dockerfile", reduction=report.reduction, build_seconds=2.5), report.targets),
    )


def test_names_are_qualified_only_where_two_dockerfiles_share_them() -> None:
    api = one("services/api/Dockerfile", "builder", "tester", "production")
    worker = one("services/worker/Dockerfile", "production", "migrate", tester_passed=False)
    combined = combine([api, worker])
    assert [t.name for t in combined.targets] == [
        "builder", "tester", "services/api/Dockerfile:production",
        "services/worker/Dockerfile:production", "migrate",
    ]
    assert [stage_name(t) for t in combined.targets] == ["builder", "tester", "production", "production", "migrate"]
    assert combined.dockerfile == "services/api/Dockerfile, services/worker/Dockerfile"
    assert combined.tester is None
    assert combined.reduction is None
    assert [r.to_target for r in reductions(combined)] == [
        "services/api/Dockerfile:production", "services/worker/Dockerfile:production"]
    assert [t.target for t in sections.testers(combined)] == ["tester"]
    assert [c.target for c in combined.checks] == [
        "services/api/Dockerfile:production", "services/worker/Dockerfile:production"]
    assert combined.warnings == ("buildx missing",)
    assert combined.build_seconds == 5.0
    assert [(s.dockerfile, [t.name for t in ts]) for s, ts in by_section(combined)] == [
        ("services/api/Dockerfile", ["builder", "tester", "services/api/Dockerfile:production"]),
        ("services/worker/Dockerfile", ["services/worker/Dockerfile:production", "migrate"]),
    ]


def test_a_failing_tester_in_any_section_fails_the_run() -> None:
    good = one("a/Dockerfile", "tester")
    bad = one("b/Dockerfile", "tester", tester_passed=False)
    assert combine([good, good]).passed is True
    combined = combine([good, bad])
    assert combined.tests_failed is True
    assert combined.passed is False


def test_budgets_on_section_reports_are_qualified_too() -> None:
    a = Report(dockerfile="a/Dockerfile", targets=(target("production", "a/Dockerfile"),),
               budgets=(BudgetResult(target="production", rule="max_size", limit="1", actual="2", passed=False),))
    b = Report(dockerfile="b/Dockerfile", targets=(target("production", "b/Dockerfile"),))
    assert [x.target for x in combine([a, b]).budgets] == ["a/Dockerfile:production"]


def test_a_combined_report_round_trips_through_json() -> None:
    combined = combine([one("api/Dockerfile", "builder", "tester", "production"), one("web/Dockerfile", "production")])
    document = json.loads(report_json.dumps(combined))
    assert [s["dockerfile"] for s in document["sections"]] == ["api/Dockerfile", "web/Dockerfile"]
    assert report_json.from_dict(document) == combined


def test_the_terminal_report_shows_every_dockerfiles_tester_and_reduction() -> None:
    from ci_optimizer.report.terminal import render_terminal  # noqa: PLC0415

    combined = combine([one("a/Dockerfile", "tester", "production"),
                        one("b/Dockerfile", "tester", "production", tester_passed=False)])
    text = render_terminal(combined)
    assert text.count("Reduction: ") == 2
    tests = [line for line in text.splitlines() if line.startswith("Tests: ")]
    assert len(tests) == 2
    assert [line.split(" (")[0].endswith("FAILED") for line in tests] == [False, True]
