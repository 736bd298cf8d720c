"""The files the checklist looks for, from the layer summaries the analysis already made. Pure.

`final_files`: every file and link visible in the final image, with its bytes (links: 0), stacked
by the analysis' own rules (`analyze.image.visible_files`).
`layer_files`: per layer, the files and links it ships, whiteouts left out (a deleted key file
still ships in the layer that added it; its deletion does not).
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.judge.checks.inputs import LayerFiles
from ci_optimizer.measure.stacking import visible_files as final_files
from ci_optimizer.measure.summary import FILE, HARD, LINK, LayerSummary
from ci_optimizer.model.image_model import Layer

SHIPPED = frozenset({FILE, LINK, HARD})


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


__all__ = ["final_files", "layer_files"]
