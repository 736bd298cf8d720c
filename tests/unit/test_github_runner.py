"""Workflow commands, GITHUB_OUTPUT and annotations. Pure (files in tmp_path)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ci_optimizer.errors import UsageError
from ci_optimizer.github.annotations import Annotation, annotations_for
from ci_optimizer.github.runner import (
    ActionOutputs,
    Console,
    append_summary,
    command,
    escape_data,
    escape_property,
    output_block,
    parse_output_file,
    redact,
    write_outputs,
)
from ci_optimizer.model.results import BudgetResult, CheckResult, Report, TargetResult, TesterResult
from tests.report_support import make_target


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_command_leaves_out_empty_properties_and_escapes_both_parts() -> None:
    assert command("error", "line1\nline2", file="dir,x/Dockerfile", line=12, title=None) == (
        "::error file=dir%2Cx/Dockerfile,line=12::line1%0Aline2"
    )
    assert command("warning", "w", title="a: b") == "::warning title=a%3A b::w"
    assert command("endgroup") == "::endgroup::"


def test_console_groups_masks_and_annotates() -> None:
    out = io.StringIO()
    console = Console(out)
    console.mask("tok")
    with console.group("build: a"):
        console.line("x")
    console.error("e", file="Dockerfile", line=3, title="t")
    console.warning("w")
    assert out.getvalue() == (
        "::add-mask::tok\n::group::build: a\nx\n::endgroup::\n"
        "::error file=Dockerfile,line=3,title=t::e\n::warning::w\n"
    )


def test_group_closes_when_the_body_raises() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), Console(out).group("g"):
        raise RuntimeError
    assert out.getvalue().endswith("::endgroup::\n")


def test_output_block_uses_a_delimiter_absent_from_the_value() -> None:
    value = "line1\nghadelimiter_x\npassed=false"
    block = output_block("report", value)
    header, _, rest = block.partition("\n")
    name, _, delimiter = header.partition("<<")
    assert name == "report"
    assert delimiter.startswith("ghadelimiter_")
    assert delimiter not in value
    assert rest == f"{value}\n{delimiter}\n"
    assert parse_output_file(block) == {"report": value}


def test_outputs_append_and_read_back_as_the_runner_does(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("earlier=1\n")
    write_outputs(str(path), ActionOutputs(passed=False, report="a\nb", comment_url=""))
    assert parse_output_file(path.read_text()) == {"earlier": "1", "passed": "false", "report": "a\nb",
                                                   "comment-url": ""}
    write_outputs(None, ActionOutputs(passed=True, report="", comment_url=""))  # off a runner: no-op


def test_summary_appends_and_unwritable_files_are_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    append_summary(str(path), "# one")
    append_summary(str(path), "two\n")
    assert path.read_text() == "# one\ntwo\n"
    with pytest.raises(UsageError, match="cannot write GITHUB_STEP_SUMMARY"):
        append_summary(str(tmp_path / "missing" / "s.md"), "x")


def test_redact() -> None:
    assert redact("a tok b tok", ("tok", "")) == "a *** b ***"


# --- annotations -------------------------------------------------------------------------------


def t(name: str, line: int, **extra: object) -> TargetResult:
    fields: dict[str, object] = {"status": "built", **extra}
    return make_target(name=name, dockerfile="/ws/docker/Dockerfile", role="stage", stage_line=line,
                        **fields)  # type: ignore[arg-type]


def test_annotations_point_at_the_dockerfile_line() -> None:
    report = Report(
        dockerfile="/ws/docker/Dockerfile",
        targets=(t("builder", 1, status="failed", error="exit code: 2", log_tail=("make: *** [all] Error 2",)),
                 t("tester", 9), t("production", 20)),
        tester=TesterResult(target="tester", passed=False, seconds=1, log_tail=("FAILED test_x", "")),
        budgets=(
            BudgetResult(target="production", rule="max_size", limit="80MB", actual="85 MB", passed=False),
            BudgetResult(target="production", rule="max_layers", limit="10", actual="12", passed=False,
                         severity="warning", message="12 layers, limit 10"),
            BudgetResult(target="production", rule="max_growth", limit="5%", actual="1%", passed=True),
        ),
        checks=(
            CheckResult(id="non-root", target="production", severity="error", passed=False, message="root",
                        file="/ws/docker/Dockerfile", line=22),
            CheckResult(id="labels", target="production", severity="info", passed=False, message="no labels",
                        file=None, line=None),
        ),
    )
    found = annotations_for(report, budgets_enforced=True, workspace="/ws")
    assert found == (
        Annotation(level="error", title="ci-optimizer: builder failed to build", message="exit code: 2",
                   file="docker/Dockerfile", line=1),
        Annotation(level="error", title="ci-optimizer: tests failed in tester", message="FAILED test_x",
                   file="docker/Dockerfile", line=9),
        Annotation(level="error", title="ci-optimizer: budget max_size exceeded by production",
                   message="max_size is 85 MB, limit 80MB", file="docker/Dockerfile", line=20),
        Annotation(level="warning", title="ci-optimizer: budget max_layers exceeded by production",
                   message="12 layers, limit 10", file="docker/Dockerfile", line=20),
        Annotation(level="error", title="ci-optimizer: non-root (production)", message="root",
                   file="docker/Dockerfile", line=22),
    )
    relaxed = annotations_for(report, budgets_enforced=False, workspace="/ws")
    assert [a.level for a in relaxed if "budget" in a.title] == ["warning", "warning"]
