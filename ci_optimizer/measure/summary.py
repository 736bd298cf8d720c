"""One layer tar, summarised as the paths it adds and deletes. Pure.

A summary depends only on the layer's bytes, so it is cached by diff ID and shared by every image
that has the layer. Entries are stored column-wise (a tuple of paths, one byte of kind and three
machine integers per path) because an image can hold a few hundred thousand of them and the
analysis must stay within a fraction of dive's memory: about 100 bytes per path.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from ci_optimizer.measure.compress import Compressed
from ci_optimizer.measure.tarstream import DIRECTORY, HARDLINK, REGULAR, SYMLINK, Source, scan

# Kinds of entry, one byte each.
FILE = ord("f")
DIR = ord("d")
LINK = ord("l")  # symlink
HARD = ord("h")  # hard link: its bytes are counted once, at the file it links to
OTHER = ord("o")  # device, fifo
WHITEOUT = ord("w")  # the path is deleted from the layers below
OPAQUE = ord("q")  # the directory's contents from the layers below are deleted

_CODES = {DIRECTORY: DIR, SYMLINK: LINK, HARDLINK: HARD}

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"

CACHE_FORMAT = 4  # 2: metas are crc32 fingerprints; 3: the kept files' contents; 4: npm's hidden lockfiles

# Small files whose content the cause detectors read: what dpkg has installed and which of it apt
# installed automatically (judge/recommends.py), and, in every node_modules directory, the hidden
# lockfile npm 7+ writes there, which marks the devDependencies `"dev": true`
# (judge/dev_packages.py). Only these are read; every other file is skipped.
KEPT_FILES = ("/var/lib/dpkg/status", "/var/lib/apt/extended_states")
_KEEP = frozenset(name for path in KEPT_FILES for name in (path[1:], "." + path, path))
NPM_LOCKFILE = "node_modules/.package-lock.json"  # the end of its path, in any project directory
# About 500 bytes a package: 8 MiB is some 16,000 packages. A larger one is left unread (the
# detector then finds nothing) rather than held in memory and in the cache for every layer.
MAX_NPM_LOCKFILE = 8 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class LayerSummary:
    diff_id: str  # sha256 of the uncompressed layer tar ("" until the archive's config names it)
    tar_bytes: int  # length of the uncompressed layer tar
    compressed: Compressed
    paths: tuple[str, ...]  # "/usr/bin/env"; a whiteout's path is the path it deletes
    kinds: bytes
    sizes: array[int]  # file bytes (0 for all but regular files)
    mtimes: array[int]
    metas: array[int]  # a fingerprint of mode and owner: tells a chmod/chown copy-up from new content
    kept: tuple[tuple[str, bytes], ...] = ()  # (path, content) of the KEPT_FILES the layer ships

    def content(self, path: str) -> bytes | None:
        """A kept file's content, None when the layer does not ship it."""
        return next((data for kept, data in self.kept if kept == path), None)

    @property
    def file_bytes(self) -> int:
        return sum(self.sizes)


def normalize(name: str) -> str:
    """'./usr/bin/' -> '/usr/bin'; the root itself -> ''."""
    name = name.strip("/")
    if name and name[0] != ".":
        return "/" + name  # the common case ("usr/bin"), on the path of every member of every layer
    while name.startswith("./"):
        name = name[2:].lstrip("/")
    return "" if name in ("", ".") else "/" + name


def _whiteout(path: str) -> tuple[int, str] | None:
    """(kind, path it deletes) for a whiteout or opaque marker; (0, "") for aufs metadata to drop."""
    parent, _, base = path.rpartition("/")
    if base == OPAQUE_MARKER:
        return OPAQUE, parent or "/"
    if "/.wh..wh." in path:
        return 0, ""
    if base.startswith(WHITEOUT_PREFIX):
        return WHITEOUT, parent + "/" + base[len(WHITEOUT_PREFIX) :]
    return None


