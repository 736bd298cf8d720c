"""Which history entry made which layer: the image's layers aligned with its history. Pure.

The history (measure/history.py, `Layer`) is not one entry per layer. It leaves out the zero-size
entries that are not RUN/COPY/ADD, yet BuildKit writes a layer for a WORKDIR (the directory and
nothing else); and a RUN that changed nothing has an entry of size 0 but, with BuildKit, no layer.
So layers and entries are matched in order, and two kinds may go unmatched:
- a layer of directories only (or of nothing): a WORKDIR's, a base image's;
- an entry of size 0.
A layer that ships file bytes never matches an entry of size 0 (the engine ignores only
directories when it sizes a layer). Of every alignment these rules allow, a layer gets an entry
only when all of them agree on it: an ambiguity costs the lines of the layers it touches, and the
layers it can touch are directory-only ones, which ship no bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.measure.summary import DIR, LayerSummary
from ci_optimizer.model.image_model import Layer


def align_history(summaries: Sequence[LayerSummary], details: Sequence[Layer]) -> tuple[Layer | None, ...]:
    """Each layer's history entry (oldest first), None where it has none or the history is ambiguous."""
    n, m = len(summaries), len(details)
    dirs_only = [s.kinds.count(DIR) == len(s.kinds) for s in summaries]
    has_bytes = [any(s.sizes) for s in summaries]

    def fits(i: int, j: int) -> bool:
        return not (has_bytes[i] and details[j].size_bytes == 0)

    def quiet(j: int) -> bool:
        return details[j].size_bytes == 0

    # ahead[i][j]: layers[:i] align with details[:j]; behind[i][j]: layers[i:] with details[j:].
    ahead = [[False] * (m + 1) for _ in range(n + 1)]
    ahead[0][0] = True
    for i in range(n + 1):
        for j in range(m + 1):
            if not ahead[i][j]:
                continue
            if i < n and j < m and fits(i, j):
                ahead[i + 1][j + 1] = True
            if i < n and dirs_only[i]:
                ahead[i + 1][j] = True
            if j < m and quiet(j):
                ahead[i][j + 1] = True
    if not ahead[n][m]:
        return (None,) * n
    behind = [[False] * (m + 1) for _ in range(n + 1)]
    behind[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if (i, j) != (n, m):
                behind[i][j] = (
                    (i < n and j < m and fits(i, j) and behind[i + 1][j + 1])
                    or (i < n and dirs_only[i] and behind[i + 1][j])
                    or (j < m and quiet(j) and behind[i][j + 1])
                )
    rows: list[Layer | None] = []
    for i in range(n):
        matched = {j for j in range(m) if ahead[i][j] and fits(i, j) and behind[i + 1][j + 1]}
        skipped = dirs_only[i] and any(ahead[i][j] and behind[i + 1][j] for j in range(m + 1))
        rows.append(details[matched.pop()] if len(matched) == 1 and not skipped else None)
    return tuple(rows)


def layer_lines(rows: Sequence[Layer | None]) -> tuple[int | None, ...]:
    """Each layer's Dockerfile line, from its aligned history entry."""
    return tuple(row.line if row is not None else None for row in rows)


def from_base(rows: Sequence[Layer | None], base_layers: int) -> tuple[bool, ...]:
    """Whether each layer is the base image's: its history entry says so, else its place does."""
    return tuple(row.from_base if row is not None else i < base_layers for i, row in enumerate(rows))
