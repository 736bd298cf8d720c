"""Base against head, path by path, collapsed to where the bytes are. Pure.

Both sides come from the layer analysis' stacking (`stack_layers`): path -> (bytes, layer). Every
file whose bytes changed is counted; the report then shows directories rather than files where
the bytes are spread: a directory is split into its children only while one child holds at least
half of its change, so 2,000 new files under `/usr/lib/python3/dist-packages/numpy` read as that
one directory, and one new 40 MB file reads as that file. Growth and shrinkage are collapsed
separately, so they never cancel out in a directory.

A saved report carries only a path summary (`path_summary`): directory totals down to a bounded
depth and the large files. Against it the diff compares those totals (`diff_summary`).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from ci_optimizer.measure.layerstack import add_to_parent
from ci_optimizer.model.growth import PathChange, PathChangeKind, PathDiff, PathSummary, PathTotal

Visible = Mapping[str, tuple[int, int]]  # path -> (bytes, layer index)
Lines = Sequence[int | None]  # layer index -> Dockerfile line

SHARE = 0.5  # a directory is split into its children while one of them holds this much of its change
LIMIT = 20  # changes kept in the report
SUMMARY_DEPTH = 5  # /usr/lib/python3/dist-packages/numpy
SUMMARY_MIN_DIR = 64 * 1024
SUMMARY_MIN_FILE = 1024 * 1024
SUMMARY_MAX_ENTRIES = 2000


def _parent(path: str) -> str:
    return path[: path.rfind("/")] or "/"


def _depth(path: str) -> int:
    return path.count("/") if path != "/" else 0


def path_summary(visible: Visible, *, depth: int = SUMMARY_DEPTH, min_dir: int = SUMMARY_MIN_DIR,
                 min_file: int = SUMMARY_MIN_FILE, max_entries: int = SUMMARY_MAX_ENTRIES) -> PathSummary:
    """Directory totals down to `depth` components (at least `min_dir`) and every file of `min_file` or more."""
    per_dir: dict[str, list[int]] = {}
    large: list[PathTotal] = []
    for path, (size, _layer) in visible.items():
        if size >= min_file:
            large.append(PathTotal(path=path, size_bytes=size, is_dir=False))
        add_to_parent(per_dir, path, size)
    totals: dict[str, list[int]] = {}
    for directory, (size, count) in per_dir.items():
        path = directory
        while _depth(path) > depth:
            path = _parent(path)
        while path != "/":
            slot = totals.get(path)
            if slot is None:
                totals[path] = [size, count]
            else:
                slot[0] += size
                slot[1] += count
            path = _parent(path)
    dirs = [PathTotal(path=p, size_bytes=s, files=n) for p, (s, n) in totals.items() if s >= min_dir]
    entries = heapq.nlargest(max_entries, [*dirs, *large], key=lambda e: (e.size_bytes, e.path))
    return PathSummary(depth=depth, min_dir_bytes=min_dir, min_file_bytes=min_file,
                       entries=tuple(sorted(entries, key=lambda e: e.path)))


class _Side:
    """One direction of change (growth or shrinkage): magnitudes per path, every ancestor included."""

    def __init__(self) -> None:
        self.total: dict[str, int] = {}
        self.files: dict[str, int] = {}
        self.children: dict[str, set[str]] = {}
        self.by_line: dict[str, dict[int | None, int]] = {}
        self.leaf_dirs: set[str] = set()  # summary entries at the depth limit: never split

    def add(self, path: str, amount: int, files: int, line: int | None, *, propagate: bool = True) -> None:
        node = path
        while True:
            self.total[node] = self.total.get(node, 0) + amount
            self.files[node] = self.files.get(node, 0) + files
            lines = self.by_line.setdefault(node, {})
            lines[line] = lines.get(line, 0) + amount
            if node == "/" or not propagate:
                break
            parent = _parent(node)
            self.children.setdefault(parent, set()).add(node)
            node = parent

    def collapse(self, *, floor: int) -> list[str]:
        out: list[str] = []
        stack = ["/"]
        while stack:
            node = stack.pop()
            kids = [k for k in self.children.get(node, ()) if self.total.get(k, 0) > 0]
            if not kids or node in self.leaf_dirs:
                if node != "/":
                    out.append(node)
                continue
            if node == "/" or max(self.total[k] for k in kids) >= SHARE * self.total[node]:
                stack.extend(k for k in kids if self.total[k] >= floor)
            else:
                out.append(node)
        return out

    def line(self, node: str) -> int | None:
        lines = self.by_line.get(node) or {}
        known = {k: v for k, v in lines.items() if k is not None}
        return max(known, key=lambda k: (known[k], -k)) if known else None


def _changes(side: _Side, *, grow: bool, is_dir: set[str], present: set[str]) -> list[PathChange]:
    """`present`: paths (and their directories) on the other side, to tell added from grown."""
    total = side.total.get("/", 0)
    if total <= 0:
        return []
    out = []
    for path in side.collapse(floor=max(1, total // 100)):
        kind: PathChangeKind = ("grown" if path in present else "added") if grow else (
            "shrunk" if path in present else "removed")
        out.append(PathChange(path=path, kind=kind, delta_bytes=side.total[path] if grow else -side.total[path],
                              files=side.files[path], is_dir=path in is_dir, line=side.line(path)))
    return out


def _with_dirs(paths: Mapping[str, object]) -> set[str]:
    found = set(paths)
    for parent in {_parent(p) for p in paths}:
        node = parent
        while node not in found:
            found.add(node)
            if node == "/":
                break
            node = _parent(node)
    return found


def _finish(detail: str, grown: _Side, shrunk: _Side, changes: list[PathChange], note: str = "") -> PathDiff:
    top = sorted(changes, key=lambda c: (-abs(c.delta_bytes), c.path))[:LIMIT]
    return PathDiff(detail=detail, added_bytes=grown.total.get("/", 0),  # type: ignore[arg-type]
                    removed_bytes=shrunk.total.get("/", 0), changes=tuple(top), note=note)


def diff_files(base: Visible, head: Visible, *, base_lines: Lines, head_lines: Lines) -> PathDiff:
    """Every file whose bytes differ, collapsed; growth attributed to the head layer that holds it,
    shrinkage to the base layer that held it."""
    grown, shrunk = _Side(), _Side()
    for path, (size, layer) in head.items():
        old = base.get(path)
        delta = size - (old[0] if old is not None else 0)
        if delta > 0:
            grown.add(path, delta, 1, _line(head_lines, layer))
        elif delta < 0 and old is not None:
            shrunk.add(path, -delta, 1, _line(base_lines, old[1]))
    for path, (size, layer) in base.items():
        if size and path not in head:
            shrunk.add(path, size, 1, _line(base_lines, layer))
    changes = []
    if grown.total:
        changes += _changes(grown, grow=True, is_dir=set(grown.children), present=_with_dirs(base))
    if shrunk.total:
        changes += _changes(shrunk, grow=False, is_dir=set(shrunk.children), present=_with_dirs(head))
    return _finish("files", grown, shrunk, changes)


def diff_summary(base: PathSummary, head: Visible, *, head_lines: Lines) -> PathDiff:
    """Against a saved path summary: the head summarised the same way, entry by entry."""
    mine = path_summary(head, depth=base.depth, min_dir=base.min_dir_bytes, min_file=base.min_file_bytes)
    old = {e.path: e for e in base.entries}
    new = {e.path: e for e in mine.entries}
    dirs = {p for p, e in (*old.items(), *new.items()) if e.is_dir}
    grown, shrunk = _Side(), _Side()
    for path in sorted(old.keys() | new.keys(), key=_depth):
        before, after = old.get(path), new.get(path)
        delta = (after.size_bytes if after else 0) - (before.size_bytes if before else 0)
        count = abs((after.files if after else 0) - (before.files if before else 0))
        side = grown if delta > 0 else shrunk
        if delta:
            _attach(side, path, abs(delta), count)
            if path in dirs and _depth(path) >= base.depth:
                side.leaf_dirs.add(path)
    _attribute(grown, head, head_lines)
    changes = []
    if grown.total:
        changes += _changes(grown, grow=True, is_dir=dirs, present=set(old))
    if shrunk.total:
        changes += _changes(shrunk, grow=False, is_dir=dirs, present=set(new))
    note = (f"compared with the baseline's path summary: directories to depth {base.depth} of at least "
            f"{base.min_dir_bytes // 1024} KiB and files of at least {base.min_file_bytes // (1024 * 1024)} MiB")
    return _finish("summary", grown, shrunk, changes, note)


def _attach(side: _Side, path: str, amount: int, files: int) -> None:
    """A summary entry under its nearest changed ancestor entry (entries come shallowest first). A
    directory entry has its own total: its children's changes are not added to it again."""
    parent = _parent(path)
    while parent != "/" and parent not in side.total:
        parent = _parent(parent)
    side.total[path] = side.total.get(path, 0) + amount
    side.files[path] = side.files.get(path, 0) + files
    side.children.setdefault(parent, set()).add(path)
    if parent == "/":
        side.total["/"] = side.total.get("/", 0) + amount
        side.files["/"] = side.files.get("/", 0) + files


def _attribute(side: _Side, head: Visible, lines: Lines) -> None:
    """Lines for summary entries: the head layer holding most of the bytes under each."""
    nodes = set(side.total) - {"/"}
    if not nodes:
        return
    for path, (size, layer) in head.items():
        node = path
        line = _line(lines, layer)
        while node != "/":
            if node in nodes:
                slot = side.by_line.setdefault(node, {})
                slot[line] = slot.get(line, 0) + size
            node = _parent(node)


def _line(lines: Lines, layer: int) -> int | None:
    return lines[layer] if 0 <= layer < len(lines) else None


def layers_only(reason: str) -> PathDiff:
    """A baseline that knows per-layer totals only (a registry manifest, a schema-1 report)."""
    return PathDiff(detail="layers", note=f"{reason}: per-layer totals only, no path diff")
