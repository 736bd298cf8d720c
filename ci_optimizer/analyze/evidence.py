"""The files the checklist looks for, from the layer summaries the analysis already made. Pure.

`final_files`: every file and link visible in the final image, with its bytes (links: 0).
`layer_files`: per layer, the files and links it ships, whiteouts left out (a deleted key file
still ships in the layer that added it; its deletion does not).
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.analyze.layers import FILE, HARD, LINK, OPAQUE, WHITEOUT, LayerSummary
from ci_optimizer.checks.model import LayerFiles
from ci_optimizer.report import Layer

SHIPPED = frozenset({FILE, LINK, HARD})


def final_files(summaries: Sequence[LayerSummary]) -> dict[str, int]:
    visible: dict[str, int] = {}
    for summary in summaries:
        # A layer's whiteouts and opaque markers hide what the layers below hold, not its own entries.
        for path, kind in zip(summary.paths, summary.kinds, strict=True):
            if kind == WHITEOUT:
                _remove(visible, path, keep_root=False)
            elif kind == OPAQUE:
                _remove(visible, path, keep_root=True)
        for path, kind, size in zip(summary.paths, summary.kinds, summary.sizes, strict=True):
            if kind in SHIPPED:
                visible[path] = size if kind == FILE else 0
    return visible


def layer_files(
    summaries: Sequence[LayerSummary], details: Sequence[Layer], base_layers: int
) -> tuple[LayerFiles, ...]:
    """Per layer (oldest first); Dockerfile lines where the history lines up one-to-one with the layers."""
    aligned = len(details) == len(summaries)
    return tuple(
        LayerFiles(
            paths=frozenset(p for p, k in zip(s.paths, s.kinds, strict=True) if k in SHIPPED),
            line=details[i].line if aligned else None,
            from_base=details[i].from_base if aligned else i < base_layers,
        )
        for i, s in enumerate(summaries)
    )


def _remove(visible: dict[str, int], path: str, *, keep_root: bool) -> None:
    if not keep_root:
        visible.pop(path, None)
    prefix = path.rstrip("/") + "/"
    for name in [name for name in visible if name.startswith(prefix)]:
        del visible[name]
