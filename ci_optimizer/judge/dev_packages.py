"""devDependencies in production: the bytes of the packages npm installed only for development,
measured in the final image, on the line whose layer holds them. Pure.

npm 7+ writes a hidden lockfile in every node_modules it fills, `node_modules/.package-lock.json`:
each package it put there, with `"dev": true` for those only the devDependencies need. The layer
analysis keeps that file (measure/summary.py, NPM_LOCKFILE). A dev package costs the bytes of its
directory's files that are visible in the final image. `npm prune` rewrites the lockfile and a
directory deleted by hand leaves no visible file, so a fixed image measures 0 here; what a later
layer deleted still ships in the older one, and the shadowed detector counts that.

Only `"dev": true` counts: a `devOptional` package stays with `--omit=dev` unless optional
dependencies are omitted too. A `COPY` from the build context is left to the context-junk detector,
which already counts its whole node_modules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction
from ci_optimizer.judge.checks.shell import Command, commands
from ci_optimizer.judge.fixes import NPM_DEV
from ci_optimizer.measure.summary import NPM_LOCKFILE, LayerSummary
from ci_optimizer.model.growth import Cause
from ci_optimizer.sizes import format_size

_INSTALLS = ("ci", "install", "i", "add", "clean-install")
# After the install, these most likely need the dev packages (a build, the tests): dropping them
# from the install would break the image, so the fix is then advice, not a one-click suggestion.
_USES_DEV = frozenset({"npx", "node", "yarn", "pnpm", "tsc", "webpack", "vite", "jest"})
_NPM_USES_DEV = frozenset({"run", "run-script", "test", "t", "exec", "x", "start", "rebuild"})
_SAMPLE = 3


def dev_directories(lockfile: bytes) -> frozenset[str]:
    """The lockfile's dev packages as directories of its project: `node_modules/semver`,
    `node_modules/a/node_modules/b`. Empty for a file that is not a lockfile npm wrote."""
    try:
        packages = json.loads(lockfile).get("packages")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return frozenset()
    if not isinstance(packages, dict):
        return frozenset()
    return frozenset(key for key, entry in packages.items()
                     if isinstance(entry, dict) and entry.get("dev") is True and not entry.get("link")
                     and key.startswith("node_modules/"))


def package_of(relative: str) -> str:
    """The innermost package directory that holds a path of the project, "" for none:
    `node_modules/@scope/name/lib/x.js` -> `node_modules/@scope/name`."""
    parts = relative.split("/")
    end = i = 0
    while i < len(parts) - 1:
        if parts[i] != "node_modules":
            i += 1
            continue
        last = i + 2 if parts[i + 1].startswith("@") else i + 1  # a scoped name is two components
        if last >= len(parts):
            break
        end = i = last + 1
    return "/".join(parts[:end])


def dev_bytes(layers: Sequence[LayerSummary], visible: Mapping[str, tuple[int, int]]) -> dict[int, dict[str, int]]:
    """layer index -> {dev package directory: bytes of its visible files that layer wrote}."""
    found: dict[int, dict[str, int]] = {}
    for index, layer in enumerate(layers):
        for path, content in layer.kept:
            if not path.endswith("/" + NPM_LOCKFILE) or visible.get(path, (0, -1))[1] != index:
                continue  # not a lockfile, or not the version the image ends with
            project = path[: -len(NPM_LOCKFILE)]  # "/app/"
            dev = dev_directories(content)
            if not dev:
                continue
            below = project + "node_modules/"
            for file, (size, owner) in visible.items():
                if size and file.startswith(below) and (package := package_of(file[len(project):])) in dev:
                    into = found.setdefault(owner, {})
                    into[project + package] = into.get(project + package, 0) + size
    return found


def dev_causes(
    layers: Sequence[LayerSummary], visible: Mapping[str, tuple[int, int]], own: Sequence[tuple[int, int]],
    by_line: Mapping[int, Instruction], model: DockerfileModel,
) -> list[tuple[Cause, str | None]]:
    """One cause per line whose layer holds dev packages, with the key of its exact edit (NPM_DEV)
    when `--omit=dev` on that line's install is certainly right; `own`: (layer index, line)."""
    measured = dev_bytes(layers, visible)
    causes: list[tuple[Cause, str | None]] = []
    for index, line in own:
        packages = measured.get(index)
        ins = by_line.get(line)
        if not packages or ins is None or (ins.keyword in ("COPY", "ADD") and not ins.flag("from")):
            continue
        size = sum(packages.values())
        largest = sorted(packages.items(), key=lambda p: (-p[1], p[0]))
        names = ", ".join(f"{_name(d)} ({format_size(b)})" for d, b in largest[:_SAMPLE + 2])
        more = f" and {len(largest) - _SAMPLE - 2} more" if len(largest) > _SAMPLE + 2 else ""
        fix, exact = _fix(ins, model)
        causes.append((Cause(
            kind="dev-dependencies", line=line, bytes=size,
            message=f"devDependencies in production: {len(largest)} package{'s' if len(largest) > 1 else ''}, "
                    f"{format_size(size)} written by line "
                    f"{line}: {names}{more}",
            fix=fix, paths=tuple(d for d, _b in largest[:_SAMPLE]),
        ), NPM_DEV if exact else None))
    return causes


def _fix(ins: Instruction, model: DockerfileModel) -> tuple[str, bool]:
    """The fix in words, and whether adding `--omit=dev` to the line's install is an exact edit."""
    if ins.keyword != "RUN":
        source = ins.flag("from")
        return (f"prune them where they are installed (`npm prune --omit=dev` in stage {source!r}) before copying "
                "node_modules, or install the production dependencies in a stage of their own with "
                "`npm ci --omit=dev`"), False
    run = commands(ins)
    installs = [i for i, c in enumerate(run) if c.program == "npm" and c.words[1:2] and c.words[1] in _INSTALLS]
    if len(installs) != 1 or run[installs[0]].has_flag("-g", "--global"):
        return ("install the production dependencies only (`npm ci --omit=dev`), or `npm prune --omit=dev` in the "
                "same RUN"), False
    verb = run[installs[0]].words[1]
    later = [*run[installs[0] + 1 :], *(c for after in _after(model, ins) for c in commands(after))]
    if any(_uses_dev(c) for c in later):
        return (f"a later step builds or tests with them: do that in a builder stage, then `npm prune --omit=dev` "
                f"before copying node_modules into production, or `npm {verb} --omit=dev` in a stage of its own"), False
    return f"install the production dependencies only: `npm {verb} --omit=dev`", True


def _after(model: DockerfileModel, ins: Instruction) -> list[Instruction]:
    """The instructions after `ins` in its stage and in every stage built on it."""
    home = next((s for s in model.stages if ins in s.instructions), None)
    if home is None:
        return []
    return [later for stage in model.stages if home in model.chain(stage.index)
            for later in stage.instructions if later.line > ins.line]


def _uses_dev(command: Command) -> bool:
    if command.program == "npm":
        return command.words[1:2] != () and command.words[1] in _NPM_USES_DEV
    return command.program in _USES_DEV


def _name(directory: str) -> str:
    """`/app/node_modules/a/node_modules/@s/b` -> `@s/b`."""
    return directory.rpartition("node_modules/")[2]
