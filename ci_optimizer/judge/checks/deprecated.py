"""deprecated-flags: package-manager flags their tools have deprecated, with today's spelling. Pure.

Tutorials keep them alive long after the tool moved on: `npm ci --only=production` (npm 7+ says
"Use `--omit=dev` instead"), `npm install --production`, `--also=dev`, `--no-optional`, and
`apt-key add` (deprecated in Debian 11 and Ubuntu 22.04, removed after: keyrings go to
/etc/apt/keyrings and sources name them with `signed-by=`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ci_optimizer.judge.checks.inputs import CheckInputs, Finding
from ci_optimizer.judge.checks.shell import Command, commands

_NPM_VERBS = frozenset({"install", "i", "ci", "add", "update", "prune", "ls", "audit"})


def deprecated_flags(command: Command) -> list[tuple[str, str]]:
    """(what the command says, what to say instead) for each deprecated flag it uses."""
    found: list[tuple[str, str]] = []
    words = command.words
    verb = words[1] if len(words) > 1 else ""
    if command.program == "npm" and verb in _NPM_VERBS:
        for only in command.flag_values("--only"):
            if only.startswith("prod"):
                found.append((f"--only={only}", "--omit=dev"))
            elif only in ("dev", "development"):
                found.append((f"--only={only}", "--include=dev"))
        for also in command.flag_values("--also"):
            found.append((f"--also={also}", "--include=dev"))
        if "--production" in words[2:] or any(w.startswith("--production=") for w in words[2:]):
            found.append(("--production", "--omit=dev"))
        if "--no-optional" in words[2:]:
            found.append(("--no-optional", "--omit=optional"))
    if command.program == "apt-key" and verb in ("add", "adv"):
        found.append((f"apt-key {verb}", "a keyring in /etc/apt/keyrings named by `signed-by=` in the source"))
    return found


def check_deprecated_flags(inputs: CheckInputs) -> Sequence[Finding]:
    findings = []
    for stage in inputs.model.stages:
        for ins in stage.instructions:
            for command in commands(ins):
                for old, new in deprecated_flags(command):
                    findings.append(Finding(
                        passed=False, line=ins.line,
                        message=f"`{old}` at line {ins.line} is deprecated: use {_code(new)}",
                    ))
    return tuple(findings) or (Finding(passed=True, message="no deprecated package-manager flags"),)


def _code(text: str) -> str:
    return f"`{text}`" if text.startswith("-") else text