def summarize(
    src: Source, *, what: str = "layer", large_file: int = 0, on_large_file: Callable[[int, int], None] | None = None
) -> LayerSummary:
    """Read one layer tar to its end marker; tar_bytes and compressed are the caller's to fill.

    `on_large_file(offset, size)` hears of each file of at least `large_file` bytes before its data.
    """
    paths: list[str] = []
    kinds = bytearray()
    sizes = array("q")
    mtimes = array("q")
    metas = array("q")
    kept: dict[str, bytes] = {}
    members = scan(src, what=what, keep=_KEEP, kept=kept, keep_suffix=NPM_LOCKFILE, max_suffixed=MAX_NPM_LOCKFILE)
    for name, kind, file_size, data_size, mtime, meta in members:
        path = normalize(name)
        if not path:
            continue
        size = 0
        if "/.wh." in path and (special := _whiteout(path)) is not None:
            if not special[1]:
                continue  # aufs bookkeeping (.wh..wh.plnk/...): not part of the image
            code, path = special
        elif kind in REGULAR:
            code, size = FILE, file_size
            if on_large_file is not None and data_size >= large_file:
                on_large_file(src.offset, data_size)
        else:
            code = _CODES.get(kind, OTHER)
        paths.append(path)
        kinds.append(code)
        sizes.append(size)
        mtimes.append(mtime)
        metas.append(meta)
    return LayerSummary(
        diff_id="",
        tar_bytes=0,  # the caller knows the length once the member is consumed
        compressed=Compressed(bytes=0, exact=False),
        paths=tuple(paths),
        kinds=bytes(kinds),
        sizes=sizes,
        mtimes=mtimes,
        metas=metas,
        kept=tuple(sorted((normalize(name), data) for name, data in kept.items())),
    )


def to_bytes(summary: LayerSummary) -> bytes:
    """The cache file: a JSON header line, then the columns as raw machine arrays, then the paths."""
    header = {
        "format": CACHE_FORMAT,
        "diff_id": summary.diff_id,
        "tar_bytes": summary.tar_bytes,
        "compressed_bytes": summary.compressed.bytes,
        "compressed_exact": summary.compressed.exact,
        "entries": len(summary.paths),
        "itemsize": summary.sizes.itemsize,
        "kept": [[path, len(data)] for path, data in summary.kept],
    }
    names = "\0".join(summary.paths).encode("utf-8", "surrogateescape")
    return b"".join(
        (json.dumps(header).encode() + b"\n", summary.kinds, summary.sizes.tobytes(), summary.mtimes.tobytes(),
         summary.metas.tobytes(), *(data for _path, data in summary.kept), names)
    )


def from_bytes(data: bytes) -> LayerSummary | None:
    """None when the file is from another format version or damaged (the layer is read again)."""
    newline = data.find(b"\n")
    try:
        header = json.loads(data[:newline])
        if header.get("format") != CACHE_FORMAT or header.get("itemsize") != array("q").itemsize:
            return None
        count = int(header["entries"])
        pos = newline + 1
        kinds = data[pos : pos + count]
        pos += count
        columns = []
        for _ in range(3):
            column = array("q")
            column.frombytes(data[pos : pos + 8 * count])
            pos += 8 * count
            columns.append(column)
        kept = []
        for path, length in header.get("kept", ()):
            kept.append((str(path), data[pos : pos + int(length)]))
            pos += int(length)
        names = data[pos:].decode("utf-8", "surrogateescape")
        paths = tuple(names.split("\0")) if count else ()
        if len(paths) != count or len(kinds) != count or any(len(c) != count for c in columns):
            return None
        return LayerSummary(
            diff_id=str(header["diff_id"]),
            tar_bytes=int(header["tar_bytes"]),
            compressed=Compressed(bytes=int(header["compressed_bytes"]), exact=bool(header["compressed_exact"])),
            paths=paths,
            kinds=kinds,
            sizes=columns[0],
            mtimes=columns[1],
            metas=columns[2],
            kept=tuple(kept),
        )
    except (ValueError, KeyError, TypeError):
        return None
