"""no-shell, no-package-manager, no-build-tools, no-package-caches: what production carries but need not. Pure.

Evidence, best first: the final image's files (with the layer that wrote each, when the layer
analysis gives it), then the Dockerfile (install commands in production's stage chain, and what
its base image is known to ship). Each finding says where a tool came from, because the fix
differs: a line the user wrote, or the base image (see minimal-base).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ci_optimizer.judge.checks.inputs import CheckInputs, Finding
from ci_optimizer.judge.checks.minimal_base import classify, family_of, parse_ref
from ci_optimizer.judge.checks.shell import Command, commands, installs, pip_args
from ci_optimizer.judge.checks.tool_catalog import CACHES, TOOLS, Tool, ToolKind
from ci_optimizer.sizes import format_size

NOT_ANALYSED = " (from the Dockerfile: the image's files were not analysed)"
SHELL_NAMES = frozenset({"sh", "bash", "ash", "dash", "zsh"})
# What a full image of these families ships, for when the files were not analysed.
FAMILY_TOOLS = {
    "python": ("gcc", "make", "git"), "node": ("gcc", "make", "git"), "ruby": ("gcc", "make", "git"),
    "golang": ("go", "gcc", "git"), "rust": ("rustc", "gcc"), "eclipse-temurin": ("javac",),
    "openjdk": ("javac",), "maven": ("javac", "git"), "gradle": ("javac", "git"),
}
_FIX = {
    "shell": "nothing in CMD, ENTRYPOINT or HEALTHCHECK needs it; exec-form commands on a distroless or scratch "
             "base run without one",
    "package-manager": "install in the builder stage and copy the result, or use a distroless base",
    "build": "compile in the builder stage and COPY --from only the artifacts",
}
_KIND_WORDS = {"shell": "shell", "package-manager": "package manager", "build": "compiler, build tool or VCS client"}


@dataclass(frozen=True, kw_only=True)
class Sighting:
    tool: str
    line: int | None
    origin: str  # "own" (a layer of the user's stages), "base", "unknown"


def check_no_shell(inputs: CheckInputs) -> Sequence[Finding]:
    return _tool_check(inputs, ("shell",), "shell")


def check_no_package_manager(inputs: CheckInputs) -> Sequence[Finding]:
    return _tool_check(inputs, ("package-manager",), "package-manager")


def check_no_build_tools(inputs: CheckInputs) -> Sequence[Finding]:
    return _tool_check(inputs, ("build", "vcs"), "build")


def _tool_check(inputs: CheckInputs, kinds: tuple[ToolKind, ...], fix: str) -> Sequence[Finding]:
    tools = [t for t in TOOLS if t.kind in kinds]
    sightings = _from_files(inputs, tools) if inputs.files is not None else _from_dockerfile(inputs, tools)
    suffix = "" if inputs.files is not None else NOT_ANALYSED
    needed = needed_programs(inputs)
    unneeded = [s for s in sightings if not _needed(s.tool, needed)]
    what = _KIND_WORDS[fix]
    if not sightings:
        return (Finding(passed=True, message=f"no {what} in the final image{suffix}"),)
    if not unneeded:
        names = ", ".join(sorted({s.tool for s in sightings}))
        return (Finding(passed=True, message=f"{names} present and needed by CMD, ENTRYPOINT or HEALTHCHECK{suffix}"),)
    base = inputs.chain[0]
    findings = []
    for (origin, own_line), group in _grouped(unneeded).items():
        names = ", ".join(group)
        if origin == "own" and own_line is not None:
            where, line = f"added at line {own_line}", own_line
        elif origin == "own":  # a layer of production's own whose Dockerfile line the history does not give
            where, line = "added by one of production's own layers", None
        elif origin == "base":
            where, line = f"from the base image {base.base}", base.line
        else:
            where, line = "not installed by a RUN of production: from the base image or a COPY", base.line
        findings.append(Finding(passed=False, line=line, message=f"{what} in production: {names} ({where}); "
                                                                 f"{_FIX[fix]}{suffix}"))
    return tuple(findings)


def _grouped(sightings: Iterable[Sighting]) -> dict[tuple[str, int | None], list[str]]:
    groups: dict[tuple[str, int | None], list[str]] = {}
    for s in sorted(sightings, key=lambda s: (s.origin != "own", s.line or 0, s.tool)):
        names = groups.setdefault((s.origin, s.line), [])
        if s.tool not in names:
            names.append(s.tool)
    return groups


def _from_files(inputs: CheckInputs, tools: Sequence[Tool]) -> list[Sighting]:
    installed = _installed_lines(inputs, tools)
    found: dict[str, Sighting] = {}
    for path in sorted(inputs.files or ()):
        folder, name = posixpath.split(path)
        if not folder.endswith(("/bin", "/sbin")):
            continue
        tool = next((t for t in tools if t.programs.fullmatch(name)), None)
        if tool is None:
            continue
        sighting = _attribute(inputs, tool, path, installed)
        previous = found.get(tool.name)
        if previous is None or (previous.origin != "own" and sighting.origin == "own"):
            found[tool.name] = sighting
    return list(found.values())


def _attribute(inputs: CheckInputs, tool: Tool, path: str, installed: dict[str, int]) -> Sighting:
    writers = inputs.writers
    if writers is not None and path in writers:
        layer = writers[path]
        return Sighting(tool=tool.name, line=layer.line, origin="base" if layer.from_base else "own")
    if tool.name in installed:
        return Sighting(tool=tool.name, line=installed[tool.name], origin="own")
    return Sighting(tool=tool.name, line=None, origin="unknown")


def _from_dockerfile(inputs: CheckInputs, tools: Sequence[Tool]) -> list[Sighting]:
    sightings = [Sighting(tool=name, line=line, origin="own") for name, line in _installed_lines(inputs, tools).items()]
    ref = parse_ref(inputs.chain[0].base)
    kind = classify(ref)
    family = family_of(ref)
    inherited: set[str] = set()
    kinds = {t.kind for t in tools}
    if "shell" in kinds and kind in ("alpine", "slim", "full"):
        inherited.add("sh")
    if "package-manager" in kinds and kind in ("alpine", "slim", "full") and ref.name != "busybox":
        inherited.add(_package_manager_of(ref.name, kind))
    if "build" in kinds and kind == "full" and family is not None:
        inherited.update(next((tools_ for name, tools_ in FAMILY_TOOLS.items() if name in family.names), ()))
    own = {s.tool for s in sightings}
    sightings += [Sighting(tool=name, line=None, origin="base") for name in sorted(inherited - own)]
    return sightings


def _package_manager_of(name: str, kind: str) -> str:
    if kind == "alpine":
        return "apk"
    if name in _RPM_DISTROS or name.startswith("ubi"):
        return "yum/dnf"
    return "apt"  # the official language images and most slim ones are Debian or Ubuntu


_RPM_DISTROS = frozenset({"centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "oraclelinux"})


def _installed_lines(inputs: CheckInputs, tools: Sequence[Tool]) -> dict[str, int]:
    """Tool name -> the first line of production's chain that installs a package bringing it."""
    lines: dict[str, int] = {}
    for ins in inputs.chain_instructions:
        for command in commands(ins):
            install = installs(command)
            if install is None or install.manager == "pip":
                continue
            for package in install.packages:
                for tool in tools:
                    if tool.packages is not None and tool.packages.fullmatch(package):
                        lines.setdefault(tool.name, ins.line)
    return lines


