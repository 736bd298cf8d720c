"""The files the checklist looks for, from the layer summaries the analysis already made. Pure.

`final_files`: every file and link visible in the final image, with its bytes (links: 0), stacked
by the analysis' own rules (`measure.stacking.visible_files`).
`layer_files`: per layer, the files and links it ships, whiteouts left out (a deleted key file
still ships in the layer that added it; its deletion does not).
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.judge.checks.inputs import LayerFiles
from ci_optimizer.measure.alignment import from_base, layer_lines
from ci_optimizer.measure.stacking import visible_files as final_files
from ci_optimizer.measure.summary import FILE, HARD, LINK, LayerSummary
from ci_optimizer.model.image_model import Layer

SHIPPED = frozenset({FILE, LINK, HARD})


def layer_files(
    summaries: Sequence[LayerSummary], rows: Sequence[Layer | None], base_layers: int
) -> tuple[LayerFiles, ...]:
    """Per layer (oldest first), with its Dockerfile line from `rows`, its history entry as
    measure/alignment.py aligned it (None: no line; its place then says whether it is the base's)."""
    lines, base = layer_lines(rows), from_base(rows, base_layers)
    return tuple(
        LayerFiles(
            paths=frozenset(p for p, k in zip(s.paths, s.kinds, strict=True) if k in SHIPPED),
            line=lines[i],
            from_base=base[i],
        )
        for i, s in enumerate(summaries)
    )


__all__ = ["final_files", "layer_files"]
