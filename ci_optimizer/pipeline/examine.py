"""After the build: the deep layer analysis of the chosen targets and the production checklist.

Glue at the edge: it gathers evidence from the engine and the build context and hands it to the
pure cores (`analyze/`, `checks/`). Only the head is examined; the base run is measured only.
Nothing here fails a run by itself: an analysis that cannot read an image becomes a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ci_optimizer.adapters.image_export import ImageLayers, base_layer_count, read_image
from ci_optimizer.errors import CiOptimizerError
from ci_optimizer.judge.checks import CheckSettings, run_checks
from ci_optimizer.judge.checks.evidence import layer_files
from ci_optimizer.judge.checks.inputs import LayerFiles
from ci_optimizer.measure.alignment import align_history, layer_lines
from ci_optimizer.measure.stacking import with_analysis
from ci_optimizer.model.image_model import Layer
from ci_optimizer.model.results import CheckResult, Report, TargetResult
from ci_optimizer.pipeline.check_inputs import gather_inputs
from ci_optimizer.pipeline.why import explain
from ci_optimizer.plan.analysis_targets import analysis_off, analysis_targets
from ci_optimizer.plan.prepare import Planned, RunOptions

Log = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class ExamineOptions:
    analyze: str = "production"  # "production", "all", "none", or target names separated by commas
    cache_dir: Path | None = None  # layer summaries by diff ID; None: no cache
    smoke: bool = False
    smoke_seconds: float = 5.0
    hadolint: bool = True
    path_env: str | None = None  # where hadolint is looked for
    also: tuple[str, ...] = ()  # analysed too: compared with a registry image, they need a compressed size
    # Analysed too unless `--analyze none`: a budget holds them, so the report explains their growth
    # (judge/budgets.budgeted_targets).
    budgeted: tuple[str, ...] = ()
    sized: Mapping[str, int] = field(default_factory=dict)  # diff ID -> exact compressed size (a registry's)


def examine(
    report: Report,
    runs: Sequence[tuple[RunOptions, Planned]],
    *,
    client: Any,
    options: ExamineOptions,
    settings: CheckSettings,
    log: Log,
) -> Report:
    chosen = set(analysis_targets(report, options.analyze)) | set(options.also)
    if not analysis_off(options.analyze):
        chosen |= set(options.budgeted)
    warnings = list(report.warnings)
    layers_of: dict[str, tuple[ImageLayers, tuple[Layer | None, ...]]] = {}  # analysed targets', for the checks
    models = {str(run.dockerfile): (planned.model, planned.model.source_lines) for run, planned in runs}
    targets = []
    for target in report.targets:
        if target.name in chosen and target.status == "built" and target.tag:
            analysed, image = _analyze(target, target.tag, client=client, options=options, log=log,
                                       warnings=warnings)
            if image is not None:
                model, text = models.get(target.dockerfile, (None, ()))
                rows = align_history(image.summaries, target.layer_details)
                analysed = explain(
                    analysed, image, lines=layer_lines(rows), model=model if target.role == "production" else None,
                    text=text, baseline=report.baseline, client=client, cache_dir=options.cache_dir, log=log,
                    warnings=warnings)
                layers_of[target.name] = (image, rows)
            targets.append(analysed)
        else:
            targets.append(target)
    report = replace(report, targets=tuple(targets), warnings=tuple(warnings))
    checks: list[CheckResult] = []
    log("ci-optimizer: checking production readiness" + (" (with hadolint)" if options.hadolint else ""))
    for run, planned in runs:
        production = next(
            (t for t in report.targets if t.role == "production" and t.dockerfile == str(run.dockerfile)), None
        )
        files, layers = _file_evidence(production, layers_of.get(production.name) if production else None)
        inputs = gather_inputs(
            model=planned.model, roles=planned.roles, production=production, dockerfile=run.dockerfile,
            context=run.context, build_args=run.build_args, client=client, path_env=options.path_env,
            hadolint=options.hadolint, smoke=options.smoke, smoke_seconds=options.smoke_seconds,
            final_files=files, layer_files=layers,
        )
        checks += run_checks(inputs, settings)
    return replace(report, checks=(*report.checks, *checks))


def _base_layers_from_history(target: TargetResult) -> int:
    """When the engine lacks the base image: its layers as the history attributes them, if it lines up."""
    if len(target.layer_details) != target.layers:
        return 0
    return sum(1 for layer in target.layer_details if layer.from_base)


def _file_evidence(
    production: TargetResult | None, layers: tuple[ImageLayers, tuple[Layer | None, ...]] | None
) -> tuple[dict[str, int] | None, tuple[LayerFiles, ...] | None]:
    """The production image's files, from the layers its analysis read (or found in the cache).

    None when production was not analysed (`--analyze none`, or the analysis failed): the checks
    then judge from the Dockerfile and say so.
    """
    if production is None or production.analysis is None or not layers:
        return None, None
    image, rows = layers
    files = {path: size for path, (size, _layer) in image.stacked.visible.items()}
    return files, layer_files(image.summaries, rows, production.analysis.base_layers)


def _analyze(
    target: TargetResult, tag: str, *, client: Any, options: ExamineOptions, log: Log, warnings: list[str]
) -> tuple[TargetResult, ImageLayers | None]:
    base = target.base_image or "scratch"
    try:
        base_layers = base_layer_count(client, tag, base)
        log(f"ci-optimizer: analysing the layers of {target.name}")
        image = read_image(
            tag, client=client, cache_dir=options.cache_dir,
            base_layer_count=base_layers if base_layers is not None else _base_layers_from_history(target),
            base_image=base if base_layers else None, sized=options.sized,
        )
    except CiOptimizerError as exc:
        warnings.append(f"layer analysis of {target.name} failed: {exc.one_line()}")
        return target, None
    return with_analysis(target, image.analysis), image
