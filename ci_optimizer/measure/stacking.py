"""Stack the layer summaries into the final image and account for every byte. Pure.

The layers are applied in order as overlayfs (and the OCI image spec's changeset rules) would:
first a layer's deletions (whiteouts, opaque directories) against the layers below, then its
entries; an entry replaces whatever was at its path, and a non-directory replacing a directory
hides everything under it. Each regular-file version that leaves the stack this way is wasted:
its bytes are still shipped in a lower layer but nobody can see them. It is counted once, against
the layer that hid it, which is what tells the user's own waste from the base image's.

dive counts differently: every version of a path that appears in two layers, the visible one
included, and a deleted file twice (its bytes and its whiteout's), so its figure is higher.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ci_optimizer.measure.summary import DIR, FILE, HARD, LINK, OPAQUE, WHITEOUT, LayerSummary
from ci_optimizer.model.image_model import ImageAnalysis, LayerAnalysis, PathSize, WastedPath
from ci_optimizer.model.results import TargetResult
from ci_optimizer.model.step_results import CompressedSize

TOP = 10
_SHIPPED = frozenset({FILE, LINK, HARD})
_SHIFT = 32  # a stack entry is (layer index << 32) | entry index, one int per path


@dataclass(frozen=True, kw_only=True)
class _Tally:
    added: int
    modified: int
    deleted: int
    wasted: int


class _Stack:
    def __init__(self, layers: Sequence[LayerSummary], base_layers: int) -> None:
        self.layers = layers
        self.base_layers = base_layers
        self.current: dict[str, int] = {}
        self.children: dict[str, set[str]] = {}
        self.wasted: dict[tuple[str, int], list[int]] = {}  # (path, layer) -> [bytes, versions, reason]
        self.wasted_by_layer = [0] * len(layers)
        self.pairs: dict[tuple[int, int], list[int]] = {}  # (writer layer, hiding layer) -> [bytes, files]
        self.deleted = 0

    def _hide(self, ref: int, by: int, cause: str, reason: int) -> None:
        """A version leaves the stack: count its bytes against layer `by`, under `cause`."""
        layer = self.layers[ref >> _SHIFT]
        index = ref & 0xFFFFFFFF
        if layer.kinds[index] != FILE:
            return
        size = layer.sizes[index]
        if not size:
            return
        self.wasted_by_layer[by] += size
        pair = self.pairs.get((ref >> _SHIFT, by))
        if pair is None:
            self.pairs[(ref >> _SHIFT, by)] = [size, 1]
        else:
            pair[0] += size
            pair[1] += 1
        slot = self.wasted.get((cause, by))
        if slot is None:
            self.wasted[(cause, by)] = [size, 1, reason]
        else:
            slot[0] += size
            slot[1] += 1

    def _remove_tree(self, root: str, by: int, *, keep_root: bool) -> None:
        """Remove everything under `root`, and root itself unless keep_root (an opaque directory)."""
        current, children, layers = self.current, self.children, self.layers
        stack = list(children.pop(root, ())) if keep_root else [root]
        while stack:
            path = stack.pop()
            ref = current.pop(path, None)
            if ref is not None:
                if layers[ref >> _SHIFT].kinds[ref & 0xFFFFFFFF] != DIR:
                    self.deleted += 1
                self._hide(ref, by, root, _DELETED)
            kids = children.pop(path, None)
            if kids:
                stack.extend(kids)
        if not keep_root:
            siblings = children.get(root[: root.rfind("/")] or "/")
            if siblings is not None:
                siblings.discard(root)

    def apply(self, number: int) -> _Tally:
        layer = self.layers[number]
        current, children = self.current, self.children
        paths, kinds, sizes, mtimes, metas = layer.paths, layer.kinds, layer.sizes, layer.mtimes, layer.metas
        self.deleted = 0
        if WHITEOUT in kinds or OPAQUE in kinds:  # a C scan: most layers delete nothing
            for index, kind in enumerate(kinds):
                if kind == WHITEOUT:
                    self._remove_tree(paths[index], number, keep_root=False)
                elif kind == OPAQUE:
                    self._remove_tree(paths[index], number, keep_root=True)
        added = modified = 0
        base = number << _SHIFT
        for index, kind in enumerate(kinds):
            if kind in (WHITEOUT, OPAQUE):
                continue
            path = paths[index]
            if kind != DIR and path in children:
                self._remove_tree(path, number, keep_root=True)  # a non-directory hides the directory below
            old = current.get(path)
            if old is None:
                if kind != DIR:
                    added += 1
                parent = path[: path.rfind("/")] or "/"
                kids = children.get(parent)
                if kids is None:
                    self._ensure_dir(parent)
                    kids = children[parent] = set()
                kids.add(path)
            else:
                old_layer = self.layers[old >> _SHIFT]
                old_index = old & 0xFFFFFFFF
                old_kind = old_layer.kinds[old_index]
                if kind != DIR:
                    modified += 1
                if old_kind == FILE:
                    same = (
                        kind == FILE
                        and sizes[index] == old_layer.sizes[old_index]
                        and mtimes[index] == old_layer.mtimes[old_index]
                        and metas[index] != old_layer.metas[old_index]
                    )
                    self._hide(old, number, path, _COPIED_UP if same else _OVERWRITTEN)
            current[path] = base | index
        return _Tally(added=added, modified=modified, deleted=self.deleted, wasted=self.wasted_by_layer[number])

    def _ensure_dir(self, path: str) -> None:
        """A parent the tar did not list (layers need not carry their directories)."""
        while path != "/":
            parent = path[: path.rfind("/")] or "/"
            kids = self.children.get(parent)
            if kids is not None:
                kids.add(path)
                return
            self.children[parent] = {path}
            path = parent


_DELETED, _OVERWRITTEN, _COPIED_UP = 0, 1, 2
_REASONS = ("deleted", "overwritten", "copied-up")


def analyze_layers(layers: Sequence[LayerSummary], *, base_layers: int, cached_layers: int = 0) -> ImageAnalysis:
    """The whole-image accounting for layers oldest first; the first `base_layers` are the base image's."""
    base_layers = max(0, min(base_layers, len(layers)))
    stack = _Stack(layers, base_layers)
    tallies = [stack.apply(number) for number in range(len(layers))]
    largest: list[tuple[int, str, int]] = []  # a heap of the TOP largest visible files
    dir_bytes: dict[str, list[int]] = {}  # directory -> [bytes, files] of the files right in it
    visible = files = 0
    for path, ref in stack.current.items():
        layer = layers[ref >> _SHIFT]
        index = ref & 0xFFFFFFFF
        if layer.kinds[index] != FILE:
            continue
        size = layer.sizes[index]
        visible += size
        files += 1
        if len(largest) < TOP:
            heapq.heappush(largest, (size, path, ref >> _SHIFT))
        elif size > largest[0][0]:
            heapq.heapreplace(largest, (size, path, ref >> _SHIFT))
        parent = path[: path.rfind("/")] or "/"
        slot = dir_bytes.get(parent)
        if slot is None:
            dir_bytes[parent] = [size, 1]
        else:
            slot[0] += size
            slot[1] += 1
    total = sum(sum(layer.sizes) for layer in layers)
    wasted = sum(stack.wasted_by_layer)
    own_wasted = sum(stack.wasted_by_layer[base_layers:])
    layer_rows = tuple(
        LayerAnalysis(
            index=number,
            diff_id=layer.diff_id,
            from_base=number < base_layers,
            tar_bytes=layer.tar_bytes,
            file_bytes=sum(layer.sizes),
            compressed_bytes=layer.compressed.bytes,
            compressed_exact=layer.compressed.exact,
            files_added=tally.added,
            files_modified=tally.modified,
            files_deleted=tally.deleted,
            wasted_bytes=tally.wasted,
        )
        for number, (layer, tally) in enumerate(zip(layers, tallies, strict=True))
    )
    return ImageAnalysis(
        total_bytes=total,
        visible_bytes=visible,
        wasted_bytes=wasted,
        own_bytes=sum(sum(layer.sizes) for layer in layers[base_layers:]),
        own_wasted_bytes=own_wasted,
        efficiency=1.0 - wasted / total if total else 1.0,
        base_layers=base_layers,
        files=files,
        compressed_bytes=sum(row.compressed_bytes for row in layer_rows),
        compressed_exact=all(row.compressed_exact for row in layer_rows),
        layers=layer_rows,
        top_wasted=_top_wasted(stack.wasted, base_layers),
        largest_files=tuple(
            PathSize(path=path, size_bytes=size, layer=number)
            for size, path, number in sorted(largest, reverse=True)
        ),
        largest_dirs=_largest_dirs(dir_bytes),
        cached_layers=cached_layers,
    )


