"""Read a `docker save` archive as a stream: every layer summarised on the fly. Pure (threads aside).

Two layouts exist. The legacy one (Docker < 25) holds `<v1 id>/layer.tar`, `<config>.json` and a
`manifest.json` that orders the layers; a layer seen twice is a symlink to the first copy. The
OCI one (Docker >= 25, containerd image store, BuildKit's oci exporter) holds `blobs/sha256/<hex>`
(layers as plain or gzip tars, configs and manifests as JSON) with `index.json`, and usually a
`manifest.json` as well. In both the manifest may arrive after the layers, so each layer is
summarised under its member path as it passes and the order and diff IDs are joined at the end.
Only JSON members are buffered; layer bytes never are (beyond one sampled block).
"""

from __future__ import annotations

import posixpath
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from ci_optimizer.errors import EngineError
from ci_optimizer.measure.bytestream import ByteStream
from ci_optimizer.measure.compress import DEFAULT_PLAN, Compressed, SamplePlan, SizeEstimator, Throttle
from ci_optimizer.measure.guided import layer_estimator
from ci_optimizer.measure.manifest import blob_digest, config_diff_ids, image_manifest, resolve
from ci_optimizer.measure.summary import LayerSummary, summarize
from ci_optimizer.measure.tarstream import BLOCK, REGULAR, SYMLINK, ZERO_BLOCK, TarEntry, checksum_ok, entries
from ci_optimizer.measure.v1ids import v1_matcher

MAX_JSON = 64 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True, kw_only=True)
class ArchiveLayers:
    diff_ids: tuple[str, ...]  # oldest first, as the image config lists them
    summaries: tuple[LayerSummary | None, ...]  # None: a layer the caller said it already knows


class _MemberSource:
    """The bytes of one archive member, read as a tar; every byte passes the compressor.

    Called twice per file of the layer (header, data): kept flat, it is a good part of the parse.
    """

    def __init__(self, stream: ByteStream, size: int | None, compressor: SizeEstimator | None) -> None:
        self._stream = stream
        self._size = size if size is not None else 1 << 62
        self._compressor = compressor
        self.offset = 0

    def read(self, size: int) -> bytes:
        left = self._size - self.offset
        if left <= 0:
            return b""  # the member ended without an end marker: a tar is allowed to
        data = self._stream.read(size) if size <= left else None
        if data is None or (data and len(data) != size):
            raise EngineError(f"{self._stream.name}: a layer tar ends inside a tar block")
        if not data:
            return b""
        compressor = self._compressor
        self.offset += size
        if compressor is not None:
            if self.offset > compressor.want_from:
                compressor.feed(data)
            else:
                compressor.pos += size
        return data

    def skip(self, size: int) -> None:
        if not size:
            return
        if size > self._size - self.offset:
            raise EngineError(f"{self._stream.name}: a layer tar ends inside a tar block")
        compressor = self._compressor
        if compressor is None:
            self._stream.skip(size)
        elif self.offset + size <= compressor.want_from:
            self._stream.skip(size)
            compressor.pos += size
        else:
            for view in self._stream.slices(size):
                compressor.feed(view)
        self.offset += size

    def finish(self) -> int:
        """Consume what follows the end marker; returns the member's whole length."""
        if self._size == 1 << 62:
            self.offset += self._stream.drain()
        else:
            self.skip(self._size - self.offset)
        return self.offset


def _profiler(compressor: SizeEstimator, start: int, size: int) -> Callable[[bytes, int, int], None]:
    """Hands the compressor the part of each chunk that belongs to the layer at [start, start + size)."""
    end = start + size

    def look(chunk: bytes, first: int, offset: int) -> None:
        lo, hi = max(offset + first, start), min(offset + len(chunk), end)
        if lo < hi:
            compressor.profile(chunk, lo - offset, hi - offset)

    return look


def _inflate(stream: ByteStream, size: int) -> Iterator[bytes]:
    """The uncompressed bytes of a gzip member, a megabyte at a time (a small blob can inflate a lot)."""
    inflater = zlib.decompressobj(31)
    for view in stream.slices(size):
        data: bytes = view.tobytes()
        while data:
            yield inflater.decompress(data, 1 << 20)
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:  # concatenated gzip members
                data = inflater.unused_data
                inflater = zlib.decompressobj(31)
    yield inflater.flush()


def read_archive(
    chunks: Iterable[bytes],
    *,
    throttle: Throttle,
    plan: SamplePlan = DEFAULT_PLAN,
    expected: Sequence[str] = (),
    known: Collection[str] = frozenset(),
    careful: Collection[str] = frozenset(),
    careful_plan: SamplePlan = DEFAULT_PLAN,
    sized: Mapping[str, int] | None = None,
    name: str = "image archive",
) -> ArchiveLayers:
    """Summarise every layer of the archive streamed by `chunks`.

    `known` holds diff IDs already summarised (in the cache); their layers are skipped unread.
    Layers in `careful` (a base image's: a distro's mix of binaries and text) are sampled with
    `careful_plan`. An OCI archive names a plain layer by its diff ID; a legacy one by a v1 ID,
    recognised from the layer's `json` and `expected` (the image's diff IDs, see v1ids.py).
    `sized` maps diff IDs to their exact compressed size (a registry's manifest): those layers are
    read for their files but not compressed, the costly part of the estimate.
    """
    sized = sized or {}
    reader = _Reader(ByteStream(chunks, name=name), throttle=throttle, plan=plan, known=known,
                     careful=(careful, careful_plan), sized=sized,
                     v1_ids=v1_matcher(expected, {*known, *careful, *sized}))
    for entry in entries(reader.stream, what=name):
        reader.member(entry)
    # Whatever follows the end marker (zero padding) is left unread: the caller may close the stream.
    return reader.layers()


