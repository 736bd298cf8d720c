from __future__ import annotations

from array import array

from ci_optimizer.measure.alignment import align_history, from_base, layer_lines
from ci_optimizer.measure.compress import Compressed
from ci_optimizer.measure.summary import DIR, FILE, LINK, WHITEOUT, LayerSummary
from ci_optimizer.model.image_model import Layer


def layer(*entries: tuple[str, int, int]) -> LayerSummary:
    return LayerSummary(
        diff_id="", tar_bytes=0, compressed=Compressed(bytes=0, exact=True),
        paths=tuple(e[0] for e in entries), kinds=bytes(e[1] for e in entries),
        sizes=array("q", [e[2] for e in entries]), mtimes=array("q", [0] * len(entries)),
        metas=array("q", [0] * len(entries)),
    )


def entry(size: int, line: int | None = None, *, keyword: str = "RUN") -> Layer:
    if line is None:
        return Layer(size_bytes=size, created_by="ADD file:… in /", instruction="ADD", from_base=True)
    return Layer(size_bytes=size, created_by=f"{keyword} …", instruction=keyword, line=line)


BASE = layer(("/bin", DIR, 0), ("/bin/sh", FILE, 100))
APP = layer(("/app", DIR, 0), ("/app/run", FILE, 50))
WORKDIR = layer(("/srv", DIR, 0))
EMPTY = layer()
DATA = layer(("/srv/data", FILE, 7))
LINKS = layer(("/usr/bin/py", LINK, 0))
CLEAN = layer(("/app/run", WHITEOUT, 0))


def test_one_entry_per_layer_aligns_in_order() -> None:
    rows = align_history([BASE, APP, CLEAN], [entry(100), entry(50, 4, keyword="COPY"), entry(0, 5)])
    assert layer_lines(rows) == (None, 4, 5)
    assert from_base(rows, base_layers=1) == (True, False, False)


def test_a_workdir_layer_the_history_leaves_out_keeps_every_other_line() -> None:
    """The gallery's python-slim production: WORKDIR wrote a layer of one directory, and the
    history has no entry for it; the lines after it used to be lost."""
    rows = align_history([BASE, APP, WORKDIR, DATA], [entry(100), entry(50, 3, keyword="COPY"), entry(7, 6)])
    assert layer_lines(rows) == (None, 3, None, 6)
    assert rows[2] is None
    assert from_base(rows, base_layers=1) == (True, False, False, False)


def test_an_empty_layer_is_left_out_like_a_directory_only_one() -> None:
    rows = align_history([BASE, EMPTY, APP], [entry(100), entry(50, 8, keyword="COPY")])
    assert layer_lines(rows) == (None, None, 8)


def test_an_entry_of_size_zero_without_a_layer_is_skipped() -> None:
    """BuildKit writes no layer for a RUN that changed nothing; its history entry stays (size 0)."""
    rows = align_history([BASE, APP], [entry(100), entry(0, 4), entry(50, 5, keyword="COPY")])
    assert layer_lines(rows) == (None, 5)


def test_a_layer_of_symlinks_matches_an_entry_of_any_size() -> None:
    rows = align_history([BASE, LINKS], [entry(100), entry(11, 9)])
    assert layer_lines(rows) == (None, 9)


def test_directory_only_layers_that_could_swap_get_no_line_and_the_others_keep_theirs() -> None:
    """WORKDIR /srv then RUN mkdir -p /srv/x: either directory-only layer may be the RUN's."""
    mkdir = layer(("/srv/x", DIR, 0))
    rows = align_history([BASE, WORKDIR, mkdir, DATA], [entry(100), entry(0, 7), entry(7, 8)])
    assert layer_lines(rows) == (None, None, None, 8)
    assert from_base(rows, base_layers=1) == (True, False, False, False)


def test_a_history_that_cannot_explain_the_layers_gives_no_lines() -> None:
    rows = align_history([BASE, APP], [entry(100), entry(50, 3), entry(60, 4)])
    assert rows == (None, None)
    assert from_base(rows, base_layers=1) == (True, False)


def test_a_layer_with_file_bytes_never_takes_an_entry_of_size_zero() -> None:
    assert align_history([BASE, APP], [entry(100), entry(0, 3)]) == (None, None)
