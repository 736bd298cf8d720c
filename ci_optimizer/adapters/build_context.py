"""What the checklist needs from the build context: its ignore file and which heavy directories it holds.

BuildKit (through buildx) prefers `<Dockerfile>.dockerignore` beside the Dockerfile to the
context's `.dockerignore`; the same order is used here. The walk is bounded and never descends
into a heavy directory, so a monorepo with many node_modules stays cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ci_optimizer.judge.checks.dockerignore import HEAVY_DIRS

MAX_DEPTH = 4
MAX_DIRS = 20_000


@dataclass(frozen=True, kw_only=True)
class BuildContext:
    dockerignore: str | None  # text, None when there is none
    dockerignore_path: str  # the file that applies (or would apply), as the user names it
    heavy_dirs: frozenset[str]  # relative paths, e.g. {'.git', 'web/node_modules'}


def read_build_context(context: Path, dockerfile: Path) -> BuildContext:
    candidates = (dockerfile.with_name(dockerfile.name + ".dockerignore"), context / ".dockerignore")
    found = next((c for c in candidates if c.is_file()), None)
    text = found.read_text(encoding="utf-8", errors="replace") if found is not None else None
    return BuildContext(dockerignore=text, dockerignore_path=str(found or candidates[1]),
                        heavy_dirs=heavy_dirs(context))


def heavy_dirs(context: Path, *, max_depth: int = MAX_DEPTH, max_dirs: int = MAX_DIRS) -> frozenset[str]:
    found: set[str] = set()
    seen = 0
    for root, dirs, _files in os.walk(context):
        relative = Path(root).relative_to(context)
        depth = 0 if relative == Path(".") else len(relative.parts)
        keep = []
        for name in dirs:
            if name in HEAVY_DIRS:
                found.add((relative / name).as_posix())
            elif depth + 1 < max_depth:
                keep.append(name)
        seen += len(dirs)
        dirs[:] = sorted(keep) if seen < max_dirs else []
    return frozenset(found)
