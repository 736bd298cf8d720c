"""The report as plain text: readable in a terminal and in a CI log (no colour codes, no box art). Pure."""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.model.image_model import ImageAnalysis
from ci_optimizer.model.results import BudgetResult, Report, TargetResult
from ci_optimizer.model.sections import reductions, testers
from ci_optimizer.report.origin_text import where_ran
from ci_optimizer.sizes import format_delta, format_percent, format_size

HEAVIEST = 5


def render_terminal(report: Report) -> str:
    out: list[str] = []
    head = f"ci-optimizer: {report.dockerfile}"
    if report.build_seconds is not None:
        head += f" (built with {report.builder_backend} in {report.build_seconds:.1f} s)"
    out += [head, *filter(None, [where_ran(report)]), ""]
    if report.baseline is not None and report.baseline.source == "image":
        base = report.baseline
        out += [f"Baseline: {base.image} ({base.platform}), compared compressed to compressed", ""]
    out += _table(report.targets, report.budgets)
    for target in report.targets:
        grown = _grown(target)
        if grown:
            out += ["", *grown]
    for r in reductions(report):  # one per Dockerfile when a run has several
        out += ["", f"Reduction: {r.from_target} {format_size(r.from_bytes)} → {r.to_target} "
                    f"{format_size(r.to_bytes)} ({format_percent(-r.percent, signed=True)})"]
    for t in testers(report):
        verdict = "passed" if t.passed else "FAILED"
        how = f", ran its CMD: exit {t.exit_code}" if t.ran_container else ""
        out += ["", f"Tests: {t.target} {verdict} ({t.seconds:.1f} s{how})"]
        if not t.passed and t.log_tail:
            out += _indented(t.log_tail)
    shown = {t.target for t in testers(report)}
    for target in report.targets:
        if target.status == "failed" and target.name not in shown:  # a tester's log is shown above
            at = f" at line {target.error_line}" if target.error_line else ""
            out += ["", f"Build of {target.name} FAILED{at}: {target.error or 'unknown error'}"]
            out += _indented(target.log_tail)
    for target in report.targets:
        if target.role == "production" and target.layer_details:
            out += ["", f"Heaviest layers of {target.name}:"]
            heaviest = sorted(target.layer_details, key=lambda layer: layer.size_bytes, reverse=True)[:HEAVIEST]
            for layer in heaviest:
                where = f"line {layer.line}" if layer.line else "base image"
                out.append(f"  {format_size(layer.size_bytes):>9}  {where:<10}  {_clip(layer.created_by, 90)}")
    for target in report.targets:
        if target.analysis is not None:
            out += ["", *_analysis(target.name, target.analysis)]
    if report.budgets:
        out += ["", "Budgets:"]
        for b in report.budgets:
            mark = "ok" if b.passed else ("FAIL" if b.severity == "error" else "warn")
            out.append(f"  {mark:<4}  {b.target}: {b.rule} {b.actual} (limit {b.limit})")
    failing_checks = [c for c in report.checks if not c.passed]
    if failing_checks:
        out += ["", "Checks:"]
        for c in failing_checks:
            where = f" ({c.file}:{c.line})" if c.file and c.line else ""
            out.append(f"  {c.severity:<7}  {c.id}: {c.message}{where}")
    if report.cache_from or report.cache_to:
        cached = sum(t.cached_steps for t in report.targets)
        total = sum(t.total_steps for t in report.targets)
        out += ["", f"Cache: {cached} of {total} steps from cache"]
        out += [f"  imported from {c}" for c in report.cache_from]
        out += [f"  exported to {c}" for c in report.cache_to]
    for warning in report.warnings:
        out.append(f"warning: {warning}")
    out += ["", f"Result: {'PASSED' if report.passed else 'FAILED'}{_why(report)}"]
    return "\n".join(out) + "\n"


