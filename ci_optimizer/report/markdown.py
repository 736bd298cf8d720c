"""Report -> GitHub-flavoured markdown for the PR comment, the job summary and `--markdown`. Pure.

A reviewer should get the verdict from the first line and the why from the table; the rest
(chart, layers, logs) is there when they want it. Text from the repository goes through
`markdown_text`, and the body always fits the limit it is given: per-target details are
trimmed first, the table never (GitHub rejects comments over 65,536 characters).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from ci_optimizer.model.results import Baseline, BudgetResult, CheckResult, Report, Section, TesterResult
from ci_optimizer.report import markdown_text as md
from ci_optimizer.report.markdown_details import chart, log_tail_block, target_details
from ci_optimizer.report.markdown_table import duration, table
from ci_optimizer.report.markdown_why import why_section
from ci_optimizer.report.origin_text import where_ran
from ci_optimizer.sizes import format_percent, format_size

COMMENT_LIMIT = 65_536  # GitHub's limit for an issue comment body, in characters
SUMMARY_LIMIT = 400_000  # GitHub allows 1 MiB per step summary; characters can take up to 4 bytes
_NAME_LIMIT = 60
_TRIMMED_NOTE = "_Some details were left out to fit GitHub's size limit; the JSON report has everything._"


@dataclass(frozen=True, kw_only=True)
class MarkdownOptions:
    title: str = "ci-optimizer"
    max_chars: int = COMMENT_LIMIT
    budgets_enforced: bool = True  # `fail-on-budget: false` reports breaches without failing
    head_sha: str | None = None
    run_url: str | None = None
    top_layers: int = 5
    log_lines: int = 50
    reviewed: frozenset[tuple[str, int]] = frozenset()  # (Dockerfile, line) of causes posted as review comments


@dataclass(frozen=True, kw_only=True)
class _Detail:
    """How much of the optional material a rendering includes; lowered until the body fits."""

    top_layers: int
    log_lines: int
    details: bool
    chart: bool
    max_checks: int


def render_markdown(report: Report, options: MarkdownOptions | None = None) -> str:
    opts = options or MarkdownOptions()
    full = _Detail(
        top_layers=opts.top_layers, log_lines=opts.log_lines, details=True, chart=True, max_checks=100
    )
    levels = (
        full,
        replace(full, top_layers=min(3, opts.top_layers), log_lines=min(20, opts.log_lines)),
        replace(full, details=False, log_lines=min(20, opts.log_lines), max_checks=30),
        _Detail(top_layers=0, log_lines=min(5, opts.log_lines), details=False, chart=False, max_checks=10),
    )
    body = ""
    for index, level in enumerate(levels):
        body = _compose(report, opts, level, trimmed=index > 0)
        if len(body) <= opts.max_chars:
            return body
    # Only a pathological report (hundreds of targets) gets here: cut, but keep it valid text.
    cut = "\n\n" + _TRIMMED_NOTE + "\n"
    return body[: max(opts.max_chars - len(cut), 0)] + cut


def stable_digest(report: Report, *, budgets_enforced: bool = True) -> str:
    """A fingerprint of what the comment says, without timings: `on-change` compares these."""
    stable = {
        "passed": _verdict_passed(report, budgets_enforced),
        "targets": [
            [t.name, t.dockerfile, t.role, t.status, t.size_bytes, t.compressed_bytes, t.layers,
             t.base_size_bytes, t.delta_bytes]
            for t in report.targets
        ],
        "base": [t.base_status for t in report.targets],
        "testers": [[s.tester.target, s.tester.passed] for s in _sections(report) if s.tester is not None],
        "reductions": [asdict(s.reduction) for s in _sections(report) if s.reduction is not None],
        "budgets": [asdict(b) for b in report.budgets],
        "checks": [asdict(c) for c in report.checks],
        "why": [[t.name, asdict(t.growth.diff) if t.growth.diff else None,
                 [[c.kind, c.line, c.bytes] for c in t.growth.causes]] for t in report.targets if t.growth],
    }
    blob = json.dumps(stable, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _compose(report: Report, opts: MarkdownOptions, level: _Detail, *, trimmed: bool) -> str:
    parts: list[str] = [_headline(report, opts), _context(report), where_ran(report, md.code)]
    parts.extend(f"> ⚠️ {md.text(w, limit=300)}" for w in report.warnings)
    for section in _sections(report):
        parts.extend(_section(report, section, opts, level))
    if report.budgets:
        parts.append(_budgets(report.budgets, opts.budgets_enforced))
    if report.checks:
        parts.append(_checks(report.checks, level.max_checks))
    parts.append(why_section(report.targets, details=level.details, reviewed=opts.reviewed))
    if level.chart:
        parts.append(chart(report.targets))
    if level.details:
        testers = [s.tester for s in _sections(report) if s.tester is not None]
        parts.extend(
            target_details(t, top_layers=level.top_layers, log_lines=level.log_lines, testers=testers)
            for t in report.targets
        )
    if trimmed:
        parts.append(_TRIMMED_NOTE)
    parts.append(_footer(opts))
    return "\n\n".join(p for p in parts if p) + "\n"


def _sections(report: Report) -> tuple[Section, ...]:
    """One section per Dockerfile; a one-Dockerfile report keeps its tester and reduction at the top."""
    if len(report.sections) > 1:
        return report.sections
    return (
        Section(dockerfile=report.dockerfile, tester=report.tester, reduction=report.reduction,
                build_seconds=report.build_seconds),
    )


def _section(report: Report, section: Section, opts: MarkdownOptions, level: _Detail) -> list[str]:
    several = len(report.sections) > 1
    targets = [t for t in report.targets if t.dockerfile == section.dockerfile] if several else report.targets
    parts = [f"#### {md.code(section.dockerfile)}"] if several else []
    built = table(targets, report.budgets, enforced=opts.budgets_enforced) if targets else "_No targets were built._"
    parts.append(built)
    if section.reduction is not None:
        r = section.reduction
        parts.append(
            f"**Production vs builder:** {md.code(r.from_target)} {format_size(r.from_bytes)} → "
            f"{md.code(r.to_target)} {format_size(r.to_bytes)} ({format_percent(-r.percent, signed=True)})"
        )
    parts.append(_tests(section.tester, level.log_lines))
    return parts


# --- verdict -----------------------------------------------------------------------------------


def _verdict_passed(report: Report, budgets_enforced: bool) -> bool:
    if budgets_enforced:
        return report.passed
    return not (report.failed_targets or report.tests_failed or report.failed_checks)


def _headline(report: Report, opts: MarkdownOptions) -> str:
    title = md.text(opts.title, limit=80)
    reasons = _failure_reasons(report, opts.budgets_enforced)
    if not _verdict_passed(report, opts.budgets_enforced):
        return f"### ❌ {title}: failed\n\n" + _bullets(reasons)
    built = sum(1 for t in report.targets if t.status == "built")
    summary = [f"{built} of {len(report.targets)} targets built"]
    if any(s.tester is not None for s in _sections(report)):
        summary.append("tests passed")
    if report.budgets:
        summary.append("budgets met" if not reasons else "budgets exceeded (not enforced)")
    if not reasons:
        return f"### ✅ {title}: passed\n\n" + " · ".join(summary)
    return f"### ⚠️ {title}: passed\n\n" + " · ".join(summary) + "\n" + _bullets(reasons)


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _failure_reasons(report: Report, budgets_enforced: bool) -> list[str]:
    failed_testers = [s.tester for s in _sections(report) if s.tester is not None and not s.tester.passed]
    said = {t.target for t in failed_testers}  # a tester that failed to build is reported as failed tests
    reasons = [f"{md.code(t.name)} failed to build" for t in report.failed_targets if t.name not in said]
    reasons.extend(f"tests failed in {md.code(t.target)}" for t in failed_testers)
    suffix = "" if budgets_enforced else " (not enforced)"
    reasons.extend(
        f"budget exceeded{suffix}: {md.code(b.target)} {md.text(b.rule)} is {md.text(b.actual)}, "
        f"limit {md.text(b.limit)}"
        for b in report.failed_budgets
    )
    if report.failed_checks:
        count = len(report.failed_checks)
        reasons.append(f"{count} checklist error{'s' if count != 1 else ''}")
    return reasons


def _context(report: Report) -> str:
    count = len(report.targets)
    files = list(dict.fromkeys(s.dockerfile for s in _sections(report)))
    bits = [", ".join(md.code(f) for f in files), f"{count} target{'s' if count != 1 else ''}"]
    if report.build_seconds is not None:
        bits.append(f"built in {duration(report.build_seconds)} with {md.text(report.builder_backend)}")
    if report.baseline is not None:
        bits.append(_baseline(report.baseline))
    if report.cache_from or report.cache_to:
        bits.append(_cache(report))
    return " · ".join(bits)


def _cache(report: Report) -> str:
    """Where the build's cache came from, and how much of the build it saved."""
    cached = sum(t.cached_steps for t in report.targets)
    total = sum(t.total_steps for t in report.targets)
    parts = [f"{cached} of {total} steps from cache"]
    if report.cache_from:
        parts.append("imported from " + ", ".join(md.code(c, limit=80) for c in report.cache_from))
    if report.cache_to:
        parts.append("exported to " + ", ".join(md.code(c, limit=80) for c in report.cache_to))
    return " ".join(parts)