class _Reader:
    def __init__(
        self, stream: ByteStream, *, throttle: Throttle, plan: SamplePlan, known: Collection[str],
        careful: tuple[Collection[str], SamplePlan], sized: Mapping[str, int],
        v1_ids: Callable[[bytes], str | None] | None,
    ) -> None:
        self.stream = stream
        self.name = stream.name
        self.throttle = throttle
        self.plan = plan
        self.known = known
        self.v1_ids = v1_ids
        self.found: dict[str, tuple[LayerSummary, SizeEstimator | None, Compressed | None]] = {}
        self.documents: dict[str, bytes] = {}
        self.links: dict[str, str] = {}
        self.skipped: set[str] = set()  # known layers, left unread
        self.skip_legacy: set[str] = set()  # legacy layer.tar paths recognised as known from their json
        self.careful, self.careful_plan = careful
        self.careful_legacy: set[str] = set()  # legacy layer.tar paths recognised as careful ones
        self.sized = sized
        self.sized_legacy: dict[str, int] = {}  # legacy layer.tar paths whose compressed size is known

    def member(self, entry: TarEntry) -> None:
        path = posixpath.normpath(entry.name.lstrip("/")).removeprefix("./")
        if entry.type == SYMLINK:  # a legacy archive's second copy of a layer
            self.links[path] = posixpath.normpath(posixpath.join(posixpath.dirname(path), entry.linkname))
            return
        if entry.type not in REGULAR:
            return
        size = entry.data_size
        if self.v1_ids is not None and path.endswith("/json") and size <= MAX_JSON:
            diff_id = self.v1_ids(self.stream.read(size))
            layer_path = posixpath.dirname(path) + "/layer.tar"
            if diff_id in self.known:
                self.skip_legacy.add(layer_path)
            elif diff_id is not None and diff_id in self.sized:
                self.sized_legacy[layer_path] = self.sized[diff_id]
            elif diff_id in self.careful:
                self.careful_legacy.add(layer_path)
            return
        head = self.stream.peek(min(size, BLOCK))
        blob = path.startswith("blobs/")
        if path in self.skip_legacy or (blob and blob_digest(path) in self.known):
            self.skipped.add(path)
        elif head[:2] == GZIP_MAGIC:
            self._gzip_layer(path, size)
        elif head[:4] == ZSTD_MAGIC:
            raise EngineError(f"{self.name}: layer {path} is zstd-compressed; only plain and gzip layers are supported")
        elif path.endswith(".json") or (blob and head.lstrip()[:1] in (b"{", b"[")):
            if size <= MAX_JSON:
                self.documents[path] = self.stream.read(size)
        elif path.endswith("/layer.tar") or (blob and _is_tar(head)):
            self._layer(path, size)

    def _layer(self, path: str, size: int) -> None:
        exact = self.sized_legacy.get(path)
        if exact is None and path.startswith("blobs/"):
            exact = self.sized.get(blob_digest(path))
        if exact is not None:
            source = _MemberSource(self.stream, size, None)
            summary = summarize(source, what=f"{self.name}: {path}")
            self.found[path] = (replace(summary, tar_bytes=source.finish()), None, Compressed(bytes=exact, exact=True))
            return
        careful = path in self.careful_legacy or (path.startswith("blobs/") and blob_digest(path) in self.careful)
        plan = self.careful_plan if careful else self.plan
        compressor = layer_estimator(size, self.throttle, plan)
        source = _MemberSource(self.stream, size, compressor)
        self.stream.watch(_profiler(compressor, self.stream.offset, size))
        summary = summarize(
            source, what=f"{self.name}: {path}", large_file=plan.large_file, on_large_file=compressor.large_file
        )
        self.found[path] = (replace(summary, tar_bytes=source.finish()), compressor, None)
        self.stream.watch(None)

    def _gzip_layer(self, path: str, size: int) -> None:
        """A registry's layer as the OCI layout keeps it: its compressed size is known exactly."""
        source = _MemberSource(ByteStream(_inflate(self.stream, size), name=path), None, None)
        summary = summarize(source, what=f"{self.name}: {path}")
        self.found[path] = (replace(summary, tar_bytes=source.finish()), None, Compressed(bytes=size, exact=True))

    def layers(self) -> ArchiveLayers:
        config_path, layer_paths = image_manifest(self.documents, name=self.name)
        diff_ids = config_diff_ids(self.documents, config_path, len(layer_paths), name=self.name)
        summaries: list[LayerSummary | None] = []
        for diff_id, layer_path in zip(diff_ids, layer_paths, strict=True):
            target = resolve(layer_path, self.links)
            if target in self.skipped:
                summaries.append(None)
                continue
            if target not in self.found:
                raise EngineError(f"{self.name}: the manifest names layer {layer_path}, which is not in the archive")
            summary, compressor, compressed = self.found[target]
            if compressed is None:
                compressed = compressor.result() if compressor is not None else Compressed(bytes=0, exact=False)
            summaries.append(replace(summary, diff_id=diff_id, compressed=compressed))
        return ArchiveLayers(diff_ids=diff_ids, summaries=tuple(summaries))


def _is_tar(head: bytes) -> bool:
    return len(head) == BLOCK and (head == ZERO_BLOCK or checksum_ok(head))


