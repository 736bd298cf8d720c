"""The path diff, base against head, collapsed to where the bytes are (measure/pathdiff.py)."""

from __future__ import annotations

from ci_optimizer.measure.pathdiff import diff_files, diff_summary, layers_only, path_summary
from ci_optimizer.model.growth import PathChange, PathTotal

NUMPY = "/usr/lib/python3/dist-packages/numpy"
BASE = {"/app/a.txt": (100, 1), "/usr/bin/env": (50, 0), "/etc/conf": (10, 0)}


def head() -> dict[str, tuple[int, int]]:
    files = {"/usr/bin/env": (50, 0), "/etc/conf": (30, 1), "/app/big.bin": (30_000, 3)}
    for folder, count in (("core", 10), ("lib", 10), ("linalg", 5)):
        files.update({f"{NUMPY}/{folder}/f{i}.py": (1000, 2) for i in range(count)})
    return files


def test_collapses_spread_bytes_to_their_directory_and_keeps_a_big_file_alone() -> None:
    diff = diff_files(BASE, head(), base_lines=[None, 3], head_lines=[None, 4, 5, 6])
    assert diff.detail == "files"
    assert (diff.added_bytes, diff.removed_bytes) == (55_020, 100)
    assert diff.changes == (
        PathChange(path="/app/big.bin", kind="added", delta_bytes=30_000, files=1, is_dir=False, line=6),
        PathChange(path=NUMPY, kind="added", delta_bytes=25_000, files=25, is_dir=True, line=5),
        PathChange(path="/app/a.txt", kind="removed", delta_bytes=-100, files=1, is_dir=False, line=3),
    )  # /etc/conf grew by 20 bytes: under 1 % of the growth, not listed


def test_a_directory_split_evenly_between_two_packages_lists_both() -> None:
    base = {"/usr/lib/x": (10, 0)}
    new = {"/usr/lib/x": (10, 0), **{f"/site/numpy/m{i}": (600, 1) for i in range(3)},
           **{f"/site/pandas/m{i}": (400, 1) for i in range(3)}, "/site/pandas/sub/q": (600, 1)}
    diff = diff_files(base, new, base_lines=[None], head_lines=[None, 9])
    assert [(c.path, c.delta_bytes, c.files, c.kind) for c in diff.changes] == [
        ("/site/numpy", 1800, 3, "added"), ("/site/pandas", 1800, 4, "added")]


def test_growth_in_an_existing_directory_reads_grown() -> None:
    base = {"/app/lib/a": (100, 1)}
    new = {"/app/lib/a": (100, 1), **{f"/app/lib/{n}": (200, 2) for n in "bcd"}}
    diff = diff_files(base, new, base_lines=[None, 2], head_lines=[None, 2, 7])
    assert diff.changes == (PathChange(path="/app/lib", kind="grown", delta_bytes=600, files=3, is_dir=True, line=7),)


def test_path_summary_keeps_directories_to_its_depth_and_large_files() -> None:
    files = {"/a/b/c/d/e/f/g.bin": (2_000_000, 1), "/a/small": (10, 1), "/x/y": (70_000, 1), "/tiny/t": (5, 0)}
    summary = path_summary(files, depth=3, min_dir=64 * 1024, min_file=1024 * 1024)
    assert [(e.path, e.size_bytes, e.files, e.is_dir) for e in summary.entries] == [
        ("/a", 2_000_010, 2, True), ("/a/b", 2_000_000, 1, True), ("/a/b/c", 2_000_000, 1, True),
        ("/a/b/c/d/e/f/g.bin", 2_000_000, 1, False), ("/x", 70_000, 1, True)]


def test_diff_against_a_saved_summary_compares_its_entries() -> None:
    base = path_summary({"/opt/app/lib/x.so": (2_000_000, 1), "/opt/app/etc/c": (100_000, 1)}, depth=2)
    new = {"/opt/app/lib/x.so": (2_000_000, 1), "/opt/app/etc/c": (100_000, 1), "/opt/data/blob": (3_000_000, 2)}
    diff = diff_summary(base, new, head_lines=[None, 5, 8])
    assert diff.detail == "summary"
    assert [(c.path, c.kind, c.delta_bytes, c.is_dir, c.line) for c in diff.changes] == [
        ("/opt/data", "added", 3_000_000, True, 8)]
    assert "depth 2" in diff.note
    assert base.entries[0] == PathTotal(path="/opt", size_bytes=2_100_000, files=2)


def test_a_baseline_with_layer_totals_only_says_so() -> None:
    diff = layers_only("the registry baseline has no files")
    assert (diff.detail, diff.changes) == ("layers", ())
    assert diff.note == "the registry baseline has no files: per-layer totals only, no path diff"