def _baseline(b: Baseline) -> str:
    if b.source == "image":
        on = f" ({md.text(b.platform)})" if b.platform else ""
        return f"compared with the image {md.code(b.image or '?', limit=80)}{on}, compressed to compressed"
    if b.source == "file":
        return f"compared with the saved report {md.code(b.path or '?', limit=80)}"
    if b.commit and (not b.ref or b.commit.startswith(b.ref) or b.ref.startswith(b.commit)):
        return f"compared with the base commit {md.code(b.commit[:12])}"  # the PR's base SHA, as the action passes it
    where = md.code(b.ref or "?", limit=60)
    if b.commit:
        where += f" (merge base {md.code(b.commit[:12])})"
    return f"compared with {where}"


# --- tests, budgets, checks --------------------------------------------------------------------


def _tests(tester: TesterResult | None, log_lines: int) -> str:
    if tester is None:
        return "**Tests:** no tester stage (name a stage `tester`, or choose one with `tester:`)"
    ran = f", ran its command (exit {tester.exit_code})" if tester.ran_container else ""
    if tester.passed:
        return f"**Tests:** ✅ {md.code(tester.target)} passed in {duration(tester.seconds)}{ran}"
    head = f"**Tests:** ❌ {md.code(tester.target)} failed after {duration(tester.seconds)}{ran}"
    return head + log_tail_block(tester.log_tail, log_lines)


