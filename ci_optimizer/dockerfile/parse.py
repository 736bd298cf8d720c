"""Dockerfile text -> `DockerfileModel`, with BuildKit's own grammar (the `dockerfile` package).

The package wraps moby/buildkit's frontend parser, so line continuations, escape directives,
heredocs and JSON forms read exactly as BuildKit reads them. What the parser leaves to the
frontend (instruction names, stage references, FROM's ARG expansion) is checked here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dockerfile

from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction, Stage
from ci_optimizer.errors import DockerfileError, dockerfile_location
from ci_optimizer.textfile import read_text

KEYWORDS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_VAR = re.compile(
    r"\\\$"  # an escaped dollar
    r"|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}"  # ${VAR}, ${VAR:-word}, ${VAR+word}, ...
    r"|\$([A-Za-z_][A-Za-z0-9_]*)"  # $VAR
)


def read_dockerfile(path: str | Path, build_args: Mapping[str, str] | None = None) -> DockerfileModel:
    text = read_text(path, what="Dockerfile", error=DockerfileError)
    return parse_dockerfile(text, path=str(path), build_args=build_args)


def parse_dockerfile(
    text: str, *, path: str = "Dockerfile", build_args: Mapping[str, str] | None = None
) -> DockerfileModel:
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        if "no instructions" in str(exc):
            raise DockerfileError("no stages: the Dockerfile has no FROM instruction", location=path) from None
        raise DockerfileError(f"syntax error: {exc}", location=_error_location(path, str(exc), text)) from None
    instructions = [_instruction(cmd) for cmd in commands]
    return _build_model(instructions, path=path, build_args=build_args or {}, syntax=_syntax(text))


def expand(text: str, env: Mapping[str, str | None]) -> str:
    """Expand $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} the way BuildKit's shell lexer does for FROM."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "\\$":
            return "$"
        name = match.group(1) or match.group(4)
        value = env.get(name)
        operator, word = match.group(2), match.group(3) or ""
        if operator is None:
            return value or ""
        if operator == ":-":
            return value if value else word
        if operator == "-":
            return value if value is not None else word
        if operator == ":+":
            return word if value else ""
        return word if value is not None else ""  # "+"

    return _VAR.sub(substitute, text)


def _instruction(cmd: Any) -> Instruction:
    return Instruction(
        keyword=cmd.cmd.upper(),
        line=cmd.start_line,
        end_line=cmd.end_line,
        original=cmd.original,
        flags=tuple(cmd.flags),
        value=tuple(cmd.value),
        json_form=bool(cmd.json),
    )


def _build_model(
    instructions: list[Instruction], *, path: str, build_args: Mapping[str, str], syntax: str | None
) -> DockerfileModel:
    global_args: dict[str, str | None] = {}
    stages: list[dict[str, Any]] = []
    for ins in instructions:
        where = dockerfile_location(path, ins.line)
        if ins.keyword not in KEYWORDS:
            raise DockerfileError(f"unknown instruction: {ins.keyword}", location=where)
        if not ins.value:
            raise DockerfileError(f"{ins.keyword} requires at least one argument", location=where)
        if ins.keyword == "FROM":
            stages.append(_from(ins, stages, global_args, build_args, where))
        elif not stages:
            if ins.keyword != "ARG":
                raise DockerfileError(f"{ins.keyword} before the first FROM (only ARG may come first)", location=where)
            for item in ins.value:
                name, eq, default = item.partition("=")
                global_args[name] = build_args.get(name, default if eq else None)
        else:
            stages[-1]["instructions"].append(ins)
    if not stages:
        raise DockerfileError("no stages: the Dockerfile has no FROM instruction", location=path)
    resolved = [_resolve_sources(i, s, stages, path) for i, s in enumerate(stages)]
    return DockerfileModel(path=path, stages=tuple(resolved), global_args=global_args, syntax=syntax)


def _from(
    ins: Instruction,
    stages: list[dict[str, Any]],
    global_args: Mapping[str, str | None],
    build_args: Mapping[str, str],
    where: str,
) -> dict[str, Any]:
    words = list(ins.value)
    name = None
    if len(words) == 3 and words[1].lower() == "as":
        name = words[2].lower()
    elif len(words) != 1:
        raise DockerfileError("FROM takes an image and an optional `AS name`", location=where)
    if name is not None and any(s["name"] == name for s in stages):
        raise DockerfileError(f"duplicate stage name {name!r}", location=where)
    base = expand(words[0], global_args)
    if not base:
        raise DockerfileError(f"FROM {words[0]} expands to an empty image name (missing ARG default?)", location=where)
    platform = ins.flag("platform")
    parent = _stage_index(base, stages)
    return {
        "name": name,
        "base": base,
        "base_raw": words[0],
        "line": ins.line,
        "platform": expand(platform, global_args) if platform else None,
        "parent": parent,
        "instructions": [],
    }


def _stage_index(ref: str, earlier: list[dict[str, Any]]) -> int | None:
    key = ref.lower()
    for index, stage in enumerate(earlier):
        if stage["name"] == key:
            return index
    return None


def _resolve_sources(index: int, stage: dict[str, Any], stages: list[dict[str, Any]], path: str) -> Stage:
    needs: list[int] = []
    external: list[str] = []
    for ins in stage["instructions"]:
        sources = list(ins.mount_sources())
        if ins.keyword in ("COPY", "ADD") and ins.flag("from"):
            sources.append(ins.flag("from"))
        for ref in sources:
            found = _stage_index(ref, stages[:index])
            if found is None and ref.isdigit():
                if int(ref) >= index:
                    raise DockerfileError(
                        f"--from={ref} refers to stage {ref}, which is not defined before this one",
                        location=dockerfile_location(path, ins.line),
                    )
                found = int(ref)
            if found is None:
                external.append(ref)
            elif found not in needs:
                needs.append(found)
    return Stage(
        index=index,
        name=stage["name"],
        base=stage["base"],
        base_raw=stage["base_raw"],
        line=stage["line"],
        platform=stage["platform"],
        parent=stage["parent"],
        needs=tuple(needs),
        external_sources=tuple(external),
        instructions=tuple(stage["instructions"]),
    )


def _syntax(text: str) -> str | None:
    """Parser directives sit in leading comment lines; `syntax` picks the frontend image."""
    for line in text.splitlines():
        match = _DIRECTIVE.match(line.strip())
        if not match:
            return None
        if match.group(1).lower() == "syntax":
            return match.group(2)
    return None


def _error_location(path: str, message: str, text: str) -> str:
    match = re.search(r"line (\d+)", message)
    if match:
        return dockerfile_location(path, int(match.group(1)))
    if "heredoc" in message:  # the parser does not say where; the last heredoc opener is the culprit
        openers = [n for n, line in enumerate(text.splitlines(), 1) if "<<" in line]
        return dockerfile_location(path, openers[-1] if openers else None)
    return path
