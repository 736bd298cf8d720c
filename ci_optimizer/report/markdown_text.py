"""Putting text that comes from a repository into GitHub-flavoured markdown safely. Pure.

Everything a pull request controls (stage names, labels, instructions, build and test logs) can
carry HTML, markdown that changes the layout, or `@someone` that would ping a stranger from our
bot account. Each helper here makes one kind of slot safe: plain text, an inline code span, a
fenced block, an HTML text node (for `<summary>`), a Mermaid string.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

ZWJ = "\u200d"  # zero-width joiner: `@\u200dname` renders as "@name" but GitHub does not ping
_MENTION = re.compile(r"@(?=[A-Za-z0-9_])")
_BACKTICKS = re.compile(r"`+")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Punctuation that changes inline layout; `&<>` become entities instead (see `text`).
_MARKDOWN = re.compile(r"([\\`*_\[\]|~!#])")
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 ._:/+-]")


def one_line(value: str) -> str:
    return " ".join(_clean(value).split())


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + "…"


def defuse_mentions(value: str) -> str:
    return _MENTION.sub("@" + ZWJ, value)


def text(value: str, *, limit: int | None = None) -> str:
    """Literal inline text (paragraphs, table cells): no HTML, no markdown syntax, no pings."""
    flat = one_line(value)
    if limit is not None:
        flat = shorten(flat, limit)
    escaped = _MARKDOWN.sub(r"\\\1", flat)
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defuse_mentions(escaped)


def code(value: str, *, table: bool = False, limit: int | None = None) -> str:
    """An inline code span that no backtick inside can close early; `table=True` escapes pipes.

    GFM splits table cells on `|` before it parses code spans, so a pipe must be `\\|` even
    inside backticks there (and only there).
    """
    flat = one_line(value)
    if limit is not None:
        flat = shorten(flat, limit)
    if not flat:
        return "` `"
    ticks = "`" * (_longest_backtick_run(flat) + 1)
    pad = " " if flat.startswith(("`", " ")) or flat.endswith(("`", " ")) else ""
    if table:
        flat = flat.replace("|", "\\|")
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def fence(lines: Iterable[str], *, info: str = "text") -> str:
    """A fenced block longer than any backtick run the content holds, so nothing can close it."""
    body = [_clean(line).rstrip() for line in lines]
    longest = max((_longest_backtick_run(line) for line in body), default=0)
    ticks = "`" * max(3, longest + 1)
    return "\n".join([f"{ticks}{info}", *body, ticks])


def html_text(value: str, *, limit: int | None = None) -> str:
    """Text inside an HTML element we write ourselves (`<summary>`, `<code>`)."""
    flat = one_line(value)
    if limit is not None:
        flat = shorten(flat, limit)
    return defuse_mentions(html.escape(flat, quote=True))


def mermaid_label(value: str, *, limit: int = 24) -> str:
    """A quoted Mermaid string: the grammar has no escape for `"`, so unsafe characters go."""
    return '"' + shorten(_MERMAID_UNSAFE.sub("_", one_line(value)), limit) + '"'


def _clean(value: str) -> str:
    """Drop terminal colour codes and control characters that build logs are full of."""
    return _CONTROL.sub("", _ANSI.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))


def _longest_backtick_run(value: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(value)), default=0)
