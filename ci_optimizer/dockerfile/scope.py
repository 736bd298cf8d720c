"""ARG scoping as BuildKit has it, and the references that decide the stage graph. Pure.

The global scope (ARGs before the first `FROM`) starts with the predefined platform ARGs; each
global ARG's default is expanded with the ARGs before it, and `--build-arg` replaces it. A `FROM`
sees only that scope. Inside a stage, an `ARG` (re)declares a name for the stage (`ARG NAME` takes
the global value), `ENV` sets one, and `COPY --from` / `RUN --mount=from=` see that stage scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.dockerfile.words import Env, Expansion, ExpansionError, expand_word
from ci_optimizer.errors import DockerfileError

PREFIX_ENDS = ("-", "_", ".", ":", "/")


@dataclass(kw_only=True)
class GlobalScope:
    path: str
    escape: str
    build_args: Mapping[str, str]
    values: dict[str, str | None]  # predefined platform ARGs, then the global ARGs in order
    declared: dict[str, int] = field(default_factory=dict)  # global ARG -> its line
    in_stages: dict[str, int] = field(default_factory=dict)  # ARG declared inside a stage -> first line

    def declare(self, ins: Instruction) -> None:
        for name, default in arg_items(ins):
            value = self.expand(default, self.values, ins.line).text if default is not None else None
            if name in self.build_args:
                value = self.build_args[name]
            elif value is None and name in self.values:
                value = self.values[name]  # `ARG TARGETARCH` keeps the predefined value
            self.values[name] = value
            self.declared.setdefault(name, ins.line)

    def expand(self, word: str, env: Env, line: int) -> Expansion:
        try:
            return expand_word(word, env, escape=self.escape)
        except ExpansionError as exc:
            raise DockerfileError(str(exc), location=f"{self.path}:{line}") from None

    def stage_env(self, instructions: tuple[Instruction, ...] | list[Instruction]) -> list[dict[str, str | None]]:
        """The stage scope before each instruction (what its `--from` words see)."""
        env: dict[str, str | None] = {}
        scopes = []
        for ins in instructions:
            scopes.append(dict(env))
            if ins.keyword == "ARG":
                for name, default in arg_items(ins):
                    self.in_stages.setdefault(name, ins.line)
                    if name in self.build_args:
                        env[name] = self.build_args[name]
                    elif default is not None:
                        env[name] = self.expand(default, env, ins.line).text
                    else:
                        env[name] = self.values.get(name)
            elif ins.keyword == "ENV":
                pairs = ins.value
                for key, value in zip(pairs[::2], pairs[1::2], strict=False):
                    env[key] = self.expand(value, env, ins.line).text
        return scopes

    def check_from(self, raw: str, expansion: Expansion, line: int, missing: dict[str, int]) -> None:
        """An ARG a FROM cannot see is an error naming its line; a valueless global ARG needs --build-arg."""
        for name in expansion.empty:
            if name in self.declared:
                if self.values.get(name) is None:
                    missing.setdefault(name, line)
            elif name in self.in_stages:
                raise DockerfileError(
                    f"FROM {raw} uses ARG {name}, which is declared inside a stage (line {self.in_stages[name]}), "
                    "where FROM cannot see it; move the ARG above the first FROM",
                    location=f"{self.path}:{line}",
                )


def arg_items(ins: Instruction) -> list[tuple[str, str | None]]:
    items = []
    for item in ins.value:
        name, eq, default = item.partition("=")
        items.append((name, default if eq else None))
    return items


def prefix_warning(
    what: str, expansion: Expansion, stage_names: list[str | None], *, location: str
) -> str | None:
    """`binaries-$TARGETOS` → `binaries-`: a stage name with its ARG missing, pulled as an image instead."""
    result = expansion.text
    if not expansion.empty or not result:
        return None
    half = result.endswith(PREFIX_ENDS) or result.startswith(PREFIX_ENDS[:3])
    near = [n for n in stage_names if n and n.startswith(result.lower())]
    if not half and not near:
        return None
    names = " and ".join(f"ARG {n}" for n in expansion.empty)
    verb = "are" if len(expansion.empty) > 1 else "is"
    stage = f" (stages start with it: {', '.join(near[:3])})" if near else ""
    return (f"{location}: {what} resolves to {result!r}, which is no stage{stage}: {names} {verb} empty, "
            "so it is read as an image name")
