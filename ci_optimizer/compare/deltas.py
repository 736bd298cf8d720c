"""Head against base: size deltas per target and which layers made them. Pure.

Layers are matched by the instruction that created them, not by digest: a digest changes whenever
anything beneath it changes, while the instruction is what the reader wrote and can fix. The two
layer lists are aligned in order (difflib), so a repeated instruction matches its own occurrence.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Literal

from ci_optimizer.measure.history import clean_created_by
from ci_optimizer.model.image_model import Layer
from ci_optimizer.model.results import Baseline, Report, TargetResult
from ci_optimizer.model.sections import stage_name
from ci_optimizer.model.step_results import Comparison, LayerChange
from ci_optimizer.sizes import percent_change

# The classic builder names copied content by its hash (`COPY file:3f2a… in /app/`): the
# instruction is the same when the file's content changed, which is exactly the case to report.
_CONTENT_HASH = re.compile(r"\b(file|dir|multi):[0-9a-f]{64}\b")
ChangeKind = Literal["new", "gone", "changed"]
_Find = Callable[[TargetResult], TargetResult | None]


def layer_key(created_by: str) -> str:
    """The instruction, normalised so that the same Dockerfile line reads the same on base and head.

    `clean_created_by` drops BuildKit's `# buildkit` suffix and the `|2 A=1 B=2` build-arg prefix,
    so a bumped ARG value reads as the same RUN grown rather than one RUN gone and another new.
    """
    return _CONTENT_HASH.sub(r"\1:*", clean_created_by(created_by))


def diff_layers(base: Sequence[Layer], head: Sequence[Layer]) -> tuple[LayerChange, ...]:
    """Layers new, gone or changed in size, oldest first; unchanged and empty ones are left out."""
    base_keys = [layer_key(layer.created_by) for layer in base]
    head_keys = [layer_key(layer.created_by) for layer in head]
    changes: list[LayerChange] = []
    matcher = SequenceMatcher(None, base_keys, head_keys, autojunk=False)
    for tag, b1, b2, h1, h2 in matcher.get_opcodes():
        if tag == "equal":
            for old, new, key in zip(base[b1:b2], head[h1:h2], head_keys[h1:h2], strict=True):
                if old.size_bytes != new.size_bytes:
                    changes.append(_change("changed", key, old, new))
            continue
        changes.extend(_change("gone", key, old, None) for old, key in zip(base[b1:b2], base_keys[b1:b2], strict=True)
                       if old.size_bytes)
        changes.extend(_change("new", key, None, new) for new, key in zip(head[h1:h2], head_keys[h1:h2], strict=True)
                       if new.size_bytes)
    return tuple(changes)


def apply_baseline(
    head: Report,
    base: Report | None,
    *,
    baseline: Baseline | None = None,
    warnings: Sequence[str] = (),
) -> Report:
    """`head` with every target compared with the same target in `base`.

    `base` None means there is nothing to compare with (the base branch has no such Dockerfile):
    every target is `new`. A target that failed to build on the base gets a warning and no delta.
    """
    found = _matcher(head, base)
    failed: dict[str, list[str]] = {}  # one warning per base error, not one per target it broke
    source = baseline.source if baseline is not None else None
    targets = tuple(_compare(target, found(target), failed, source) for target in head.targets)
    notes = [*warnings, *(_failed_note(names, error) for error, names in failed.items())]
    if base is not None:
        matched = {id(found(t)) for t in head.targets}
        notes.extend(
            f"target {t.name!r} is on the base but not on this branch" for t in base.targets if id(t) not in matched
        )
    return replace(
        head,
        targets=targets,
        baseline=baseline if baseline is not None else head.baseline,
        warnings=tuple(dict.fromkeys((*head.warnings, *notes))),
    )


def _compare(target: TargetResult, old: TargetResult | None, failed: dict[str, list[str]],
             source: str | None) -> TargetResult:
    comparison = _comparison(target, old, failed)
    if old is not None and comparison.delta_bytes is not None:
        # What the path diff may read of the base: the image built here, or the saved summary.
        comparison = replace(
            comparison, base_tag=old.tag if source == "ref" else None,
            base_layer_details=old.layer_details if source == "ref" else (),
            base_paths=old.growth.summary if old.growth is not None and source == "file" else None)
    return replace(target, comparison=comparison)


def _comparison(target: TargetResult, old: TargetResult | None, failed: dict[str, list[str]]) -> Comparison:
    if old is None:
        return Comparison(base_status="new")
    if old.status != "built" or old.size_bytes is None:
        failed.setdefault(old.error or "", []).append(target.name)
        return Comparison(base_status="failed")
    if target.status != "built" or target.size_bytes is None:
        return Comparison(base_status="built", base_size_bytes=old.size_bytes)
    return Comparison(
        base_status="built",
        base_size_bytes=old.size_bytes,
        delta_bytes=target.size_bytes - old.size_bytes,
        delta_percent=percent_change(old.size_bytes, target.size_bytes),
        layer_changes=diff_layers(old.layer_details, target.layer_details),
    )


def _failed_note(names: list[str], error: str) -> str:
    which = f"target {names[0]!r}" if len(names) == 1 else "targets " + ", ".join(repr(n) for n in names)
    reason = f": {error}" if error else ""
    return f"{which} did not build on the base{reason}; no size comparison"


def _matcher(head: Report, base: Report | None) -> _Find:
    """Targets match by Dockerfile and stage; by stage alone when each side has one Dockerfile, so a
    baseline saved as `./Dockerfile` still matches a run on `Dockerfile`."""
    if base is None:
        return lambda _target: None
    one_each = len({t.dockerfile for t in head.targets}) <= 1 and len({t.dockerfile for t in base.targets}) <= 1

    def key(t: TargetResult) -> tuple[str, str]:
        return ("" if one_each else posixpath.normpath(t.dockerfile), stage_name(t))

    index = {key(t): t for t in base.targets}
    return lambda target: index.get(key(target))


def _change(kind: ChangeKind, key: str, old: Layer | None, new: Layer | None) -> LayerChange:
    before = old.size_bytes if old is not None else None
    after = new.size_bytes if new is not None else None
    where = new if new is not None else old
    return LayerChange(
        kind=kind,
        created_by=key,
        base_bytes=before,
        head_bytes=after,
        delta_bytes=(after or 0) - (before or 0),
        line=where.line if where else None,
        from_base=bool(where and where.from_base),
    )
