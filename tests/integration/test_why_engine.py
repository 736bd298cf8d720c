"""Why it grew, on the real engine: a head and a base that differ by known files, and each cause
detector firing on a Dockerfile written to trigger it and silent on its fixed version, whose
measured saving must match the bytes the detectors reported."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.compare.deltas import apply_baseline
from ci_optimizer.judge.checks import CheckSettings
from ci_optimizer.model.results import Baseline, Report, TargetResult
from ci_optimizer.pipeline.examine import ExamineOptions, examine
from ci_optimizer.pipeline.head import build_and_measure
from ci_optimizer.plan.prepare import RunOptions, prepare
from ci_optimizer.wiring import engine_adapters
from tests.integration.conftest import write_project

pytestmark = pytest.mark.integration

CAUSING = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS production
WORKDIR /app
RUN mkdir -p /root/.cache/pip && head -c 307200 /dev/urandom > /root/.cache/pip/w.whl
RUN head -c 614400 /dev/urandom > /app/big.bin
RUN rm /app/big.bin
COPY . .
RUN mkdir -p /opt && cp -p /app/data.bin /opt/data.bin
"""
FIXED = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS production
WORKDIR /app
RUN mkdir -p /root/.cache/pip && head -c 307200 /dev/urandom > /root/.cache/pip/w.whl && rm -rf /root/.cache/pip
RUN head -c 614400 /dev/urandom > /app/big.bin && rm /app/big.bin
RUN true
COPY . .
RUN mkdir -p /opt && ln -s /app/data.bin /opt/data.bin
"""


def _project(root: Path, dockerfile: str, *, ignore: bool) -> Path:
    ignored = "Dockerfile\n.dockerignore\n" + (".git\n" if ignore else "")
    project = write_project(root, dockerfile, {".dockerignore": ignored})
    (project / "data.bin").write_bytes(os.urandom(1_100_000))
    (project / ".git" / "objects" / "pack").mkdir(parents=True)
    (project / ".git" / "objects" / "pack" / "p.pack").write_bytes(os.urandom(100_000))
    return project


def _examined(tmp_path: Path, tag_prefix: str, busybox: str, client: Any) -> tuple[TargetResult, TargetResult]:
    engine = engine_adapters(dict(os.environ))
    builder, images = engine.builder, engine.images
    reports: list[tuple[Report, RunOptions]] = []
    for name, text, ignore in (("fixed", FIXED, True), ("causing", CAUSING, False)):
        project = _project(tmp_path / name, text, ignore=ignore)
        options = RunOptions(dockerfile=project / "Dockerfile", context=project, tag_prefix=f"{tag_prefix}/{name}",
                             build_args={"BASE_IMAGE": busybox}, run_tester=False)
        report, _planned = build_and_measure(options, builder=builder, images=images, log=lambda _line: None)
        assert report.targets[0].status == "built", (report.targets[0].error, report.targets[0].log_tail)
        reports.append((report, options))
    (base, _), (head, options) = reports
    compared = apply_baseline(head, base, baseline=Baseline(source="ref", ref="main"))
    examined = examine(compared, [(options, prepare(options))], client=client,
                       options=ExamineOptions(hadolint=False), settings=CheckSettings(), log=lambda _line: None)
    fixed = examine(base, [(reports[0][1], prepare(reports[0][1]))], client=client,
                    options=ExamineOptions(hadolint=False), settings=CheckSettings(), log=lambda _line: None)
    return examined.targets[0], fixed.targets[0]


def test_path_diff_and_causes_on_real_images(tmp_path: Path, tag_prefix: str, busybox: str,
                                              docker_client: Any) -> None:
    head, fixed = _examined(tmp_path, tag_prefix, busybox, docker_client)
    assert head.growth is not None
    assert head.growth.diff is not None
    diff = head.growth.diff
    assert diff.detail == "files"
    assert [(c.path, c.kind, c.delta_bytes, c.files, c.line) for c in diff.changes] == [
        ("/opt/data.bin", "grown", 1_100_000, 1, 8),  # a symlink on the base, a copy here
        ("/root/.cache/pip/w.whl", "added", 307_200, 1, 4),
        ("/app/.git/objects/pack/p.pack", "added", 100_000, 1, 7),
    ]
    assert (diff.added_bytes, diff.removed_bytes) == (1_507_200, 0)
    causes = [(c.kind, c.line, c.other_line, c.bytes) for c in head.growth.causes]
    assert causes == [
        ("duplicate-file", 8, None, 1_100_000),
        ("shadowed", 5, 6, 614_400),
        ("package-cache", 4, None, 307_200),
        ("context-junk", 7, None, 100_000),
    ]
    assert fixed.growth is not None
    assert fixed.growth.causes == ()  # every fix silences its detector
    # The fixes' measured saving is what the detectors reported, plus the layers' tar headers.
    assert head.size_bytes is not None
    assert fixed.size_bytes is not None
    saved = head.size_bytes - fixed.size_bytes
    reported = sum(c.bytes for c in head.growth.causes)
    assert reported <= saved <= reported + 64 * 1024, (saved, reported)
