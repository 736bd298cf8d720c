"""Causes of size in the production image, each with the bytes it costs here, measured. Pure.

The checklist (judge/checks/) says by rule that production carries a cache or a compiler; these
detectors put a number and a line on it, from the layer summaries the analysis already read:
what a layer's tar ships is what the fix saves. They share the checklist's catalogs (the caches
and build tools of tool_catalog.py, the heavy context directories of dockerignore.py) so the two
never disagree on what counts.

- package-cache: package-manager lists and caches written by a RUN (apt, apk, dnf, pip, npm, yarn,
  go, cargo): every version the layer ships, visible or not;
- dev-toolchain: compilers, headers, static libraries and build caches a RUN of production installs;
- dev-dependencies: the packages npm installed only for devDependencies (judge/dev_packages.py);
- shadowed: bytes one line writes and a later line deletes or overwrites, per pair of lines;
- context-junk: .git, node_modules and the like that a `COPY .` took from the build context;
- duplicate-file: the same large file (name, size and time) visible at several paths.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction
from ci_optimizer.judge.checks.dockerignore import HEAVY_DIRS
from ci_optimizer.judge.checks.tool_catalog import CACHES, TOOLS
from ci_optimizer.judge.dev_packages import dev_causes
from ci_optimizer.judge.fixes import RECOMMENDS, fixed_text
from ci_optimizer.judge.recommends import installs_recommends, layer_recommends
from ci_optimizer.measure.stacking import Stacked
from ci_optimizer.measure.summary import FILE, LayerSummary
from ci_optimizer.model.growth import Cause
from ci_optimizer.sizes import format_size

MIN_SHADOWED = 256 * 1024  # below this, overwrites are package-manager bookkeeping (dpkg status, ld.so.cache)
MIN_DUPLICATE = 1024 * 1024
MIN_CAUSE = 4 * 1024
# Context directories never meant for an image; dist/, build/, target/ may be the app itself.
JUNK_DIRS = HEAVY_DIRS - {"dist", "build", "target", ".next"}
# One pattern per line of a layer's joined paths: a layer is scanned by one C call, not a Python
# loop of regexes (100k paths in the `large` fixture; bench/bench_why.py).
_BUILD_NAMES = "|".join(t.programs.pattern for t in TOOLS if t.kind == "build")
_TOOLCHAIN = re.compile(
    r"^(?:/usr/(?:local/)?include/.*|/usr/lib/gcc/.*|/usr/libexec/gcc/.*|/usr/lib/(?:[^/\n]+/)*[^/\n]+\.a"
    rf"|.*/node_modules/\.cache/.*|.*/s?bin/(?:{_BUILD_NAMES}))$",
    re.MULTILINE,
)
_CACHE_CANDIDATE = re.compile(r"^(?:/var/|/root/|/home/|/usr/local/share/\.cache/).*$", re.MULTILINE)
_SAMPLE = 3


@dataclass(frozen=True, kw_only=True)
class CauseInputs:
    model: DockerfileModel
    layers: Sequence[LayerSummary]  # the production image's, oldest first
    lines: Sequence[int | None]  # each layer's Dockerfile line, where the history lines up
    base_layers: int
    stacked: Stacked
    text: Sequence[str] = ()  # the Dockerfile's lines, for exact suggestions


def find_causes(inputs: CauseInputs) -> tuple[Cause, ...]:
    by_line = _instructions(inputs.model)
    dev = dev_causes(inputs.layers, inputs.stacked.visible, [(i, line) for i, _layer, line in _own(inputs)],
                     by_line, inputs.model)
    edited = [*_caches(inputs), *_recommends(inputs, by_line), *((c, edit) for c, edit in dev if edit)]
    causes = [*_suggested(inputs, by_line, edited), *(c for c, edit in dev if not edit), *_toolchain(inputs, by_line),
              *_shadowed(inputs), *_context_junk(inputs, by_line), *_duplicates(inputs)]
    return tuple(sorted((c for c in causes if c.bytes >= MIN_CAUSE), key=lambda c: (-c.bytes, c.line or 0, c.kind)))


def _suggested(inputs: CauseInputs, by_line: dict[int, Instruction], edited: list[tuple[Cause, str]]) -> list[Cause]:
    """Causes fixed by an exact edit of their line, each suggesting the line with every such edit
    made: two suggestions on one line would undo each other."""
    edits: dict[int | None, list[str]] = {}
    for cause, edit in edited:
        if cause.bytes >= MIN_CAUSE:
            edits.setdefault(cause.line, []).append(edit)
    out = []
    for cause, _edit in edited:
        ins = by_line.get(cause.line) if cause.line is not None else None
        text = fixed_text(inputs.text, ins, edits.get(cause.line, ())) if ins is not None and inputs.text else None
        out.append(replace(cause, suggestion=text))
    return out


def _recommends(inputs: CauseInputs, by_line: dict[int, Instruction]) -> list[tuple[Cause, str]]:
    causes = []
    for index, _layer, line in _own(inputs):
        ins = by_line.get(line)
        if ins is None or not installs_recommends(ins):
            continue
        found = layer_recommends(inputs.layers, index)
        if found is None or not found.packages:
            continue
        names = ", ".join(f"{name} ({format_size(size)})" for name, size in found.packages[:_SAMPLE + 2])
        more = f" and {len(found.packages) - _SAMPLE - 2} more" if len(found.packages) > _SAMPLE + 2 else ""
        causes.append((Cause(
            kind="no-install-recommends", line=line, bytes=found.bytes,
            message=f"apt-get install without --no-install-recommends: {len(found.packages)} packages installed only "
                    f"as recommendations, {format_size(found.bytes)} by dpkg's Installed-Size (what their "
                    f"maintainer scripts write comes on top): {names}{more}",
            fix="add --no-install-recommends to apt-get install, and name the recommended packages you need",
        ), RECOMMENDS))
    return causes


def _instructions(model: DockerfileModel) -> dict[int, Instruction]:
    return {ins.line: ins for stage in model.stages for ins in stage.instructions}


def _own(inputs: CauseInputs) -> list[tuple[int, LayerSummary, int]]:
    """(index, layer, line) of the user's layers whose line is known."""
    return [(i, layer, line) for i, layer in enumerate(inputs.layers)
            if i >= inputs.base_layers and i < len(inputs.lines) and (line := inputs.lines[i]) is not None]


