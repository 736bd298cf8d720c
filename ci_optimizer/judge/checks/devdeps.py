"""no-dev-dependencies: production does not ship what only the build and the tests need. Pure.

Two ways dev dependencies reach production: an install in production's own stage chain, or a
`COPY --from=builder` of a dependency directory (node_modules, a virtualenv, site-packages,
vendor/) that the builder filled with dev dependencies and never pruned.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ci_optimizer.dockerfile.stages import DockerfileModel, Stage
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding, stage_chain
from ci_optimizer.judge.checks.shell import Command, commands, pip_args

_DEV_WORDS = r"dev|develop|development|test|tests|testing|lint|docs|ci|local"
_DEV_REQUIREMENTS = re.compile(rf"(?:^|[/_.-])(?:{_DEV_WORDS})(?:[/_.-]|$)", re.IGNORECASE)
_EXTRAS = re.compile(r"\[([^\]]+)\]")
_PROD_ENV = {"NODE_ENV": "production", "NPM_CONFIG_PRODUCTION": "true", "NPM_CONFIG_OMIT": "dev",
             "YARN_PRODUCTION": "true"}
# Where each ecosystem puts what it installs, relative to the WORKDIR (or absolute).
_DEP_DIRS = {
    "node": ("node_modules",),
    "python": (".venv", "venv", "/opt/venv", "site-packages", "/usr/local/lib", "/install", "/root/.local"),
    "php": ("vendor",),
    "ruby": ("vendor", "/usr/local/bundle"),
}


@dataclass(frozen=True, kw_only=True)
class DevInstall:
    line: int
    command: str  # as the user wrote it, shortened
    ecosystem: str  # node, python, php, ruby
    fix: str
    workdir: str


def check_no_dev_dependencies(inputs: CheckInputs) -> Sequence[Finding]:
    findings = [
        Finding(passed=False, line=dev.line,
                message=f"`{dev.command}` at line {dev.line} installs dev dependencies into production; {dev.fix}")
        for dev in dev_installs(inputs.model, inputs.chain)
    ]
    chain_indices = {s.index for s in inputs.chain}
    for stage in inputs.chain:
        for ins in stage.instructions:
            source_ref = ins.flag("from") if ins.keyword in ("COPY", "ADD") else None
            source = inputs.model.find(source_ref) if source_ref else None
            if source is None or source.index in chain_indices:
                continue
            devs = dev_installs(inputs.model, stage_chain(inputs.model, source))
            for path in ins.value[:-1]:
                dev = next((d for d in devs if _covers(path, d)), None)
                if dev is not None:
                    findings.append(Finding(
                        passed=False, line=ins.line,
                        message=f"line {ins.line} copies {path} from stage {source.target_name!r}, which installed dev "
                                f"dependencies at line {dev.line} (`{dev.command}`); prune them there first "
                                f"({dev.fix.removeprefix('use ')}) or install production dependencies in their own "
                                "stage",
                    ))
                    break
    if findings:
        return tuple(findings)
    return (Finding(passed=True, message="no dev dependency install reaches production"),)


def dev_installs(model: DockerfileModel, chain: Sequence[Stage]) -> list[DevInstall]:
    """Dev installs in a stage chain that no later step pruned."""
    env: dict[str, str] = dict(_global_defaults(model))
    workdir = "/"
    found: list[DevInstall] = []
    bundle_without = False
    for stage in chain:
        for ins in stage.instructions:
            if ins.keyword == "ENV":
                env.update({k: v.strip("\"'") for k, v in zip(ins.value[::2], ins.value[1::2], strict=False)})
            elif ins.keyword == "WORKDIR":
                workdir = posixpath.normpath(posixpath.join(workdir, ins.value[0]))
            for command in commands(ins):
                scope = {**env, **dict(command.env)}
                if command.program == "bundle" and "config" in command.words and "without" in command.words:
                    bundle_without = True
                if command.program == "npm" and command.words[1:2] == ("prune",) and _npm_production(command, scope):
                    found = [d for d in found if d.ecosystem != "node"]
                    continue
                dev = _dev_install(command, scope, bundle_without)
                if dev is not None:
                    ecosystem, fix = dev
                    text = " ".join(command.words)
                    found.append(DevInstall(line=ins.line, command=text if len(text) <= 60 else text[:57] + "...",
                                            ecosystem=ecosystem, fix=fix, workdir=workdir))
    return found


def _global_defaults(model: DockerfileModel) -> Mapping[str, str]:
    return {k: v for k, v in model.global_args.items() if v is not None and k in _PROD_ENV}


def _npm_production(command: Command, env: Mapping[str, str]) -> bool:
    flags = (command.has_flag("--production") or "dev" in command.flag_values("--omit")
             or any(v.startswith("prod") for v in command.flag_values("--only")))
    return flags or any(env.get(k, "").lower() == v for k, v in _PROD_ENV.items())


def _dev_install(command: Command, env: Mapping[str, str], bundle_without: bool) -> tuple[str, str] | None:
    """(ecosystem, fix) when the command installs dev dependencies."""
    program, words = command.program, command.words
    verb = words[1] if len(words) > 1 else ""
    if program == "npm" and verb in ("install", "i", "ci", "add") and not command.has_flag("-g", "--global"):
        return None if _npm_production(command, env) else ("node", f"use `npm {verb} --omit=dev`")
    if program == "yarn" and verb in ("", "install") and not command.has_flag("--production", "--prod"):
        return None if _npm_production(command, env) else ("node", "use `yarn install --production`")
    if program == "pnpm" and verb in ("install", "i") and not command.has_flag("--prod", "-P", "--production"):
        return None if _npm_production(command, env) else ("node", "use `pnpm install --prod`")
    if program == "poetry" and verb == "install":
        only = command.flag_values("--only")
        without = ",".join(command.flag_values("--without"))
        if "main" in only or "dev" in without or command.has_flag("--no-dev", "--only-root"):
            return None
        return ("python", "use `poetry install --only main`")
    if program == "pipenv" and verb in ("install", "sync") and command.has_flag("--dev", "-d"):
        return ("python", f"drop `--dev` from `pipenv {verb}`")
    if program == "uv" and verb == "sync" and not command.has_flag("--no-dev", "--only-group", "--no-default-groups"):
        return ("python", "use `uv sync --no-dev`")
    if program == "pdm" and verb in ("install", "sync") and not command.has_flag("--prod", "--production"):
        return ("python", f"use `pdm {verb} --prod`")
    if program == "composer" and verb in ("install", "update") and not command.has_flag("--no-dev"):
        return ("php", f"use `composer {verb} --no-dev`")
    if program == "bundle" and verb == "install" and not (bundle_without or command.has_flag("--without")
                                                          or env.get("BUNDLE_WITHOUT")):
        return ("ruby", "set `BUNDLE_WITHOUT=development:test` before `bundle install`")
    pip = pip_args(command) if program != "uv" else (words[2:] if verb == "pip" else None)
    if pip and pip[0] == "install":
        return _pip_dev(pip)
    return None


def _pip_dev(args: Sequence[str]) -> tuple[str, str] | None:
    for i, arg in enumerate(args):
        value = arg.split("=", 1)[1] if arg.startswith("--requirement=") else None
        if arg in ("-r", "--requirement") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("-r") and len(arg) > 2:
            value = arg[2:]
        parent = posixpath.basename(posixpath.dirname(value)) if value else ""
        if value and _DEV_REQUIREMENTS.search(f"{parent}/{posixpath.basename(value)}"):
            return ("python", f"install the runtime requirements only, not {value}")
        extras = _EXTRAS.search(arg) if not arg.startswith("-") else None
        if extras and any(re.fullmatch(_DEV_WORDS, e.strip()) for e in extras.group(1).split(",")):
            return ("python", f"drop the dev extras from `{arg}`")
    return None


def _covers(source: str, dev: DevInstall) -> bool:
    """Whether copying `source` from the builder takes the dependencies `dev` installed."""
    source = posixpath.normpath(posixpath.join("/", source))
    for folder in _DEP_DIRS[dev.ecosystem]:
        target = folder if folder.startswith("/") else posixpath.join(dev.workdir, folder)
        if target == source or target.startswith(source.rstrip("/") + "/") or source.startswith(target + "/"):
            return True
        if not folder.startswith("/") and f"/{folder}" in source:
            return True
    return False
