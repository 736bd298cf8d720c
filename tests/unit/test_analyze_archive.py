from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ci_optimizer.errors import EngineError
from ci_optimizer.measure.archive import read_archive
from ci_optimizer.measure.compress import Compressed, SamplePlan, Throttle, gzip_size
from ci_optimizer.measure.v1ids import chain_ids, v1_id
from tests.unit.analyze_support import chunked, diff_id, file, layer, legacy_archive, oci_archive, whiteout

LAYERS = [
    layer(file("bin/app", 3000), file("etc/conf", 20)),
    layer(file("etc/conf", 30)),
    layer(whiteout("etc/conf")),
    layer(file("etc/conf", 30)),  # the same bytes as layer 1: a legacy archive stores it once, as a symlink
]
IDS = [diff_id(t) for t in LAYERS]


@pytest.fixture(scope="module")
def throttle() -> Iterator[Throttle]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield Throttle(pool, pending=4)


def _paths(archive_layers: object) -> list[tuple[str, ...] | None]:
    return [s.paths if s is not None else None for s in archive_layers.summaries]  # type: ignore[attr-defined]


@pytest.mark.parametrize("chunk", [777, 1 << 20])
def test_legacy_layout_layers_come_back_in_manifest_order(throttle: Throttle, chunk: int) -> None:
    archive = read_archive(chunked(legacy_archive(LAYERS), chunk), throttle=throttle)
    assert archive.diff_ids == tuple(IDS)
    assert _paths(archive) == [("/bin/app", "/etc/conf"), ("/etc/conf",), ("/etc/conf",), ("/etc/conf",)]
    assert [s.diff_id for s in archive.summaries] == IDS  # type: ignore[union-attr]
    assert [s.tar_bytes for s in archive.summaries] == [len(t) for t in LAYERS]  # type: ignore[union-attr]
    # small layers are compressed whole: the exact gzip -6 size a registry would store
    assert [s.compressed for s in archive.summaries] == [  # type: ignore[union-attr]
        Compressed(bytes=gzip_size(t), exact=True) for t in LAYERS
    ]


