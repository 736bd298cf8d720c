from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from ci_optimizer.measure import guided
from ci_optimizer.measure.compress import (
    GZIP_FRAMING,
    WINDOW,
    Compressed,
    LayerCompressor,
    SamplePlan,
    Throttle,
    deflate_size,
    gzip_size,
)
from ci_optimizer.measure.guided import GuidedCompressor, layer_estimator

BLOCK = 64 * 1024  # as in production: with 32 KiB blocks the per-block method itself is ~1 % low
GUIDED = SamplePlan(block=BLOCK, exact_below=16, dense_stride=4, guided=True, guided_samples=10)


@pytest.fixture(scope="module")
def throttle() -> Iterator[Throttle]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield Throttle(pool, pending=4)


def _distro_like(seed: int, size: int) -> bytes:
    """Tar-like runs of the content of a distro's /usr: random (compressed files), machine-code-like
    (a few hundred short byte strings and zeros), and text, in files of uneven sizes."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    opcodes = [rng.randbytes(rng.randint(2, 10)) for _ in range(300)] + [bytes(8)] * 100
    parts: list[bytes] = []
    while sum(map(len, parts)) < size:
        parts.append(f"usr/lib/file-{len(parts):06d}".encode().ljust(512, b"\0"))
        kind, length = rng.random(), rng.randint(500, 60_000)
        if kind < 0.3:
            body = rng.randbytes(length)
        elif kind < 0.6:
            body = b"".join(rng.choice(opcodes) for _ in range(length // 6))
        else:
            body = b"".join(b"%d: the value of %s is %d\n" % (n, rng.choice([b"alpha", b"beta"]), n * 31)
                            for n in range(length // 30))
        parts.append(body.ljust(-(-len(body) // 512) * 512, b"\0"))
    return b"".join(parts)[:size]


def _estimate(data: bytes, throttle: Throttle, plan: SamplePlan, *, piece: int) -> Compressed:
    estimator = layer_estimator(len(data), throttle, plan)
    for lo in range(0, len(data), piece):
        estimator.profile(data, lo, min(lo + piece, len(data)))
        estimator.feed(data[lo : lo + piece])
    return estimator.result()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_guided_estimate_is_within_one_percent_of_gzip(throttle: Throttle, seed: int) -> None:
    data = _distro_like(seed, 16_000_000)  # 245 blocks: 1 in 2 gzipped, at least 200 samples wanted
    result = _estimate(data, throttle, SamplePlan(exact_below=16, dense_stride=8, guided=True), piece=10_000)
    assert not result.exact
    assert abs(result.bytes - gzip_size(data)) / gzip_size(data) < 0.01


def test_the_estimate_does_not_depend_on_how_the_bytes_arrive(throttle: Throttle) -> None:
    data = _distro_like(4, 1_000_000)
    results = {_estimate(data, throttle, GUIDED, piece=piece) for piece in (777, BLOCK, 100_000, len(data))}
    assert len(results) == 1


def test_identical_blocks_give_the_exact_arithmetic(throttle: Throttle) -> None:
    """Every sampled block is primed by an identical one, so the line is flat through their gzip size;
    the short final block is compressed exactly."""
    block = random.Random(5).randbytes(BLOCK // 2) * 2  # noqa: S311 - reproducible test data
    tail = b"the short final block " * 40
    data = block * 20 + tail
    sampled_size = deflate_size(block, primer=block[-WINDOW:])
    expected = 20 * sampled_size + deflate_size(tail, primer=block[-WINDOW:]) + GZIP_FRAMING
    assert _estimate(data, throttle, GUIDED, piece=5000) == Compressed(bytes=expected, exact=False)


@pytest.mark.parametrize(("samples", "gzipped"), [(10, 11), (20, 21), (1000, 21)])
def test_one_block_in_stride_is_gzipped_every_block_is_zstd_ed(
    throttle: Throttle, monkeypatch: pytest.MonkeyPatch, samples: int, gzipped: int
) -> None:
    primers: list[int] = []
    def deflate_size(block: bytes, primer: bytes = b"") -> int:
        primers.append(len(primer))
        return 1

    monkeypatch.setattr(guided, "deflate_size", deflate_size)
    data = _distro_like(6, 40 * BLOCK + 100)
    _estimate(data, throttle, replace(GUIDED, guided_samples=samples), piece=4096)
    # 41 blocks. 10 samples wanted: the centres of 10 strides of 4 (blocks 2, 6, ..., 38); 20 wanted: 1 in 2
    # (blocks 1, 3, ..., 39); more: still 1 in 2, the densest. Each primed with 32 KiB; and the final short block.
    assert primers == [WINDOW] * gzipped


def test_which_estimator_a_layer_gets(throttle: Throttle) -> None:
    big = 16 * BLOCK
    assert isinstance(layer_estimator(big, throttle, GUIDED), GuidedCompressor)
    small = layer_estimator(big - BLOCK, throttle, GUIDED)  # fewer blocks than exact_below: compressed whole
    assert isinstance(small, LayerCompressor)
    assert small.exact
    assert isinstance(layer_estimator(big, throttle, SamplePlan(block=BLOCK, exact_below=16)), LayerCompressor)


def test_result_before_the_last_byte_is_a_bug(throttle: Throttle) -> None:
    estimator = GuidedCompressor(100 * BLOCK, throttle, GUIDED)
    estimator.feed(b"x" * 10)
    with pytest.raises(ValueError, match="fed 10 of"):
        estimator.result()
