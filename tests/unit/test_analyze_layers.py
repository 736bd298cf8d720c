from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ci_optimizer.adapters.layer_cache import LayerCache
from ci_optimizer.measure.bytestream import ByteStream
from ci_optimizer.measure.compress import Compressed
from ci_optimizer.measure.summary import (
    DIR,
    FILE,
    HARD,
    LINK,
    MAX_NPM_LOCKFILE,
    OPAQUE,
    WHITEOUT,
    LayerSummary,
    from_bytes,
    normalize,
    summarize,
    to_bytes,
)
from tests.unit.analyze_support import directory, file, hardlink, layer, opaque, symlink, whiteout

DIFF_ID = "sha256:" + "ab" * 32


def _summary() -> LayerSummary:
    tar = layer(
        directory("./usr/"), file("./usr/bin/tool", 900, mode=0o755, uid=1000), symlink("usr/bin/t", "tool"),
        hardlink("usr/bin/tool2", "usr/bin/tool"), whiteout("etc/motd"), opaque("var/cache"),
        file("var/.wh..wh.plnk/123.456"), file("caf\u00e9.txt", 4),
    )
    return replace(summarize(ByteStream([tar])), diff_id=DIFF_ID, tar_bytes=len(tar),
                   compressed=Compressed(bytes=321, exact=True))


def test_paths_are_absolute_and_whiteouts_name_what_they_delete() -> None:
    summary = _summary()
    assert summary.paths == ("/usr", "/usr/bin/tool", "/usr/bin/t", "/usr/bin/tool2", "/etc/motd", "/var/cache",
                             "/caf\u00e9.txt")
    assert list(summary.kinds) == [DIR, FILE, LINK, HARD, WHITEOUT, OPAQUE, FILE]
    assert list(summary.sizes) == [0, 900, 0, 0, 0, 0, 4]
    assert summary.file_bytes == 904
    again = summarize(ByteStream([layer(file("x", 1, mode=0o755, uid=1000), file("y", 1, mode=0o600, uid=1000))]))
    assert summary.metas[1] == again.metas[0] != again.metas[1]  # a fingerprint of mode and owner


def test_normalize() -> None:
    assert [normalize(n) for n in ("./a/b/", "a", "/a//", ".", "./", "././x")] == ["/a/b", "/a", "/a", "", "", "/x"]


STATUS = b"Package: curl\nStatus: install ok installed\nInstalled-Size: 500\n\n" * 600


def test_the_dpkg_and_apt_state_files_are_kept_and_nothing_else() -> None:
    """The cause detectors read what dpkg installed from the layer; every other file is skipped.
    The status file is larger than a tar block, in one chunk or split across many."""
    tar = layer(file("var/lib/dpkg/status-old", data=b"old"), file("var/lib/dpkg/status", data=STATUS),
                file("./var/lib/apt/extended_states", data=b"Package: ca-certificates\nAuto-Installed: 1\n"),
                file("srv/status", data=b"no"), file("var/lib/apt/lists/x_Packages", 2000))
    for chunks in ([tar], [tar[i : i + 700] for i in range(0, len(tar), 700)]):
        summary = summarize(ByteStream(chunks))
        assert summary.kept == (("/var/lib/apt/extended_states", b"Package: ca-certificates\nAuto-Installed: 1\n"),
                                ("/var/lib/dpkg/status", STATUS))
        assert summary.content("/var/lib/dpkg/status") == STATUS
        assert summary.content("/srv/status") is None
        assert summary.paths[-1] == "/var/lib/apt/lists/x_Packages"
        assert list(summary.sizes) == [3, len(STATUS), 43, 2, 2000]
        assert from_bytes(to_bytes(replace(summary, diff_id=DIFF_ID))) == replace(summary, diff_id=DIFF_ID)


def test_npm_hidden_lockfiles_are_kept_in_every_node_modules_up_to_their_bound() -> None:
    lock = b'{"packages": {"node_modules/semver": {"dev": true}}}'
    tar = layer(file("app/node_modules/.package-lock.json", data=lock), file("app/package-lock.json", data=b"{}"),
                file("./node_modules/.package-lock.json", data=b"{}"), file("srv/x/.package-lock.json", data=b"{}"),
                file("big/node_modules/.package-lock.json", MAX_NPM_LOCKFILE + 1))
    summary = summarize(ByteStream([tar]))
    assert summary.kept == (("/app/node_modules/.package-lock.json", lock), ("/node_modules/.package-lock.json", b"{}"))
    assert summary.sizes[-1] == MAX_NPM_LOCKFILE + 1  # too large to keep, still counted
    assert from_bytes(to_bytes(summary)) == summary


def test_cache_bytes_round_trip_and_reject_damage() -> None:
    summary = _summary()
    data = to_bytes(summary)
    assert from_bytes(data) == summary
    assert from_bytes(data[:-3]) is None or from_bytes(data[:-3]) != summary
    assert from_bytes(b'{"format": 99}\n') is None
    assert from_bytes(b"garbage") is None


def test_layer_cache_on_disk(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "layers")
    summary = _summary()
    assert not cache.has(DIFF_ID)
    assert cache.get(DIFF_ID) is None
    assert cache.put(summary)
    assert cache.has(DIFF_ID)
    assert cache.get(DIFF_ID) == summary
    (path,) = (tmp_path / "layers").iterdir()
    assert path.name == "sha256-" + "ab" * 32 + ".v4"
    path.write_bytes(b"damaged")
    assert cache.get(DIFF_ID) is None  # a miss, never an error


def test_layer_cache_prunes_least_recently_used(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path)
    summaries = [replace(_summary(), diff_id=f"sha256:{n:064x}") for n in range(3)]
    for age, summary in enumerate(summaries):
        cache.put(summary)
        os.utime(cache._path(summary.diff_id), (1000 + age, 1000 + age))  # type: ignore[arg-type]
    size = cache._path(summaries[0].diff_id).stat().st_size  # type: ignore[union-attr]
    assert cache.prune(2 * size) == 1
    assert [cache.has(s.diff_id) for s in summaries] == [False, True, True]


def test_no_cache_directory_is_a_silent_no_op(tmp_path: Path) -> None:
    cache = LayerCache(None)
    assert not cache.put(_summary())
    assert cache.get(DIFF_ID) is None
    assert cache.prune(0) == 0
    unwritable = LayerCache(tmp_path / "file")
    (tmp_path / "file").write_text("not a directory")
    assert not unwritable.put(_summary())
