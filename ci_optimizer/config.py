"""`.ci-optimizer.yml`: which Dockerfiles to build and the budgets they must keep.

Validated against `schemas/config.schema.json` (the schema `ci-optimizer schema` prints for editors),
then turned into frozen data. Every problem is one `ConfigError` naming the file and the key path:
`.ci-optimizer.yml: budgets.production.max_size: 'banana' is not a size`.
"""

from __future__ import annotations

import copy
import difflib
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ci_optimizer.errors import ConfigError
from ci_optimizer.judge.budgets import Budget
from ci_optimizer.judge.checks import CHECKS_CONFIG_SCHEMA, CheckSettings, parse_check_settings
from ci_optimizer.sizes import parse_percent, parse_size
from ci_optimizer.textfile import read_text

if TYPE_CHECKING:
    from jsonschema import ValidationError

CONFIG_NAMES = (".ci-optimizer.yml", ".ci-optimizer.yaml")


@dataclass(frozen=True, kw_only=True)
class DockerfileEntry:
    file: str = "Dockerfile"
    context: str = "."
    tester: str | None = None
    production: str | None = None
    builder_stage: str | None = None  # the stage the reduction compares production with (roles.py)
    targets: tuple[str, ...] = ()
    build_args: Mapping[str, str] = field(default_factory=dict)
    baseline_image: str | None = None  # the base's image in a registry; `{target}` filled per target


@dataclass(frozen=True, kw_only=True)
class Config:
    source: str | None = None  # the file it came from; None: no file, defaults
    dockerfiles: tuple[DockerfileEntry, ...] = (DockerfileEntry(),)
    budgets: tuple[Budget, ...] = ()
    checks: CheckSettings = field(default_factory=CheckSettings)
    review: bool = True  # `review: false`: no PR review comments, the findings stay in the sticky comment


@cache
def config_schema() -> dict[str, Any]:
    """The JSON Schema of the config file, as shipped in the package, with the checklist's `checks:`."""
    text = resources.files("ci_optimizer").joinpath("schemas/config.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    schema["properties"]["checks"] = copy.deepcopy(CHECKS_CONFIG_SCHEMA)
    return schema


def schema_text() -> str:
    return json.dumps(config_schema(), indent=2) + "\n"


def find_config(root: Path) -> Path | None:
    """The config file at the repository root, if there is one."""
    return next((root / name for name in CONFIG_NAMES if (root / name).is_file()), None)


def load_config(path: Path | None, *, root: Path) -> Config:
    """`--config PATH` (must exist), else `.ci-optimizer.yml` at `root` when present, else the defaults."""
    if path is None:
        path = find_config(root)
        if path is None:
            return Config()
    text = read_text(path, what="config file", error=ConfigError)
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = CONFIG_NAMES[0]) -> Config:
    document = _load_yaml(text, source)
    if document is None:  # an empty file: every default
        return Config(source=source)
    _validate(document, source)
    return Config(
        source=source,
        dockerfiles=_dockerfiles(document.get("dockerfiles"), source),
        budgets=tuple(_budget(key, rules, source) for key, rules in document.get("budgets", {}).items()),
        checks=parse_check_settings(document.get("checks"), source=source),
        review=bool(document.get("review", True)),
    )


class _StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; a config must not."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError(f"invalid YAML: {exc.problem or exc.context}", location=where) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", location=source) from None


def _validate(document: Any, source: str) -> None:
    import jsonschema  # noqa: PLC0415 - ~90 ms at start-up, paid only when there is a config file

    validator = jsonschema.Draft202012Validator(config_schema())
    # `checks:` has its own reader with its own messages (judge/checks/check_settings.py); it runs after this.
    found = (e for e in validator.iter_errors(document) if list(e.absolute_path)[:1] != ["checks"])
    errors = sorted(found, key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        error = errors[0]
        path, message = _describe(error)
        raise ConfigError(message, location=f"{source}: {path}")


def key_path(parts: Any) -> str:
    """('budgets', 'production', 'max_size') -> 'budgets.production.max_size'; list items as [N]."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "true or false", "null": "empty",
}


def _describe(error: ValidationError) -> tuple[str, str]:
    """The key path and a one-line message a user can act on, instead of jsonschema's wording."""
    parts = list(error.absolute_path)
    value: Any = error.instance
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    expected: Any = error.validator_value
    where = key_path(parts)
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(value) - set(allowed))[0]
        hint = difflib.get_close_matches(str(unknown), allowed, n=1)
        suggestion = f"did you mean {hint[0]!r}? " if hint else ""
        return key_path([*parts, unknown]), f"unknown key; {suggestion}known keys: {', '.join(allowed)}"
    if schema.get("title") in ("size", "size or percentage"):
        return where, _size_problem(value, with_percent=schema["title"] == "size or percentage")
    if schema.get("title") == "percentage":
        return where, _percent_problem(value)
    if error.validator == "type":
        types: list[str] = expected if isinstance(expected, list) else [expected]
        names = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        quote = " (quote it: YAML reads 3.10 as the number 3.1)" if isinstance(value, float) else ""
        return where, f"{_show(value)} is not {names}{quote}"
    if error.validator == "enum":
        return where, f"{_show(value)} is not one of {', '.join(repr(c) for c in expected)}"
    if error.validator == "required":
        return where, f"{next(k for k in expected if k not in value)!r} is required"
    if error.validator == "minimum":
        return where, f"{_show(value)} is negative; it must be {expected} or more"
    if error.validator in ("minLength", "minItems"):
        return where, "must not be empty"
    if error.validator == "uniqueItems":
        return where, "lists the same name twice"
    if error.validator == "pattern" and str(expected).startswith("^[A-Za-z_]"):
        return where, f"{_show(value)} is not a valid build argument name"
    return where, error.message


