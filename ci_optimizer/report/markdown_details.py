"""The optional parts of the markdown report: the size chart and the per-target `<details>`. Pure.

These are what `render_markdown` trims first when a body would pass GitHub's limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.measure.history import clean_created_by
from ci_optimizer.model.image_model import ImageConfig, Layer
from ci_optimizer.model.results import TargetResult, TesterResult
from ci_optimizer.report import markdown_text as md
from ci_optimizer.sizes import format_delta, format_size

_NAME_LIMIT = 60
_INSTRUCTION_LIMIT = 100

_CHANGE = {"new": "🆕 new", "gone": "🗑️ gone", "changed": "changed"}


def log_tail_block(lines: Sequence[str], limit: int) -> str:
    if not lines or limit <= 0:
        return ""
    tail = list(lines)[-limit:]
    return f"\n\nLast {len(tail)} lines of its output:\n\n" + md.fence(tail)


# --- chart -------------------------------------------------------------------------------------


def chart(targets: Sequence[TargetResult]) -> str:
    """One bar per target, base and head side by side.

    xychart-beta draws a second bar series on top of the first (mermaid-js/mermaid#7392), which
    hides whichever is smaller, so base and head alternate in one series instead.
    """
    measured = [t for t in targets if t.size_bytes is not None]
    if not measured:
        return ""
    with_base = any(t.base_size_bytes is not None for t in measured)
    largest = max(max(t.size_bytes or 0, t.base_size_bytes or 0) for t in measured)
    unit, scale = ("MB", 1e6) if largest >= 1e6 else ("kB", 1e3)
    labels: list[str] = []
    values: list[str] = []
    for t in measured:
        if t.base_size_bytes is not None:  # a new target has no base bar rather than a bar of 0
            labels.append(md.mermaid_label(f"{t.name} base"))
            values.append(_chart_value(t.base_size_bytes, scale))
        labels.append(md.mermaid_label(f"{t.name} head" if with_base else t.name))
        values.append(_chart_value(t.size_bytes or 0, scale))
    title = "Image size, base vs head" if with_base else "Image size"
    top = max(1.0, round(largest / scale * 1.1, 1))
    return "\n".join([
        "```mermaid",
        "xychart-beta",
        f'    title "{title} ({unit})"',
        f"    x-axis [{', '.join(labels)}]",
        f'    y-axis "{unit}" 0 --> {top:g}',
        f"    bar [{', '.join(values)}]",
        "```",
    ])


def _chart_value(size: int, scale: float) -> str:
    return f"{size / scale:.1f}"


# --- details -----------------------------------------------------------------------------------


def target_details(t: TargetResult, *, top_layers: int, log_lines: int, testers: Sequence[TesterResult]) -> str:
    failed = t.status == "failed"
    summary = f"<code>{md.html_text(t.name, limit=_NAME_LIMIT)}</code> · {md.html_text(t.role)}"
    heaviest = _heaviest(t.layer_details, top_layers)
    if failed:
        summary += " · build failed"
    elif heaviest:
        summary += f" · heaviest layer {format_size(heaviest[0].size_bytes)}"
    body: list[str] = []
    if failed:
        at = f" (line {t.error_line})" if t.error_line else ""
        body.append(f"**Error{at}:** {md.text(t.error or 'the build failed', limit=500)}")
        shown_above = any(x.target == t.name and tuple(x.log_tail) == t.log_tail for x in testers)
        tail = "" if shown_above else log_tail_block(t.log_tail, log_lines).strip()
        if tail:
            body.append(tail)
    if t.layer_changes and top_layers:
        body.append(_changes_table(t, top_layers))
    if heaviest:
        body.append(_layer_table(t, heaviest))
    if t.config is not None:
        body.append(_config_line(t.config))
    if not body:
        return ""
    opening = "<details open>" if failed else "<details>"
    return f"{opening}<summary>{summary}</summary>\n\n" + "\n\n".join(body) + "\n\n</details>"


def _heaviest(layers: Sequence[Layer], limit: int) -> list[Layer]:
    ranked = sorted((layer for layer in layers if layer.size_bytes > 0), key=lambda layer: -layer.size_bytes)
    return ranked[:limit]


def _layer_table(t: TargetResult, layers: Sequence[Layer]) -> str:
    rows = ["| Layer | Made by | Dockerfile line |", "|--:|---|---|"]
    for layer in layers:
        if layer.from_base:
            where = "base image" + (f" {md.code(t.base_image, table=True, limit=60)}" if t.base_image else "")
        elif layer.line is not None:
            where = md.code(f"{t.dockerfile}:{layer.line}", table=True, limit=80)
        else:
            where = "—"
        made_by = md.code(_instruction_text(layer), table=True, limit=_INSTRUCTION_LIMIT)
        rows.append(f"| {format_size(layer.size_bytes)} | {made_by} | {where} |")
    return "\n".join(rows)


def _changes_table(t: TargetResult, limit: int) -> str:
    """Which instruction (and line) made the image grow or shrink against the base."""
    ranked = sorted(t.layer_changes, key=lambda c: -abs(c.delta_bytes))[:limit]
    rows = ["Changed against the base:", "", "| Δ | Layer | Made by | Dockerfile line |", "|--:|---|---|---|"]
    for c in ranked:
        arrow = "▲ " if c.delta_bytes > 0 else "▼ " if c.delta_bytes < 0 else ""
        where = "base image" if c.from_base else (
            md.code(f"{t.dockerfile}:{c.line}", table=True, limit=80) if c.line is not None else "—"
        )
        made_by = md.code(clean_created_by(c.created_by), table=True, limit=_INSTRUCTION_LIMIT)
        rows.append(f"| {arrow}{format_delta(c.delta_bytes)} | {_CHANGE[c.kind]} | {made_by} | {where} |")
    if len(t.layer_changes) > limit:
        rows.append(f"\n_… and {len(t.layer_changes) - limit} more changed layers in the JSON report._")
    return "\n".join(rows)


def _instruction_text(layer: Layer) -> str:
    text = clean_created_by(layer.created_by)
    if layer.instruction and not text.upper().startswith(layer.instruction.upper()):
        text = f"{layer.instruction} {text}"
    return text


def _config_line(c: ImageConfig) -> str:
    bits = [f"user {md.code(c.user) if c.user else 'root (not set)'}"]
    if c.entrypoint:
        bits.append(f"entrypoint {md.code(' '.join(c.entrypoint), limit=80)}")
    if c.cmd:
        bits.append(f"cmd {md.code(' '.join(c.cmd), limit=80)}")
    if c.exposed_ports:
        bits.append("ports " + ", ".join(md.code(p) for p in c.exposed_ports[:10]))
    bits.append("healthcheck " + ("yes" if c.healthcheck else "none"))
    if c.labels:
        shown = ", ".join(md.code(f"{k}={v}", limit=80) for k, v in c.labels[:10])
        more = f" and {len(c.labels) - 10} more" if len(c.labels) > 10 else ""
        bits.append(f"labels {shown}{more}")
    return "**Image:** " + " · ".join(bits)


