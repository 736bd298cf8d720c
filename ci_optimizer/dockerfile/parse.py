"""Dockerfile text -> `DockerfileModel`, with BuildKit's own grammar (the `dockerfile` package).

The package wraps moby/buildkit's frontend parser, so line continuations, escape directives,
heredocs and JSON forms read exactly as BuildKit reads them. What the parser leaves to the
frontend (instruction names, ARG scoping, the expansion of stage references) is done here, as
BuildKit's frontend does it (scope.py, words.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import dockerfile

from ci_optimizer.dockerfile.platforms import Platform, platform_args
from ci_optimizer.dockerfile.scope import GlobalScope, prefix_warning
from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction, Source, Stage
from ci_optimizer.dockerfile.words import expand
from ci_optimizer.errors import DockerfileError, dockerfile_location
from ci_optimizer.textfile import read_text

__all__ = ["expand", "parse_dockerfile", "read_dockerfile"]

KEYWORDS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
LINUX_AMD64 = Platform(os="linux", arch="amd64")


def read_dockerfile(
    path: str | Path, build_args: Mapping[str, str] | None = None, *, platform: Platform = LINUX_AMD64,
    build_platform: Platform | None = None,
) -> DockerfileModel:
    text = read_text(path, what="Dockerfile", error=DockerfileError)
    return parse_dockerfile(text, path=str(path), build_args=build_args, platform=platform,
                            build_platform=build_platform)


def parse_dockerfile(
    text: str, *, path: str = "Dockerfile", build_args: Mapping[str, str] | None = None,
    platform: Platform = LINUX_AMD64, build_platform: Platform | None = None,
) -> DockerfileModel:
    """`platform` is the target platform; the build platform defaults to it (TARGET*/BUILD* ARGs)."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        if "no instructions" in str(exc):
            raise DockerfileError("no stages: the Dockerfile has no FROM instruction", location=path) from None
        raise DockerfileError(f"syntax error: {exc}", location=_error_location(path, str(exc), text)) from None
    instructions = [_instruction(cmd) for cmd in commands]
    directives = _directives(text)
    args = dict(build_args or {})
    predefined = platform_args(platform, build_platform or platform)
    scope = GlobalScope(path=path, escape=directives.get("escape", "\\") or "\\", build_args=args,
                        values={k: args.get(k, v) for k, v in predefined.items()})
    return _build_model(instructions, scope, syntax=directives.get("syntax"), platform=str(platform),
                        source_lines=tuple(text.splitlines()))


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
    instructions: list[Instruction], scope: GlobalScope, *, syntax: str | None, platform: str,
    source_lines: tuple[str, ...],
) -> DockerfileModel:
    path = scope.path
    froms: list[Instruction] = []
    bodies: list[list[Instruction]] = []
    for ins in instructions:
        where = dockerfile_location(path, ins.line)
        if ins.keyword not in KEYWORDS:
            raise DockerfileError(f"unknown instruction: {ins.keyword}", location=where)
        if not ins.value:
            raise DockerfileError(f"{ins.keyword} requires at least one argument", location=where)
        if ins.keyword == "FROM":
            froms.append(ins)
            bodies.append([])
        elif not froms:
            if ins.keyword != "ARG":
                raise DockerfileError(f"{ins.keyword} before the first FROM (only ARG may come first)", location=where)
            scope.declare(ins)
        else:
            bodies[-1].append(ins)
    if not froms:
        raise DockerfileError("no stages: the Dockerfile has no FROM instruction", location=path)
    stage_scopes = [scope.stage_env(body) for body in bodies]  # also records every ARG declared in a stage
    warnings: list[str] = []
    missing: dict[str, int] = {}
    heads = [_from(ins, index, froms, scope=scope, missing=missing, warnings=warnings)
             for index, ins in enumerate(froms)]
    if missing:
        flags = " ".join(f"--build-arg {n}=..." for n in missing)
        raise DockerfileError(
            f"FROM needs ARG {', '.join(missing)}, declared without a value; pass {flags}",
            location=dockerfile_location(path, min(missing.values())),
        )
    names = [h["name"] for h in heads]
    stages = tuple(
        _stage(index, heads[index], bodies[index], envs=stage_scopes[index], names=names, scope=scope,
               warnings=warnings)
        for index in range(len(heads))
    )
    return DockerfileModel(path=path, stages=stages, global_args={n: scope.values[n] for n in scope.declared},
                           syntax=syntax, platform=platform, escape=scope.escape, warnings=tuple(warnings),
                           source_lines=source_lines)