def _caches(inputs: CauseInputs) -> list[tuple[Cause, str]]:
    sizes: dict[tuple[int, str], int] = {}  # (line, cache) -> bytes the line's layers ship
    paths: dict[tuple[int, str], list[str]] = {}
    for _index, layer, line in _own(inputs):
        candidates = set(_CACHE_CANDIDATE.findall("\n".join(layer.paths)))
        if not candidates:
            continue
        for path, kind, size in zip(layer.paths, layer.kinds, layer.sizes, strict=True):
            if kind != FILE or not size or path not in candidates:
                continue
            cache = next((c.name for c in CACHES if c.paths.match(path)), None)
            if cache is not None:
                sizes[(line, cache)] = sizes.get((line, cache), 0) + size
                paths.setdefault((line, cache), []).append(path)
    fixes = {c.name: c.fix for c in CACHES}
    causes = []
    for (line, cache), size in sizes.items():
        found = paths[(line, cache)]
        causes.append((Cause(
            kind="package-cache", line=line, bytes=size,
            message=f"{cache}: {format_size(size)} in {len(found)} files written by line {line}",
            fix=fixes[cache], paths=tuple(sorted(found)[:_SAMPLE]),
        ), cache))
    return causes


def _toolchain(inputs: CauseInputs, by_line: dict[int, Instruction]) -> list[Cause]:
    visible = inputs.stacked.visible
    causes = []
    for index, layer, line in _own(inputs):
        ins = by_line.get(line)
        if ins is None or ins.keyword != "RUN":
            continue  # a COPY of built artifacts is the fix, not the cause
        found = {m.group(0) for m in _TOOLCHAIN.finditer("\n".join(layer.paths))}
        if not found:
            continue
        size, paths = 0, []
        for path, kind, bytes_ in zip(layer.paths, layer.kinds, layer.sizes, strict=True):
            if kind == FILE and path in found and visible.get(path, (0, -1))[1] == index:
                size += bytes_
                paths.append(path)
        if paths:
            causes.append(Cause(
                kind="dev-toolchain", line=line, bytes=size,
                message=f"build toolchain in production: {format_size(size)} of compilers, headers, static "
                        f"libraries or build caches in {len(paths)} files installed by line {line}",
                fix="build in a builder stage and COPY --from it only the artifacts",
                paths=tuple(sorted(paths, key=lambda p: -visible[p][0])[:_SAMPLE]),
            ))
    return causes


