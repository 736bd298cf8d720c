"""Which targets `--analyze` names: production (default), all, none, or target names. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.errors import UsageError
from ci_optimizer.model.results import Report
from ci_optimizer.plan.prepare import Planned


def check_analyze_spec(spec: str, planned: Sequence[Planned]) -> None:
    """Reject unknown `--analyze` names before anything is built. Pure."""
    words = [w.strip() for w in spec.split(",") if w.strip()]
    if words in ([], ["none"], ["all"], ["production"]):
        return
    known = {t.name for p in planned for t in p.plan.targets}
    qualified = {f"{p.model.path}:{t.name}" for p in planned for t in p.plan.targets}
    unknown = [w for w in words if w not in known and w not in qualified]
    if unknown:
        raise UsageError(f"--analyze: no target named {unknown[0]!r} (targets: {', '.join(sorted(known))})")


def analysis_off(spec: str) -> bool:
    """`--analyze none`: no target is analysed, not even one a budget holds. Pure."""
    return [w.strip() for w in spec.split(",") if w.strip()] in ([], ["none"])


def analysis_targets(report: Report, spec: str) -> tuple[str, ...]:
    """Names of the targets `--analyze SPEC` selects, in report order. Pure."""
    words = [w.strip() for w in spec.split(",") if w.strip()]
    if analysis_off(spec):
        return ()
    if words == ["all"]:
        return tuple(t.name for t in report.targets)
    if words == ["production"] and not report.target("production"):
        return tuple(t.name for t in report.targets if t.role == "production")
    known = {t.name for t in report.targets}
    unknown = [w for w in words if w not in known]
    if unknown:
        raise UsageError(f"--analyze: no target named {unknown[0]!r} (targets: {', '.join(sorted(known))})")
    return tuple(t.name for t in report.targets if t.name in words)
