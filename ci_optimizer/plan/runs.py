"""Which pipeline runs a command line asks for: the config's Dockerfiles, with the flags on top. Pure.

Paths in the config are relative to the directory ci-optimizer runs in: the repository root on a
runner. A flag that names one Dockerfile's stages (`--tester`, `--targets`, ...) cannot apply to
several: with more than one configured, `--file` picks the one it is meant for.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ci_optimizer.config import Config, DockerfileEntry
from ci_optimizer.errors import UsageError
from ci_optimizer.plan.prepare import RunOptions


@dataclass(frozen=True, kw_only=True)
class Flags:
    """What the command line set explicitly; None or empty means the flag was not given."""

    file: Path | None = None
    context: Path | None = None
    targets: tuple[str, ...] = ()
    tester: str | None = None
    production: str | None = None
    builder: str | None = None  # --builder-stage
    build_args: Mapping[str, str] = field(default_factory=dict)
    platform: str | None = None


def runs_for(config: Config, flags: Flags, template: RunOptions, *, root: Path = Path()) -> tuple[RunOptions, ...]:
    """One `RunOptions` per Dockerfile; `template` carries the rest (tag prefix, timeouts, cache)."""
    entries = config.dockerfiles
    if flags.file is not None:
        wanted = posixpath.normpath(flags.file.as_posix())
        chosen = next((e for e in entries if e.file == wanted), None)
        entries = (chosen or DockerfileEntry(file=wanted, context=_context_of(flags)),)
    elif entries == (DockerfileEntry(),):
        # no Dockerfiles configured: the flags alone, as without a config
        return (replace(template, budget_targets=budget_targets(config, "Dockerfile")),)
    elif len(entries) > 1:
        given = [name for name, value in (("--context", flags.context), ("--targets", flags.targets),
                                          ("--tester", flags.tester), ("--production", flags.production),
                                          ("--builder-stage", flags.builder)) if value]
        if given:
            files = ", ".join(e.file for e in entries)
            raise UsageError(f"{given[0]} applies to one Dockerfile and {config.source} lists {len(entries)} "
                             f"({files}); add --file to say which")
    return tuple(replace(_options(entry, flags, template, root), budget_targets=budget_targets(config, entry.file))
                 for entry in entries)


def budget_targets(config: Config, file: str) -> tuple[str, ...]:
    """Stages the budgets name for this Dockerfile (`stage` or `file:stage`); built by default."""
    names = []
    for budget in config.budgets:
        where, colon, stage = budget.target.rpartition(":")
        if budget.target != "*" and (not colon or posixpath.normpath(where) == file):
            names.append(stage)
    return tuple(dict.fromkeys(names))


def _context_of(flags: Flags) -> str:
    return posixpath.normpath(flags.context.as_posix()) if flags.context is not None else "."


def _options(entry: DockerfileEntry, flags: Flags, template: RunOptions, root: Path) -> RunOptions:
    return replace(
        template,
        dockerfile=flags.file if flags.file is not None else root / entry.file,
        context=flags.context if flags.context is not None else root / entry.context,
        targets=flags.targets or entry.targets,
        tester=flags.tester or entry.tester,
        production=flags.production or entry.production,
        builder=flags.builder or entry.builder_stage,
        build_args={**entry.build_args, **flags.build_args},
        baseline_image=entry.baseline_image,
        platform=flags.platform or template.platform,
    )


def parse_build_args(items: Sequence[str]) -> dict[str, str]:
    parsed = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not key or not eq:
            raise UsageError(f"--build-arg {item!r}: expected KEY=VALUE")
        parsed[key] = value
    return parsed
