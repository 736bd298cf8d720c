"""Why a target grew: its path summary, the path diff against the base and, for production, the
causes with their measured bytes. Glue: it reads the base image (through the layer cache, so the
layers base and head share cost nothing) and hands the stacked files to the pure cores
(measure/pathdiff.py, judge/causes.py). Nothing here fails a run: a base it cannot read is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ci_optimizer.adapters.image_export import base_layer_count, read_image
from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.errors import CiOptimizerError
from ci_optimizer.judge.causes import CauseInputs, find_causes
from ci_optimizer.measure.pathdiff import diff_files, diff_summary, layers_only, path_summary
from ci_optimizer.measure.stacking import Stacked, stack_layers
from ci_optimizer.measure.summary import DIR, LayerSummary
from ci_optimizer.model.growth import Cause, Growth, PathDiff
from ci_optimizer.model.results import Baseline, TargetResult
from ci_optimizer.ports import Log


def layer_lines(target: TargetResult, summaries: Sequence[LayerSummary]) -> tuple[int | None, ...]:
    """Each layer's Dockerfile line. The history leaves out the zero-size layers BuildKit still
    writes for a WORKDIR (a directory and nothing else), so those are skipped, newest first, as
    long as their count explains the difference; anything else unexplained gives no lines."""
    details, count = target.layer_details, len(summaries)
    missing = count - len(details)
    lines: list[int | None] = [None] * count
    j = len(details) - 1
    for i in range(count - 1, -1, -1):
        dirs_only = all(kind == DIR for kind in summaries[i].kinds)
        if missing > 0 and dirs_only and (j < 0 or details[j].size_bytes > 0):
            missing -= 1
            continue
        if j < 0:
            return (None,) * count
        lines[i] = details[j].line
        j -= 1
    return tuple(lines) if missing == 0 and j == -1 else (None,) * count


def explain(
    target: TargetResult,
    summaries: Sequence[LayerSummary],
    *,
    model: DockerfileModel | None,
    text: Sequence[str],
    baseline: Baseline | None,
    client: Any,
    cache_dir: Path | None,
    log: Log,
    warnings: list[str],
) -> tuple[TargetResult, Stacked]:
    """The target with its `growth`; also the stacked files, which the checklist reads as well.
    `model` is given for production only: the causes are about what ships."""
    stacked = stack_layers(summaries)
    lines = layer_lines(target, summaries)
    causes: tuple[Cause, ...] = ()
    if model is not None and target.analysis is not None:
        causes = find_causes(CauseInputs(model=model, layers=summaries, lines=lines,
                                          base_layers=target.analysis.base_layers, stacked=stacked, text=text))
    diff = _diff(target, stacked, lines, baseline=baseline, client=client, cache_dir=cache_dir, log=log,
                 warnings=warnings)
    growth = Growth(summary=path_summary(stacked.visible), diff=diff, causes=causes)
    return replace(target, growth=growth), stacked


def _diff(
    target: TargetResult, stacked: Stacked, lines: Sequence[int | None], *, baseline: Baseline | None, client: Any,
    cache_dir: Path | None, log: Log, warnings: list[str],
) -> PathDiff | None:
    comparison = target.comparison
    if comparison is None or comparison.delta_bytes is None:
        return None  # no baseline, or nothing on it to compare with
    if comparison.base_paths is not None:
        return diff_summary(comparison.base_paths, stacked.visible, head_lines=lines)
    if comparison.base_tag:
        try:
            found = base_layer_count(client, comparison.base_tag, target.base_image or "scratch")
            log(f"ci-optimizer: analysing the layers of {target.name} on the base (cached by diff ID)")
            _analysis, base = read_image(comparison.base_tag, client=client, cache_dir=cache_dir,
                                         base_layer_count=found or 0)
        except CiOptimizerError as exc:
            warnings.append(f"path diff of {target.name}: the base image could not be read: {exc.one_line()}")
            return layers_only("the base image could not be read")
        base_lines = comparison.base_lines if len(comparison.base_lines) == len(base) else (None,) * len(base)
        return diff_files(stack_layers(base).visible, stacked.visible, base_lines=base_lines, head_lines=lines)
    if baseline is not None and baseline.source == "file":
        return layers_only("the baseline report has no path summary (written before report schema 2)")
    return layers_only("the baseline")
