"""BuildKit's word expansion (moby/buildkit frontend/dockerfile/shell/lex.go), for the words that
decide the stage graph: `FROM`, `FROM --platform`, `COPY --from`, `RUN --mount=from=` and ARG defaults.

Quotes are removed as BuildKit removes them (`ARG X="false"` is `false`), the escape character is
the file's (`\\` or the `# escape=` directive's), and every parameter form BuildKit supports is
here: `$A ${A} ${A:-w} ${A-w} ${A:+w} ${A+w} ${A:?w} ${A?w} ${A#p} ${A##p} ${A%p} ${A%%p}`.
`Expansion.empty` names the variables that were substituted while unset or empty, so a caller can
say which ARG made `binaries-$TARGETOS` come out as `binaries-`. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

Env = Mapping[str, "str | None"]  # None: declared without a value (unset, as BuildKit sees it)


class ExpansionError(ValueError):
    """A word BuildKit would refuse: a bad substitution, a missing `}`, `${A:?msg}` with A unset."""


@dataclass(frozen=True, kw_only=True)
class Expansion:
    text: str
    empty: tuple[str, ...] = ()  # variables substituted while unset or empty, in order of use
    used: tuple[str, ...] = ()  # every variable the word referred to


def expand_word(word: str, env: Env, *, escape: str = "\\") -> Expansion:
    lexer = _Lexer(word, env, escape)
    text = lexer.until(None)
    return Expansion(text=text, empty=tuple(dict.fromkeys(lexer.empty)), used=tuple(dict.fromkeys(lexer.used)))


def expand(word: str, env: Env, *, escape: str = "\\") -> str:
    return expand_word(word, env, escape=escape).text


class _Lexer:
    def __init__(self, word: str, env: Env, escape: str) -> None:
        self.word = word
        self.pos = 0
        self.env = env
        self.escape = escape
        self.empty: list[str] = []
        self.used: list[str] = []

    def peek(self) -> str:
        return self.word[self.pos] if self.pos < len(self.word) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def until(self, stop: str | None) -> str:
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                if stop is not None:
                    raise ExpansionError(f"syntax error: missing '{stop}' in {self.word!r}")
                return "".join(out)
            if stop is not None and ch == stop:
                self.next()
                return "".join(out)
            if ch == "'":
                out.append(self.single_quoted())
            elif ch == '"':
                out.append(self.double_quoted())
            elif ch == "$":
                out.append(self.dollar())
            else:
                self.next()
                if ch == self.escape:
                    ch = self.next()
                    if not ch:
                        return "".join(out)
                out.append(ch)

    def single_quoted(self) -> str:
        self.next()
        end = self.word.find("'", self.pos)
        if end < 0:
            raise ExpansionError(f"unexpected end of statement while looking for matching single-quote in "
                                 f"{self.word!r}")
        text = self.word[self.pos : end]
        self.pos = end + 1
        return text

    def double_quoted(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise ExpansionError(f"unexpected end of statement while looking for matching double-quote in "
                                     f"{self.word!r}")
            if ch == '"':
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            self.next()
            if ch == self.escape and self.peek() in ('"', "$", self.escape) and self.peek():
                ch = self.next()  # only these can be escaped inside double quotes; other escapes stay as written
            out.append(ch)

    def name(self) -> str:
        start = self.pos
        if self.peek().isdigit():  # positional parameters are one digit, and never set in a Dockerfile
            self.next()
            return self.word[start : self.pos]
        while (ch := self.peek()) and (ch.isalnum() or ch == "_"):
            self.next()
        return self.word[start : self.pos]

    def lookup(self, name: str) -> str | None:
        self.used.append(name)
        return self.env.get(name)

    def plain(self, name: str) -> str:
        value = self.lookup(name)
        if not value:
            self.empty.append(name)
        return value or ""

    def dollar(self) -> str:
        self.next()  # $
        if self.peek() != "{":
            name = self.name()
            return self.plain(name) if name else "$"
        self.next()  # {
        if self.peek() in ("", "{", "}", ":"):
            raise ExpansionError(f"bad substitution in {self.word!r}")
        name = self.name()
        op = self.next()
        if op == "}":
            return self.plain(name)
        if op == ":" and self.peek() in "-+?" and self.peek():
            op += self.next()
        if op in ("-", ":-", "+", ":+", "?", ":?"):
            mark = len(self.empty)
            word = self.until("}")
            value = self.lookup(name)
            present = value is not None if ":" not in op else bool(value)
            if (op.endswith("-") and present) or (op.endswith("+") and not present):
                del self.empty[mark:]  # the word was not used: what it would have been empty of does not count
            if op.endswith("-"):
                return (value or "") if present else word
            if op.endswith("+"):
                return word if present else ""
            if not present:
                raise ExpansionError(f"{name}: {word or 'is not allowed to be unset'}")
            return value or ""
        if op in ("#", "%"):
            longest = self.peek() == op
            if longest:
                self.next()
            pattern = self.until("}")
            return _trim(self.plain(name), pattern, prefix=op == "#", longest=longest, escape=self.escape)
        if not op:
            raise ExpansionError(f"syntax error: missing '}}' in {self.word!r}")
        raise ExpansionError(f"unsupported modifier ({op}) in substitution in {self.word!r}")


def _trim(value: str, pattern: str, *, prefix: bool, longest: bool, escape: str) -> str:
    matcher = re.compile(_glob(pattern, escape), re.DOTALL)
    cuts = range(len(value) + 1)
    order = reversed(cuts) if longest else cuts  # `cut` is the length of the part matched, head or tail
    for cut in order:
        part = value[:cut] if prefix else value[len(value) - cut :]
        if matcher.fullmatch(part):
            return value[cut:] if prefix else value[: len(value) - cut]
    return value


def _glob(pattern: str, escape: str) -> str:
    """A shell pattern (`*`, `?`, `[...]`, escapes) as a regular expression."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[" and (end := pattern.find("]", i + 2)) > 0:
            body = pattern[i + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)
