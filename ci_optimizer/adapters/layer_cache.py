"""Layer summaries on disk, one file per diff ID, so a layer is read once across targets and runs.

A diff ID is the sha256 of the uncompressed layer tar, so a summary stored under it can never be
stale. The directory is injected (wiring decides: `~/.cache/ci-optimizer/layers` by default, or a
directory CI caches between runs). A damaged or foreign file is a miss, never an error, and a
directory that cannot be written only costs speed.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from ci_optimizer.measure.summary import CACHE_FORMAT, LayerSummary, from_bytes, to_bytes

_DIGEST = re.compile(r"^(sha256|sha384|sha512):([0-9a-f]{32,128})$")


class LayerCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, diff_id: str) -> Path | None:
        match = _DIGEST.match(diff_id)
        if self.directory is None or match is None:
            return None
        return self.directory / f"{match.group(1)}-{match.group(2)}.v{CACHE_FORMAT}"

    def has(self, diff_id: str) -> bool:
        path = self._path(diff_id)
        return path is not None and path.is_file()

    def get(self, diff_id: str) -> LayerSummary | None:
        path = self._path(diff_id)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        summary = from_bytes(data)
        if summary is None or summary.diff_id != diff_id:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by prune()
        return summary

    def put(self, summary: LayerSummary) -> bool:
        path = self._path(summary.diff_id)
        if path is None:
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader (a parallel job sharing the cache) never sees half a file.
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(to_bytes(summary))
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            return False
        return True

    def prune(self, max_bytes: int) -> int:
        """Delete the least recently used summaries until the directory holds at most max_bytes."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        files = []
        for path in self.directory.glob("*.v*"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files):
            if total <= max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                removed += 1
        return removed
