from __future__ import annotations

from dataclasses import replace

from ci_optimizer.config import Config, parse_config
from ci_optimizer.judge.budgets import apply_budgets, budget_warnings, budgeted_targets, evaluate_budgets
from ci_optimizer.model.image_model import ImageAnalysis
from ci_optimizer.model.results import Baseline, BudgetResult, Reduction, Report, Section, TargetResult
from tests.report_support import make_target, retarget


def target(name: str, size: int | None, *, role: str = "stage", layers: int = 5, dockerfile: str = "Dockerfile",
           status: str = "built", base: int | None = None, compressed: int | None = None) -> TargetResult:
    compared = {}
    if base is not None and size is not None:
        compared = {"base_status": "built", "base_size_bytes": base, "delta_bytes": size - base,
                    "delta_percent": 100.0 * (size - base) / base}
    return make_target(name=name, dockerfile=dockerfile, role=role, stage_line=1,
                        status=status, size_bytes=size, layers=layers,
                        compressed_bytes=compressed, **compared)  # type: ignore[arg-type]


BUILDER = target("builder", 400_000_000, role="builder", layers=12)
PRODUCTION = target("production", 85_231_234, role="production", layers=7)
REPORT = Report(
    dockerfile="Dockerfile",
    targets=(BUILDER, PRODUCTION),
    reduction=Reduction(from_target="builder", to_target="production", from_bytes=400_000_000,
                        to_bytes=85_231_234, percent=100.0 * (400_000_000 - 85_231_234) / 400_000_000),
)


def config(text: str) -> Config:
    return parse_config(text, source=".ci-optimizer.yml")


def test_size_layers_and_reduction_rules_each_give_one_result() -> None:
    cfg = config("budgets:\n  production:\n    max_size: 100MB\n    max_layers: 6\n    min_reduction: 80%\n")
    assert evaluate_budgets(REPORT, cfg) == (
        BudgetResult(target="production", rule="max_size", limit="100 MB", actual="85.2 MB", passed=True),
        BudgetResult(target="production", rule="max_layers", limit="6", actual="7", passed=False,
                     message="production has 7 layers, more than 6"),
        BudgetResult(target="production", rule="min_reduction", limit="80.0 %", actual="78.7 %", passed=False,
                     message="production is only 78.7 % smaller than builder, less than 80.0 %"),
    )


def test_a_breach_that_rounds_to_the_limit_shows_exact_bytes() -> None:
    cfg = config("budgets:\n  production:\n    max_size: 85.2MB\n")
    (result,) = evaluate_budgets(REPORT, cfg)
    assert result == BudgetResult(
        target="production", rule="max_size", limit="85,200,000 B", actual="85,231,234 B", passed=False,
        message="production size 85,231,234 B is over the 85,200,000 B budget by 31.2 kB")


def test_the_most_specific_entry_wins_rule_by_rule_with_its_own_severity() -> None:
    cfg = config(
        "budgets:\n"
        "  '*':\n    max_size: 50MB\n    max_layers: 10\n    severity: warning\n"
        "  production:\n    max_size: 90MB\n"
    )
    assert evaluate_budgets(REPORT, cfg) == (
        BudgetResult(target="builder", rule="max_size", limit="50 MB", actual="400 MB", passed=False,
                     severity="warning", message="builder size 400 MB is over the 50 MB budget by 350 MB"),
        BudgetResult(target="builder", rule="max_layers", limit="10", actual="12", passed=False, severity="warning",
                     message="builder has 12 layers, more than 10"),
        BudgetResult(target="production", rule="max_size", limit="90 MB", actual="85.2 MB", passed=True),
        BudgetResult(target="production", rule="max_layers", limit="10", actual="7", passed=True,
                     severity="warning"),
    )