def needed_programs(inputs: CheckInputs) -> frozenset[str]:
    """Programs production runs by itself: the first word of ENTRYPOINT/CMD/HEALTHCHECK, and a shell for shell forms."""
    built = inputs.built
    runs: list[tuple[str, ...]] = []
    if built is not None and built.config is not None:
        config = built.config
        runs.append(config.entrypoint or config.cmd or ())
        if config.healthcheck and config.healthcheck[0] in ("CMD", "CMD-SHELL"):
            test = config.healthcheck
            runs.append(("/bin/sh", "-c", test[1]) if test[0] == "CMD-SHELL" and len(test) > 1 else test[1:])
    else:
        for keyword in ("ENTRYPOINT", "CMD", "HEALTHCHECK"):
            ins = inputs.last_in_chain(keyword)
            if ins is None or not ins.value:
                continue
            words = ins.value[1:] if keyword == "HEALTHCHECK" else ins.value
            runs.append(tuple(words) if ins.json_form else ("/bin/sh", "-c", " ".join(words)))
    programs: set[str] = set()
    for words in runs:
        if not words:
            continue
        first = posixpath.basename(words[0])
        programs.add(first)
        if first.endswith(".sh"):
            programs.add("sh")
        if first in SHELL_NAMES and len(words) > 2 and words[1] == "-c":
            inner = words[2].split()
            if inner:
                programs.add(posixpath.basename(inner[0]))
    return frozenset(programs)


