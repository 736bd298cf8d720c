"""dockerignore: the build context leaves out .git and the heavy directories. Pure.

Matching follows moby/patternmatcher, which BuildKit and the docker CLI use: patterns are
cleaned paths relative to the context (a leading `/` is dropped), `*` and `?` stop at `/`,
`**` crosses directories, a pattern that matches a directory excludes everything under it,
`!` re-includes, and the last matching pattern wins.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ci_optimizer.judge.checks.inputs import CheckInputs, Finding

# Directories that are never meant for an image and cost upload time, cache misses and bytes.
HEAVY_DIRS = frozenset({
    ".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", "dist", "build", "target", ".next", "coverage", ".gradle", ".terraform",
})
# Assumed present when the context was not listed: the ones almost every repository has or makes.
ASSUMED_DIRS = (".git", "node_modules", ".venv", "__pycache__", "src/__pycache__")


@dataclass(frozen=True, kw_only=True)
class Pattern:
    text: str
    regex: re.Pattern[str]
    exclusion: bool  # a `!pattern` line: re-include


def parse_patterns(text: str) -> tuple[Pattern, ...]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        cleaned = posixpath.normpath(line.replace("\\", "/")) if line else ""
        if len(cleaned) > 1 and cleaned.startswith("/"):
            cleaned = cleaned.lstrip("/")
        if cleaned in ("", "."):
            continue
        patterns.append(Pattern(text=cleaned, regex=_compile(cleaned), exclusion=exclusion))
    return tuple(patterns)


def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out.append("(.*/)?")
                i += 1
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("^" + "".join(out) + "$")


def excluded(path: str, patterns: Sequence[Pattern]) -> bool:
    """Whether the context sends `path` (relative, `/`-separated) to the builder."""
    path = posixpath.normpath(path)
    parts = path.split("/")
    parents = ["/".join(parts[: n + 1]) for n in range(len(parts) - 1)]
    matched = False
    for pattern in patterns:
        hit = bool(pattern.regex.match(path)) or any(pattern.regex.match(p) for p in parents)
        if hit:
            matched = not pattern.exclusion
    return matched


def check_dockerignore(inputs: CheckInputs) -> Sequence[Finding]:
    copies = _context_copies(inputs)
    if not copies:
        return (Finding(passed=True, message="nothing is copied from the build context"),)
    # The copy that sends everything is the one to point at; else the first copy from the context.
    whole = [line for line, source in copies if posixpath.normpath(source) == "."]
    first_copy = min(whole or [line for line, _ in copies])
    if inputs.dockerignore is None:
        return (Finding(
            passed=False, line=first_copy,
            message=f"no {inputs.dockerignore_path}: the whole build context (.git included) is sent to the builder, "
                    "`COPY .` puts it in the image and every commit misses the cache; add one that excludes "
                    ".git and the heavy directories",
        ),)
    patterns = parse_patterns(inputs.dockerignore)
    wanted = _wanted_dirs(inputs, {source for _, source in copies})
    leaking = [d for d in wanted if not excluded(d, patterns)]
    where = "present in the context" if inputs.context_dirs is not None else "commonly present"
    if not leaking:
        checked = ", ".join(sorted({posixpath.basename(d) for d in wanted})) or "nothing heavy found"
        return (Finding(passed=True, file=inputs.dockerignore_path,
                        message=f"{inputs.dockerignore_path} excludes {checked}"),)
    suggestions = sorted({_suggest(d) for d in leaking})
    return (Finding(
        passed=False, file=inputs.dockerignore_path,
        message=f"{inputs.dockerignore_path} does not exclude {', '.join(leaking)} ({where}); add "
                + ", ".join(f"`{s}`" for s in suggestions),
    ),)


def _suggest(path: str) -> str:
    name = posixpath.basename(path)
    return name if name == path else f"**/{name}"


def _wanted_dirs(inputs: CheckInputs, sources: set[str]) -> list[str]:
    present: Iterable[str] = inputs.context_dirs if inputs.context_dirs is not None else ASSUMED_DIRS
    named = {s.split("/")[0] for s in sources}
    dirs = {posixpath.normpath(d) for d in present if posixpath.basename(posixpath.normpath(d)) in HEAVY_DIRS}
    # A directory the Dockerfile copies by name (`COPY dist/ /app/`) is wanted, not junk.
    return sorted(d for d in dirs if d.split("/")[0] not in named)


def _context_copies(inputs: CheckInputs) -> list[tuple[int, str]]:
    """(line, source) of every COPY/ADD that reads the build context, in any stage."""
    found = []
    for stage in inputs.model.stages:
        for ins in stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") or len(ins.value) < 2:
                continue
            for source in ins.value[:-1]:
                if source.startswith("<<") or "://" in source:
                    continue
                cleaned = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
                found.append((ins.line, cleaned))
    return found