def test_a_warning_budget_never_fails_the_report() -> None:
    cfg = config("budgets:\n  production:\n    max_size: 1MB\n    severity: warning\n")
    judged = apply_budgets(REPORT, cfg)
    assert [b.passed for b in judged.budgets] == [False]
    assert judged.passed is True
    failing = apply_budgets(REPORT, config("budgets:\n  production:\n    max_size: 1MB\n"))
    assert failing.passed is False
    assert failing.failed_budgets == failing.budgets


def test_growth_as_percent_and_as_size_against_the_base() -> None:
    grown = replace(REPORT, targets=(
        target("builder", 400_000_000, role="builder", base=400_000_000),
        target("production", 110_000_000, role="production", base=100_000_000),
    ), baseline=Baseline(source="ref", ref="main"))
    percent = config("budgets:\n  '*':\n    max_growth: 10%\n")
    assert evaluate_budgets(grown, percent) == (
        BudgetResult(target="builder", rule="max_growth", limit="+10.0 %", actual="+0.0 %", passed=True),
        BudgetResult(target="production", rule="max_growth", limit="+10.0 %", actual="+10.0 %", passed=True),
    )
    size = config("budgets:\n  production:\n    max_growth: 5MB\n")
    assert evaluate_budgets(grown, size) == (
        BudgetResult(target="production", rule="max_growth", limit="+5 MB", actual="+10 MB", passed=False,
                     message="production grew +10 MB against the base, more than +5 MB"),
    )


def test_a_specific_growth_size_replaces_a_general_growth_percent() -> None:
    grown = replace(REPORT, targets=(target("production", 110_000_000, role="production", base=100_000_000),),
                    reduction=None)
    cfg = config("budgets:\n  '*':\n    max_growth: 5%\n  production:\n    max_growth: 20MB\n")
    assert [(b.rule, b.limit, b.passed) for b in evaluate_budgets(grown, cfg)] == [("max_growth", "+20 MB", True)]


def test_growth_is_skipped_for_new_targets_and_warned_about_without_a_base() -> None:
    cfg = config("budgets:\n  production:\n    max_growth: 10%\n")
    assert evaluate_budgets(REPORT, cfg) == ()
    assert budget_warnings(REPORT, cfg) == (
        "budgets.production.max_growth: no base to compare with (use --base-ref or --baseline); not judged",)
    new = replace(REPORT, targets=(retarget(PRODUCTION, base_status="new"),))
    assert evaluate_budgets(new, cfg) == ()
    assert budget_warnings(new, cfg) == ()


def test_a_budget_for_a_target_that_does_not_exist_is_a_warning_naming_the_targets() -> None:
    cfg = config("budgets:\n  prod:\n    max_size: 1MB\n")
    assert evaluate_budgets(REPORT, cfg) == ()
    assert budget_warnings(REPORT, cfg) == (
        ".ci-optimizer.yml: budgets.prod: no target named 'prod' (targets: builder, production)",)
    assert apply_budgets(REPORT, cfg).warnings == budget_warnings(REPORT, cfg)


def test_failed_targets_are_not_judged() -> None:
    failed = replace(REPORT, targets=(retarget(PRODUCTION, status="failed", size_bytes=None),), reduction=None)
    assert evaluate_budgets(failed, config("budgets:\n  production:\n    max_size: 1MB\n")) == ()


def test_rules_that_cannot_be_measured_are_warned_about_not_passed() -> None:
    cfg = config("budgets:\n  production:\n    max_compressed_size: 30MB\n    max_wasted_bytes: 1MB\n"
                 "  builder:\n    min_reduction: 50%\n")
    assert evaluate_budgets(REPORT, cfg) == ()
    assert budget_warnings(REPORT, cfg) == (
        "budgets.builder.min_reduction: applies to the production target only; not judged for builder",
        "budgets.production.max_compressed_size: compressed size not measured; not judged for production",
        "budgets.production.max_wasted_bytes: needs the image analysis (--analyze); not judged for production",
    )


