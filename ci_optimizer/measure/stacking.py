"""Stack the layer summaries into the final image and account for every byte. Pure.

The stacking itself (whiteouts, opaque directories, a file hiding a directory, and the wasted
versions each layer hides) is measure/layerstack.py; this is the whole-image accounting on it.

dive counts differently: every version of a path that appears in two layers, the visible one
included, and a deleted file twice (its bytes and its whiteout's), so its figure is higher.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ci_optimizer.measure.layerstack import REASONS, LayerStack, add_to_parent, final_entries
from ci_optimizer.measure.summary import FILE, HARD, LINK, LayerSummary
from ci_optimizer.model.image_model import ImageAnalysis, LayerAnalysis, PathSize, WastedPath
from ci_optimizer.model.results import TargetResult
from ci_optimizer.model.step_results import CompressedSize

TOP = 10
_SHIPPED = frozenset({FILE, LINK, HARD})


def analyze_layers(layers: Sequence[LayerSummary], *, base_layers: int, cached_layers: int = 0) -> ImageAnalysis:
    """The whole-image accounting for layers oldest first; the first `base_layers` are the base image's."""
    return analyze_stacked(layers, base_layers=base_layers, cached_layers=cached_layers)[0]


def analyze_stacked(
    layers: Sequence[LayerSummary], *, base_layers: int, cached_layers: int = 0
) -> tuple[ImageAnalysis, Stacked]:
    """analyze_layers, and the stacking it made (what stack_layers returns): the path diff and the
    cause detectors read it instead of stacking the layers a second time."""
    base_layers = max(0, min(base_layers, len(layers)))
    stack = LayerStack(layers, base_layers)
    tallies = [stack.apply(number) for number in range(len(layers))]
    largest: list[tuple[int, str, int]] = []  # a heap of the TOP largest visible files
    dir_bytes: dict[str, list[int]] = {}  # directory -> [bytes, files] of the files right in it
    visible = files = 0
    shipped: dict[str, tuple[int, int]] = {}
    for path, number, kind, size in final_entries(stack, layers):
        if kind != FILE:
            if kind in _SHIPPED:
                shipped[path] = (0, number)
            continue
        shipped[path] = (size, number)
        visible += size
        files += 1
        if len(largest) < TOP:
            heapq.heappush(largest, (size, path, number))
        elif size > largest[0][0]:
            heapq.heapreplace(largest, (size, path, number))
        add_to_parent(dir_bytes, path, size)
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
    analysis = ImageAnalysis(
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
    return analysis, Stacked(visible=shipped, hidden=stack.pairs)


@dataclass(frozen=True, kw_only=True)
class Stacked:
    """The final image's files and links, path -> (bytes, layer index), links 0 bytes; and the
    file bytes each layer hid in an older one: (writer layer, hiding layer) -> [bytes, files]."""

    visible: dict[str, tuple[int, int]]
    hidden: dict[tuple[int, int], list[int]]


def stack_layers(layers: Sequence[LayerSummary]) -> Stacked:
    """Stack by the same rules as analyze_layers (whiteouts, opaque directories, a file hiding a
    directory), in O(paths)."""
    stack = LayerStack(layers, 0)
    for number in range(len(layers)):
        stack.apply(number)
    visible = {path: (size if kind == FILE else 0, number)
               for path, number, kind, size in final_entries(stack, layers) if kind in _SHIPPED}
    return Stacked(visible=visible, hidden=stack.pairs)


def visible_files(layers: Sequence[LayerSummary]) -> dict[str, int]:
    """Every file and link of the final image with its bytes (links: 0); see stack_layers."""
    return {path: size for path, (size, _layer) in stack_layers(layers).visible.items()}


def _top_wasted(wasted: dict[tuple[str, int], list[int]], base_layers: int) -> tuple[WastedPath, ...]:
    top = heapq.nlargest(TOP, wasted.items(), key=lambda item: (item[1][0], item[0]))
    return tuple(
        WastedPath(
            path=path, size_bytes=size, layer=layer, reason=REASONS[reason], versions=versions,  # type: ignore[arg-type]
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
