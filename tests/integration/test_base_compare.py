"""`run --base-ref/--baseline/--write-baseline/--config` on the real engine and real git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.report import json_report as report_json

from .git_helpers import git, pull_request

pytestmark = pytest.mark.integration

BASE_DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS builder
RUN mkdir -p /out && dd if=/dev/zero of=/out/app bs=1k count=300 2>/dev/null

FROM builder AS tester
RUN test -s /out/app

FROM ${BASE_IMAGE} AS production
COPY --from=builder /out/ /app/
RUN dd if=/dev/zero of=/app/data bs=1k count=100 2>/dev/null
CMD ["/bin/sh"]
"""
# The PR: the builder's output grows by 100 KiB (so does the COPY of it), the data layer is gone,
# a 50 KiB layer is new on line 10.
HEAD_DOCKERFILE = (
    BASE_DOCKERFILE.replace("count=300", "count=400")
    .replace("RUN dd if=/dev/zero of=/app/data bs=1k count=100 2>/dev/null",
             "RUN dd if=/dev/zero of=/app/extra bs=1k count=50 2>/dev/null")
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`main` holds the base Dockerfile; the checked-out branch `feature` holds the PR."""
    repo, base = pull_request(tmp_path_factory.mktemp("project"), {"Dockerfile": BASE_DOCKERFILE},
                              {"Dockerfile": HEAD_DOCKERFILE})
    return {"repo": repo, "base": base}


def engine_size(tag: str) -> int:
    """The size the engine reports, read through the docker CLI, independently of ci-optimizer."""
    out = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}", tag], capture_output=True,
                         text=True, check=True)
    return int(out.stdout)


def build_at(repo: Path, commit_sha: str, target: str, *, tag: str, busybox: str, into: Path) -> int:
    """Build one target of a commit with plain `docker buildx build` and return the engine's size."""
    tree = into / commit_sha[:12]
    if not tree.exists():
        git(repo, "worktree", "add", "--quiet", "--detach", str(tree), commit_sha)
    subprocess.run(["docker", "buildx", "build", "--quiet", "--load", "--target", target, "--tag", tag,
                    "--build-arg", f"BASE_IMAGE={busybox}", str(tree)], check=True, capture_output=True)
    return engine_size(tag)


def read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    report_json.validate(document)
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in document["targets"]}


def run_pull_request(run_cli: Any, where: Path, base: dict[str, str | None], head: dict[str, str | None],
                     monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], str]:
    """`run --base-ref main` on a new repository holding `base` on main and `head` on the PR branch."""
    repo, base_commit = pull_request(where / "repo", base, head)
    monkeypatch.chdir(repo)
    result = run_cli("--base-ref", "main", "--json", str(where / "r.json"), "--quiet")
    assert result.code == 0, result.stderr
    return read(where / "r.json"), base_commit


def test_base_ref_fills_exact_deltas_and_the_layers_that_changed(
    project: dict[str, Any], run_cli: Any, *, busybox: str, tag_prefix: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo: Path = project["repo"]
    monkeypatch.chdir(repo)
    result = run_cli("--base-ref", "main", "--json", str(tmp_path / "report.json"), "--quiet")
    assert result.code == 0, result.stderr
    document = read(tmp_path / "report.json")
    assert document["baseline"] == {"source": "ref", "ref": "main", "commit": project["base"], "path": None,
                                    "fetched": [], "image": None, "platform": None}
    targets = by_name(document)
    for name in ("builder", "tester", "production"):
        head_size = engine_size(targets[name]["tag"])
        base_size = build_at(repo, project["base"], name, tag=f"{tag_prefix}/check:{name}", busybox=busybox,
                             into=tmp_path)
        assert targets[name]["base_status"] == "built"
        assert targets[name]["size_bytes"] == head_size
        assert targets[name]["base_size_bytes"] == base_size
        assert targets[name]["delta_bytes"] == head_size - base_size
        assert targets[name]["delta_percent"] == pytest.approx(100.0 * (head_size - base_size) / base_size)
    assert targets["builder"]["delta_bytes"] == 100 * 1024
    assert targets["production"]["delta_bytes"] == 100 * 1024 - 100 * 1024 + 50 * 1024
    assert targets["production"]["layer_changes"] == [
        {"kind": "changed", "created_by": "COPY /out/ /app/", "base_bytes": 300 * 1024, "head_bytes": 400 * 1024,
         "delta_bytes": 100 * 1024, "line": 9, "from_base": False},
        {"kind": "gone", "created_by": "RUN dd if=/dev/zero of=/app/data bs=1k count=100 2>/dev/null",
         "base_bytes": 100 * 1024, "head_bytes": None, "delta_bytes": -100 * 1024, "line": 10, "from_base": False},
        {"kind": "new", "created_by": "RUN dd if=/dev/zero of=/app/extra bs=1k count=50 2>/dev/null",
         "base_bytes": None, "head_bytes": 50 * 1024, "delta_bytes": 50 * 1024, "line": 10, "from_base": False},
    ]
    assert document["warnings"] == []
    # the base tree was a temporary worktree: it is gone
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 2  # the repo and build_at's tree
    # a second run checks the base out in a new worktree, and re-tags the same base images
    base_tags = base_images(tag_prefix)
    assert sorted(tag.rpartition(":")[2] for tag in base_tags) == ["builder", "production", "tester"]
    assert run_cli("--base-ref", "main", "--quiet").code == 0
    assert base_images(tag_prefix) == base_tags


def base_images(tag_prefix: str) -> set[str]:
    listed = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True,
                            text=True, check=True).stdout.split()
    return {tag for tag in listed if tag.startswith(f"{tag_prefix}/base/")}


