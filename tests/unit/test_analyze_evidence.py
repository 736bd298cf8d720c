from __future__ import annotations

from array import array

from ci_optimizer.judge.checks.evidence import final_files, layer_files
from ci_optimizer.measure.alignment import align_history
from ci_optimizer.measure.compress import Compressed
from ci_optimizer.measure.summary import DIR, FILE, LINK, OPAQUE, WHITEOUT, LayerSummary
from ci_optimizer.model.image_model import Layer


def layer(*entries: tuple[str, int, int]) -> LayerSummary:
    return LayerSummary(
        diff_id="", tar_bytes=0, compressed=Compressed(bytes=0, exact=True),
        paths=tuple(e[0] for e in entries), kinds=bytes(e[1] for e in entries),
        sizes=array("q", [e[2] for e in entries]), mtimes=array("q", [0] * len(entries)),
        metas=array("q", [0] * len(entries)),
    )


BASE = layer(("/bin", DIR, 0), ("/bin/sh", FILE, 100), ("/etc", DIR, 0), ("/etc/passwd", FILE, 10))
APP = layer(("/app", DIR, 0), ("/app/id_rsa", FILE, 1600), ("/app/run", FILE, 50), ("/app/cfg", DIR, 0),
            ("/app/cfg/a", FILE, 5), ("/usr/bin/python", LINK, 0))
CLEAN = layer(("/app/id_rsa", WHITEOUT, 0), ("/app/cfg", OPAQUE, 0), ("/app/cfg/b", FILE, 7), ("/bin/sh", WHITEOUT, 0))


def test_final_files_apply_whiteouts_and_opaque_directories() -> None:
    assert final_files([BASE, APP, CLEAN]) == {
        "/etc/passwd": 10, "/app/run": 50, "/app/cfg/b": 7, "/usr/bin/python": 0,
    }


def test_a_deleted_directory_takes_its_whole_tree() -> None:
    assert final_files([APP, layer(("/app", WHITEOUT, 0))]) == {"/usr/bin/python": 0}


def test_layer_files_keep_what_each_layer_ships_with_the_aligned_lines() -> None:
    details = (
        Layer(size_bytes=110, created_by="Imported from -", from_base=True),
        Layer(size_bytes=1655, created_by="COPY app /app", instruction="COPY", line=4),
        Layer(size_bytes=7, created_by="RUN cleanup", instruction="RUN", line=5),
    )
    files = layer_files([BASE, APP, CLEAN], align_history([BASE, APP, CLEAN], details), base_layers=1)
    assert [sorted(f.paths) for f in files] == [
        ["/bin/sh", "/etc/passwd"], ["/app/cfg/a", "/app/id_rsa", "/app/run", "/usr/bin/python"], ["/app/cfg/b"],
    ]
    assert [(f.line, f.from_base) for f in files] == [(None, True), (4, False), (5, False)]
    unaligned = layer_files([BASE, APP, CLEAN], align_history([BASE, APP, CLEAN], details[:2]), base_layers=1)
    assert [(f.line, f.from_base) for f in unaligned] == [(None, True), (None, False), (None, False)]


def test_layer_files_keep_the_lines_after_a_workdir_layer() -> None:
    """The checklist's evidence used to lose every line when a WORKDIR layer made the counts differ."""
    workdir = layer(("/srv", DIR, 0))
    details = (
        Layer(size_bytes=110, created_by="Imported from -", from_base=True),
        Layer(size_bytes=1655, created_by="COPY app /app", instruction="COPY", line=4),
        Layer(size_bytes=7, created_by="RUN cleanup", instruction="RUN", line=6),
    )
    summaries = [BASE, APP, workdir, CLEAN]
    files = layer_files(summaries, align_history(summaries, details), base_layers=1)
    assert [(f.line, f.from_base) for f in files] == [(None, True), (4, False), (None, False), (6, False)]
