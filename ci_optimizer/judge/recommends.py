"""`apt-get install` without `--no-install-recommends`: the bytes of the packages it pulled in only
because something recommended them, read from dpkg's own records in the layer that ran it. Pure.

The layer analysis keeps two small files of every layer that ships them (measure/summary.py,
KEPT_FILES): `/var/lib/dpkg/status` (every installed package with its `Installed-Size`, `Depends`,
`Pre-Depends`, `Provides`) and `/var/lib/apt/extended_states` (the packages apt installed
automatically). The packages a RUN installed are those its layer's status lists and the status
below it does not; the ones asked for are those apt did not mark automatic. Everything those
reach through `Depends`/`Pre-Depends` is needed; what is left was installed for a `Recommends`
(or a recommendation's own dependencies), and `--no-install-recommends` leaves it out.

Installed-Size is dpkg's figure (KiB, each file rounded up): a few per cent above the files'
bytes, while what maintainer scripts generate (ca-certificates' bundle) is not in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.measure.summary import LayerSummary

STATUS = "/var/lib/dpkg/status"
EXTENDED_STATES = "/var/lib/apt/extended_states"
_COMMANDS = re.compile(r"[^&;|]+")
_APT_INSTALL = re.compile(r"\bapt(?:-get)?\s+(?:\S+\s+)*?install\b")
_NO_RECOMMENDS = re.compile(r"--no-install-recommends\b|APT::Install-Recommends[= ]\"?(?:false|0|no)\b", re.I)
_NAME = re.compile(r"^\s*([a-z0-9][a-z0-9+.-]*)")


@dataclass(frozen=True, kw_only=True)
class Package:
    name: str
    size_bytes: int
    depends: tuple[tuple[str, ...], ...]  # each a group of alternatives (`a | b`), names only
    provides: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Recommended:
    """What a RUN installed only for recommendations: package -> bytes, largest first."""

    packages: tuple[tuple[str, int], ...]

    @property
    def bytes(self) -> int:
        return sum(size for _name, size in self.packages)


def installs_recommends(ins: Instruction) -> bool:
    """A shell RUN with an `apt-get install` (or `apt install`) that does not turn recommends off."""
    if ins.keyword != "RUN":
        return False
    commands = [c for c in _COMMANDS.findall(ins.original) if _APT_INSTALL.search(c)]
    return any(not _NO_RECOMMENDS.search(c) for c in commands)


def paragraphs(text: bytes) -> Iterable[dict[str, str]]:
    """The stanzas of a deb822 file (dpkg status, apt extended_states); continuation lines joined."""
    for block in text.decode("utf-8", "replace").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


def installed(status: bytes) -> dict[str, Package]:
    packages: dict[str, Package] = {}
    for fields in paragraphs(status):
        name = fields.get("Package")
        if not name or not fields.get("Status", "").endswith(" installed"):
            continue
        groups = tuple(
            tuple(n for alt in group.split("|") if (n := _name(alt)))
            for field in ("Pre-Depends", "Depends") for group in fields.get(field, "").split(",") if group.strip()
        )
        size = int(fields.get("Installed-Size", "0") or 0) * 1024
        old = packages.get(name)  # the same name for another architecture: both are installed
        packages[name] = Package(
            name=name, size_bytes=size + (old.size_bytes if old else 0), depends=groups + (old.depends if old else ()),
            provides=tuple(n for p in fields.get("Provides", "").split(",") if (n := _name(p))),
        )
    return packages


def automatic(extended_states: bytes) -> frozenset[str]:
    return frozenset(f["Package"] for f in paragraphs(extended_states)
                     if f.get("Package") and f.get("Auto-Installed") == "1")


def recommended_only(before: bytes | None, after: bytes, extended_states: bytes | None) -> Recommended | None:
    """None when it cannot be told (no package new, or none of them asked for)."""
    if extended_states is None:
        return None  # apt wrote no record of what it installed automatically: asked and pulled look alike
    old = installed(before) if before is not None else {}
    new = {name: pkg for name, pkg in installed(after).items() if name not in old}
    auto = automatic(extended_states)
    asked = [name for name in new if name not in auto]
    if not asked:
        return None
    providers: dict[str, list[str]] = {}
    for pkg in new.values():
        for virtual in (pkg.name, *pkg.provides):
            providers.setdefault(virtual, []).append(pkg.name)
    needed = set(asked)
    todo = list(asked)
    while todo:
        for group in new[todo.pop()].depends:
            for dep in (p for alt in group for p in providers.get(alt, ())):
                if dep not in needed:
                    needed.add(dep)
                    todo.append(dep)
    left = sorted(((n, p.size_bytes) for n, p in new.items() if n not in needed), key=lambda e: (-e[1], e[0]))
    return Recommended(packages=tuple(left))


def layer_recommends(layers: Sequence[LayerSummary], index: int) -> Recommended | None:
    """For the layer at `index`: its status against the nearest one below it."""
    after = layers[index].content(STATUS)
    if after is None:
        return None
    before = next((s for layer in reversed(layers[:index]) if (s := layer.content(STATUS)) is not None), None)
    states = next((s for layer in reversed(layers[: index + 1]) if (s := layer.content(EXTENDED_STATES)) is not None),
                  None)
    return recommended_only(before, after, states)


def _name(item: str) -> str:
    match = _NAME.match(item)
    return match.group(1) if match else ""
