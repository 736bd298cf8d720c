"""Report <-> JSON. The JSON document is the contract other tools (and `--baseline`) rely on."""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import cache
from importlib import resources
from typing import Any

from ci_optimizer.errors import ConfigError
from ci_optimizer.model.growth import Cause, Growth, PathChange, PathDiff, PathSummary, PathTotal
from ci_optimizer.model.image_model import (
    ImageAnalysis,
    ImageConfig,
    ImageStats,
    Layer,
    LayerAnalysis,
    PathSize,
    WastedPath,
)
from ci_optimizer.model.origin import Origin, Shard
from ci_optimizer.model.results import (
    SCHEMA_VERSION,
    Baseline,
    BudgetResult,
    CheckResult,
    GitHubContext,
    Reduction,
    Report,
    Section,
    TargetResult,
    TesterResult,
)
from ci_optimizer.model.step_results import BuildResult, Comparison, CompressedSize, LayerChange


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "passed": report.passed,
        "dockerfile": report.dockerfile,
        "builder_backend": report.builder_backend,
        "build_seconds": report.build_seconds,
        "targets": [_target(t) for t in report.targets],
        "tester": asdict(report.tester) if report.tester else None,
        "reduction": _reduction(report.reduction) if report.reduction else None,
        "budgets": [asdict(b) for b in report.budgets],
        "checks": [asdict(c) for c in report.checks],
        "warnings": list(report.warnings),
        "sections": [_section(s) for s in report.sections],
        "baseline": _baseline(report.baseline) if report.baseline else None,
        **({"github": asdict(report.github)} if report.github else {}),
        **({"cache": {"from": list(report.cache_from), "to": list(report.cache_to)}}
           if report.cache_from or report.cache_to else {}),
        **({"origin": asdict(report.origin)} if report.origin else {}),
        **({"legs": [asdict(leg) for leg in report.legs]} if report.legs else {}),
    }


def _baseline(baseline: Baseline) -> dict[str, Any]:
    """The registry image's fields only for an image baseline: other reports keep their shape."""
    data = asdict(baseline)
    if baseline.source != "image":
        data.pop("image")
        data.pop("platform")
    return data


def dumps(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=False) + "\n"


