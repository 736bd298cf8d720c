"""The size reduction the production stage achieves over the builder. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.model.results import Reduction, TargetResult


def compute_reduction(targets: Sequence[TargetResult]) -> Reduction | None:
    """100 × (builder − production) / builder, when both were built and measured."""
    builder = next((t for t in targets if t.role == "builder"), None)
    production = next((t for t in targets if t.role == "production"), None)
    if builder is None or production is None or builder is production:
        return None
    if not builder.size_bytes or production.size_bytes is None:
        return None
    return Reduction(
        from_target=builder.name,
        to_target=production.name,
        from_bytes=builder.size_bytes,
        to_bytes=production.size_bytes,
        percent=100.0 * (builder.size_bytes - production.size_bytes) / builder.size_bytes,
    )
