"""Targets for tests, from the flat field names of the JSON report (schema version 1)."""

from __future__ import annotations

from typing import Any

from ci_optimizer.model.image_model import ImageConfig, ImageStats
from ci_optimizer.model.results import TargetResult
from ci_optimizer.model.step_results import BuildResult, Comparison, CompressedSize

BUILD = ("status", "tag", "cached_steps", "total_steps", "error", "log_tail")
COMPARISON = ("base_status", "base_size_bytes", "delta_bytes", "delta_percent", "layer_changes")


def make_target(*, name: str, dockerfile: str = "Dockerfile", role: Any = "stage", stage_line: int = 1,
                build_seconds: float | None = None, size_bytes: int | None = None, image_id: str | None = None,
                layers: int | None = None, layer_details: tuple[Any, ...] = (), config: ImageConfig | None = None,
                base_image: str | None = None, base_image_bytes: int | None = None,
                compressed_bytes: int | None = None, compressed_exact: bool | None = None,
                analysis: Any = None, **fields: Any) -> TargetResult:
    """`status` defaults to built; the target is measured when it has a size or a config."""
    build = BuildResult(seconds=build_seconds, **{"status": "built", **{k: fields.pop(k) for k in BUILD
                                                                          if k in fields}})
    compared = {k: fields.pop(k) for k in COMPARISON if k in fields}
    if fields:
        raise TypeError(f"unknown target fields: {sorted(fields)}")
    measured = size_bytes is not None or config is not None
    image = ImageStats(
        image_id=image_id or "", size_bytes=size_bytes or 0, layers=layers or 0, layer_details=layer_details,
        config=config, base_image=base_image or "", base_image_bytes=base_image_bytes,
    ) if measured else None
    compressed = (CompressedSize(bytes=compressed_bytes, exact=bool(compressed_exact))
                  if compressed_bytes is not None else None)
    comparison = Comparison(**{"base_status": "built", **compared}) if compared else None
    return TargetResult(name=name, dockerfile=dockerfile, role=role, stage_line=stage_line, build=build,
                        image=image, analysis=analysis, compressed=compressed, comparison=comparison)


def flat_fields(t: TargetResult) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": t.name, "dockerfile": t.dockerfile, "role": t.role, "stage_line": t.stage_line,
        "build_seconds": t.build_seconds, "size_bytes": t.size_bytes, "image_id": t.image_id, "layers": t.layers,
        "layer_details": t.layer_details, "config": t.config, "base_image": t.base_image,
        "base_image_bytes": t.base_image_bytes, "compressed_bytes": t.compressed_bytes,
        "compressed_exact": t.compressed_exact, "analysis": t.analysis, "status": t.status, "tag": t.tag,
        "cached_steps": t.cached_steps, "total_steps": t.total_steps, "error": t.error, "log_tail": t.log_tail,
    }
    if t.comparison is not None:
        fields.update({k: getattr(t.comparison, k) for k in COMPARISON})
    return fields


def retarget(t: TargetResult, **changes: Any) -> TargetResult:
    """`dataclasses.replace` over the flat field names."""
    return make_target(**{**flat_fields(t), **changes})