@cache
def report_schema() -> dict[str, Any]:
    text = resources.files("ci_optimizer").joinpath("schemas/report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate(document: Any, *, source: str = "report") -> None:
    """Raise ConfigError naming the first offending key path."""
    import jsonschema  # noqa: PLC0415 - ~90 ms at start-up, and only baselines are validated

    validator = jsonschema.Draft202012Validator(report_schema())
    error = next(iter(sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ConfigError(f"{path}: {error.message}", location=source)


def from_dict(document: Any, *, source: str = "report") -> Report:
    """Read a report back (a saved baseline); validates against the schema first."""
    validate(document, source=source)
    return Report(
        dockerfile=document["dockerfile"],
        targets=tuple(_target_from(t) for t in document["targets"]),
        tester=TesterResult(**_tuples(document["tester"], "log_tail")) if document["tester"] else None,
        reduction=_reduction_from(document["reduction"]) if document["reduction"] else None,
        budgets=tuple(BudgetResult(**b) for b in document["budgets"]),
        checks=tuple(CheckResult(**c) for c in document["checks"]),
        builder_backend=document.get("builder_backend", "buildx"),
        build_seconds=document.get("build_seconds"),
        warnings=tuple(document.get("warnings", ())),
        sections=tuple(_section_from(s) for s in document.get("sections", ())),
        baseline=Baseline(**_tuples(document["baseline"], "fetched")) if document.get("baseline") else None,
        github=GitHubContext(**document["github"]) if document.get("github") else None,
        cache_from=tuple(document.get("cache", {}).get("from", ())),
        cache_to=tuple(document.get("cache", {}).get("to", ())),
        origin=_origin_from(document["origin"]) if document.get("origin") else None,
        legs=tuple(_origin_from(leg) for leg in document.get("legs", ())),
    )


def _origin_from(d: dict[str, Any]) -> Origin:
    shard = d.get("shard")
    return Origin(**{**d, "shard": Shard(**_tuples(shard, "dockerfiles", "planned")) if shard else None})


def _target(t: TargetResult) -> dict[str, Any]:
    """The flat shape of the schema, whichever steps ran for the target; `growth` as a block (version 2)."""
    return {
        "name": t.name, "dockerfile": t.dockerfile, "role": t.role, "stage_line": t.stage_line,
        "status": t.status, "tag": t.tag, "image_id": t.image_id or None, "size_bytes": t.size_bytes,
        "compressed_bytes": t.compressed_bytes, "compressed_exact": t.compressed_exact, "layers": t.layers,
        "build_seconds": t.build_seconds, "cached_steps": t.cached_steps, "total_steps": t.total_steps,
        "layer_details": [asdict(layer) for layer in t.layer_details],
        "config": _config(t.config) if t.config else None,
        "base_image": t.base_image or None, "base_image_bytes": t.base_image_bytes,
        "base_size_bytes": t.base_size_bytes, "delta_bytes": t.delta_bytes, "delta_percent": t.delta_percent,
        "base_status": t.base_status, "basis": t.basis,
        "layer_changes": [asdict(change) for change in t.layer_changes],
        "analysis": asdict(t.analysis) if t.analysis else None,
        "growth": asdict(t.growth) if t.growth else None,
        "error": t.error, "error_line": t.error_line, "log_tail": list(t.log_tail),
    }


def _config(c: ImageConfig) -> dict[str, Any]:
    data = asdict(c)
    data["labels"] = dict(c.labels)
    return data


def _reduction(r: Reduction) -> dict[str, Any]:
    return {"from": r.from_target, "to": r.to_target, "from_bytes": r.from_bytes, "to_bytes": r.to_bytes,
            "percent": r.percent}


def _reduction_from(d: dict[str, Any]) -> Reduction:
    return Reduction(from_target=d["from"], to_target=d["to"], from_bytes=d["from_bytes"], to_bytes=d["to_bytes"],
                     percent=d["percent"])


def _section(s: Section) -> dict[str, Any]:
    return {"dockerfile": s.dockerfile, "tester": asdict(s.tester) if s.tester else None,
            "reduction": _reduction(s.reduction) if s.reduction else None, "build_seconds": s.build_seconds}


def _section_from(d: dict[str, Any]) -> Section:
    return Section(
        dockerfile=d["dockerfile"],
        tester=TesterResult(**_tuples(d["tester"], "log_tail")) if d.get("tester") else None,
        reduction=_reduction_from(d["reduction"]) if d.get("reduction") else None,
        build_seconds=d.get("build_seconds"),
    )


def _tuples(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    out = dict(d)
    for key in keys:
        if out.get(key) is not None:
            out[key] = tuple(out[key])
    return out


def _target_from(d: dict[str, Any]) -> TargetResult:
    build = BuildResult(
        status=d["status"], seconds=d.get("build_seconds"), cached_steps=d.get("cached_steps", 0),
        total_steps=d.get("total_steps", 0), tag=d.get("tag"), error=d.get("error"), error_line=d.get("error_line"),
        log_tail=tuple(d.get("log_tail") or ()),
    )
    return TargetResult(
        name=d["name"], dockerfile=d["dockerfile"], role=d["role"], stage_line=d.get("stage_line", 0), build=build,
        image=_image_from(d), analysis=_analysis_from(d["analysis"]) if d.get("analysis") is not None else None,
        compressed=CompressedSize(bytes=d["compressed_bytes"], exact=bool(d.get("compressed_exact")))
        if d["compressed_bytes"] is not None else None,
        comparison=_comparison_from(d),
        growth=_growth_from(d["growth"]) if d.get("growth") is not None else None,
    )


def _growth_from(d: dict[str, Any]) -> Growth:
    summary = d.get("summary")
    diff = d.get("diff")
    return Growth(
        summary=PathSummary(depth=summary["depth"], min_dir_bytes=summary["min_dir_bytes"],
                            min_file_bytes=summary["min_file_bytes"],
                            entries=tuple(PathTotal(**e) for e in summary["entries"])) if summary else None,
        diff=PathDiff(detail=diff["detail"], added_bytes=diff["added_bytes"], removed_bytes=diff["removed_bytes"],
                      changes=tuple(PathChange(**c) for c in diff["changes"]), note=diff.get("note", ""))
        if diff else None,
        causes=tuple(Cause(**_tuples(c, "paths")) for c in d.get("causes", ())),
    )


def _image_from(d: dict[str, Any]) -> ImageStats | None:
    if d["size_bytes"] is None:
        return None  # not built, or built and not measured
    config = None
    if d.get("config") is not None:
        c = _tuples(d["config"], "healthcheck", "exposed_ports", "entrypoint", "cmd", "env_names")
        c["labels"] = tuple(sorted(d["config"]["labels"].items()))
        config = ImageConfig(**c)
    return ImageStats(
        image_id=d["image_id"] or "", size_bytes=d["size_bytes"], layers=d["layers"] or 0,
        layer_details=tuple(Layer(**layer) for layer in d["layer_details"]), config=config,
        base_image=d.get("base_image") or "", base_image_bytes=d.get("base_image_bytes"),
    )


def _comparison_from(d: dict[str, Any]) -> Comparison | None:
    if d.get("base_status") is None:
        return None
    return Comparison(
        base_status=d["base_status"], base_size_bytes=d["base_size_bytes"], delta_bytes=d["delta_bytes"],
        delta_percent=d["delta_percent"],
        layer_changes=tuple(LayerChange(**change) for change in d.get("layer_changes", ())),
        basis=d.get("basis") or "size",
    )


def _analysis_from(d: dict[str, Any]) -> ImageAnalysis:
    data = dict(d)
    data["layers"] = tuple(LayerAnalysis(**layer) for layer in d["layers"])
    data["top_wasted"] = tuple(WastedPath(**wasted) for wasted in d.get("top_wasted", ()))
    data["largest_files"] = tuple(PathSize(**path) for path in d.get("largest_files", ()))
    data["largest_dirs"] = tuple(PathSize(**path) for path in d.get("largest_dirs", ()))
    return ImageAnalysis(**data)
