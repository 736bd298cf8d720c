"""The target table of the markdown report: size, delta, compressed size, build, budget. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ci_optimizer.model.results import BudgetResult, TargetResult
from ci_optimizer.report import markdown_text as md
from ci_optimizer.sizes import format_delta, format_percent, format_size

_NAME_LIMIT = 60
_HEADER = (
    "| Target | Role | Size | Δ vs base | Compressed | Layers | Build | Budget |\n"
    "|---|---|--:|--:|--:|--:|--:|---|"
)


def table(targets: Iterable[TargetResult], budgets: Sequence[BudgetResult], *, enforced: bool) -> str:
    """The report's main table: one row per target, never trimmed."""
    rows = [_HEADER]
    for t in targets:
        cells = [
            md.code(t.name, table=True, limit=_NAME_LIMIT),
            t.role,
            _size_cell(t),
            _delta_cell(t),
            _compressed_cell(t),
            "—" if t.layers is None else str(t.layers),
            _build_cell(t),
            _budget_cell([b for b in budgets if b.target == t.name], enforced),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _size_cell(t: TargetResult) -> str:
    if t.status == "failed":
        return "❌ build failed"
    if t.status == "skipped":
        return "skipped"
    return format_size(t.size_bytes)


def _delta_cell(t: TargetResult) -> str:
    if t.base_status == "new":
        return "🆕 new"
    if t.base_status == "failed":
        return "— (base failed to build)"
    if t.delta_bytes is None:
        return "—"
    arrow = "▲ " if t.delta_bytes > 0 else "▼ " if t.delta_bytes < 0 else ""
    percent = "" if t.delta_percent is None else f" ({format_percent(t.delta_percent, signed=True)})"
    basis = " compressed" if t.basis == "compressed" else ""
    return f"{arrow}{format_delta(t.delta_bytes)}{percent}{basis}"


def _compressed_cell(t: TargetResult) -> str:
    if t.compressed_bytes is None:
        return "—"
    return ("≈ " if t.compressed_exact is False else "") + format_size(t.compressed_bytes)


def _build_cell(t: TargetResult) -> str:
    if t.build_seconds is None:
        return "—"
    cached = f" ({t.cached_steps}/{t.total_steps} cached)" if t.total_steps else ""
    return duration(t.build_seconds) + cached


def _budget_cell(budgets: Sequence[BudgetResult], enforced: bool) -> str:
    if not budgets:
        return "—"
    broken = [b for b in budgets if not b.passed]
    if not broken:
        return "✅"
    worst = [b for b in broken if b.severity == "error" and enforced] or broken
    icon = "❌" if worst[0].severity == "error" and enforced else "⚠️"
    return icon + " " + ", ".join(
        f"{md.text(b.rule)} {md.text(b.actual)} (limit {md.text(b.limit)})" for b in worst
    )


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"