def _shadowed(inputs: CauseInputs) -> list[Cause]:
    lines = inputs.lines
    causes = []
    for (writer, hider), (size, files) in inputs.stacked.hidden.items():
        if hider < inputs.base_layers or size < MIN_SHADOWED or writer == hider:
            continue
        hider_line = lines[hider] if hider < len(lines) else None
        writer_line = lines[writer] if writer < len(lines) else None
        if hider_line is None:
            continue
        if writer_line is None or writer < inputs.base_layers:
            where, fix = "the base image", "remove them in a stage that does not ship, or pick a base without them"
            line = hider_line
        else:
            where = f"line {writer_line}"
            fix = f"remove them in the same RUN that writes them (line {writer_line}), or build them in a builder stage"
            line = writer_line
        causes.append(Cause(
            kind="shadowed", line=line, other_line=hider_line, bytes=size,
            message=f"{format_size(size)} in {files} files written by {where} and deleted or overwritten by line "
                    f"{hider_line}: the older versions still ship in {where}'s layer",
            fix=fix,
        ))
    return causes


def _context_junk(inputs: CauseInputs, by_line: dict[int, Instruction]) -> list[Cause]:
    causes = []
    for _index, layer, line in _own(inputs):
        ins = by_line.get(line)
        if ins is None or ins.keyword not in ("COPY", "ADD") or ins.flag("from"):
            continue
        found: dict[str, list[int]] = {}
        for path, kind, size in zip(layer.paths, layer.kinds, layer.sizes, strict=True):
            if kind != FILE:
                continue
            parts = path.split("/")
            junk = next((i for i, part in enumerate(parts) if part in JUNK_DIRS), None)
            if junk is not None:
                slot = found.setdefault("/".join(parts[: junk + 1]), [0, 0])
                slot[0] += size
                slot[1] += 1
        for folder, (size, files) in found.items():
            name = posixpath.basename(folder)
            causes.append(Cause(
                kind="context-junk", line=line, bytes=size,
                message=f"{folder}: {format_size(size)} in {files} files copied from the build context by line {line}",
                fix=f"add `{name}` to .dockerignore" if name == ".git" else f"add `**/{name}` to .dockerignore",
                paths=(folder,),
            ))
    return causes


def _duplicates(inputs: CauseInputs) -> list[Cause]:
    visible = inputs.stacked.visible
    seen: dict[tuple[str, int, int], list[tuple[str, int]]] = {}
    for index, layer in enumerate(inputs.layers):
        for position, size in enumerate(layer.sizes):
            if size < MIN_DUPLICATE or layer.kinds[position] != FILE:
                continue
            path = layer.paths[position]
            if visible.get(path, (0, -1))[1] != index:
                continue
            key = (posixpath.basename(path), size, layer.mtimes[position])
            seen.setdefault(key, []).append((path, index))
    causes = []
    for (_name, size, _mtime), copies in seen.items():
        if len(copies) < 2:
            continue
        copies.sort(key=lambda c: (c[1], c[0]))
        last_layer = copies[-1][1]
        line = inputs.lines[last_layer] if last_layer < len(inputs.lines) else None
        if last_layer < inputs.base_layers or line is None:
            continue
        paths = tuple(p for p, _ in copies)
        causes.append(Cause(
            kind="duplicate-file", line=line, bytes=size * (len(copies) - 1),
            message=f"{format_size(size)} file present {len(copies)} times (same name, size and time): "
                    + ", ".join(paths[:_SAMPLE]),
            fix="copy it once and point the others at it (a symlink), or keep only one",
            paths=paths[:_SAMPLE],
        ))
    return causes
