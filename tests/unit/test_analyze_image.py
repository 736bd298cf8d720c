from __future__ import annotations

from dataclasses import replace

from ci_optimizer.measure.bytestream import ByteStream
from ci_optimizer.measure.stacking import analyze_layers, visible_files, with_analysis
from ci_optimizer.measure.summary import LayerSummary, summarize
from ci_optimizer.model.image_model import PathSize, WastedPath
from tests.report_support import make_target
from tests.unit.analyze_support import MTIME, directory, file, layer, opaque, symlink, whiteout


def _summary(tar: bytes, number: int) -> LayerSummary:
    return replace(summarize(ByteStream([tar])), diff_id=f"sha256:{number:064x}")


# Two base layers, then four of the user's. Bytes chosen so every figure below can be checked by hand.
LAYERS = [
    layer(  # 0, base: 3800 file bytes
        directory("etc"), file("etc/passwd", 100), directory("app"), file("app/a.bin", 1000),
        file("app/b.bin", 2000), directory("data"), file("data/x", 300), file("data/y", 400),
        directory("bin"), symlink("bin/sh", "busybox"),
    ),
    layer(file("etc/passwd", 120, mtime=MTIME + 1)),  # 1, base: the base wastes its own 100 B
    layer(  # 2: overwrite a.bin (1000 wasted), delete b.bin (2000 wasted), add c.txt
        file("app/a.bin", 1500, mtime=MTIME + 2), whiteout("app/b.bin"), file("app/c.txt", 50),
    ),
    layer(file("data/x", 300, mode=0o600)),  # 3: chmod copies x up unchanged (300 wasted)
    layer(whiteout("data")),  # 4: rm -rf /data (x 300 + y 400 wasted)
    layer(directory("app"), opaque("app"), file("app/new", 10)),  # 5: /app emptied (a 1500 + c 50 wasted)
]


def test_every_byte_is_visible_or_wasted_once_against_the_layer_that_hid_it() -> None:
    analysis = analyze_layers([_summary(t, n) for n, t in enumerate(LAYERS)], base_layers=2)
    assert (analysis.total_bytes, analysis.visible_bytes, analysis.wasted_bytes) == (5780, 130, 5650)
    assert (analysis.own_bytes, analysis.own_wasted_bytes) == (1860, 5550)
    assert analysis.efficiency == 1 - 5650 / 5780
    assert analysis.own_wasted_percent == 100 * 5550 / 1860
    assert (analysis.files, analysis.base_layers) == (2, 2)
    rows = [(r.from_base, r.files_added, r.files_modified, r.files_deleted, r.wasted_bytes, r.file_bytes)
            for r in analysis.layers]
    assert rows == [
        (True, 6, 0, 0, 0, 3800),
        (True, 0, 1, 0, 100, 120),
        (False, 1, 1, 1, 3000, 1550),
        (False, 0, 1, 0, 300, 300),
        (False, 0, 0, 2, 700, 0),
        (False, 1, 0, 2, 1550, 10),
    ]
    assert analysis.top_wasted == (
        WastedPath(path="/app/b.bin", size_bytes=2000, layer=2, reason="deleted"),
        WastedPath(path="/app", size_bytes=1550, layer=5, reason="deleted", versions=2),
        WastedPath(path="/app/a.bin", size_bytes=1000, layer=2, reason="overwritten"),
        WastedPath(path="/data", size_bytes=700, layer=4, reason="deleted", versions=2),
        WastedPath(path="/data/x", size_bytes=300, layer=3, reason="copied-up"),
        WastedPath(path="/etc/passwd", size_bytes=100, layer=1, reason="overwritten", from_base=True),
    )
    assert analysis.largest_files == (
        PathSize(path="/etc/passwd", size_bytes=120, layer=1),
        PathSize(path="/app/new", size_bytes=10, layer=5),
    )
    assert analysis.largest_dirs == (PathSize(path="/etc", size_bytes=120, files=1),
                                     PathSize(path="/app", size_bytes=10, files=1))


def test_a_file_replacing_a_directory_hides_everything_under_it() -> None:
    layers = [
        layer(file("opt/tool/bin/run", 700), file("opt/tool/lib/x.so", 300)),  # no directory entries at all
        layer(file("opt/tool", 5)),
        layer(directory("opt/tool"), file("opt/tool/again", 1)),  # and a directory replacing the file
    ]
    analysis = analyze_layers([_summary(t, n) for n, t in enumerate(layers)], base_layers=0)
    assert [(w.path, w.size_bytes, w.layer, w.reason) for w in analysis.top_wasted] == [
        ("/opt/tool", 1000, 1, "deleted"), ("/opt/tool", 5, 2, "overwritten"),
    ]
    assert [(r.files_added, r.files_modified, r.files_deleted) for r in analysis.layers] == [
        (2, 0, 0), (1, 0, 2), (1, 0, 0),  # /opt/tool was never listed as a directory: the file is new
    ]
    assert (analysis.visible_bytes, analysis.files) == (1, 1)


def test_a_deleted_then_recreated_path_wastes_only_the_old_version() -> None:
    layers = [layer(file("cache.db", 800)), layer(whiteout("cache.db")), layer(file("cache.db", 20))]
    analysis = analyze_layers([_summary(t, n) for n, t in enumerate(layers)], base_layers=1)
    assert (analysis.wasted_bytes, analysis.own_wasted_bytes, analysis.visible_bytes) == (800, 800, 20)
    assert [r.files_added for r in analysis.layers] == [1, 0, 1]


def test_an_empty_image_is_fully_efficient() -> None:
    analysis = analyze_layers([_summary(layer(), 0)], base_layers=5)
    assert (analysis.efficiency, analysis.base_layers, analysis.total_bytes) == (1.0, 1, 0)


def test_with_analysis_fills_the_registry_size() -> None:
    analysis = analyze_layers([_summary(layer(file("f", 3)), 0)], base_layers=0)
    target = make_target(name="production", dockerfile="Dockerfile", role="production", stage_line=1, status="built")
    folded = with_analysis(target, analysis)
    assert (folded.analysis, folded.compressed_bytes, folded.compressed_exact) == (analysis, 0, False)


def test_visible_files_are_what_the_stack_leaves() -> None:
    summaries = [_summary(t, n) for n, t in enumerate(LAYERS)]
    assert visible_files(summaries) == {"/etc/passwd": 120, "/bin/sh": 0, "/app/new": 10}
