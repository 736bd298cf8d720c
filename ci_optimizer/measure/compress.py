"""The size a registry stores a layer at (gzip level 6), estimated while the layer streams past.

A registry keeps each layer tar gzip-compressed, so that is the size users pull. Compressing every
layer fully costs ~22 ns per byte of incompressible data in one thread, as long as the whole
analysis. Instead the layer is cut into 64 KiB blocks and every `stride`-th block is compressed
with zlib level 6 in worker threads (zlib releases the GIL). Each sampled block is primed with the
32 KiB before it (`zdict`) so it compresses as it would in the middle of the real stream, not as
a cold start. The layer's estimate is the sampled compression ratio times its length. Small layers
(fewer than `min_samples` blocks) are compressed whole and reported as exact.

Accuracy and speed are measured by bench/bench_analysis.py against real gzip -6 of every layer.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from ci_optimizer.measure.regression import fit, r_squared

GZIP_FRAMING = 18  # 10-byte header + CRC32 + ISIZE, around the deflate stream
WINDOW = 32 * 1024  # deflate's history
# Features are read from every n-th byte. Both steps are odd: a step that divides 512 would always
# land on the same fields of the tar headers (a layer of small files is a tenth headers), and two
# such steps of different size see different fields: the model fitted on the samples' features
# would then be biased against the layer's profile (+2 % on the bench's small-file layers).
DECIMATE = 31  # a sampled block's features
PROFILE_STEP = 127  # the layer's profile: coarser, as its totals are taken over megabytes
INCOMPRESSIBLE = 0.98  # deflate cannot shrink such a region: its samples need not be long
TEXT = bytes(range(32, 127)) + b"\t\n\r"
# Text bytes to 0, the rest (NUL included) to 1: a table translate and a count are several times
# faster than deleting the text bytes (translate with deletechars) on binary content.
_TEXT_TO_ZERO = bytes(0 if byte in TEXT else 1 for byte in range(256))
MIN_FIT = 8  # samples needed before the layer's profile is used
LAG = 8  # a big file's samples still in the workers' hands when its sparseness is re-checked
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class SamplePlan:
    block: int = 64 * 1024
    exact_below: int = 128  # layers of fewer blocks are compressed whole (exact)
    dense_stride: int = 8  # one block in 8 where content varies (small files, mixed content)
    # Inside a big file whose samples agree: one 256 KiB sample every 16 MiB. Larger samples there
    # because very compressible content (logs) pays a Huffman table per 64 KiB sample that the real
    # stream shares over several hundred KiB (+0.7 % on a log file with 64 KiB samples).
    sparse_step: int = 16 * 1024 * 1024
    sparse_block: int = 256 * 1024
    large_file: int = 1024 * 1024  # files this big are announced so their inside can be sampled sparsely
    agree: float = 0.02  # samples "agree" when their ratios spread less than this fraction
    agree_count: int = 4
    # Every block compressed with zstd level 1 guides 1 in dense_stride compressed with gzip
    # (guided.py): for layers read ahead of time, where every byte can be looked at.
    guided: bool = False
    guided_samples: int = 200  # the fewest gzip samples a guided layer gets (but never more than 1 block in 2)

    def exact(self, total: int) -> bool:
        return -(-total // self.block) < self.exact_below


DEFAULT_PLAN = SamplePlan()


class Compressed(NamedTuple):
    bytes: int
    exact: bool


def deflate_size(data: bytes | bytearray | memoryview, *, primer: bytes = b"") -> int:
    """Bytes of the raw deflate stream (level 6) for `data`, continuing after `primer`."""
    if primer:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, zdict=primer)
    else:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return len(compressor.compress(data)) + len(compressor.flush())


def gzip_size(data: bytes | bytearray | memoryview) -> int:
    """The exact size of `gzip -6 -n` output for `data`."""
    return deflate_size(data) + GZIP_FRAMING


class Throttle:
    """Bounds the sampled blocks waiting for a worker, so memory stays flat when workers lag."""

    def __init__(self, pool: Executor, *, pending: int) -> None:
        self.pool = pool
        self.pending = pending
        self._slots = threading.BoundedSemaphore(pending)

    def submit(self, job: Callable[[], T]) -> Future[T]:
        self._slots.acquire()
        future = self.pool.submit(job)
        future.add_done_callback(lambda _f: self._slots.release())
        return future


class SizeEstimator(Protocol):
    """What archive.py feeds a layer's bytes to: LayerCompressor, or guided.GuidedCompressor.

    `want_from` is the next offset whose bytes the estimator needs; bytes before it may be
    skipped with `pos += n` instead of `feed()`.
    """

    total: int
    pos: int
    want_from: int
    exact: bool

    def feed(self, data: bytes | memoryview) -> None: ...
    def profile(self, chunk: bytes, lo: int, hi: int) -> None: ...
    def large_file(self, start: int, size: int) -> None: ...
    def result(self) -> Compressed: ...


class _Region:
    """A big file inside the layer: once its first samples agree, its inside is sampled sparsely."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self.samples: list[tuple[int, Future[int]]] = []
        self._settled = False
        self.incompressible = False

    def agrees(self, plan: SamplePlan) -> bool:
        if len(self.samples) < plan.agree_count:
            return False
        # The first decision waits for the first few samples (milliseconds, once per big file);
        # later ones look at all but the newest LAG, which are done by then: no waiting, and the
        # same layer is always sampled the same way.
        settled = self.samples if not self._settled else self.samples[: max(plan.agree_count, len(self.samples) - LAG)]
        ratios = [f.result() / n for n, f in settled]
        low, high = min(ratios), max(ratios)
        self._settled = high - low <= plan.agree * high
        self.incompressible = low > INCOMPRESSIBLE
        return self._settled


