"""The Actions runtime: workflow commands on stdout and the step's output and summary files.

Formats follow the runner's own toolkit (@actions/core): command data escapes `%`, CR and LF;
property values also escape `:` and `,`, or `file=a,b.txt` would be read as two properties.
Outputs always use the heredoc form with a random delimiter, so a value with newlines (or one
that tries to smuggle `name=value` lines) cannot break or forge other outputs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ci_optimizer.errors import UsageError


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int | None) -> str:
    """`::name key=value,key=value::message`, with empty properties left out."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v not in (None, ""))
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def output_block(name: str, value: str) -> str:
    """One GITHUB_OUTPUT entry; the delimiter is random and re-drawn if the value contains it."""
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    while delimiter in value or delimiter in name:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


@dataclass(frozen=True, kw_only=True)
class ActionOutputs:
    """Every output action.yml declares, as field `x_y` for output `x-y` (test_action_yml checks)."""

    passed: bool
    report: str
    comment_url: str

    def items(self) -> tuple[tuple[str, str], ...]:
        return (
            ("passed", "true" if self.passed else "false"),
            ("report", self.report),
            ("comment-url", self.comment_url),
        )


def write_outputs(path: str | None, outputs: ActionOutputs) -> None:
    if path is None:
        return  # not on a runner (or a very old one): nothing to write to
    _append(path, "".join(output_block(name, value) for name, value in outputs.items()), "GITHUB_OUTPUT")


def append_summary(path: str | None, markdown: str) -> None:
    if path is None:
        return
    _append(path, markdown if markdown.endswith("\n") else markdown + "\n", "GITHUB_STEP_SUMMARY")


def redact(text: str, secret_values: tuple[str, ...]) -> str:
    """Belt and braces: the runner masks registered secrets in logs, but not in files we write."""
    for value in secret_values:
        if value:
            text = text.replace(value, "***")
    return text


class Console:
    """Workflow commands and plain log lines, written to the step's stdout (the runner reads it)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def mask(self, value: str) -> None:
        # A multi-line secret is masked line by line too: the runner matches within a line.
        for part in dict.fromkeys((value, *value.splitlines())):
            if part.strip():
                self.line(command("add-mask", part))

    def error(self, message: str, *, file: str | None = None, line: int | None = None,
              title: str | None = None) -> None:
        self.line(command("error", message, file=file, line=line, title=title))

    def warning(self, message: str, *, file: str | None = None, line: int | None = None,
                title: str | None = None) -> None:
        self.line(command("warning", message, file=file, line=line, title=title))

    def notice(self, message: str) -> None:
        self.line(command("notice", message))

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self.line(command("group", title))
        try:
            yield
        finally:
            self.line(command("endgroup"))


def _append(path: str, text: str, what: str) -> None:
    try:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {what}: {exc.strerror or exc}", location=path) from None


def parse_output_file(text: str) -> Mapping[str, str]:
    """Read GITHUB_OUTPUT back as the runner does (tests and the e2e harness use it)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delimiter = line.partition("<<")
            body: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            if index >= len(lines):
                raise ValueError(f"output {name!r}: delimiter {delimiter!r} never closes")
            index += 1
            values[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values