def _needed(tool: str, needed: frozenset[str]) -> bool:
    catalog = next((t for t in TOOLS if t.name == tool), None)
    if catalog is None:
        return False
    if catalog.kind == "shell":
        return bool(needed & SHELL_NAMES)
    return any(catalog.programs.fullmatch(program) for program in needed)


def check_no_package_caches(inputs: CheckInputs) -> Sequence[Finding]:
    files = inputs.files
    if files is None:
        return _caches_from_dockerfile(inputs)
    findings = []
    for cache in CACHES:
        paths = [p for p in files if cache.paths.match(p)]
        total = sum(files[p] for p in paths)
        if total <= 0:
            continue
        biggest = max(paths, key=files.__getitem__)
        writer = inputs.writers.get(biggest) if inputs.writers is not None else None
        line: int | None
        if writer is not None and writer.from_base:
            where, line = f"from the base image {inputs.chain[0].base}", inputs.chain[0].line
        elif writer is not None:
            where, line = f"written at line {writer.line}", writer.line
        else:
            where, line = "", _cache_line(inputs, cache.name)
        at = f" ({where})" if where else ""
        findings.append(Finding(passed=False, line=line,
                                message=f"{cache.name}: {format_size(total)} in {_files(len(paths))}{at}; {cache.fix}"))
    return tuple(findings) or (Finding(passed=True, message="no package manager caches in the final image"),)


def _files(count: int) -> str:
    return "1 file" if count == 1 else f"{count} files"


def _cache_line(inputs: CheckInputs, cache: str) -> int | None:
    """The first RUN that leaves this cache behind, by the Dockerfile's word."""
    return next((line for name, line in _dockerfile_caches(inputs) if name == cache), None)


def _caches_from_dockerfile(inputs: CheckInputs) -> Sequence[Finding]:
    found = _dockerfile_caches(inputs)
    if not found:
        return (Finding(passed=True, message=f"no RUN step leaves a package cache behind{NOT_ANALYSED}"),)
    fixes = {c.name: c.fix for c in CACHES}
    return tuple(Finding(passed=False, line=line, message=f"{name} kept by the RUN at line {line}; {fixes[name]}"
                         f"{NOT_ANALYSED}") for name, line in found)


def _dockerfile_caches(inputs: CheckInputs) -> list[tuple[str, int]]:
    env_no_pip_cache = False
    found: list[tuple[str, int]] = []
    for ins in inputs.chain_instructions:
        if ins.keyword == "ENV" and "PIP_NO_CACHE_DIR" in ins.value[::2]:
            env_no_pip_cache = True
        if ins.keyword != "RUN":
            continue
        cmds = commands(ins)
        text = " ".join(" ".join(c.words) for c in cmds)
        mounts = " ".join(f for f in ins.flags if "type=cache" in f)
        for name in _caches_left(cmds, text, mounts, env_no_pip_cache):
            if name not in (n for n, _ in found):
                found.append((name, ins.line))
    return found


def _caches_left(cmds: Sequence[Command], text: str, mounts: str, no_pip_cache: bool) -> list[str]:
    left = []
    apt = any(c.program in ("apt-get", "apt") and any(w in ("install", "update") for w in c.words) for c in cmds)
    if apt and "/var/lib/apt/lists" not in text and "/var/lib/apt" not in mounts:
        left.append("apt lists")
    apk = [c for c in cmds if c.program == "apk" and "add" in c.words]
    if any(not c.has_flag("--no-cache") for c in apk) and "/var/cache/apk" not in text + mounts:
        left.append("apk cache")
    pips = [c for c in cmds if (pip_args(c) or ("",))[0] == "install"]
    uncached = [c for c in pips if not c.has_flag("--no-cache-dir") and "PIP_NO_CACHE_DIR" not in dict(c.env)]
    if uncached and not no_pip_cache and ".cache/pip" not in mounts and ".cache" not in mounts:
        left.append("pip cache")
    npm = any(c.program == "npm" and (c.words[1:2] in (("install",), ("ci",), ("i",))) for c in cmds)
    if npm and "npm cache clean" not in text and ".npm" not in mounts:
        left.append("npm cache")
    return left