def _from(
    ins: Instruction, index: int, froms: list[Instruction], *, scope: GlobalScope, missing: dict[str, int],
    warnings: list[str],
) -> dict[str, Any]:
    where = dockerfile_location(scope.path, ins.line)
    words = list(ins.value)
    name = None
    if len(words) == 3 and words[1].lower() == "as":
        name = words[2].lower()
    elif len(words) != 1:
        raise DockerfileError("FROM takes an image and an optional `AS name`", location=where)
    earlier = [_as_name(f) for f in froms[:index]]
    if name is not None and name in earlier:
        raise DockerfileError(f"duplicate stage name {name!r}", location=where)
    expansion = scope.expand(words[0], scope.values, ins.line)
    scope.check_from(words[0], expansion, ins.line, missing)
    base = expansion.text
    if not base and not missing:
        empty = " and ".join(f"ARG {n}" for n in expansion.empty) or "it"
        raise DockerfileError(
            f"FROM {words[0]} expands to an empty image name ({empty} is empty or not declared above the first FROM)",
            location=where,
        )
    parent = _stage_index(base, earlier)
    if parent is None and (note := prefix_warning(f"FROM {words[0]}", expansion, earlier, location=where)):
        warnings.append(note)
    flag = ins.flag("platform")
    return {"name": name, "base": base, "base_raw": words[0], "line": ins.line, "parent": parent,
            "platform": scope.expand(flag, scope.values, ins.line).text if flag else None}


def _as_name(ins: Instruction) -> str | None:
    words = ins.value
    return words[2].lower() if len(words) == 3 and words[1].lower() == "as" else None


def _stage_index(ref: str, earlier: list[str | None]) -> int | None:
    key = ref.lower()
    return next((i for i, name in enumerate(earlier) if name is not None and name == key), None)


def _stage(
    index: int, head: dict[str, Any], body: list[Instruction], *, envs: list[dict[str, str | None]],
    names: list[str | None], scope: GlobalScope, warnings: list[str],
) -> Stage:
    sources: list[Source] = []
    for ins, env in zip(body, envs, strict=True):
        refs: list[tuple[Literal["copy", "mount"], str]] = [("mount", ref) for ref in ins.mount_sources()]
        if ins.keyword in ("COPY", "ADD") and (copied := ins.flag("from")):
            refs.append(("copy", copied))
        for kind, raw in refs:
            expansion = scope.expand(raw, env, ins.line)
            ref = expansion.text
            where = dockerfile_location(scope.path, ins.line)
            found = _stage_index(ref, names[:index])
            if found is None and ref.isdigit():
                if int(ref) >= index:
                    raise DockerfileError(
                        f"--from={ref} refers to stage {ref}, which is not defined before this one", location=where
                    )
                found = int(ref)
            if found is None and (note := prefix_warning(f"--from={raw}", expansion, names, location=where)):
                warnings.append(note)
            sources.append(Source(kind=kind, line=ins.line, raw=raw, ref=ref, stage=found))
    return Stage(
        index=index, name=head["name"], base=head["base"], base_raw=head["base_raw"], line=head["line"],
        platform=head["platform"], parent=head["parent"], sources=tuple(sources), instructions=tuple(body),
    )


def _directives(text: str) -> dict[str, str]:
    """Parser directives sit in leading comment lines: `syntax` (the frontend image, passed through
    to BuildKit untouched) and `escape` (the escape character, which word expansion uses too)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        found.setdefault(match.group(1).lower(), match.group(2))
    return found


def _error_location(path: str, message: str, text: str) -> str:
    match = re.search(r"line (\d+)", message)
    if match:
        return dockerfile_location(path, int(match.group(1)))
    if "heredoc" in message:  # the parser does not say where; the last heredoc opener is the culprit
        openers = [n for n, line in enumerate(text.splitlines(), 1) if "<<" in line]
        return dockerfile_location(path, openers[-1] if openers else None)
    return path
