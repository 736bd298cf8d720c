"""Deep layer analysis on the real engine: a fixture image with known bytes written, overwritten,
deleted and chmod-ed, exported with `docker save` through the SDK, and exact figures expected."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.adapters.image_export import analyze_target, base_layer_count, stream_save
from ci_optimizer.errors import EngineError
from ci_optimizer.measure.compress import gzip_size
from ci_optimizer.model.image_model import ImageAnalysis, WastedPath

pytestmark = pytest.mark.integration

# busybox's own chmod is not linked in local/busybox:1: call it through the multi-call binary.
DOCKERFILE = """\
ARG BASE_IMAGE=busybox:1.36
FROM ${BASE_IMAGE}
RUN mkdir -p /data && head -c 300000 /dev/urandom > /data/keep.bin
RUN head -c 200000 /dev/urandom > /data/tmp.bin
RUN rm /data/tmp.bin
RUN head -c 100000 /dev/urandom > /data/model.bin
RUN head -c 150000 /dev/urandom > /data/model.bin
RUN /bin/busybox chmod 600 /data/keep.bin
RUN mkdir -p /cache/a && head -c 40000 /dev/zero > /cache/a/x && head -c 60000 /dev/zero > /cache/a/y
RUN rm -rf /cache
"""
OWN_WRITTEN = 300_000 + 200_000 + 100_000 + 150_000 + 300_000 + 40_000 + 60_000
OWN_WASTED = 200_000 + 100_000 + 300_000 + 100_000


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory, tag_prefix: str, busybox: str) -> str:
    context = tmp_path_factory.mktemp("analyze-fixture")
    (context / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    tag = f"{tag_prefix}/analyze:fixture"
    subprocess.run(
        ["docker", "buildx", "build", "--load", "--quiet", "--build-arg", f"BASE_IMAGE={busybox}", "-t", tag,
         str(context)],
        check=True, capture_output=True, timeout=300,
    )
    return tag


@pytest.fixture(scope="module")
def base_bytes(docker_client: Any, busybox: str, tmp_path_factory: pytest.TempPathFactory) -> int:
    """The base image's file bytes, as the analysis of the base alone counts them."""
    return analyze_target(busybox, client=docker_client, cache_dir=None, base_layer_count=1).total_bytes


def test_exact_figures_for_written_overwritten_deleted_and_chmodded_bytes(
    image: str, docker_client: Any, busybox: str, base_bytes: int, tmp_path: Path
) -> None:
    analysis = analyze_target(image, client=docker_client, cache_dir=tmp_path, base_layer_count=1)
    assert (analysis.own_bytes, analysis.own_wasted_bytes, analysis.wasted_bytes) == (
        OWN_WRITTEN, OWN_WASTED, OWN_WASTED
    )
    assert analysis.total_bytes == base_bytes + OWN_WRITTEN
    assert analysis.visible_bytes == base_bytes + 300_000 + 150_000
    assert analysis.efficiency == 1 - OWN_WASTED / (base_bytes + OWN_WRITTEN)
    assert (analysis.base_layers, len(analysis.layers), analysis.cached_layers) == (1, 9, 0)
    assert analysis.top_wasted[:4] == (
        WastedPath(path="/data/keep.bin", size_bytes=300_000, layer=6, reason="copied-up"),
        WastedPath(path="/data/tmp.bin", size_bytes=200_000, layer=3, reason="deleted"),
        WastedPath(path="/data/model.bin", size_bytes=100_000, layer=5, reason="overwritten"),
        WastedPath(path="/cache", size_bytes=100_000, layer=8, reason="deleted", versions=2),
    )
    own = [(r.files_added, r.files_modified, r.files_deleted, r.wasted_bytes) for r in analysis.layers[1:]]
    assert own == [
        (1, 0, 0, 0), (1, 0, 0, 0), (0, 0, 1, 200_000), (1, 0, 0, 0), (0, 1, 0, 100_000), (0, 1, 0, 300_000),
        (2, 0, 0, 0), (0, 0, 2, 100_000),
    ]
    assert analysis.largest_files[0].path == "/bin/busybox"
    assert ("/data", 450_000, 2) in [(d.path, d.size_bytes, d.files) for d in analysis.largest_dirs]


def test_small_layers_report_the_exact_gzip_size_a_registry_stores(image: str, docker_client: Any) -> None:
    analysis = analyze_target(image, client=docker_client, cache_dir=None, base_layer_count=1)
    truth = [gzip_size(layer) for layer in _layer_tars(docker_client, image)]
    assert [(r.compressed_bytes, r.compressed_exact) for r in analysis.layers] == [(t, True) for t in truth]
    assert (analysis.compressed_bytes, analysis.compressed_exact) == (sum(truth), True)


# A base image with one layer too big to compress whole (> 16 MiB): text and random files, as a
# distro mixes them. `seq` and `head` through the multi-call binary, as above.
BIG_BASE = """\
ARG BASE_IMAGE=busybox:1.36
FROM ${BASE_IMAGE}
RUN set -e; mkdir -p /usr/data; i=0; while [ $i -lt 50 ]; do \\
      head -c 150000 /dev/urandom > /usr/data/blob-$i; /bin/busybox seq $i 3 $((i * 3 + 150000)) > /usr/data/text-$i; \\
      i=$((i + 1)); done
"""


