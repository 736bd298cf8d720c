"""`--baseline-image REF`: the head compared with the base's image in a registry, nothing pulled or built.

Looked up before the build (a few requests per target, well under a second on a near registry),
so that a baseline that cannot be read can still fall back to `--base-ref`, built alongside the
head. A lookup that fails is a warning naming the image and the cause; the run goes on.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ci_optimizer.adapters.image_export import diff_ids
from ci_optimizer.adapters.images import engine_platform
from ci_optimizer.compare.registry_compare import all_in, compare_with_image
from ci_optimizer.errors import CiOptimizerError
from ci_optimizer.model.remote_image import RemoteImage
from ci_optimizer.model.results import Baseline, Report, TargetResult
from ci_optimizer.model.sections import stage_name
from ci_optimizer.plan.cache_specs import PLACEHOLDER
from ci_optimizer.plan.prepare import Planned, RunOptions
from ci_optimizer.ports import Log, Registry

Key = tuple[str, str]  # (Dockerfile as the report names it, target name)


@dataclass(frozen=True, kw_only=True)
class Looked:
    template: str  # the reference as the user gave it (of the first Dockerfile that has one)
    platform: str
    found: Mapping[Key, RemoteImage]
    warnings: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.warnings


def references(runs: Sequence[tuple[RunOptions, Planned]], override: str | None) -> dict[Key, str]:
    """Which image each target is compared with: `{target}` names every target, else production only. Pure."""
    wanted: dict[Key, str] = {}
    for options, planned in runs:
        template = override or options.baseline_image
        if not template:
            continue
        dockerfile = str(options.dockerfile)
        for target in planned.plan.targets:
            if PLACEHOLDER in template:
                wanted[(dockerfile, target.name)] = template.replace(PLACEHOLDER, target.name)
            elif target.role == "production":
                wanted[(dockerfile, target.name)] = template
    return wanted


def look_up(wanted: Mapping[Key, str], *, registry: Registry, client: Any, template: str, log: Log) -> Looked:
    """Every wanted image's manifest and config, for the platform the engine builds."""
    platform = engine_platform(client)
    found: dict[Key, RemoteImage] = {}
    warnings: list[str] = []
    for key, reference in wanted.items():
        started = time.monotonic()
        try:
            found[key] = registry.fetch(reference, platform)
        except CiOptimizerError as exc:
            warnings.append(f"{exc.one_line()}; {key[1]} is not compared with it")
            continue
        log(f"ci-optimizer: baseline {key[1]}: {reference} ({found[key].platform}, {len(found[key].layers)} layers) "
            f"in {time.monotonic() - started:.2f} s")
    return Looked(template=template, platform=str(platform), found=found, warnings=tuple(warnings))


def compared_names(report: Report, looked: Looked, client: Any) -> tuple[str, ...]:
    """The targets with a registry baseline that need the layer analysis for their compressed size:
    those with a layer the base's image lacks. A target made only of the base's layers (a stage
    the pull request did not touch, from cache) is compared by diff ID, without an export."""
    found = _normal(looked.found)
    return tuple(t.name for t in report.targets
                 if _key(t) in found and not all_in(_layers(t, client), found[_key(t)]))


def exact_sizes(looked: Looked) -> dict[str, int]:
    """The registry's exact compressed size of every layer of the baseline images, by diff ID."""
    return {layer.diff_id: layer.compressed_bytes for image in looked.found.values() for layer in image.layers}


def apply_images(report: Report, looked: Looked, client: Any) -> Report:
    """Each target with a registry baseline compared with it; the others are left as they were."""
    found = _normal(looked.found)
    targets = tuple(compare_with_image(t, found[_key(t)], () if t.analysis else _layers(t, client))
                    if _key(t) in found else t for t in report.targets)
    baseline = Baseline(source="image", image=looked.template, platform=looked.platform)
    return replace(report, targets=targets, baseline=baseline,
                   warnings=tuple(dict.fromkeys((*report.warnings, *looked.warnings))))


def _key(target: TargetResult) -> Key:
    return posixpath.normpath(target.dockerfile), stage_name(target)


def _normal(found: Mapping[Key, RemoteImage]) -> dict[Key, RemoteImage]:
    return {(posixpath.normpath(d), name): image for (d, name), image in found.items()}


def _layers(target: TargetResult, client: Any) -> tuple[str, ...]:
    """The target's diff IDs as the engine has them; () when it is not built or cannot be inspected."""
    if target.status != "built" or not target.tag:
        return ()
    try:
        return diff_ids(client, target.tag)
    except CiOptimizerError:
        return ()
