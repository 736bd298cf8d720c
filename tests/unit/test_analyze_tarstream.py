from __future__ import annotations

import io
import tarfile

import pytest

from ci_optimizer.errors import EngineError
from ci_optimizer.measure.bytestream import ByteStream
from ci_optimizer.measure.tarstream import DIRECTORY, HARDLINK, SYMLINK, entries, scan
from tests.unit.analyze_support import chunked, directory, file, hardlink, layer, symlink


def _read(data: bytes, chunk: int = 1 << 20) -> list[tuple[str, int, int, str]]:
    stream = ByteStream(chunked(data, chunk))
    return [(e.name, e.type, e.size, e.linkname) for e in entries(stream)]


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
@pytest.mark.parametrize("chunk", [1, 7, 512, 1 << 20])
def test_members_in_every_format_and_any_chunking(fmt: int, chunk: int) -> None:
    data = layer(
        directory("usr"), file("usr/hello", 1500, mode=0o755), symlink("usr/sh", "hello"),
        hardlink("usr/again", "usr/hello"), file("empty"), fmt=fmt,
    )
    assert _read(data, chunk) == [
        ("usr/", DIRECTORY, 0, ""),  # as stored: tar writers end directory names with "/"
        ("usr/hello", ord("0"), 1500, ""),
        ("usr/sh", SYMLINK, 0, "hello"),
        ("usr/again", HARDLINK, 0, "usr/hello"),
        ("empty", ord("0"), 0, ""),
    ]


def test_long_names_through_gnu_longname_pax_and_ustar_prefix() -> None:
    deep = "a" * 120 + "/" + "b" * 90 + "/file.txt"
    link = "t" * 150
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        assert _read(layer(file(deep, 3), symlink("l", link), fmt=fmt), 100) == [
            (deep, ord("0"), 3, ""), ("l", SYMLINK, 0, link),
        ]
    prefixed = "p" * 140 + "/name"  # fits the 155-byte ustar prefix + 100-byte name
    assert _read(layer(file(prefixed, 2), fmt=tarfile.USTAR_FORMAT)) == [(prefixed, ord("0"), 2, "")]


def test_pax_overrides_owner_and_keeps_the_mtime_seconds() -> None:
    info = tarfile.TarInfo("f")
    info.size = 4
    info.uid = 3_000_000_000  # too big for the octal field: PAX carries it
    info.mtime = 1_700_000_000.75
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(b"data"))
    (entry,) = list(entries(ByteStream([out.getvalue()])))
    assert (entry.uid, entry.mtime, entry.size) == (3_000_000_000, 1_700_000_000, 4)


def test_base256_size_field_is_read() -> None:
    header = bytearray(tarfile.TarInfo("big").tobuf(format=tarfile.GNU_FORMAT))
    header[124:136] = b"\x80" + (5).to_bytes(11, "big")  # GNU base-256 encoding of 5
    header[148:156] = b" " * 8
    header[148:155] = f"{sum(header):06o}\0".encode()
    data = bytes(header) + b"12345".ljust(512, b"\0") + bytes(1024)
    assert _read(data) == [("big", ord("0"), 5, "")]


def test_a_reader_may_consume_part_of_the_data_and_the_rest_is_skipped() -> None:
    stream = ByteStream(chunked(layer(file("a", data=b"hello world"), file("b", data=b"!")), 3))
    seen = []
    for entry in entries(stream):
        seen.append((entry.name, stream.read(min(entry.data_size, 5))))
    assert seen == [("a", b"hello"), ("b", b"!")]


def _base256_member() -> bytes:
    header = bytearray(tarfile.TarInfo("big").tobuf(format=tarfile.GNU_FORMAT))
    header[124:136] = b"\x80" + (5).to_bytes(11, "big")
    header[148:156] = b" " * 8
    header[148:155] = f"{sum(header):06o}\0".encode()
    return bytes(header) + b"12345".ljust(512, b"\0")


def _sparse_member() -> bytes:
    """An old GNU sparse file ('S'): 3 bytes of data standing for a 4096-byte file."""
    info = tarfile.TarInfo("holes")
    info.type = tarfile.GNUTYPE_SPARSE
    info.size = 3
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    header[386:398] = b"00000000000\0"  # one map entry: offset 0,
    header[398:410] = b"00000000003\0"  # 3 bytes
    header[483:495] = b"00000010000\0"  # real size 4096
    header[148:156] = b" " * 8
    header[148:155] = f"{sum(header):06o}\0".encode()
    return bytes(header) + b"abc".ljust(512, b"\0")


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_scan_sees_what_entries_sees(fmt: int) -> None:
    # scan() decodes plain headers itself and hands the rest to entries()' path: every kind of member,
    # interleaved, so that a member after an extension is read plainly again.
    deep = "a" * 120 + "/" + "b" * 90 + "/file.txt"
    members = [directory("usr"), file("usr/hello", 1500, mode=0o755, uid=7), symlink("usr/sh", "hello"),
               hardlink("usr/again", "usr/hello"), file("empty"), file("after", 3)]
    if fmt != tarfile.USTAR_FORMAT:
        members[2:2] = [file(deep, 3), symlink("l", "t" * 150)]
    else:
        members[2:2] = [file("p" * 140 + "/name", 2)]
    data = layer(*members, fmt=fmt)
    if fmt == tarfile.GNU_FORMAT:
        data = _base256_member() + _sparse_member() + data
    expected = [(e.name, e.type, e.size, e.data_size, e.mtime, e.meta) for e in entries(ByteStream([data]))]
    assert len(expected) == len(members) + (2 if fmt == tarfile.GNU_FORMAT else 0)
    assert list(scan(ByteStream(chunked(data, 100)))) == expected
    if fmt == tarfile.GNU_FORMAT:
        big, holes = expected[:2]
        assert big[:5] == ("big", ord("0"), 5, 5, 0)
        assert holes[:5] == ("holes", ord("S"), 4096, 3, 0)


def test_scan_skips_the_data_and_rejects_what_is_not_a_tar() -> None:
    stream = ByteStream(chunked(layer(file("a", 700), file("b", 1)), 64))
    assert [(name, stream.offset) for name, *_ in scan(stream)] == [("a", 512), ("b", 512 + 1024 + 512)]
    with pytest.raises(EngineError, match="docker save x is not a tar archive"):
        list(scan(ByteStream([b"{" + bytes(600)]), what="docker save x"))


def test_not_a_tar_is_one_line_error() -> None:
    with pytest.raises(EngineError, match="not a tar archive"):
        list(entries(ByteStream([b"{" + bytes(600)]), what="docker save x"))


def test_a_stream_cut_inside_a_member_is_an_engine_error() -> None:
    data = layer(file("a", 4000))
    with pytest.raises(EngineError, match="ends after"):
        list(entries(ByteStream(chunked(data[:2000], 100))))


def test_peek_leaves_the_bytes_to_read_and_skip_crosses_chunks() -> None:
    stream = ByteStream(chunked(b"abcdefghij", 3))
    assert stream.peek(5) == b"abcde"
    assert stream.offset == 0
    assert stream.read(4) == b"abcd"
    stream.skip(3)
    assert b"".join(bytes(v) for v in stream.slices(2)) == b"hi"
    assert stream.drain() == 1
    assert stream.offset == 10
