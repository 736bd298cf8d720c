"""Which Dockerfile instruction made which layer. Pure.

The engine's image history lists one entry per instruction (newest first), with the command in
`CreatedBy`. BuildKit writes `RUN /bin/sh -c make # buildkit`, `COPY /out/ /app/ # buildkit`;
the classic builder writes `/bin/sh -c make` and `/bin/sh -c #(nop) COPY dir:… in /app/`.
History is aligned with the instructions of the target's stage chain from the end; entries left
over at the start belong to the base image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction
from ci_optimizer.model.image_model import Layer

FILESYSTEM = frozenset({"RUN", "COPY", "ADD"})
_NOP = re.compile(r"^/bin/sh -c #\(nop\)\s+(\w+)")
_ARGS_PREFIX = re.compile(r"^\|\d+ (?:\S+=\S* )*")


def history_keyword(created_by: str) -> str | None:
    text = created_by.strip()
    if not text:
        return None
    nop = _NOP.match(text)
    if nop:
        return nop.group(1).upper()
    if text.startswith(("/bin/sh -c ", "|")):
        return "RUN"
    word = text.split()[0]
    return word.upper() if word.isalpha() and word.isupper() else None


def clean_created_by(created_by: str) -> str:
    """The command as a reader wants it: no `# buildkit` suffix, no `|2 A=b` ARG prefix, no `/bin/sh -c`.

    The ARG prefix also keeps build-arg values out of reports (they may be secrets).
    """
    text = created_by.strip().removesuffix("# buildkit").strip()
    if text.startswith("/bin/sh -c #(nop)"):
        return text[len("/bin/sh -c #(nop)") :].strip()
    if text.startswith("RUN "):
        return "RUN " + _command(text[4:])
    if text.startswith(("/bin/sh -c ", "|")):
        return "RUN " + _command(text)
    return text


def _command(text: str) -> str:
    """Strip `|N K=V ...` (values may contain spaces) and the shell wrapper from a RUN's history."""
    if text.startswith("|"):
        shell = text.find("/bin/sh -c ")
        exec_form = text.find(" [")
        if shell >= 0 and (exec_form < 0 or shell < exec_form):
            text = text[shell:]
        elif exec_form >= 0:
            text = text[exec_form + 1 :]
        else:
            text = _ARGS_PREFIX.sub("", text)
    return text.removeprefix("/bin/sh -c ")


def attribute_layers(history: Sequence[Mapping[str, Any]], instructions: Sequence[Instruction]) -> tuple[Layer, ...]:
    """Layers (oldest first) with the instruction and line that made them.

    `history` is the engine's history (newest first); `instructions` are those of the target's
    stage chain, in Dockerfile order.
    """
    remaining = [i for i in instructions if i.keyword not in ("ARG", "ONBUILD")]
    attributed: list[Layer] = []
    matching = True
    for entry in history:
        created_by = str(entry.get("CreatedBy") or "")
        keyword = history_keyword(created_by)
        size = int(entry.get("Size") or 0)
        instruction = None
        if matching and keyword:
            instruction = _pop_match(remaining, keyword)
            matching = instruction is not None
        elif matching:
            matching = False  # an entry with no command is the imported base: everything older is base
        if size > 0 or keyword in FILESYSTEM or (not keyword and not instruction):
            attributed.append(
                Layer(
                    size_bytes=size,
                    created_by=clean_created_by(created_by) or str(entry.get("Comment") or ""),
                    instruction=instruction.keyword if instruction else keyword,
                    line=instruction.line if instruction else None,
                    from_base=instruction is None,
                )
            )
    return tuple(reversed(attributed))


def _pop_match(remaining: list[Instruction], keyword: str) -> Instruction | None:
    """Take the newest instruction with this keyword, skipping those that wrote no history."""
    while remaining:
        candidate = remaining.pop()
        if candidate.keyword == keyword:
            return candidate
        if candidate.keyword in FILESYSTEM:
            return None  # a RUN/COPY always writes history: a mismatch means we left the user's stages
    return None


def chain_instructions(model: DockerfileModel, index: int) -> tuple[Instruction, ...]:
    """Instructions of a stage and of the stages it is `FROM`, oldest first: its image history."""
    return tuple(ins for stage in model.chain(index) for ins in stage.instructions)