def test_a_big_base_read_ahead_gets_a_guided_gzip_estimate_within_one_percent(
    docker_client: Any, busybox: str, tag_prefix: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(BIG_BASE, encoding="utf-8")
    base = f"{tag_prefix}/analyze:big-base"
    subprocess.run(["docker", "buildx", "build", "--load", "--quiet", "--build-arg", f"BASE_IMAGE={busybox}",
                    "-t", base, str(tmp_path)], check=True, capture_output=True, timeout=300)
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\nRUN echo hello > /hello\n", encoding="utf-8")
    image = f"{tag_prefix}/analyze:on-big-base"
    subprocess.run(["docker", "buildx", "build", "--load", "--quiet", "-t", image, str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    big = _layer_tars(docker_client, base)[1]
    assert len(big) > 16 * 1024 * 1024
    analysis = analyze_target(image, client=docker_client, cache_dir=None, base_layer_count=2, base_image=base)
    row = analysis.layers[1]
    assert (row.from_base, row.compressed_exact, row.tar_bytes) == (True, False, len(big))
    assert abs(row.compressed_bytes - gzip_size(big)) / gzip_size(big) < 0.01
    assert analysis.cached_layers == 2  # both base layers were read beside the target's export


def test_a_warm_cache_answers_without_exporting_the_image(
    image: str, docker_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = analyze_target(image, client=docker_client, cache_dir=tmp_path, base_layer_count=1)

    real = docker_client.api._get

    def no_save(url: str, **kwargs: Any) -> Any:
        assert not url.endswith("/get"), "the image was exported although every layer is cached"
        return real(url, **kwargs)

    monkeypatch.setattr(docker_client.api, "_get", no_save)
    warm = analyze_target(image, client=docker_client, cache_dir=tmp_path, base_layer_count=1)
    assert warm.cached_layers == 9
    assert _figures(warm) == _figures(cold)


def test_layers_shared_with_the_base_are_read_once(image: str, docker_client: Any, busybox: str,
                                                   tmp_path: Path) -> None:
    analyze_target(busybox, client=docker_client, cache_dir=tmp_path, base_layer_count=1)
    shared = analyze_target(image, client=docker_client, cache_dir=tmp_path, base_layer_count=1)
    assert shared.cached_layers == 1  # the legacy archive's v1 ID named the base layer: it was skipped
    fresh = analyze_target(image, client=docker_client, cache_dir=None, base_layer_count=1, base_image=busybox)
    assert _figures(shared) == _figures(fresh)
    assert fresh.cached_layers == 1  # the base image was read beside the target, while the engine exported it


def test_a_failed_export_is_one_engine_error_and_leaves_no_thread_behind(
    image: str, docker_client: Any, busybox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = docker_client.api._get
    thread_errors: list[object] = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)

    def get(url: str, **kwargs: Any) -> Any:
        # The target's export goes to an image the engine does not have: a real error from the engine.
        # The base's, read beside the target, still works.
        return real(url.replace(f"/images/{image}/get", "/images/cio-test-missing/none:1/get"), **kwargs)

    monkeypatch.setattr(docker_client.api, "_get", get)
    with pytest.raises(EngineError, match=f"cannot export image {image} \\(docker save\\): reference does not exist"):
        analyze_target(image, client=docker_client, cache_dir=None, base_layer_count=1, base_image=busybox)
    assert thread_errors == []
    assert not [t for t in threading.enumerate() if t.name == "analyze-base"]


def test_an_export_closed_early_leaves_the_client_usable(image: str, docker_client: Any) -> None:
    chunks = stream_save(docker_client, image)
    first = next(chunks)
    chunks.close()  # mid-response: the connection is closed, not handed back half read
    whole = b"".join(stream_save(docker_client, image))
    assert first
    assert whole.startswith(first)
    with tarfile.open(fileobj=io.BytesIO(whole)) as archive:
        assert "manifest.json" in archive.getnames()


def test_base_layer_count_and_errors(image: str, docker_client: Any, busybox: str) -> None:
    assert base_layer_count(docker_client, image, busybox) == 1
    assert base_layer_count(docker_client, image, "scratch") == 0
    assert base_layer_count(docker_client, image, "cio-test-missing/none:1") is None
    with pytest.raises(EngineError, match="cannot inspect image cio-test-missing/none:1"):
        analyze_target("cio-test-missing/none:1", client=docker_client, cache_dir=None, base_layer_count=0)


def _layer_tars(docker_client: Any, image: str) -> list[bytes]:
    """The image's layer tars as `docker save` holds them, oldest first."""
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream_save(docker_client, image)))) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        return [archive.extractfile(path).read() for path in manifest[0]["Layers"]]  # type: ignore[union-attr]


def _figures(analysis: ImageAnalysis) -> tuple[object, ...]:
    return (analysis.total_bytes, analysis.wasted_bytes, analysis.own_wasted_bytes, analysis.compressed_bytes,
            analysis.layers, analysis.top_wasted, analysis.largest_files, analysis.largest_dirs)
