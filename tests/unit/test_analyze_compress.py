from __future__ import annotations

import gzip
import os
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ci_optimizer.measure import compress
from ci_optimizer.measure.compress import Compressed, LayerCompressor, SamplePlan, Throttle, gzip_size

SMALL = SamplePlan(block=32 * 1024, exact_below=16, dense_stride=4, sparse_step=1024 * 1024, sparse_block=128 * 1024,
                   large_file=256 * 1024)


@pytest.fixture(scope="module")
def throttle() -> Iterator[Throttle]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield Throttle(pool, pending=4)


def _mixed(seed: int, size: int) -> bytes:
    """Small 'files' as a tar of them holds: 512-byte headers, random blobs and text, in runs."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    parts: list[bytes] = []
    while sum(map(len, parts)) < size:
        header = f"file-{len(parts):06d}".encode().ljust(512, b"\0")
        if rng.random() < 0.6:
            body = rng.randbytes(2048)
        else:
            body = b"".join(b"record %d value %d lorem ipsum\n" % (n, n * 7) for n in range(rng.randint(20, 60)))
        parts += [header, body.ljust(-(-len(body) // 512) * 512, b"\0")]
    return b"".join(parts)[:size]


def _estimate(data: bytes, throttle: Throttle, plan: SamplePlan, *, piece: int = 1000,
              big_files: tuple[tuple[int, int], ...] = ()) -> Compressed:
    compressor = LayerCompressor(len(data), throttle, plan)
    for start, size in big_files:
        compressor.large_file(start, size)
    compressor.profile(data, 0, len(data))
    for lo in range(0, len(data), piece):
        chunk = data[lo : lo + piece]
        if lo + len(chunk) <= compressor.want_from:
            compressor.advance(len(chunk))
        else:
            compressor.feed(chunk)
    return compressor.result()


def test_gzip_size_is_gzip_level_6() -> None:
    for data in (b"", b"a", os.urandom(5000), b"hello world " * 1000):
        assert gzip_size(data) == len(gzip.compress(data, 6, mtime=0))


def test_a_small_layer_is_compressed_whole_and_exact(throttle: Throttle) -> None:
    data = _mixed(1, 400_000)
    assert _estimate(data, throttle, SMALL, piece=333) == Compressed(bytes=gzip_size(data), exact=True)
    assert _estimate(b"", throttle, SMALL) == Compressed(bytes=gzip_size(b""), exact=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sampled_estimate_is_within_one_percent(throttle: Throttle, seed: int) -> None:
    data = _mixed(seed, 6_000_000)
    result = _estimate(data, throttle, SMALL)
    assert not result.exact
    assert abs(result.bytes - gzip_size(data)) / gzip_size(data) < 0.01


def test_a_big_uniform_file_is_sampled_sparsely_and_stays_accurate(
    throttle: Throttle, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = random.Random(7).randbytes(8_000_000)  # noqa: S311 - reproducible test data
    data = _mixed(4, 100_000) + blob + _mixed(5, 100_000)
    sampled: list[int] = []
    def deflate_size(block: bytes, primer: bytes = b"") -> int:
        sampled.append(len(block))
        return 0

    monkeypatch.setattr(compress, "deflate_size", deflate_size)
    _estimate(data, throttle, SMALL, big_files=((100_000, len(blob)),))
    # 4 dense samples open the file, then one per MiB: far fewer than one per 128 KiB
    assert len(sampled) < len(data) // (4 * SMALL.block) // 3
    monkeypatch.undo()
    result = _estimate(data, throttle, SMALL, big_files=((100_000, len(blob)),))
    assert abs(result.bytes - gzip_size(data)) / gzip_size(data) < 0.01


def test_result_before_the_last_byte_is_a_bug() -> None:
    with ThreadPoolExecutor(1) as pool:
        compressor = LayerCompressor(100, Throttle(pool, pending=1), SMALL)
        compressor.feed(b"x" * 10)
        with pytest.raises(ValueError, match="fed 10 of 100"):
            compressor.result()