@dataclass(frozen=True, kw_only=True)
class Stacked:
    """The final image's files and links, path -> (bytes, layer index), links 0 bytes; and the
    file bytes each layer hid in an older one: (writer layer, hiding layer) -> [bytes, files]."""

    visible: dict[str, tuple[int, int]]
    hidden: dict[tuple[int, int], list[int]]


def stack_layers(layers: Sequence[LayerSummary]) -> Stacked:
    """Stack by the same rules as analyze_layers (whiteouts, opaque directories, a file hiding a
    directory), in O(paths)."""
    stack = _Stack(layers, 0)
    for number in range(len(layers)):
        stack.apply(number)
    visible: dict[str, tuple[int, int]] = {}
    for path, ref in stack.current.items():
        number = ref >> _SHIFT
        layer = layers[number]
        index = ref & 0xFFFFFFFF
        kind = layer.kinds[index]
        if kind in _SHIPPED:
            visible[path] = (layer.sizes[index] if kind == FILE else 0, number)
    return Stacked(visible=visible, hidden=stack.pairs)


def visible_files(layers: Sequence[LayerSummary]) -> dict[str, int]:
    """Every file and link of the final image with its bytes (links: 0); see stack_layers."""
    return {path: size for path, (size, _layer) in stack_layers(layers).visible.items()}


