"""Why a target grew: its path summary, the path diff against the baseline, and the causes found.
Pure data (measure/pathdiff.py computes the diff, judge/causes.py the causes).

A baseline can know the base image at three levels of detail, and the diff says which it had:
`files` (the base image analysed here: every file), `summary` (a saved report's compact path
summary: directory totals to a bounded depth and the large files), `layers` (per-layer totals only,
as a registry manifest or a report saved before schema 2 gives: no path diff is possible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PathChangeKind = Literal["added", "removed", "grown", "shrunk"]
DiffDetail = Literal["files", "summary", "layers"]
CauseKind = Literal[
    "package-cache", "no-install-recommends", "dev-toolchain", "dev-dependencies", "shadowed", "context-junk",
    "duplicate-file",
]


@dataclass(frozen=True, kw_only=True)
class PathTotal:
    """One entry of a path summary: a directory (every regular file under it) or one large file."""

    path: str
    size_bytes: int
    files: int = 1
    is_dir: bool = True


@dataclass(frozen=True, kw_only=True)
class PathSummary:
    """The final image's files, compact enough to ride in a saved report as a baseline."""

    depth: int  # directories down to this many path components
    min_dir_bytes: int  # directories smaller than this are left out
    min_file_bytes: int  # files at least this large are listed one by one
    entries: tuple[PathTotal, ...]


@dataclass(frozen=True, kw_only=True)
class PathChange:
    """A path (a directory where the bytes are spread, else a file) that changed against the base."""

    path: str
    kind: PathChangeKind
    delta_bytes: int
    files: int  # files changed under it (a summary diff: the entries that changed)
    is_dir: bool
    line: int | None = None  # Dockerfile line of the layer that brought most of the bytes (head; base for removed)


@dataclass(frozen=True, kw_only=True)
class PathDiff:
    detail: DiffDetail
    added_bytes: int = 0  # every byte that grew, before collapsing
    removed_bytes: int = 0  # every byte that shrank (a positive number)
    changes: tuple[PathChange, ...] = ()  # largest first
    note: str = ""  # what the diff could not see, in words for the report


@dataclass(frozen=True, kw_only=True)
class Cause:
    """A cause of size with the bytes it costs in this image, measured from its layers."""

    kind: CauseKind
    line: int | None  # the Dockerfile line to change
    bytes: int  # what the fix saves, measured
    message: str
    fix: str
    paths: tuple[str, ...] = ()  # a few of the paths it measured
    other_line: int | None = None  # shadowed: the line that deleted or overwrote the bytes
    suggestion: str | None = None  # the fixed text of the instruction's lines, when the fix is that exact


@dataclass(frozen=True, kw_only=True)
class Growth:
    """A target's why-it-grew: set by the analysis (summary, causes) and the comparison (diff)."""

    summary: PathSummary | None = None
    diff: PathDiff | None = None
    causes: tuple[Cause, ...] = ()

    @property
    def savings(self) -> int:
        return sum(c.bytes for c in self.causes)
