"""What a RUN instruction runs: its simple commands, and the packages they install. Pure.

Not a shell parser: enough of POSIX word splitting (shlex) to find `apt-get install gcc`,
`npm ci --omit=dev` or `pip install -r requirements-dev.txt` inside `&&` chains, `;` lists,
pipes and heredoc bodies, which is where Dockerfiles put them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ci_optimizer.dockerfile.stages import Instruction

_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = frozenset({"sudo", "exec", "command", "nohup", "time", "xargs"})
_HEREDOC = re.compile(r"^<<-?\s*['\"]?([A-Za-z0-9_]+)['\"]?")


@dataclass(frozen=True, kw_only=True)
class Command:
    words: tuple[str, ...]  # the program and its arguments, wrappers (sudo, env) removed
    env: tuple[tuple[str, str], ...] = ()  # `NAME=value` prefixes (`NODE_ENV=production npm ci`)

    @property
    def program(self) -> str:
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""

    def has_flag(self, *names: str) -> bool:
        """`--omit=dev` matches `--omit`; short flags match when bundled (`-yq` has `-q`)."""
        for word in self.words[1:]:
            for name in names:
                if word == name or (name.startswith("--") and word.startswith(name + "=")):
                    return True
                if len(name) == 2 and name[0] == "-" and re.fullmatch(r"-[A-Za-z]+", word) and name[1] in word:
                    return True
        return False

    def flag_values(self, *names: str) -> tuple[str, ...]:
        """Values of `--name value`, `--name=value` and `-n value`."""
        values = []
        for i, word in enumerate(self.words):
            for name in names:
                if word == name and i + 1 < len(self.words):
                    values.append(self.words[i + 1])
                elif name.startswith("--") and word.startswith(name + "="):
                    values.append(word[len(name) + 1 :])
        return tuple(values)


def script(ins: Instruction) -> str:
    """The shell text a RUN executes (exec form joined, heredoc body unwrapped)."""
    if ins.json_form:
        return shlex.join(ins.value)
    text = " ".join(ins.value)
    heredoc = _HEREDOC.match(text)
    if heredoc:
        body = ins.original.split("\n")[1:]
        return "\n".join(line for line in body if line.strip() != heredoc.group(1))
    return text


def commands(ins: Instruction) -> tuple[Command, ...]:
    if ins.keyword != "RUN":
        return ()
    found: list[Command] = []
    for line in script(ins).split("\n"):
        for words in _split(line):
            command = _command(words)
            if command is not None:
                found.append(command)
    return tuple(found)


def _split(line: str) -> list[list[str]]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: plain words still find the commands
        tokens = line.split()
    groups: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS or set(token) <= set("&|;()"):
            groups.append([])
        else:
            groups[-1].append(token)
    return [g for g in groups if g]


def _command(words: list[str]) -> Command | None:
    env: list[tuple[str, str]] = []
    rest = list(words)
    while rest:
        head = rest[0]
        if _ASSIGNMENT.match(head):
            name, _, value = head.partition("=")
            env.append((name, value))
            rest.pop(0)
        elif head in _WRAPPERS or head == "env":
            rest.pop(0)
            while head in ("sudo", "env") and rest and rest[0].startswith("-"):
                rest.pop(0)
        else:
            break
    if not rest:
        return None
    return Command(words=tuple(rest), env=tuple(env))


@dataclass(frozen=True, kw_only=True)
class Install:
    manager: str  # apt, apk, yum, pip, npm, ...
    packages: tuple[str, ...]  # names as written, version pins stripped


# Options that take a value, so the value is not mistaken for a package name.
_VALUE_OPTIONS = {
    "apt": {"-o", "-t", "-c", "--target-release", "--option", "--config-file"},
    "apk": {"-t", "--virtual", "-X", "--repository", "--arch", "-p", "--root", "--repositories-file"},
    "yum": {"--repo", "--enablerepo", "--disablerepo", "--setopt", "--releasever", "--installroot", "-c"},
    "pip": {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
            "--extra-index-url", "-t", "--target", "--prefix", "--root", "-f", "--find-links", "--platform",
            "--python-version", "--implementation", "--abi", "--src", "--upgrade-strategy", "--trusted-host",
            "--cache-dir", "--progress-bar", "--log", "--proxy", "--retries", "--timeout"},
}
_APT = ("apt-get", "apt", "aptitude")
_YUM = ("yum", "dnf", "microdnf", "tdnf", "zypper")


def installs(command: Command) -> Install | None:
    """The system or pip packages a command installs, if it is an install command."""
    program, args = command.program, command.words[1:]
    verb = next((a for a in args if not a.startswith("-")), "")
    if program in _APT and verb == "install":
        return Install(manager="apt", packages=_names(args, verb, _VALUE_OPTIONS["apt"], "=/"))
    if program == "apk" and verb == "add":
        return Install(manager="apk", packages=_names(args, verb, _VALUE_OPTIONS["apk"], "=<>~"))
    if program in _YUM and verb in ("install", "in"):
        return Install(manager="yum", packages=_names(args, verb, _VALUE_OPTIONS["yum"], ""))
    pip = pip_args(command)
    if pip is not None and pip[:1] == ("install",):
        names = _names(pip, "install", _VALUE_OPTIONS["pip"], "=<>~![;@ ")
        return Install(manager="pip", packages=tuple(n for n in names if not n.startswith((".", "/"))))
    return None


def pip_args(command: Command) -> tuple[str, ...] | None:
    """Arguments after `pip`, `pip3.12` or `python -m pip`."""
    if re.fullmatch(r"pip[0-9.]*", command.program):
        return command.words[1:]
    if re.fullmatch(r"python[0-9.]*", command.program):
        words = command.words
        for i in range(1, len(words) - 1):
            if words[i] == "-m" and words[i + 1] == "pip":
                return words[i + 2 :]
    return None


def _names(args: tuple[str, ...], verb: str, value_options: set[str], pin_chars: str) -> tuple[str, ...]:
    names: list[str] = []
    skip = False
    seen_verb = False
    for arg in args:
        if skip:
            skip = False
            continue
        if not seen_verb:
            seen_verb = arg == verb
            continue
        if arg in value_options:
            skip = True
            continue
        if arg.startswith("-") or "$" in arg:
            continue
        name = arg
        for char in pin_chars:
            name = name.split(char, 1)[0]
        if name:
            names.append(name.lower())
    return tuple(names)