class LayerCompressor:
    """Fed every byte of one layer tar in order; `result()` once the last byte is in.

    The layer is cut into intervals (dense, or sparse inside a big file whose samples agree); one
    block from the middle of each is compressed and stands for the whole interval (centred
    systematic sampling: a ratio that drifts along the layer is not skewed). `want_from` is the
    next offset whose bytes matter: callers skip data before it with `advance()` instead of
    `feed()`, which is how unsampled blocks cost nothing.
    """

    def __init__(self, total: int, throttle: Throttle, plan: SamplePlan = DEFAULT_PLAN) -> None:
        self.total = total
        self.pos = 0
        self.exact = plan.exact(total)
        self._throttle = throttle
        self._plan = plan
        self._window = bytearray()
        self._samples: list[tuple[int, int, Future[int]]] = []  # (interval bytes, raw bytes, compressed)
        self._sample_features: list[tuple[float, float]] = []
        self._stride = plan.dense_stride
        self._region: _Region | None = None
        self._interval = (0, total)  # (start, length) of the interval being sampled
        # The layer's profile, from every PROFILE_STEP-th byte: how many bytes looked at, how many
        # outside printable ASCII, how many zero. Cheap (C loops on a decimated copy) and, for the
        # bimodal content of small files (random blobs and text), nearly as telling as compressing
        # (R² 0.99 on the bench). The model is linear in these fractions, so the prediction for the
        # whole layer needs only their totals, not one profile per block.
        self._seen = self._binary = self._zeros = 0
        if self.exact:
            self.want_from = self._split = 0
            self._end = total
        else:
            self._aim(0, plan.dense_stride * plan.block, plan.block)

    def large_file(self, start: int, size: int) -> None:
        """A hint: bytes [start, start + size) are one file's data."""
        self._region = _Region(start, start + size)

    def _aim(self, start: int, length: int, block: int) -> None:
        if start >= self.total:
            self.want_from = self._end = self.total + 1  # no more samples in this layer
            return
        length = min(length, self.total - start)
        block = min(block, length)
        self._interval = (start, length)
        self._split = start + (length - block) // 2
        self.want_from = max(0, self._split - WINDOW)
        self._end = self._split + block

    def _aim_next(self) -> None:
        plan = self._plan
        start = sum(self._interval)
        region = self._region
        dense = self._dense_stride() * plan.block
        if (
            region is not None
            and region.start <= start
            and start + dense < region.end
            and region.agrees(plan)
        ):
            # The rest of the file in steps of at most sparse_step (an 8 MiB file: one more sample).
            # Incompressible content (media, archives, random) needs no long sample: 64 KiB will do.
            block = plan.block if region.incompressible else plan.sparse_block
            self._aim(start, max(min(plan.sparse_step, region.end - start), block), block)
        else:
            self._aim(start, dense, plan.block)

    def _dense_stride(self) -> int:
        """Sparser where the profile features are seen to predict the samples (the regression's R² on
        the settled ones, at least 0.99): small files that are either random or text, as the bench's are, need a
        quarter of the samples for the same accuracy."""
        plan = self._plan
        done = len(self._samples)
        if done < 2 * MIN_FIT or done % (MIN_FIT // 2):  # decide every few samples
            return self._stride
        settled = done - self._throttle.pending  # all but those still queued: no waiting, never varies
        ratios = [future.result() / raw for _, raw, future in self._samples[:settled]]
        features = self._sample_features[:settled]
        model = fit(features, ratios) if len(ratios) >= MIN_FIT + 4 else None
        fitness = r_squared(model, features, ratios) if model is not None else 0.0
        self._stride = plan.dense_stride * (4 if fitness >= 0.99 else 1)
        return self._stride

    def profile(self, chunk: bytes, lo: int, hi: int) -> None:
        """Look at chunk[lo:hi], the layer's next bytes (each byte once, in any pieces)."""
        if self.exact:
            return
        sample = chunk[lo:hi:PROFILE_STEP]  # slicing bytes with a step: a fast C copy
        binary, zeros = _binary_and_zeros(sample)
        self._seen += len(sample)
        self._binary += binary
        self._zeros += zeros

    def _features(self, data: bytes) -> tuple[float, float]:
        sample = data[::DECIMATE]
        binary, zeros = _binary_and_zeros(sample)
        return binary / len(sample), zeros / len(sample)

    def advance(self, size: int) -> None:
        self.pos += size

    def feed(self, data: bytes | memoryview) -> None:
        start = self.pos
        end = start + len(data)
        self.pos = end
        while end > self.want_from:
            lo = max(self.want_from, start)
            hi = min(end, self._end)
            if hi <= lo:
                return
            self._window += data[lo - start : hi - start]
            self.want_from = hi
            if hi < self._end:
                return
            self._submit()

    def _submit(self) -> None:
        window = bytes(self._window)
        self._window = bytearray()
        primer_len = self._split - (self._end - len(window))
        primer, block = window[:primer_len], window[primer_len:]
        future = self._throttle.submit(lambda: deflate_size(block, primer=primer))
        self._samples.append((self._interval[1], len(block), future))
        self._sample_features.append(self._features(block))
        region = self._region
        if region is not None and region.start <= self._split and self._end <= region.end:
            region.samples.append((len(block), future))
        if self.exact:
            self.want_from = self._end = self.total + 1
        else:
            self._aim_next()

    def result(self) -> Compressed:
        if self.pos != self.total:
            raise ValueError(f"layer compressor fed {self.pos} of {self.total} bytes")
        if self.exact:
            packed = sum(f.result() for _, _, f in self._samples) if self._samples else deflate_size(b"")
            return Compressed(bytes=packed + GZIP_FRAMING, exact=True)
        ratios = [future.result() / raw for _, raw, future in self._samples]
        estimate = sum(ratio * interval for ratio, (interval, _, _) in zip(ratios, self._samples, strict=True))
        model = fit(self._sample_features, ratios) if len(ratios) >= MIN_FIT else None
        if model is not None and self._seen:
            # The regression estimator: predict the layer from its profile, then correct by the
            # samples' own residuals. Unbiased like the plain one, much tighter when profiles tell.
            a, b, c = model
            predicted = self.total * (a + (b * self._binary + c * self._zeros) / self._seen)
            residual = sum(
                (ratio - (a + b * x + c * z)) * interval
                for ratio, (x, z), (interval, _, _) in zip(ratios, self._sample_features, self._samples, strict=True)
            )
            estimate = predicted + residual
        return Compressed(bytes=round(estimate) + GZIP_FRAMING, exact=False)


def _binary_and_zeros(sample: bytes) -> tuple[int, int]:
    """How many bytes of sample are outside printable ASCII, and how many of them are zero."""
    return len(sample) - sample.translate(_TEXT_TO_ZERO).count(0), sample.count(0)
