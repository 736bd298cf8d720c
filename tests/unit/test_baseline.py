from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ci_optimizer.compare.baseline import (
    compare_with_saved,
    read_baseline,
    read_saved,
    rebase_options,
    write_baseline,
)
from ci_optimizer.errors import ConfigError
from ci_optimizer.model.growth import Cause, Growth, PathChange, PathDiff, PathSummary, PathTotal
from ci_optimizer.model.results import Report
from ci_optimizer.plan.build_plan import image_repository
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.report import json_report as report_json
from tests.report_support import make_target

REPORT = Report(dockerfile="Dockerfile", targets=(
    make_target(name="production", dockerfile="Dockerfile", role="production", stage_line=3, status="built",
                 size_bytes=1234),))


def test_the_base_run_is_the_head_run_moved_into_the_worktree(tmp_path: Path) -> None:
    repo, tree = tmp_path / "repo", tmp_path / "tree"
    (repo / "services" / "api").mkdir(parents=True)
    options = RunOptions(dockerfile=Path("api/Dockerfile"), context=Path("api"), tag_prefix="cio",
                         build_args={"V": "1"})
    moved = rebase_options(options, cwd=repo / "services", repo=repo, tree=tree)
    repository = image_repository("cio/base", repo / "services/api/Dockerfile", repo / "services/api")
    assert moved == RunOptions(dockerfile=tree / "services/api/Dockerfile", context=tree / "services/api",
                               tag_prefix="cio/base", build_args={"V": "1"}, run_tester=False, repository=repository)


def test_the_base_images_keep_their_names_from_one_run_to_the_next(tmp_path: Path) -> None:
    """Each run checks the base out in a new temporary worktree: its images must not get new names
    each time, or every run would leave a new set of tagged images behind."""
    repo = tmp_path / "repo"
    (repo / "api").mkdir(parents=True)
    options = RunOptions(dockerfile=Path("api/Dockerfile"), context=Path("api"))
    runs = [rebase_options(options, cwd=repo, repo=repo, tree=tmp_path / tree) for tree in ("run-1", "run-2")]
    names = {run.repository for run in runs if run is not None}
    assert len(names) == 1
    name = names.pop()
    assert name is not None
    assert name.startswith("ci-optimizer/base/api-")
    worktree = tmp_path / "run-1"
    assert name != image_repository("ci-optimizer/base", worktree / "api/Dockerfile", worktree / "api")


def test_a_path_outside_the_repository_cannot_be_moved(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    options = RunOptions(dockerfile=tmp_path / "elsewhere" / "Dockerfile", context=tmp_path / "repo")
    assert rebase_options(options, cwd=tmp_path / "repo", repo=tmp_path / "repo", tree=tmp_path / "t") is None


def test_a_written_baseline_reads_back_as_the_same_report(tmp_path: Path) -> None:
    path = tmp_path / "artifact" / "baseline.json"
    write_baseline(REPORT, path)
    assert json.loads(path.read_text()) == json.loads(report_json.dumps(REPORT))
    assert read_baseline(path) == REPORT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not a JSON report: Expecting property name enclosed in double quotes at line 1"),
        ('{"schema_version": 3}',
         "report schema_version 3; this ci-optimizer reads version 2: write the baseline again with this version"),
        ('{"schema_version": 1}', "(top level): 'passed' is a required property"),
    ],
)
def test_a_bad_baseline_is_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_baseline(path)
    assert caught.value.one_line() == f"{path}: {message}"


def test_with_a_fallback_ref_a_missing_baseline_is_a_warning(tmp_path: Path) -> None:
    missing = tmp_path / "gone.json"
    assert read_saved(missing, fallback="main") == (
        None, (f"{missing}: baseline report not found; built main instead",))
    with pytest.raises(ConfigError, match="baseline report not found"):
        read_saved(missing, fallback=None)
    write_baseline(REPORT, missing)
    assert read_saved(missing, fallback="main") == (REPORT, ())


GROWN = Report(dockerfile="Dockerfile", targets=(replace(REPORT.targets[0], growth=Growth(
    summary=PathSummary(depth=5, min_dir_bytes=65536, min_file_bytes=1048576,
                        entries=(PathTotal(path="/app", size_bytes=2_000_000, files=3),
                                 PathTotal(path="/app/big.bin", size_bytes=1_900_000, is_dir=False))),
    diff=PathDiff(detail="files", added_bytes=10, removed_bytes=0, changes=(
        PathChange(path="/app/x", kind="added", delta_bytes=10, files=1, is_dir=False, line=4),)),
    causes=(Cause(kind="package-cache", line=4, bytes=4096, message="apt lists", fix="rm",
                  paths=("/var/lib/apt/lists/a",), suggestion="RUN x && rm -rf /var/lib/apt/lists/*"),),
)),))


def test_growth_round_trips_and_a_saved_summary_becomes_the_next_runs_base(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(GROWN, path)
    saved = read_baseline(path)
    assert saved == GROWN
    head = replace(GROWN, targets=(replace(GROWN.targets[0], growth=None, image=replace(
        GROWN.targets[0].image, size_bytes=2000)),))  # type: ignore[type-var]
    compared = compare_with_saved(head, saved, path).targets[0].comparison
    assert compared is not None
    assert compared.base_paths == GROWN.targets[0].growth.summary  # type: ignore[union-attr]
    assert compared.base_tag is None


def test_a_version_1_report_still_reads_as_a_baseline_with_layer_totals_only(tmp_path: Path) -> None:
    path = tmp_path / "v1.json"
    document = json.loads(report_json.dumps(REPORT))
    document["schema_version"] = 1
    for target in document["targets"]:
        del target["growth"]
    path.write_text(json.dumps(document))
    assert read_baseline(path) == REPORT
