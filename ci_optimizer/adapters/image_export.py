"""Deep layer analysis of a built image: `docker save` streamed through the SDK into analyze/.

The engine exports the image as a tar stream (`GET /images/{name}/get`); nothing is written to
disk and only one chunk is held at a time. Layers whose summary is in the layer cache are not
read again, and when all are there the image is not exported at all.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
from collections.abc import Generator, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docker.errors
import requests

from ci_optimizer.adapters.layer_cache import LayerCache
from ci_optimizer.errors import EngineError
from ci_optimizer.measure.archive import read_archive
from ci_optimizer.measure.compress import DEFAULT_PLAN, Compressed, SamplePlan, Throttle
from ci_optimizer.measure.stacking import Stacked, analyze_stacked
from ci_optimizer.measure.summary import LayerSummary
from ci_optimizer.model.image_model import ImageAnalysis

CHUNK = 4 * 1024 * 1024  # the most one piece holds; a chunked response (the engine's) comes in its own chunks
CACHE_MAX_BYTES = 2 * 1024**3
# The base image is read while the engine exports the target, so every byte of it can be looked
# at: zstd of every block guides gzip of 1 block in 8 (guided.py; a distro's /usr mixes binaries
# and text, the hardest content to sample), and layers up to 16 MiB are compressed whole.
BASE_PLAN = SamplePlan(dense_stride=8, exact_below=256, guided=True)
BACKGROUND_NICE = 10


def diff_ids(client: Any, image_ref: str) -> tuple[str, ...]:
    try:
        attrs = client.api.inspect_image(image_ref)
    except docker.errors.DockerException as exc:
        raise EngineError(f"cannot inspect image {image_ref}: {_reason(exc)}") from None
    return tuple(str(d) for d in (attrs.get("RootFS") or {}).get("Layers") or ())


def base_layer_count(client: Any, image_ref: str, base_image: str) -> int | None:
    """How many leading layers of image_ref are base_image's; None when the engine does not have it."""
    if base_image == "scratch":
        return 0
    try:
        base = diff_ids(client, base_image)
    except EngineError:
        return None
    image = diff_ids(client, image_ref)
    return len(base) if image[: len(base)] == base else None


def stream_save(client: Any, image_ref: str, *, chunk_size: int = CHUNK) -> Generator[bytes, None, None]:
    """The `docker save` tar of one image, chunk by chunk; close the generator to stop reading.

    The first chunk only comes once the engine has exported the whole image (Docker < 25 writes
    it to a temporary directory first): most of the time of a save is before it. Closing closes
    the connection: the caller stops at the tar's end marker and does not wait for the end of the
    response, which Docker < 25 only sends once it has deleted that directory (0.5 s for 1.7 GB).
    """
    api = client.api
    response = None
    try:
        response = api._get(api._url("/images/{0}/get", image_ref), stream=True)
        api._raise_for_status(response)
        # As the SDK's own get_image(): an export may take longer than the client's timeout.
        api._disable_socket_timeout(api._get_raw_response_socket(response))
        yield from response.iter_content(chunk_size, decode_unicode=False)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise EngineError(f"cannot export image {image_ref} (docker save): {_reason(exc)}") from None
    finally:
        if response is not None:  # also an error response: its connection is not handed back half read
            response.close()


class _Layers:
    """Summaries at hand: the layer cache on disk, and those read during this call."""

    def __init__(self, cache: LayerCache, known: Mapping[str, LayerSummary] | None = None) -> None:
        self.cache = cache
        self.fresh: dict[str, LayerSummary] = dict(known or {})

    def has(self, diff_id: str) -> bool:
        return diff_id in self.fresh or self.cache.has(diff_id)

    def get(self, diff_id: str) -> LayerSummary | None:
        return self.fresh.get(diff_id) or self.cache.get(diff_id)

    def add(self, summary: LayerSummary) -> None:
        self.fresh[summary.diff_id] = summary
        self.cache.put(summary)


def _read_layers(
    chunks: Iterable[bytes], image_ref: str, expected: Sequence[str], layers: _Layers, *, throttle: Throttle,
    plan: SamplePlan, base_layers: int = 0, sized: Mapping[str, int] | None = None,
) -> None:
    known = frozenset(d for d in expected if layers.has(d))
    archive = read_archive(chunks, throttle=throttle, plan=plan, expected=expected, known=known,
                           careful=frozenset(expected[:base_layers]) - known, careful_plan=BASE_PLAN,
                           sized=sized, name=f"docker save {image_ref}")
    if archive.diff_ids != tuple(expected):
        raise EngineError(f"{image_ref} changed while it was being read (its layers differ from inspect)")
    for summary in archive.summaries:
        if summary is not None and summary.diff_id not in known:
            layers.add(summary)


def yield_cpu() -> None:
    """Lower the calling thread's CPU priority by BACKGROUND_NICE (Linux, where a thread has its own).

    For work done ahead of time while the engine exports an image: that export keeps more than a
    core busy, and on a 2-CPU runner reading the base beside it at equal priority delayed it.
    """
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            thread = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + BACKGROUND_NICE))


