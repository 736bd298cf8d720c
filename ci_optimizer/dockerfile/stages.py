"""The Dockerfile stage model: what each stage is built from and which stages it needs.

Pure data and graph logic; parsing lives in `parse.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class Instruction:
    keyword: str  # upper-case: RUN, COPY, ...
    line: int  # first line, 1-based
    end_line: int
    original: str  # the instruction as written (continuations joined)
    flags: tuple[str, ...] = ()
    value: tuple[str, ...] = ()
    json_form: bool = False

    def flag(self, name: str) -> str | None:
        """Value of `--name=value` (the last one wins, as in BuildKit)."""
        found = None
        prefix = f"--{name}="
        for item in self.flags:
            if item.startswith(prefix):
                found = item[len(prefix) :]
        return found

    def mount_sources(self) -> tuple[str, ...]:
        """`from=` of every `RUN --mount=...,from=X` (a stage or image the step reads)."""
        sources = []
        for item in self.flags:
            if not item.startswith("--mount="):
                continue
            for part in item[len("--mount=") :].split(","):
                key, _, val = part.partition("=")
                if key.strip() == "from" and val:
                    sources.append(val.strip())
        return tuple(sources)


@dataclass(frozen=True, kw_only=True)
class Source:
    """A `COPY --from` / `ADD --from` (copy) or `RUN --mount=from=` (mount): what a stage reads."""

    kind: Literal["copy", "mount"]
    line: int
    raw: str  # as written
    ref: str  # after expansion with the stage's ARGs
    stage: int | None  # the stage it names (by name, case-insensitive, or index); None: an image


@dataclass(frozen=True, kw_only=True)
class Stage:
    index: int
    name: str | None  # lower-cased `AS name`, as BuildKit matches names case-insensitively
    base: str  # FROM image with ARGs resolved, or the name/index of a stage
    base_raw: str  # FROM image as written
    line: int
    platform: str | None = None
    parent: int | None = None  # index of the stage this one is `FROM`
    sources: tuple[Source, ...] = ()  # what COPY --from / RUN --mount=from read, in order
    instructions: tuple[Instruction, ...] = ()

    @property
    def needs(self) -> tuple[int, ...]:
        """Stages read by COPY --from / RUN --mount=from (not the parent), first use first."""
        return tuple(dict.fromkeys(s.stage for s in self.sources if s.stage is not None))

    @property
    def external_sources(self) -> tuple[str, ...]:
        """Images read by COPY --from=image."""
        return tuple(s.ref for s in self.sources if s.stage is None)

    @property
    def ref(self) -> str:
        """How the user names this stage: its name, else its index."""
        return self.name if self.name is not None else str(self.index)

    @property
    def target_name(self) -> str:
        return self.name if self.name is not None else f"stage-{self.index}"

    def has(self, keyword: str) -> bool:
        return any(i.keyword == keyword for i in self.instructions)

    def last(self, keyword: str) -> Instruction | None:
        found = None
        for ins in self.instructions:
            if ins.keyword == keyword:
                found = ins
        return found


@dataclass(frozen=True, kw_only=True)
class DockerfileModel:
    path: str
    stages: tuple[Stage, ...]
    global_args: Mapping[str, str | None] = field(default_factory=dict)
    syntax: str | None = None  # the `# syntax=` directive, passed through to BuildKit untouched
    platform: str = "linux/amd64"  # the target platform the stage references were resolved for
    escape: str = "\\"  # the escape character (`# escape=` directive)
    warnings: tuple[str, ...] = ()  # references that look wrong (scope.prefix_warning), file:line first
    source_lines: tuple[str, ...] = ()  # the file as read: suggestions replace its lines exactly

    def find(self, ref: str) -> Stage | None:
        """A stage by name (case-insensitive), index or `stage-N`."""
        key = ref.strip().lower()
        for stage in self.stages:
            if stage.name == key:
                return stage
        if key.isdigit() and int(key) < len(self.stages):
            return self.stages[int(key)]
        if key.startswith("stage-") and key[6:].isdigit() and int(key[6:]) < len(self.stages):
            stage = self.stages[int(key[6:])]
            return stage if stage.name is None else None
        return None

    def dependencies(self, index: int) -> tuple[int, ...]:
        """Every stage `index` needs (itself included), in Dockerfile order."""
        seen: set[int] = set()
        todo = [index]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            stage = self.stages[current]
            if stage.parent is not None:
                todo.append(stage.parent)
            todo.extend(stage.needs)
        return tuple(sorted(seen))

    def chain(self, index: int) -> tuple[Stage, ...]:
        """A stage and the stages it is `FROM`, oldest first: every stage whose layers its image holds."""
        stages = [self.stages[index]]
        while (parent := stages[-1].parent) is not None:
            stages.append(self.stages[parent])
        return tuple(reversed(stages))

    def root_base(self, index: int) -> str:
        """The external image a stage ultimately starts from (`scratch` included)."""
        return self.chain(index)[0].base

    def buildable(self, stage: Stage) -> bool:
        """BuildKit's --target takes names only; an unnamed stage builds only as the last one."""
        return stage.name is not None or stage.index == len(self.stages) - 1
