"""What each step of the pipeline found for one target: its build, compressed size, comparison. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ci_optimizer.model.growth import PathSummary
from ci_optimizer.model.image_model import Layer

Status = Literal["built", "failed", "skipped"]
BaseStatus = Literal["new", "built", "failed"]  # the same target on the base: absent, measured, failed to build
Basis = Literal["size", "compressed"]  # what a delta compares: engine sizes, or registry (gzip) sizes


@dataclass(frozen=True, kw_only=True)
class LayerChange:
    """A layer that differs from the base, matched by the instruction that made it (compare/deltas.py)."""

    kind: Literal["new", "gone", "changed"]
    created_by: str  # the instruction, normalised so that base and head compare
    base_bytes: int | None
    head_bytes: int | None
    delta_bytes: int
    line: int | None = None  # Dockerfile line on head (on the base for a gone layer), where known
    from_base: bool = False  # in the base image rather than the user's own stages


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """The build step of one target: what BuildKit (or the classic builder) reported."""

    status: Status
    seconds: float | None = None
    cached_steps: int = 0
    total_steps: int = 0
    tag: str | None = None  # the image's tag, once built
    error: str | None = None
    error_line: int | None = None  # the Dockerfile line of the step that failed, where BuildKit named it
    log_tail: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CompressedSize:
    """The image as a registry stores it: its layers gzipped (level 6)."""

    bytes: int
    exact: bool  # False: estimated from sampled blocks (within 1 %)


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The compare step: the same target on the base (a ref built here, or a saved report)."""

    base_status: BaseStatus
    base_size_bytes: int | None = None
    delta_bytes: int | None = None
    delta_percent: float | None = None
    layer_changes: tuple[LayerChange, ...] = ()
    # What the sizes and the delta measure: the image as the engine holds it (`size`), or the
    # compressed bytes a registry stores (`compressed`: against a registry image's manifest).
    basis: Basis = "size"
    # What the analysis may read of the base, for the path diff; not written to the JSON report.
    base_tag: str | None = None  # the base image built here (--base-ref)
    base_layer_details: tuple[Layer, ...] = ()  # its history, aligned with its layers by the path diff
    base_paths: PathSummary | None = None  # a saved report's path summary (--baseline)

