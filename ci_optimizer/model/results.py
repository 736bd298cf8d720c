"""The report: what a run found, as immutable data. JSON shape is versioned (schema_version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ci_optimizer.model.growth import Growth, PathSummary
from ci_optimizer.model.image_model import ImageAnalysis, ImageConfig, ImageStats, Layer

SCHEMA_VERSION = 2  # 2: a target's path summary, path diff and causes (`growth`)

Role = Literal["builder", "tester", "production", "stage"]
Status = Literal["built", "failed", "skipped"]
BaseStatus = Literal["new", "built", "failed"]  # the same target on the base: absent, measured, failed to build


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
    # What the analysis may read of the base, for the path diff; not written to the JSON report.
    base_tag: str | None = None  # the base image built here (--base-ref)
    base_layer_details: tuple[Layer, ...] = ()  # its history, aligned with its layers by the path diff
    base_paths: PathSummary | None = None  # a saved report's path summary (--baseline)


@dataclass(frozen=True, kw_only=True)
class TargetResult:
    """One target, composed of the results of the steps that ran for it.

    `image` is None until the target is built and measured; `analysis` and `compressed` unless
    the deep layer analysis ran for it; `comparison` unless there was a baseline. The properties
    are read-only views for the renderers; the JSON report flattens the same way (json_report.py).
    """

    name: str
    dockerfile: str
    role: Role
    stage_line: int
    build: BuildResult
    image: ImageStats | None = None
    analysis: ImageAnalysis | None = None
    compressed: CompressedSize | None = None  # measured by the analysis, where it ran
    comparison: Comparison | None = None
    growth: Growth | None = None  # why it grew: path summary, path diff, causes (with the analysis)

    @property
    def status(self) -> Status:
        return self.build.status

    @property
    def tag(self) -> str | None:
        return self.build.tag

    @property
    def build_seconds(self) -> float | None:
        return self.build.seconds

    @property
    def cached_steps(self) -> int:
        return self.build.cached_steps

    @property
    def total_steps(self) -> int:
        return self.build.total_steps

    @property
    def error(self) -> str | None:
        return self.build.error

    @property
    def error_line(self) -> int | None:
        return self.build.error_line

    @property
    def log_tail(self) -> tuple[str, ...]:
        return self.build.log_tail

    @property
    def image_id(self) -> str | None:
        return self.image.image_id if self.image else None

    @property
    def size_bytes(self) -> int | None:
        return self.image.size_bytes if self.image else None

    @property
    def layers(self) -> int | None:
        return self.image.layers if self.image else None

    @property
    def layer_details(self) -> tuple[Layer, ...]:
        return self.image.layer_details if self.image else ()

    @property
    def config(self) -> ImageConfig | None:
        return self.image.config if self.image else None

    @property
    def base_image(self) -> str | None:
        return self.image.base_image if self.image else None

    @property
    def base_image_bytes(self) -> int | None:
        return self.image.base_image_bytes if self.image else None

    @property
    def compressed_bytes(self) -> int | None:
        return self.compressed.bytes if self.compressed else None

    @property
    def compressed_exact(self) -> bool | None:
        return self.compressed.exact if self.compressed else None

    @property
    def base_status(self) -> BaseStatus | None:
        return self.comparison.base_status if self.comparison else None

    @property
    def base_size_bytes(self) -> int | None:
        return self.comparison.base_size_bytes if self.comparison else None

    @property
    def delta_bytes(self) -> int | None:
        return self.comparison.delta_bytes if self.comparison else None

    @property
    def delta_percent(self) -> float | None:
        return self.comparison.delta_percent if self.comparison else None

    @property
    def layer_changes(self) -> tuple[LayerChange, ...]:
        return self.comparison.layer_changes if self.comparison else ()


@dataclass(frozen=True, kw_only=True)
class TesterResult:
    __test__ = False  # its name starts with "Test": keep pytest from collecting it
    target: str
    passed: bool
    seconds: float
    log_tail: tuple[str, ...] = ()
    ran_container: bool = False  # the stage has its own CMD/ENTRYPOINT and it was run
    exit_code: int | None = None


@dataclass(frozen=True, kw_only=True)
class Reduction:
    from_target: str
    to_target: str
    from_bytes: int
    to_bytes: int
    percent: float


@dataclass(frozen=True, kw_only=True)
class BudgetResult:
    target: str
    rule: str
    limit: str
    actual: str
    passed: bool
    severity: Literal["error", "warning"] = "error"
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    id: str
    target: str
    severity: Literal["error", "warning", "info"]
    passed: bool
    message: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class Section:
    """One Dockerfile of a several-Dockerfile run: its targets are those whose `dockerfile` matches."""

    dockerfile: str
    tester: TesterResult | None = None
    reduction: Reduction | None = None
    build_seconds: float | None = None


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """What the targets were compared with: a base ref built here, or a saved report."""

    source: Literal["ref", "file"]
    ref: str | None = None  # --base-ref as the user gave it
    commit: str | None = None  # the merge base that was built
    path: str | None = None  # --baseline file
    fetched: tuple[str, ...] = ()  # what a shallow checkout had to fetch to find the merge base


@dataclass(frozen=True, kw_only=True)
class GitHubContext:
    """Which pull request a report is about, so `ci-optimizer comment` can post it later."""

    repository: str
    pull_request: int | None = None
    head_sha: str | None = None
    base_sha: str | None = None
    comment_key: str = "ci-optimizer"
    budgets_enforced: bool = True


@dataclass(frozen=True, kw_only=True)
class Report:
    dockerfile: str
    targets: tuple[TargetResult, ...]
    tester: TesterResult | None = None
    reduction: Reduction | None = None
    budgets: tuple[BudgetResult, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    builder_backend: str = "buildx"
    build_seconds: float | None = None  # wall time of the whole build
    warnings: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()  # several Dockerfiles: tester and reduction live here, per Dockerfile
    baseline: Baseline | None = None
    github: GitHubContext | None = None  # set by the action: which PR the report is about

    @property
    def failed_targets(self) -> tuple[TargetResult, ...]:
        return tuple(t for t in self.targets if t.status == "failed")

    @property
    def failed_budgets(self) -> tuple[BudgetResult, ...]:
        return tuple(b for b in self.budgets if not b.passed and b.severity == "error")

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed and c.severity == "error")

    @property
    def tests_failed(self) -> bool:
        testers = (self.tester, *(s.tester for s in self.sections))
        return any(t is not None and not t.passed for t in testers)

    @property
    def passed(self) -> bool:
        return not (self.failed_targets or self.tests_failed or self.failed_budgets or self.failed_checks)

    def target(self, name: str) -> TargetResult | None:
        return next((t for t in self.targets if t.name == name), None)