def _prefetch_base(
    client: Any, base_image: str, expected: Sequence[str], layers: _Layers, *, workers: int,
    sized: Mapping[str, int],
) -> threading.Thread | None:
    """Read the base image's layers while the engine is still exporting the target.

    The base's layers are the target's first ones, usually the largest and most varied (a distro),
    and exporting the small base image takes the engine a fraction of the target's time: reading
    them now and sampling them densely, in threads that only take the CPU the export leaves idle,
    costs the target's stream nothing.
    """
    try:
        base = diff_ids(client, base_image)
    except EngineError:
        return None  # not in the engine (pulled by digest, or a stage): the target's stream reads it
    if not base or tuple(expected[: len(base)]) != base or all(layers.has(d) or d in sized for d in base):
        return None  # nothing to gain: a layer whose size the registry gave costs only its parse

    def run() -> None:
        yield_cpu()
        with (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gzip-base", initializer=yield_cpu) as pool,
            contextlib.suppress(EngineError),  # the target's own stream reads these layers then
            contextlib.closing(stream_save(client, base_image)) as chunks,
        ):
            _read_layers(chunks, base_image, base, layers, throttle=Throttle(pool, pending=4 * workers),
                         plan=BASE_PLAN)

    thread = threading.Thread(target=run, name="analyze-base", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True, kw_only=True)
class ImageLayers:
    """An image as the analysis read it: its accounting, its layer summaries (oldest first) and
    their stacking, which the path diff and the cause detectors reuse."""

    analysis: ImageAnalysis
    summaries: tuple[LayerSummary, ...]
    stacked: Stacked


def analyze_target(image_ref: str, *, client: Any, cache_dir: Path | None, base_layer_count: int,
                   base_image: str | None = None, workers: int | None = None,
                   plan: SamplePlan = DEFAULT_PLAN) -> ImageAnalysis:
    """Analyse one image the engine holds (a tag or an image ID); see read_image."""
    return read_image(image_ref, client=client, cache_dir=cache_dir, base_layer_count=base_layer_count,
                      base_image=base_image, workers=workers, plan=plan).analysis


def read_image(
    image_ref: str,
    *,
    client: Any,
    cache_dir: Path | None,
    base_layer_count: int,
    base_image: str | None = None,
    workers: int | None = None,
    plan: SamplePlan = DEFAULT_PLAN,
    sized: Mapping[str, int] | None = None,
) -> ImageLayers:
    """Analyse one image the engine holds (a tag or an image ID).

    `base_layer_count` leading layers belong to the base image (see base_layer_count());
    `base_image`, when the engine has it, is read alongside to take its layers off the critical
    path. Summaries are kept in `cache_dir` (None: no cache) under their diff IDs. `sized` gives
    the exact compressed size of layers a registry holds (the baseline image's): they are not
    estimated, and the base image is not read ahead for them.
    """
    summaries, cached = _summaries(image_ref, client=client, cache_dir=cache_dir, base_layer_count=base_layer_count,
                                   base_image=base_image, workers=workers, plan=plan, sized=sized)
    analysis, stacked = analyze_stacked(summaries, base_layers=base_layer_count, cached_layers=cached)
    return ImageLayers(analysis=analysis, summaries=summaries, stacked=stacked)


def read_summaries(
    image_ref: str, *, client: Any, cache_dir: Path | None, known: Mapping[str, LayerSummary]
) -> tuple[LayerSummary, ...]:
    """The layer summaries of an image, oldest first, without its accounting: those in `known`
    (an image already read in this run: a base shares most layers with its head) are taken from
    memory, the rest from the layer cache, and only what neither holds is exported and read."""
    return _summaries(image_ref, client=client, cache_dir=cache_dir, base_layer_count=0, known=known)[0]


def _summaries(
    image_ref: str, *, client: Any, cache_dir: Path | None, base_layer_count: int, base_image: str | None = None,
    workers: int | None = None, plan: SamplePlan = DEFAULT_PLAN, known: Mapping[str, LayerSummary] | None = None,
    sized: Mapping[str, int] | None = None,
) -> tuple[tuple[LayerSummary, ...], int]:
    """The summaries, oldest first, and how many were at hand before the image was read."""
    sized = sized or {}
    expected = diff_ids(client, image_ref)
    # One core stays with the parser (it holds the GIL) and the engine streaming to it; measured on
    # 2 CPUs, a second gzip worker only adds contention.
    workers = workers or max(1, min(4, (os.cpu_count() or 2) - 1))
    layers = _Layers(LayerCache(cache_dir), known)
    cached = sum(1 for d in expected if layers.has(d))
    if cached < len(expected):
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gzip-estimate") as pool:
            throttle = Throttle(pool, pending=4 * workers)
            prefetch = (_prefetch_base(client, base_image, expected, layers, workers=workers, sized=sized)
                        if base_image else None)
            with contextlib.closing(stream_save(client, image_ref)) as chunks:
                try:
                    first = next(chunks, None)  # the engine has exported the image: the stream begins
                finally:
                    if prefetch is not None:  # also on failure: no thread outlives the call
                        prefetch.join()
                cached = sum(1 for d in expected if layers.has(d))
                if first is not None:
                    stream = itertools.chain([first], chunks)
                    _read_layers(stream, image_ref, expected, layers, throttle=throttle, plan=plan,
                                 base_layers=base_layer_count, sized=sized)
        layers.cache.prune(CACHE_MAX_BYTES)
    summaries: list[LayerSummary] = []
    for diff_id in expected:
        summary = layers.get(diff_id)
        if summary is None:
            raise EngineError(f"layer {diff_id} of {image_ref} was neither read nor found in the layer cache")
        if diff_id in sized:  # a cached estimate gives way to the registry's exact size
            summary = replace(summary, compressed=Compressed(bytes=sized[diff_id], exact=True))
        summaries.append(summary)
    return tuple(summaries), cached


def _reason(exc: BaseException) -> str:
    explanation = getattr(exc, "explanation", None)
    return " ".join(str(explanation or exc).split())[:300]
