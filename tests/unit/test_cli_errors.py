"""Bad input ends in one line on stderr and exit 2, before any engine is touched."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from ci_optimizer.cli.main import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM a AS builder\nRUN x\nFROM builder AS tester\nFROM b AS production\n")
    return tmp_path


def assert_one_line_error(result: tuple[int, str, str], expected: str) -> None:
    code, out, err = result
    assert (code, out) == (2, "")
    assert err == f"ci-optimizer: error: {expected}\n"


def test_missing_dockerfile(tmp_path: Path) -> None:
    assert_one_line_error(run("run", "--context", str(tmp_path)), f"{tmp_path}/Dockerfile: Dockerfile not found")


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM a\n\nRUNN make\n")
    assert_one_line_error(run("run", "--context", str(tmp_path)), f"{tmp_path}/Dockerfile:3: unknown instruction: RUNN")


def test_unknown_target(project: Path) -> None:
    assert_one_line_error(
        run("run", "--context", str(project), "--targets", "builder,prod"),
        f"--targets: no stage named 'prod' in {project}/Dockerfile (stages: builder, tester, production)",
    )


def test_unknown_tester(project: Path) -> None:
    code, _, err = run("run", "--context", str(project), "--tester", "unit")
    assert code == 2
    assert "--tester: no stage named 'unit'" in err


def test_bad_build_arg(project: Path) -> None:
    assert_one_line_error(
        run("run", "--context", str(project), "--build-arg", "NOVALUE"), "--build-arg 'NOVALUE': expected KEY=VALUE"
    )


def test_context_is_not_a_directory(project: Path) -> None:
    assert_one_line_error(
        run("run", "--file", str(project / "Dockerfile"), "--context", str(project / "nope")),
        f"--context: {project}/nope is not a directory",
    )


def test_missing_config_file(project: Path) -> None:
    code, _, err = run("run", "--context", str(project), "--config", str(project / "nope.yml"))
    assert code == 2
    assert err.startswith(f"ci-optimizer: error: {project}/nope.yml: ")
    assert len(err.splitlines()) == 1


def test_unknown_option_is_a_usage_error() -> None:
    code, out, err = run("run", "--frobnicate")
    assert (code, out) == (2, "")
    assert err == "ci-optimizer: error: unrecognized arguments: --frobnicate\n"


def test_no_subcommand() -> None:
    code, _, err = run()
    assert code == 2
    assert "the following arguments are required: command" in err


def test_unknown_analyze_target_is_rejected_before_any_build(project: Path) -> None:
    assert_one_line_error(
        run("run", "--context", str(project), "--analyze", "production,prod"),
        "--analyze: no target named 'prod' (targets: production, tester)",
    )


def test_every_run_option_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    usage = capsys.readouterr().out
    options = set(re.findall(r"^\s+(?:-\w(?: \S+)?, )?(--[a-z][a-z-]+)", usage, flags=re.MULTILINE)) - {"--help"}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert len(options) > 20
    assert sorted(o for o in options if f"`{o}" not in readme) == []
