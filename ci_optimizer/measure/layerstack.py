"""The stacking engine: layers applied in order as overlayfs (and the OCI image spec's changeset
rules) would. Pure.

First a layer's deletions (whiteouts, opaque directories) against the layers below, then its
entries; an entry replaces whatever was at its path, and a non-directory replacing a directory
hides everything under it. Each regular-file version that leaves the stack this way is wasted:
its bytes are still shipped in a lower layer but nobody can see them. It is counted once, against
the layer that hid it, which is what tells the user's own waste from the base image's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ci_optimizer.measure.summary import DIR, FILE, OPAQUE, WHITEOUT, LayerSummary

SHIFT = 32  # a stack entry is (layer index << 32) | entry index, one int per path


@dataclass(frozen=True, kw_only=True)
class Tally:
    added: int
    modified: int
    deleted: int
    wasted: int


class LayerStack:
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
        layer = self.layers[ref >> SHIFT]
        index = ref & 0xFFFFFFFF
        if layer.kinds[index] != FILE:
            return
        size = layer.sizes[index]
        if not size:
            return
        self.wasted_by_layer[by] += size
        pair = self.pairs.get((ref >> SHIFT, by))
        if pair is None:
            self.pairs[(ref >> SHIFT, by)] = [size, 1]
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
                if layers[ref >> SHIFT].kinds[ref & 0xFFFFFFFF] != DIR:
                    self.deleted += 1
                self._hide(ref, by, root, DELETED)
            kids = children.pop(path, None)
            if kids:
                stack.extend(kids)
        if not keep_root:
            siblings = children.get(root[: root.rfind("/")] or "/")
            if siblings is not None:
                siblings.discard(root)

    def apply(self, number: int) -> Tally:
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
        base = number << SHIFT
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
                old_layer = self.layers[old >> SHIFT]
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
                    self._hide(old, number, path, COPIED_UP if same else OVERWRITTEN)
            current[path] = base | index
        return Tally(added=added, modified=modified, deleted=self.deleted, wasted=self.wasted_by_layer[number])

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


DELETED, OVERWRITTEN, COPIED_UP = 0, 1, 2
REASONS = ("deleted", "overwritten", "copied-up")


def final_entries(stack: LayerStack, layers: Sequence[LayerSummary]) -> Iterator[tuple[str, int, int, int]]:
    """(path, layer number, kind, size) of every path the stacked image shows."""
    for path, ref in stack.current.items():
        number = ref >> SHIFT
        layer = layers[number]
        index = ref & 0xFFFFFFFF
        yield path, number, layer.kinds[index], layer.sizes[index]


def add_to_parent(per_dir: dict[str, list[int]], path: str, size: int) -> None:
    """Count a file's bytes into [bytes, files] of the directory right above it."""
    parent = path[: path.rfind("/")] or "/"
    slot = per_dir.get(parent)
    if slot is None:
        per_dir[parent] = [size, 1]
    else:
        slot[0] += size
        slot[1] += 1
