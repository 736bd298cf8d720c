"""Why a target grew: its path summary, the path diff against the base and, for production, the
causes with their measured bytes. Glue: it hands the stacking the layer analysis already made to
the pure cores (measure/pathdiff.py, judge/causes.py) and reads only the base image's layers the
head does not share (from the layer cache, or exported). Nothing here fails a run: a base it
cannot read is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ci_optimizer.adapters.image_export import ImageLayers, read_summaries
from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.errors import CiOptimizerError
from ci_optimizer.judge.causes import CauseInputs, find_causes
from ci_optimizer.measure.alignment import align_history, layer_lines
from ci_optimizer.measure.pathdiff import diff_files, diff_summary, layers_only, path_summary
from ci_optimizer.measure.stacking import Stacked, stack_layers
from ci_optimizer.model.growth import Cause, Growth, PathDiff
from ci_optimizer.model.results import Baseline, TargetResult
from ci_optimizer.ports import Log


def explain(
    target: TargetResult,
    image: ImageLayers,
    *,
    lines: Sequence[int | None],
    model: DockerfileModel | None,
    text: Sequence[str],
    baseline: Baseline | None,
    client: Any,
    cache_dir: Path | None,
    log: Log,
    warnings: list[str],
) -> TargetResult:
    """The target with its `growth`, from the image as its analysis read and stacked it; `lines`
    are its layers' Dockerfile lines (measure/alignment.py). `model` is given for production only:
    the causes are about what ships."""
    stacked = image.stacked
    causes: tuple[Cause, ...] = ()
    if model is not None:
        causes = find_causes(CauseInputs(model=model, layers=image.summaries, lines=lines,
                                          base_layers=image.analysis.base_layers, stacked=stacked, text=text))
    diff = _diff(target, image, lines, baseline=baseline, client=client, cache_dir=cache_dir, log=log,
                 warnings=warnings)
    return replace(target, growth=Growth(summary=path_summary(stacked.visible), diff=diff, causes=causes))


def _diff(
    target: TargetResult, image: ImageLayers, lines: Sequence[int | None], *, baseline: Baseline | None, client: Any,
    cache_dir: Path | None, log: Log, warnings: list[str],
) -> PathDiff | None:
    comparison = target.comparison
    if comparison is None or comparison.delta_bytes is None:
        return None  # no baseline, or nothing on it to compare with
    head: Stacked = image.stacked
    if comparison.base_paths is not None:
        return diff_summary(comparison.base_paths, head.visible, head_lines=lines)
    if comparison.base_tag:
        try:
            log(f"ci-optimizer: reading the layers of {target.name} on the base (those it shares with the head "
                "are in memory, the others cached by diff ID)")
            base = read_summaries(comparison.base_tag, client=client, cache_dir=cache_dir,
                                  known={layer.diff_id: layer for layer in image.summaries})
        except CiOptimizerError as exc:
            warnings.append(f"path diff of {target.name}: the base image could not be read: {exc.one_line()}")
            return layers_only("the base image could not be read")
        base_lines = layer_lines(align_history(base, comparison.base_layer_details))
        return diff_files(stack_layers(base).visible, head.visible, base_lines=base_lines, head_lines=lines)
    if baseline is not None and baseline.source == "file":
        return layers_only("the baseline report has no path summary (written before report schema 2)")
    return layers_only("the baseline")
