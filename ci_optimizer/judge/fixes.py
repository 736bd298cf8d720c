"""The exact text of a fixed Dockerfile instruction, for a review's ```suggestion block. Pure.

A suggestion replaces the instruction's lines as written (continuations and indentation kept), so
it applies with one click. Only edits that are certainly right are made: a flag added right after
the command that lacks it, or a cleanup appended to a shell-form RUN; anything else is advice in
words (judge/causes.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ci_optimizer.dockerfile.stages import Instruction

_PIP = re.compile(r"\b(pip3?|python3?\s+-m\s+pip)\s+install\b(?![^&;|]*--no-cache-dir)")
_APK = re.compile(r"\bapk\s+add\b(?![^&;|]*--no-cache)")
_APT = re.compile(r"\bapt(?:-get)?(?:\s+-\S+)*\s+install\b(?![^&;|]*--no-install-recommends)")
_NPM = re.compile(r"\bnpm\s+(?:ci|install|i|add|clean-install)\b(?![^&;|]*(?:--omit[= ]dev|--production))")
RECOMMENDS = "apt recommends"  # not a cache: the packages apt-get install pulls in for a Recommends
NPM_DEV = "npm dev"  # not a cache: the devDependencies npm installs (judge/dev_packages.py)
# What each cache's fix appends to the RUN, or the edit that keeps it from being written at all.
APPEND = {
    "apt lists": "rm -rf /var/lib/apt/lists/*",
    "apt archives": "apt-get clean",
    "yum/dnf cache": "rm -rf /var/cache/yum /var/cache/dnf",
    "npm cache": "npm cache clean --force",
    "yarn cache": "yarn cache clean",
}
INSERT = {"pip cache": (_PIP, " --no-cache-dir"), "apk cache": (_APK, " --no-cache"),
          RECOMMENDS: (_APT, " --no-install-recommends"), NPM_DEV: (_NPM, " --omit=dev")}


def instruction_text(lines: Sequence[str], ins: Instruction) -> str | None:
    if not (1 <= ins.line <= ins.end_line <= len(lines)):
        return None
    return "\n".join(lines[ins.line - 1 : ins.end_line])


def fixed_text(lines: Sequence[str], ins: Instruction, caches: Sequence[str]) -> str | None:
    """The instruction's lines with every named cache fixed; None when one of them has no exact edit."""
    text = instruction_text(lines, ins)
    if text is None or ins.keyword != "RUN" or ins.json_form or "<<" in text:
        return None
    appended: list[str] = []
    for cache in caches:
        if cache in INSERT:
            pattern, flag = INSERT[cache]
            text, count = pattern.subn(lambda m, flag=flag: m.group(0) + flag, text)  # type: ignore[misc]
            if not count:
                return None
        elif cache in APPEND:
            appended.append(APPEND[cache])
        else:
            return None
    if appended:
        text = text.rstrip() + "".join(f" && {step}" for step in dict.fromkeys(appended))
    return text