def _analysis(name: str, a: ImageAnalysis) -> list[str]:
    how = "exact" if a.compressed_exact else "estimated"
    lines = [
        f"Layer analysis of {name}: {a.files} files, {format_size(a.visible_bytes)} visible, "
        f"{format_size(a.wasted_bytes)} wasted (efficiency {100 * a.efficiency:.1f} %), "
        f"own layers waste {format_size(a.own_wasted_bytes)} ({a.own_wasted_percent:.1f} % of their bytes); "
        f"gzip {format_size(a.compressed_bytes)} ({how})",
    ]
    for w in a.top_wasted[:HEAVIEST]:
        origin = " (base image)" if w.from_base else ""
        lines.append(f"  {format_size(w.size_bytes):>9}  {w.reason:<11}  layer {w.layer}{origin}  {_clip(w.path, 70)}")
    return lines


def _table(targets: Sequence[TargetResult], budgets: Sequence[BudgetResult]) -> list[str]:
    with_base = any(t.base_status is not None or t.base_size_bytes is not None for t in targets)
    header = ["TARGET", "ROLE", "STATUS", "SIZE", "COMPRESSED", "LAYERS", "BUILD", "CACHED"]
    if with_base:
        header[4:4] = ["Δ BASE"]
    if budgets:
        header.append("BUDGET")
    rows = [header]
    for t in targets:
        row = [
            t.name,
            t.role,
            t.status,
            format_size(t.size_bytes),
            format_size(t.compressed_bytes),
            "—" if t.layers is None else str(t.layers),
            "—" if t.build_seconds is None else f"{t.build_seconds:.1f} s",
            f"{t.cached_steps}/{t.total_steps}" if t.total_steps else "—",
        ]
        if with_base:
            row[4:4] = [_delta(t)]
        if budgets:
            row.append(_budget_status([b for b in budgets if b.target == t.name]))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _delta(t: TargetResult) -> str:
    if t.delta_bytes is None:
        if t.base_status == "failed":
            return "base failed"
        return "new" if t.base_status == "new" and t.status == "built" else "—"
    marker = "▲ " if t.delta_bytes > 0 else "▼ " if t.delta_bytes < 0 else ""
    basis = " compressed" if t.basis == "compressed" else ""
    return f"{marker}{format_delta(t.delta_bytes)} ({format_percent(t.delta_percent, signed=True)}){basis}"


def _budget_status(budgets: Sequence[BudgetResult]) -> str:
    if not budgets:
        return "—"
    failed = [b for b in budgets if not b.passed]
    if not failed:
        return f"ok ({len(budgets)})"
    return ", ".join(f"{'FAIL' if b.severity == 'error' else 'warn'} {b.rule}" for b in failed)


def _grown(t: TargetResult) -> list[str]:
    """The layers that made the target grow against the base, largest first."""
    grew = sorted((c for c in t.layer_changes if c.delta_bytes > 0), key=lambda c: c.delta_bytes, reverse=True)
    lines = []
    for change in grew[:HEAVIEST]:
        where = f"line {change.line}" if change.line else "base image" if change.from_base else "—"
        lines.append(f"  {format_delta(change.delta_bytes):>10}  {change.kind:<7}  {where:<10}  "
                     f"{_clip(change.created_by, 80)}")
    return [f"Layers that grew in {t.name}:", *lines] if lines else []


def _why(report: Report) -> str:
    reasons = []
    if report.failed_targets:
        reasons.append("build failed: " + ", ".join(t.name for t in report.failed_targets))
    if report.tests_failed:
        reasons.append("tests failed")
    if report.failed_budgets:
        reasons.append(f"{len(report.failed_budgets)} budget(s) exceeded")
    if report.failed_checks:
        reasons.append(f"{len(report.failed_checks)} check(s) failed")
    return f" ({'; '.join(reasons)})" if reasons else ""


def _indented(lines: Sequence[str]) -> list[str]:
    return [f"  | {line}" for line in lines]


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
