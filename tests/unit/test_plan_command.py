"""`ci-optimizer plan`: the text, the JSON shape (schema_version 1) and its errors. No engine."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ci_optimizer.cli.main import main

DOCKERFILE = (
    "ARG BASE=debian:bookworm-slim\n"
    "FROM $BASE AS base\n"
    "FROM base AS compile\nRUN make\n"
    "FROM compile AS dist\n"
    "FROM compile AS tester\nRUN make test\n"
    "FROM ${BASE} AS app\nCOPY --from=dist /out /app\n"
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_plan_prints_roles_targets_and_stages(project: Path) -> None:
    code, out, err = run("plan", "--platform", "linux/arm64")
    assert (code, err) == (0, "")
    assert out == (
        "Dockerfile (linux/arm64): 5 stages, 3 targets\n"
        "  production  app (line 8)\n"
        "  tester      tester (line 6)\n"
        "  builder     compile (line 3)\n"
        "  target compile (builder): builds 2 stages: base, compile\n"
        "  target tester (tester): builds 3 stages: base, compile, tester\n"
        "  target app (production): builds 4 stages: base, compile, dist, app\n"
    )


def test_plan_json_has_the_documented_shape(project: Path) -> None:
    code, _out, _err = run("plan", "--json", "plan.json", "--build-arg", "BASE=local/debian:bookworm",
                           "--targets", "all", "--platform", "linux/amd64")
    assert code == 0
    assert json.loads((project / "plan.json").read_text()) == {
        "schema_version": 1,
        "dockerfile": "Dockerfile",
        "platform": "linux/amd64",
        "stages": [
            {"index": 0, "name": "base", "base": "$BASE", "resolved_base": "local/debian:bookworm", "parent": None,
             "needs": []},
            {"index": 1, "name": "compile", "base": "base", "resolved_base": "base", "parent": 0, "needs": []},
            {"index": 2, "name": "dist", "base": "compile", "resolved_base": "compile", "parent": 1, "needs": []},
            {"index": 3, "name": "tester", "base": "compile", "resolved_base": "compile", "parent": 1, "needs": []},
            {"index": 4, "name": "app", "base": "${BASE}", "resolved_base": "local/debian:bookworm", "parent": None,
             "needs": [2]},
        ],
        "roles": {"production": 4, "tester": 3, "builder": 1},
        "targets": [{"stage": 0, "builds": [0]}, {"stage": 1, "builds": [0, 1]}, {"stage": 2, "builds": [0, 1, 2]},
                    {"stage": 3, "builds": [0, 1, 3]}, {"stage": 4, "builds": [0, 1, 2, 4]}],
        "warnings": [],
    }


def test_plan_warns_and_names_the_empty_arg(project: Path) -> None:
    (project / "Dockerfile").write_text("FROM a AS bin-linux\nFROM a AS bin-windows\nFROM bin-$TARGETVARIANT\n")
    code, out, _err = run("plan")
    assert code == 0
    assert out.splitlines()[-3:] == [
        "  warning: Dockerfile:3: FROM bin-$TARGETVARIANT resolves to 'bin-', which is no stage (stages start with "
        "it: bin-linux, bin-windows): ARG TARGETVARIANT is empty, so it is read as an image name",
        "  warning: Dockerfile:3: the Dockerfile ends in 3 independent final stages (bin-linux, bin-windows, "
        "stage-2); 'stage-2' is taken as production; pass --production NAME to choose the stage that ships",
        "  warning: Dockerfile: no builder and no size reduction: production 'stage-2' copies from no other stage "
        "(--builder-stage NAME chooses one)",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--builder-stage", "nope"), "--builder-stage: no stage named 'nope' in Dockerfile (stages: base, compile, "
                                      "dist, tester, app)"),
        (("--platform", "amd64"), "--platform: 'amd64' is not a platform such as linux/amd64 or linux/arm/v7 "
                                  "(one platform)"),
        (("--file", "missing/Dockerfile"), "missing/Dockerfile: Dockerfile not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(project: Path, argv: tuple[str, ...], message: str) -> None:
    code, out, err = run("plan", *argv)
    assert (code, out, err) == (2, "", f"ci-optimizer: error: {message}\n")


def test_an_arg_declared_in_a_stage_fails_plan_naming_both_lines(project: Path) -> None:
    (project / "Dockerfile").write_text("FROM a AS one\nARG IMG=one\nFROM $IMG\n")
    code, _out, err = run("plan")
    assert (code, err) == (2, "ci-optimizer: error: Dockerfile:3: FROM $IMG uses ARG IMG, which is declared inside "
                              "a stage (line 2), where FROM cannot see it; move the ARG above the first FROM\n")


def test_json_with_several_configured_dockerfiles_asks_for_file(project: Path) -> None:
    (project / "b").mkdir()
    (project / "b" / "Dockerfile").write_text("FROM a\n")
    (project / ".ci-optimizer.yml").write_text("dockerfiles:\n  - file: Dockerfile\n  - file: b/Dockerfile\n")
    code, _out, err = run("plan", "--json", "p.json")
    assert code == 2
    assert "add --file to say which" in err
    code, out, _err = run("plan", "--platform", "linux/amd64")
    assert code == 0
    assert [line for line in out.splitlines() if not line.startswith(" ")] == [
        "Dockerfile (linux/amd64): 5 stages, 3 targets", "b/Dockerfile (linux/amd64): 1 stage, 1 target"]


def test_plan_shard_shows_what_each_leg_builds(project: Path) -> None:
    stages = {"one": 1, "two": 2, "three": 3}
    for name, count in stages.items():
        (project / name).mkdir()
        body = "".join(f"FROM {f's{i - 1}' if i else 'local/busybox:1'} AS s{i}\nRUN true\n" for i in range(count))
        (project / name / "Dockerfile").write_text(body)
    (project / "c.yml").write_text(
        "dockerfiles:\n" + "".join(f"  - file: {n}/Dockerfile\n    context: {n}\n" for n in stages))
    code, first, _ = run("plan", "--config", "c.yml", "--shard", "1/2")
    assert code == 0
    assert first.splitlines()[0] == "shard 1/2: three/Dockerfile (of 3 Dockerfiles)"
    assert "one/Dockerfile" not in first
    code, second, _ = run("plan", "--config", "c.yml", "--shard", "2/2")
    assert second.splitlines()[0] == "shard 2/2: one/Dockerfile, two/Dockerfile (of 3 Dockerfiles)"
    assert "three/Dockerfile" not in second
    assert run("plan", "--config", "c.yml", "--shard", "3/2")[0] == 2