def _show(value: Any) -> str:
    return "an empty value" if value is None else repr(value)


def _size_problem(value: Any, *, with_percent: bool) -> str:
    expected = "a size or a percentage" if with_percent else "a size"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return f"{_show(value)} is not {expected}"
    if str(value).strip().startswith("-"):
        return f"{value!r} is not {expected}: it cannot be negative"
    try:
        parse_size(value if isinstance(value, int | str) else str(value))
    except ValueError as exc:
        return str(exc).replace("is not a size", f"is not {expected}")
    return f"{value!r} is not {expected} (a size is a whole number of bytes or a number with a unit)"


def _percent_problem(value: Any) -> str:
    if isinstance(value, str) and value.strip().startswith("-"):
        return f"{value!r} is not a percentage: it cannot be negative"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value!r} is not a percentage: write it with a % sign, such as '{value}%'"
    return f"{_show(value)} is not a percentage such as '10%'"


def _dockerfiles(entries: list[dict[str, Any]] | None, source: str) -> tuple[DockerfileEntry, ...]:
    if entries is None:
        return (DockerfileEntry(),)
    seen: dict[str, int] = {}
    result = []
    for index, entry in enumerate(entries):
        file = _relative(entry["file"], f"dockerfiles[{index}].file", source)
        context = _relative(entry.get("context", "."), f"dockerfiles[{index}].context", source)
        if file in seen:
            raise ConfigError(
                f"{file} is already listed as dockerfiles[{seen[file]}]; list each Dockerfile once",
                location=f"{source}: dockerfiles[{index}].file",
            )
        seen[file] = index
        result.append(
            DockerfileEntry(
                file=file,
                context=context,
                tester=entry.get("tester"),
                production=entry.get("production"),
                builder_stage=entry.get("builder_stage"),
                targets=tuple(entry.get("targets", ())),
                build_args={k: str(v) for k, v in entry.get("build_args", {}).items()},
                baseline_image=entry.get("baseline_image"),
            )
        )
    return tuple(result)


def _relative(path: str, where: str, source: str) -> str:
    """Paths stay inside the repository: the base branch is built from a worktree of the same layout."""
    normal = posixpath.normpath(path)
    if posixpath.isabs(normal) or normal == ".." or normal.startswith("../"):
        raise ConfigError(f"{path!r} is outside the repository; paths are relative to its root",
                          location=f"{source}: {where}")
    return normal


def _budget(target: str, rules: dict[str, Any], source: str) -> Budget:
    def size(name: str) -> int | None:
        return parse_size(rules[name]) if name in rules else None

    def percent(name: str, *, at_most_100: bool) -> float | None:
        if name not in rules:
            return None
        value = parse_percent(str(rules[name]))
        if at_most_100 and value > 100:
            raise ConfigError(f"{rules[name]!r} is over 100%", location=f"{source}: budgets.{target}.{name}")
        return value

    growth: str | int | None = rules.get("max_growth")
    growth_is_percent = isinstance(growth, str) and growth.strip().endswith("%")
    return Budget(
        target=target,
        severity=rules.get("severity", "error"),
        max_size=size("max_size"),
        max_compressed_size=size("max_compressed_size"),
        max_growth_bytes=parse_size(growth) if growth is not None and not growth_is_percent else None,
        max_growth_percent=parse_percent(str(growth)) if growth_is_percent else None,
        max_layers=rules.get("max_layers"),
        min_reduction=percent("min_reduction", at_most_100=True),
        max_wasted_bytes=size("max_wasted_bytes"),
        max_wasted_percent=percent("max_wasted_percent", at_most_100=True),
        min_efficiency=percent("min_efficiency", at_most_100=True),
    )
