"""The sticky comment's "Why it grew" section: path changes and causes with their savings. Pure.

The top entries are always shown; the rest fold under <details>. Causes already posted as review
comments on the PR's changed lines are counted, not repeated (github/review.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ci_optimizer.model.growth import Cause, PathChange
from ci_optimizer.model.results import TargetResult
from ci_optimizer.report import markdown_text as md
from ci_optimizer.sizes import format_size

TOP = 5
_DETAIL = {"files": "every file of both images", "summary": "the baseline's path summary", "layers": ""}


def why_section(targets: Sequence[TargetResult], *, details: bool = True,
                reviewed: Collection[tuple[str, int]] = ()) -> str:
    """`reviewed`: (Dockerfile, line) pairs whose causes went into the PR review."""
    parts = []
    for t in targets:
        growth = t.growth
        if growth is None or (growth.diff is None and not growth.causes):
            continue
        block = [f"**{md.code(t.name)}**" + (f" ({_signed(t.delta_bytes)} against the base)"
                                             if t.delta_bytes is not None else "")]
        diff = growth.diff
        if diff is not None and diff.changes:
            rows = [_change_row(c) for c in diff.changes]
            block.append(f"Where the bytes changed, from {_DETAIL[diff.detail]}:")
            block.append(_table("| change | path | bytes | files | line |\n|---|---|--:|--:|--:|", rows, details,
                                "more path changes"))
        if diff is not None and diff.note and diff.detail != "files":
            block.append(f"_{md.text(diff.note)}_")
        posted = [c for c in growth.causes if c.line is not None and (t.dockerfile, c.line) in reviewed]
        listed = [c for c in growth.causes if c not in posted]
        if listed:
            total = sum(c.bytes for c in listed)
            block.append(f"Fixes that would save {format_size(total)} (measured in this image):")
            block.append(_table("| saves | line | cause | fix |\n|--:|--:|---|---|", [_cause_row(c) for c in listed],
                                details, "more causes"))
        if posted:
            block.append(f"{len(posted)} more, on lines this PR changes, are in the review comments "
                         f"(saving {format_size(sum(c.bytes for c in posted))}).")
        parts.append("\n\n".join(block))
    return "### Why it grew\n\n" + "\n\n".join(parts) if parts else ""


def _table(header: str, rows: Sequence[str], details: bool, more: str) -> str:
    shown = "\n".join([header, *rows[:TOP]])
    if len(rows) <= TOP or not details:
        return shown
    rest = "\n".join([header, *rows[TOP:]])
    return f"{shown}\n\n<details><summary>{len(rows) - TOP} {more}</summary>\n\n{rest}\n\n</details>"


def _change_row(c: PathChange) -> str:
    path = c.path + ("/" if c.is_dir else "")
    line = str(c.line) if c.line is not None else ""
    return f"| {c.kind} | {md.code(path, table=True, limit=90)} | {_signed(c.delta_bytes)} | {c.files} | {line} |"


def _cause_row(c: Cause) -> str:
    line = str(c.line) if c.line is not None else ""
    message = md.text(c.message, limit=200).replace("|", "\\|")
    fix = md.defuse_mentions(md.one_line(c.fix)).replace("|", "\\|")  # our own words, with `code`
    return f"| {format_size(c.bytes)} | {line} | {message} | {fix} |"


def _signed(delta: int | None) -> str:
    if delta is None:
        return ""
    return ("+" if delta > 0 else "−" if delta < 0 else "±") + format_size(abs(delta))