def _top_wasted(wasted: dict[tuple[str, int], list[int]], base_layers: int) -> tuple[WastedPath, ...]:
    top = heapq.nlargest(TOP, wasted.items(), key=lambda item: (item[1][0], item[0]))
    return tuple(
        WastedPath(
            path=path, size_bytes=size, layer=layer, reason=_REASONS[reason], versions=versions,  # type: ignore[arg-type]
            from_base=layer < base_layers,
        )
        for (path, layer), (size, versions, reason) in top
    )


def _largest_dirs(dir_bytes: dict[str, list[int]]) -> tuple[PathSize, ...]:
    """Directories by the bytes of every visible file under them (the root left out: it is the image)."""
    totals: dict[str, list[int]] = {}
    for directory, (size, count) in dir_bytes.items():
        path = directory
        while True:
            slot = totals.get(path)
            if slot is None:
                totals[path] = [size, count]
            else:
                slot[0] += size
                slot[1] += count
            if path == "/":
                break
            path = path[: path.rfind("/")] or "/"
    totals.pop("/", None)
    top = heapq.nlargest(TOP, totals.items(), key=lambda item: (item[1][0], item[0]))
    return tuple(PathSize(path=path, size_bytes=size, files=count) for path, (size, count) in top)


def with_analysis(target: TargetResult, analysis: ImageAnalysis) -> TargetResult:
    """The target with its analysis, which also holds the registry (gzip) size it measured."""
    compressed = CompressedSize(bytes=analysis.compressed_bytes, exact=analysis.compressed_exact)
    return replace(target, analysis=analysis, compressed=compressed)