def test_compressed_size_is_judged_when_measured() -> None:
    measured = replace(REPORT, targets=(retarget(PRODUCTION, compressed_bytes=31_000_000),))
    cfg = config("budgets:\n  production:\n    max_compressed_size: 30MB\n")
    assert evaluate_budgets(measured, cfg) == (
        BudgetResult(target="production", rule="max_compressed_size", limit="30 MB", actual="31 MB", passed=False,
                     message="production compressed size 31 MB is over the 30 MB budget by 1 MB"),
    )


def test_with_several_dockerfiles_a_stage_name_applies_to_each_and_a_qualified_name_to_one() -> None:
    api = target("api/Dockerfile:production", 20_000_000, role="production", dockerfile="api/Dockerfile")
    web = target("web/Dockerfile:production", 60_000_000, role="production", dockerfile="web/Dockerfile")
    combined = Report(dockerfile="api/Dockerfile, web/Dockerfile", targets=(api, web), sections=(
        Section(dockerfile="api/Dockerfile"), Section(dockerfile="web/Dockerfile")))
    cfg = config("budgets:\n  production:\n    max_size: 50MB\n  web/Dockerfile:production:\n    max_size: 70MB\n")
    assert [(b.target, b.limit, b.passed) for b in evaluate_budgets(combined, cfg)] == [
        ("api/Dockerfile:production", "50 MB", True),
        ("web/Dockerfile:production", "70 MB", True),
    ]
    assert budget_warnings(combined, cfg) == ()


def test_wasted_space_rules_read_the_image_analysis_as_dive_does() -> None:
    analysis = ImageAnalysis(total_bytes=100_000_000, visible_bytes=80_000_000, wasted_bytes=20_000_000,
                             own_bytes=40_000_000, own_wasted_bytes=6_000_000, efficiency=0.8, base_layers=1,
                             files=10, compressed_bytes=30_000_000, compressed_exact=True, layers=())
    analysed = replace(REPORT, targets=(replace(PRODUCTION, analysis=analysis),))
    cfg = config("budgets:\n  production:\n    max_wasted_bytes: 25MB\n    max_wasted_percent: 10%\n"
                 "    min_efficiency: 90%\n")
    assert evaluate_budgets(analysed, cfg) == (
        BudgetResult(target="production", rule="max_wasted_bytes", limit="25 MB", actual="20 MB", passed=True),
        BudgetResult(target="production", rule="max_wasted_percent", limit="10.0 %", actual="15.0 %", passed=False,
                     message="production's own layers waste 15.0 % of their bytes, more than 10.0 %"),
        BudgetResult(target="production", rule="min_efficiency", limit="90.0 %", actual="80.0 %", passed=False,
                     message="production is 80.0 % efficient, less than 90.0 %"),
    )


def test_the_targets_a_budget_holds_are_those_it_names_and_production_for_a_star_entry() -> None:
    api = target("api/Dockerfile:builder", 20_000_000, role="builder", dockerfile="api/Dockerfile")
    api_prod = target("api/Dockerfile:production", 9_000_000, role="production", dockerfile="api/Dockerfile")
    web = target("web/Dockerfile:builder", 60_000_000, role="builder", dockerfile="web/Dockerfile")
    tester = target("tester", 1_000, role="tester", dockerfile="web/Dockerfile")
    combined = Report(dockerfile="api/Dockerfile, web/Dockerfile", targets=(api, api_prod, web, tester))
    assert budgeted_targets(combined, config("budgets:\n  '*':\n    max_size: 1GB\n").budgets) == (
        "api/Dockerfile:production",)
    assert budgeted_targets(combined, config("budgets:\n  builder:\n    max_size: 1GB\n").budgets) == (
        "api/Dockerfile:builder", "web/Dockerfile:builder")
    assert budgeted_targets(combined, config(
        "budgets:\n  web/Dockerfile:builder:\n    max_layers: 9\n  tester:\n    max_size: 1MB\n").budgets) == (
        "web/Dockerfile:builder", "tester")
    assert budgeted_targets(combined, config("budgets:\n  nothing:\n    max_size: 1GB\n").budgets) == ()
