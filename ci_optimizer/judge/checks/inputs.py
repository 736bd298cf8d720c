"""What the checklist reads and what a rule returns. Pure data.

The rules see the Dockerfile model and, where the pipeline has them, the measured production
image (its config and layers), the files of its final filesystem from the layer analysis, the
build context's `.dockerignore`, hadolint's findings and the read-only smoke run. Every input
beyond the Dockerfile is optional: a rule that lacks its evidence falls back to what the
Dockerfile says and says so in its message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from ci_optimizer.dockerfile.roles import Roles
from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction, Stage
from ci_optimizer.model.results import TargetResult

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, kw_only=True)
class LayerFiles:
    """One layer of the production image (oldest first): the paths it adds or rewrites.

    Paths deleted by a later layer are still listed here: they still ship in this layer's tar.
    """

    paths: frozenset[str]
    line: int | None = None  # Dockerfile line that made the layer, where known
    from_base: bool = False


@dataclass(frozen=True, kw_only=True)
class HadolintFinding:
    code: str  # DL3008, SC2086, DL1000 (hadolint could not parse the file)
    level: str  # error | warning | info | style
    line: int | None
    message: str


@dataclass(frozen=True, kw_only=True)
class HadolintRun:
    """hadolint's output, or why it did not run (`error`, e.g. the binary is not installed)."""

    findings: tuple[HadolintFinding, ...] = ()
    version: str | None = None
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class SmokeOutcome:
    """The production image run with a read-only root filesystem and no network."""

    image: str
    seconds: float  # how long it was watched
    running: bool  # still up when the watch ended
    exit_code: int | None = None
    log_tail: tuple[str, ...] = ()
    error: str | None = None  # the engine refused to run it (the image itself is not to blame)
    options: str = "--read-only --network none"


@dataclass(frozen=True, kw_only=True)
class CheckInputs:
    model: DockerfileModel
    roles: Roles
    production: TargetResult | None = None  # None, or not built: the image checks use the Dockerfile only
    final_files: Mapping[str, int] | None = None  # '/usr/bin/gcc' -> bytes, as the final image shows them
    layer_files: Sequence[LayerFiles] | None = None
    dockerignore: str | None = None  # the text of the file, None when the context has none
    dockerignore_path: str = ".dockerignore"
    context_dirs: Collection[str] | None = None  # heavy directories found in the context ('node_modules', 'a/.venv')
    build_args: Mapping[str, str] = field(default_factory=dict)
    hadolint: HadolintRun | None = None
    smoke: SmokeOutcome | None = None

    @property
    def stage(self) -> Stage:
        return self.model.stages[self.roles.production]

    @property
    def target(self) -> str:
        return self.production.name if self.production is not None else self.stage.target_name

    @property
    def built(self) -> TargetResult | None:
        """The production result when it was built and measured."""
        if self.production is None or self.production.status != "built" or self.production.config is None:
            return None
        return self.production

    @cached_property
    def chain(self) -> tuple[Stage, ...]:
        """Production and the stages it is `FROM`, oldest first: everything whose layers it ships."""
        return stage_chain(self.model, self.stage)

    @cached_property
    def chain_instructions(self) -> tuple[Instruction, ...]:
        return tuple(ins for stage in self.chain for ins in stage.instructions)

    @cached_property
    def files(self) -> Mapping[str, int] | None:
        """`final_files` with every path absolute (`usr/bin/gcc` and `./usr/bin/gcc` -> `/usr/bin/gcc`)."""
        if self.final_files is None:
            return None
        return {normalise_path(path): size for path, size in self.final_files.items()}

    @cached_property
    def writers(self) -> Mapping[str, LayerFiles] | None:
        """Each path -> the newest layer that wrote it (the copy the final image shows)."""
        if self.layer_files is None:
            return None
        return {normalise_path(path): layer for layer in self.layer_files for path in layer.paths}

    def last_in_chain(self, keyword: str) -> Instruction | None:
        return next((found for stage in reversed(self.chain) if (found := stage.last(keyword))), None)


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What a rule says; the registry adds the check id, target and configured severity."""

    passed: bool
    message: str
    line: int | None = None
    file: str | None = None  # None: the Dockerfile


def stage_chain(model: DockerfileModel, stage: Stage) -> tuple[Stage, ...]:
    """A stage and the stages it is `FROM`, oldest first."""
    return model.chain(stage.index)


def normalise_path(path: str) -> str:
    return "/" + path.strip().removeprefix("./").strip("/")


Rule = Callable[[CheckInputs], Sequence[Finding]]


@dataclass(frozen=True, kw_only=True)
class Check:
    id: str
    title: str
    severity: Severity  # the default; the config can change it or turn the check off
    rule: Rule
    help: str  # one paragraph: why it matters and how to fix it (SARIF rule help, docs)
    tags: tuple[str, ...] = ()
