"""The head against the base's image in a registry: compressed to compressed, layers by diff ID. Pure.

A registry stores layers compressed and its manifest gives their exact sizes, so the comparison is
made on that basis (`Comparison.basis == "compressed"`): the head's compressed size is its
analysis's gzip measure for its own new layers and the registry's exact size for every layer the
base already has (same diff ID, same content; BuildKit pushes the blob it made once). A diff ID on
both sides is unchanged; a head layer the base lacks is new, attributed to the Dockerfile line that
made it; a base layer the head lacks is gone, named by the base's history.

A target that was not analysed is compared from its diff IDs alone when every one of its layers is
in the base's image (the stages a pull request did not touch, built from cache): its compressed
size is then the registry's exact sizes, no export or gzip estimate needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ci_optimizer.compare.deltas import layer_key
from ci_optimizer.model.remote_image import RemoteImage
from ci_optimizer.model.results import TargetResult
from ci_optimizer.model.step_results import Comparison, CompressedSize, LayerChange
from ci_optimizer.sizes import percent_change


def all_in(diff_ids: Sequence[str], image: RemoteImage) -> bool:
    """Every layer of the head (counted with repeats) is one of the base image's."""
    return not Counter(diff_ids) - Counter(layer.diff_id for layer in image.layers)


def compare_with_image(target: TargetResult, image: RemoteImage, diff_ids: Sequence[str] = ()) -> TargetResult:
    """`target` with its comparison against `image` (and its compressed size on the same basis).

    `diff_ids` (the head's layers, from the engine) compare a target that was not analysed; they
    are used only when every one of them is in `image`."""
    base_bytes = image.compressed_bytes
    analysis = target.analysis
    if target.status == "built" and analysis is None and diff_ids and all_in(diff_ids, image):
        return _unchanged_layers(target, image, diff_ids)
    if target.status != "built" or analysis is None:
        # no analysis, no compressed size: the base is known but nothing compares with it
        return replace(target, comparison=Comparison(base_status="built", base_size_bytes=base_bytes,
                                                     basis="compressed"))
    exact_sizes: dict[str, int] = {layer.diff_id: layer.compressed_bytes for layer in image.layers}
    unmatched = Counter(layer.diff_id for layer in image.layers)
    aligned = len(target.layer_details) == len(analysis.layers)
    head_bytes = 0
    exact = True
    changes: list[LayerChange] = []
    for i, layer in enumerate(analysis.layers):
        if unmatched[layer.diff_id] > 0:
            unmatched[layer.diff_id] -= 1
            head_bytes += exact_sizes[layer.diff_id]
            continue
        head_bytes += layer.compressed_bytes
        exact = exact and layer.compressed_exact
        detail = target.layer_details[i] if aligned else None
        changes.append(LayerChange(
            kind="new", created_by=layer_key(detail.created_by) if detail else f"layer {i + 1}",
            base_bytes=None, head_bytes=layer.compressed_bytes, delta_bytes=layer.compressed_bytes,
            line=detail.line if detail else None, from_base=detail.from_base if detail else layer.from_base,
        ))
    changes += _gone(image, unmatched)
    comparison = Comparison(
        base_status="built", base_size_bytes=base_bytes, delta_bytes=head_bytes - base_bytes,
        delta_percent=percent_change(base_bytes, head_bytes), layer_changes=tuple(changes), basis="compressed",
    )
    return replace(target, comparison=comparison, compressed=CompressedSize(bytes=head_bytes, exact=exact))


def _unchanged_layers(target: TargetResult, image: RemoteImage, diff_ids: Sequence[str]) -> TargetResult:
    """Every head layer is the base's: exact sizes, and the base's other layers are gone."""
    sizes = {layer.diff_id: layer.compressed_bytes for layer in image.layers}
    unmatched = Counter(layer.diff_id for layer in image.layers)
    unmatched.subtract(diff_ids)
    head_bytes = sum(sizes[d] for d in diff_ids)
    changes = _gone(image, unmatched)
    base_bytes = image.compressed_bytes
    comparison = Comparison(
        base_status="built", base_size_bytes=base_bytes, delta_bytes=head_bytes - base_bytes,
        delta_percent=percent_change(base_bytes, head_bytes), layer_changes=tuple(changes), basis="compressed",
    )
    return replace(target, comparison=comparison, compressed=CompressedSize(bytes=head_bytes, exact=True))


def _gone(image: RemoteImage, unmatched: Counter[str]) -> list[LayerChange]:
    """The base's layers the head lacks (`unmatched` counts them down), named by the base's history."""
    changes = []
    for i, old in enumerate(image.layers):
        if unmatched[old.diff_id] > 0:
            unmatched[old.diff_id] -= 1
            changes.append(LayerChange(
                kind="gone", created_by=layer_key(old.created_by) if old.created_by else f"base layer {i + 1}",
                base_bytes=old.compressed_bytes, head_bytes=None, delta_bytes=-old.compressed_bytes,
            ))
    return changes