def test_budgets_from_the_config_fail_the_run_with_exit_1(
    project: dict[str, Any], run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "budgets.yml"
    config.write_text("budgets:\n  '*':\n    max_growth: 60KiB\n  production:\n    max_growth: 1%\n"
                      "    severity: warning\n  prod:\n    max_size: 1MB\n")
    monkeypatch.chdir(project["repo"])
    result = run_cli("--base-ref", "main", "--config", str(config), "--json", str(tmp_path / "r.json"), "--quiet")
    assert result.code == 1, result.stderr
    document = read(tmp_path / "r.json")
    assert document["passed"] is False
    production = by_name(document)["production"]
    grown = 100.0 * 50 * 1024 / production["base_size_bytes"]
    assert production["delta_percent"] == pytest.approx(grown)
    assert [(b["target"], b["rule"], b["limit"], b["actual"], b["passed"], b["severity"])
            for b in document["budgets"]] == [
        ("builder", "max_growth", "+61.4 kB", "+102 kB", False, "error"),
        ("tester", "max_growth", "+61.4 kB", "+102 kB", False, "error"),
        ("production", "max_growth", "+1.0 %", f"+{grown:.1f} %", False, "warning"),
    ]
    assert f"{config}: budgets.prod: no target named 'prod' (targets: builder, tester, production)" in (
        document["warnings"])


def test_write_baseline_then_baseline_gives_the_same_deltas_without_building_the_base(
    project: dict[str, Any], run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the main-branch workflow: a checkout of main saves its report as an artifact
    main_checkout = tmp_path / "main"
    git(project["repo"], "worktree", "add", "--quiet", "--detach", str(main_checkout), project["base"])
    monkeypatch.chdir(main_checkout)
    saved = tmp_path / "artifact" / "baseline.json"
    assert run_cli("--write-baseline", str(saved), "--quiet").code == 0
    assert read(saved)["baseline"] is None
    # the PR workflow reads it instead of building main
    monkeypatch.chdir(project["repo"])
    result = run_cli("--baseline", str(saved), "--json", str(tmp_path / "head.json"), "--quiet")
    assert result.code == 0, result.stderr
    document = read(tmp_path / "head.json")
    base_targets = by_name(read(saved))
    assert document["baseline"] == {"source": "file", "ref": None, "commit": None, "path": str(saved),
                                    "fetched": [], "image": None, "platform": None}
    for name, target in by_name(document).items():
        assert target["base_size_bytes"] == base_targets[name]["size_bytes"]
        assert target["delta_bytes"] == target["size_bytes"] - base_targets[name]["size_bytes"]
    assert by_name(document)["production"]["delta_bytes"] == 50 * 1024
    assert "ci-optimizer-base-" not in result.stderr


def test_a_base_without_the_dockerfile_makes_every_target_new(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, base = run_pull_request(run_cli, tmp_path, {"README.md": "no Dockerfile yet\n"},
                                      {"Dockerfile": BASE_DOCKERFILE}, monkeypatch)
    assert [(t["name"], t["base_status"], t["delta_bytes"]) for t in document["targets"]] == [
        ("builder", "new", None), ("tester", "new", None), ("production", "new", None)]
    assert document["warnings"] == [f"Dockerfile does not exist on main ({base[:12]}): its targets are new"]


def test_a_base_that_fails_to_build_is_a_warning_and_no_delta(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = BASE_DOCKERFILE.replace("RUN test -s /out/app", "RUN exit 3")
    document, _ = run_pull_request(run_cli, tmp_path, {"Dockerfile": broken}, {"Dockerfile": BASE_DOCKERFILE},
                                   monkeypatch)
    assert [(t["name"], t["base_status"], t["delta_bytes"]) for t in document["targets"]] == [
        ("builder", "built", 0), ("tester", "failed", None), ("production", "built", 0)]
    (warning,) = document["warnings"]
    assert warning.startswith("target 'tester' did not build on the base: ")
    assert warning.endswith("; no size comparison")


def test_a_base_dockerfile_that_does_not_parse_is_a_warning_naming_the_line(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = BASE_DOCKERFILE.replace("RUN test", "RUNN test")
    document, base = run_pull_request(run_cli, tmp_path, {"Dockerfile": typo}, {"Dockerfile": BASE_DOCKERFILE},
                                      monkeypatch)
    assert [t["base_status"] for t in document["targets"]] == ["failed", "failed", "failed"]
    assert document["warnings"] == [
        "targets 'builder', 'tester', 'production' did not build on the base: "
        f"main ({base[:12]}): Dockerfile:6: unknown instruction: RUNN; no size comparison"
    ]


def test_several_dockerfiles_get_a_section_each_and_qualified_names(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ("dockerfiles:\n  - file: api/Dockerfile\n    context: api\n"
              "  - file: web/Dockerfile\n    context: web\n"
              "budgets:\n  production:\n    max_size: 10MB\n")
    web = "ARG BASE_IMAGE=python:3.12-slim\nFROM ${BASE_IMAGE} AS production\nRUN echo web > /web\n"
    document, base = run_pull_request(
        run_cli, tmp_path, {"api/Dockerfile": BASE_DOCKERFILE, ".ci-optimizer.yml": config},
        {"api/Dockerfile": HEAD_DOCKERFILE, "web/Dockerfile": web}, monkeypatch)
    assert [(t["name"], t["dockerfile"], t["base_status"]) for t in document["targets"]] == [
        ("builder", "api/Dockerfile", "built"),
        ("tester", "api/Dockerfile", "built"),
        ("api/Dockerfile:production", "api/Dockerfile", "built"),
        ("web/Dockerfile:production", "web/Dockerfile", "new"),
    ]
    assert by_name(document)["api/Dockerfile:production"]["delta_bytes"] == 50 * 1024
    assert [(s["dockerfile"], s["tester"] and s["tester"]["target"]) for s in document["sections"]] == [
        ("api/Dockerfile", "tester"), ("web/Dockerfile", None)]
    assert [(b["target"], b["rule"], b["passed"]) for b in document["budgets"]] == [
        ("api/Dockerfile:production", "max_size", True), ("web/Dockerfile:production", "max_size", True)]
    assert document["warnings"] == [f"web/Dockerfile does not exist on main ({base[:12]}): its targets are new"]


def test_an_unknown_base_ref_fails_before_building_with_exit_2(
    project: dict[str, Any], run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project["repo"])
    result = run_cli("--base-ref", "no-such-branch")
    assert result.code == 2
    assert result.stderr == ("ci-optimizer: error: unknown git ref 'no-such-branch': "
                             "no branch, tag or commit of that name in this repository\n")
    assert result.stdout == ""


def test_a_missing_or_broken_baseline_file_is_exit_2_naming_it(
    project: dict[str, Any], run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project["repo"])
    missing = run_cli("--baseline", str(tmp_path / "nope.json"))
    assert (missing.code, missing.stderr) == (
        2, f"ci-optimizer: error: {tmp_path / 'nope.json'}: baseline report not found\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1, "targets": [}')
    result = run_cli("--baseline", str(broken))
    assert (result.code, result.stderr) == (
        2, f"ci-optimizer: error: {broken}: not a JSON report: Expecting value at line 1\n")
    other = tmp_path / "other.json"
    other.write_text('{"schema_version": 1, "targets": []}')
    result = run_cli("--baseline", str(other))
    assert (result.code, result.stderr) == (
        2, f"ci-optimizer: error: {other}: (top level): 'passed' is a required property\n")


def test_a_missing_saved_baseline_falls_back_to_building_the_base_ref(
    project: dict[str, Any], run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the artifact of the main-branch run is missing on its first run and after it expires
    monkeypatch.chdir(project["repo"])
    missing = tmp_path / "expired.json"
    result = run_cli("--baseline", str(missing), "--base-ref", "main", "--json", str(tmp_path / "r.json"), "--quiet")
    assert result.code == 0, result.stderr
    document = read(tmp_path / "r.json")
    assert document["baseline"]["source"] == "ref"
    assert document["baseline"]["commit"] == project["base"]
    assert by_name(document)["production"]["delta_bytes"] == 50 * 1024
    assert document["warnings"] == [f"{missing}: baseline report not found; built main instead"]
