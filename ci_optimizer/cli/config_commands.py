"""`ci-optimizer schema` and `ci-optimizer validate-config [PATH]`: the config file without a build.

`validate-config` goes one step past the schema: it reads each configured Dockerfile, so a stage
name that does not exist is caught before a CI run spends minutes building.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from ci_optimizer.config import Config, find_config, load_config, schema_text
from ci_optimizer.dockerfile.parse import read_dockerfile
from ci_optimizer.dockerfile.roles import assign_roles, select_targets
from ci_optimizer.errors import EXIT_OK, ConfigError
from ci_optimizer.plan.runs import budget_targets


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    schema = sub.add_parser("schema", help="print the JSON Schema of .ci-optimizer.yml (for editor completion)")
    schema.set_defaults(handler=cmd_schema)
    validate = sub.add_parser("validate-config", help="check a config file and the Dockerfiles it names")
    validate.add_argument("path", nargs="?", type=Path, help="default: .ci-optimizer.yml in this directory")
    validate.set_defaults(handler=cmd_validate_config)


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(schema_text())
    return EXIT_OK


def cmd_validate_config(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    root = Path()
    path: Path | None = args.path or find_config(root)
    if path is None:
        raise ConfigError("no .ci-optimizer.yml (or .yaml) in this directory; pass the config file's path")
    config = load_config(path, root=root)
    for warning in config_warnings(config, root=root):
        print(f"ci-optimizer: warning: {warning}", file=err)
    print(f"{path}: valid: {_count(len(config.dockerfiles), 'Dockerfile')}, {_count(len(config.budgets), 'budget')}",
          file=out)
    return EXIT_OK


def config_warnings(config: Config, *, root: Path) -> tuple[str, ...]:
    """Budgets naming targets none of the Dockerfiles builds. Stage names that do not exist are errors."""
    names: list[tuple[str, str]] = []  # (Dockerfile, target)
    for index, entry in enumerate(config.dockerfiles):
        model = read_dockerfile(root / entry.file, entry.build_args)
        for key, value in (("tester", entry.tester), ("production", entry.production),
                           ("builder_stage", entry.builder_stage),
                           *((f"targets[{i}]", t) for i, t in enumerate(entry.targets))):
            if value is not None and model.find(value) is None:
                stages = ", ".join(s.target_name for s in model.stages)
                raise ConfigError(f"no stage named {value!r} in {entry.file} (stages: {stages})",
                                  location=f"{config.source}: dockerfiles[{index}].{key}")
        roles = assign_roles(model, tester=entry.tester, production=entry.production, builder=entry.builder_stage)
        built = select_targets(model, roles, entry.targets, budget_targets(config, entry.file))
        names.extend((entry.file, s.target_name) for s in built)
    counts = Counter(name for _, name in names)
    known = {name for _, name in names} | {f"{file}:{name}" for file, name in names if counts[name] > 1}
    shown = ", ".join(f"{file}:{name}" if counts[name] > 1 else name for file, name in names)
    return tuple(
        f"{config.source}: budgets.{b.target}: no target named {b.target!r} (targets: {shown})"
        for b in config.budgets if b.target != "*" and b.target not in known
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