def _budgets(budgets: Sequence[BudgetResult], enforced: bool) -> str:
    rows = ["**Budgets**", "", "| | Target | Rule | Limit | Actual | |", "|---|---|---|--:|--:|---|"]
    for b in budgets:
        if b.passed:
            icon = "✅"
        elif b.severity == "error" and enforced:
            icon = "❌"
        else:
            icon = "⚠️"
        note = md.text(b.message, limit=200) if b.message else ""
        rows.append(
            f"| {icon} | {md.code(b.target, table=True, limit=_NAME_LIMIT)} | {md.text(b.rule)} | "
            f"{md.text(b.limit)} | {md.text(b.actual)} | {note} |"
        )
    return "\n".join(rows)


_SEVERITY_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _checks(checks: Sequence[CheckResult], limit: int) -> str:
    failing = [c for c in checks if not c.passed]
    order = {"error": 0, "warning": 1, "info": 2}
    failing.sort(key=lambda c: order[c.severity])
    head = f"**Checklist:** {len(checks) - len(failing)} of {len(checks)} checks passed"
    lines = [head]
    for c in failing[:limit]:
        where = f" ({md.code(f'{c.file}:{c.line}' if c.line else c.file)})" if c.file else ""
        lines.append(
            f"- {_SEVERITY_ICON[c.severity]} {md.code(c.id)} on {md.code(c.target, limit=_NAME_LIMIT)}: "
            f"{md.text(c.message, limit=300)}{where}"
        )
    if len(failing) > limit:
        lines.append(f"- … and {len(failing) - limit} more in the JSON report")
    return "\n".join(lines)


# --- helpers -----------------------------------------------------------------------------------


def _footer(opts: MarkdownOptions) -> str:
    bits = []
    if opts.head_sha:
        bits.append(f"measured at {md.code(opts.head_sha[:12])}")
    if opts.run_url:
        bits.append(f"[workflow run]({opts.run_url})")
    return "<sub>" + " · ".join(["ci-optimizer", *bits]) + "</sub>"