def test_the_read_stops_at_the_end_marker(throttle: Throttle) -> None:
    """The engine ends its response only after deleting its export directory: never wait for it."""
    data = legacy_archive(LAYERS)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        last = archive.getmembers()[-1]
    end_marker = last.offset_data + -(-last.size // 512) * 512
    assert data[end_marker:] == bytes(len(data) - end_marker)  # the marker, then the record's padding

    def then_nothing() -> Iterator[bytes]:
        yield data[: end_marker + 512]
        raise AssertionError("read past the end marker")

    assert read_archive(then_nothing(), throttle=throttle).diff_ids == tuple(IDS)


def test_legacy_layers_already_known_are_recognised_by_v1_id_and_skipped(throttle: Throttle) -> None:
    archive = read_archive(chunked(legacy_archive(LAYERS), 4096), throttle=throttle, expected=IDS, known={IDS[0]})
    assert _paths(archive) == [None, ("/etc/conf",), ("/etc/conf",), ("/etc/conf",)]


@pytest.mark.parametrize("make", [legacy_archive, oci_archive])
def test_base_layers_are_recognised_before_their_bytes_and_sampled_with_their_own_plan(
    throttle: Throttle, make: Callable[[list[bytes]], bytes]
) -> None:
    sampled = SamplePlan(exact_below=0)  # observable: a sampled layer's size is an estimate
    archive = read_archive(chunked(make(LAYERS[:2]), 4096), throttle=throttle, expected=IDS[:2],
                           careful={IDS[0]}, careful_plan=sampled)
    assert [s.compressed.exact for s in archive.summaries] == [False, True]  # type: ignore[union-attr]


def test_oci_layout_with_gzip_and_plain_blobs(throttle: Throttle) -> None:
    data = oci_archive(LAYERS[:3], gzipped=(0,))
    archive = read_archive(chunked(data, 1000), throttle=throttle)
    assert archive.diff_ids == tuple(IDS[:3])
    assert _paths(archive) == [("/bin/app", "/etc/conf"), ("/etc/conf",), ("/etc/conf",)]
    first = archive.summaries[0]
    assert first is not None
    # a gzip blob's size is the registry's size, exactly; its tar is measured uncompressed
    assert first.compressed == Compressed(bytes=len(gzip.compress(LAYERS[0], 6, mtime=0)), exact=True)
    assert first.tar_bytes == len(LAYERS[0])
    known = read_archive(chunked(data, 1000), throttle=throttle, expected=IDS[:3], known={IDS[1]})
    assert _paths(known)[1] is None  # a plain blob is named by its diff ID: skipped unread


@pytest.mark.parametrize("make", [legacy_archive, oci_archive])
def test_layers_a_registry_sized_are_read_for_their_files_but_not_compressed(
    throttle: Throttle, make: Callable[[list[bytes]], bytes]
) -> None:
    sampled = SamplePlan(exact_below=0)  # observable: a layer the estimate read would come back inexact
    archive = read_archive(chunked(make(LAYERS[:2]), 4096), throttle=throttle, plan=sampled, expected=IDS[:2],
                           careful={IDS[0]}, careful_plan=sampled, sized={IDS[0]: 1234})
    first, second = archive.summaries
    assert first is not None
    assert second is not None
    assert first.compressed == Compressed(bytes=1234, exact=True)  # the registry's size, as given
    assert (first.paths, first.tar_bytes) == (("/bin/app", "/etc/conf"), len(LAYERS[0]))
    assert second.compressed.exact is False


def test_zstd_layers_are_refused_in_one_line(throttle: Throttle) -> None:
    data = oci_archive([b"\x28\xb5\x2f\xfd" + bytes(600)], attestation=False)
    with pytest.raises(EngineError, match="zstd-compressed"):
        read_archive([data], throttle=throttle)


def test_an_archive_without_manifest_or_index_is_refused(throttle: Throttle) -> None:
    with pytest.raises(EngineError, match=r"neither manifest\.json nor index\.json"):
        read_archive([layer(file("a", 3))], throttle=throttle)


def test_a_manifest_naming_a_missing_layer_is_refused(throttle: Throttle) -> None:
    data = legacy_archive(LAYERS[:1]).replace(b'/layer.tar"]', b'/lay3r.tar"]')  # same length: the tar stays valid
    with pytest.raises(EngineError, match="not in the archive"):
        read_archive([data], throttle=throttle)


# Vectors from a real `docker save` (Docker 20.10): local/busybox:1 plus one RUN layer.
REAL_DIFF_IDS = ["sha256:a5551df658faeb85843101c368a1b6d66d54583cc5cd319637bc15798697f4c9",
                 "sha256:c458bf302788645245f9f0403a6870ef055cbb719830503f63d46ef4378a8b44"]
_EMPTY_CONFIG = ('{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,'
                 '"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":%s,"Cmd":null,"Image":"",'
                 '"Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null}')
REAL_BASE_JSON = ('{"id":"7daf82b993d0aea07e3b7ee02d7e3ceff0876ffd091e4d2cbfa3be2dfc884223",'
                  '"created":"1970-01-01T00:00:00Z","container_config":' + _EMPTY_CONFIG % "null" + ',"os":"linux"}')
REAL_TOP_JSON = ('{"id":"ddf01ae65bcd148e8895ac4af8cb999edf7d1ca4ef4c7c13549804214c444db6",'
                 '"parent":"7daf82b993d0aea07e3b7ee02d7e3ceff0876ffd091e4d2cbfa3be2dfc884223",'
                 '"created":"2026-11-29T02:51:42.00729612Z","container_config":' + _EMPTY_CONFIG % "null"
                 + ',"config":' + _EMPTY_CONFIG % '["PATH=/usr/local/bin:/usr/bin:/bin"]'
                 + ',"architecture":"amd64","os":"linux"}')


def test_v1_ids_match_what_docker_wrote() -> None:
    chain = chain_ids(REAL_DIFF_IDS)
    assert chain[0] == REAL_DIFF_IDS[0]
    base, top = json.loads(REAL_BASE_JSON), json.loads(REAL_TOP_JSON)
    assert v1_id(base, chain[0], keep_os=False) == base["id"]  # below the top, `os` is set after the ID
    assert v1_id(top, chain[1], keep_os=True) == top["id"]
    assert v1_id(top, chain[0], keep_os=True) != top["id"]
