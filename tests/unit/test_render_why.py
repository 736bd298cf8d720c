"""The "Why it grew" section of the sticky comment (report/markdown_why.py)."""

from __future__ import annotations

from dataclasses import replace

from ci_optimizer.model.growth import Cause, Growth, PathChange, PathDiff
from ci_optimizer.model.results import Report
from ci_optimizer.model.step_results import Comparison
from ci_optimizer.report.markdown import MarkdownOptions, render_markdown
from ci_optimizer.report.markdown_why import why_section
from tests.report_support import make_target

CHANGES = tuple(PathChange(path=f"/app/d{i}", kind="added", delta_bytes=1_000_000 - i, files=i + 1, is_dir=True,
                           line=7) for i in range(7))
CAUSE = Cause(kind="package-cache", line=4, bytes=21_000_000, message="apt lists: 21.0 MB in 9 files written by line 4",
              fix="`rm -rf /var/lib/apt/lists/*` in the RUN that installs")
TARGET = replace(
    make_target(name="production", dockerfile="Dockerfile", role="production", stage_line=3, status="built",
                size_bytes=50_000_000),
    comparison=Comparison(base_status="built", base_size_bytes=40_000_000, delta_bytes=10_000_000,
                          delta_percent=25.0),
    growth=Growth(diff=PathDiff(detail="files", added_bytes=6_999_979, changes=CHANGES), causes=(CAUSE,)),
)


def test_top_five_path_changes_shown_and_the_rest_folded() -> None:
    text = why_section([TARGET])
    shown, folded = text.split("<details>")
    assert shown.startswith("### Why it grew\n\n**`production`** (+10 MB against the base)\n\n"
                            "Where the bytes changed, from every file of both images:\n\n"
                            "| change | path | bytes | files | line |\n|---|---|--:|--:|--:|\n"
                            "| added | `/app/d0/` | +1 MB | 1 | 7 |\n")
    assert shown.count("| added |") == 5
    assert folded.count("| added |") == 2
    assert ("| 21 MB | 4 | apt lists: 21.0 MB in 9 files written by line 4 | "
            "`rm -rf /var/lib/apt/lists/*` in the RUN that installs |") in text


def test_causes_posted_in_the_review_are_counted_not_repeated() -> None:
    text = why_section([TARGET], reviewed={("Dockerfile", 4)})
    assert "apt lists" not in text
    assert "1 more, on lines this PR changes, are in the review comments (saving 21 MB)." in text


def test_the_section_rides_in_the_comment_within_its_limit() -> None:
    report = Report(dockerfile="Dockerfile", targets=(TARGET,))
    assert "### Why it grew" in render_markdown(report)
    small = render_markdown(report, MarkdownOptions(max_chars=3000))
    assert len(small) <= 3000


def test_a_layers_only_baseline_says_so() -> None:
    target = replace(TARGET, growth=Growth(diff=PathDiff(detail="layers", note="the baseline: per-layer totals only, "
                                                                               "no path diff")))
    assert why_section([target]).endswith("_the baseline: per-layer totals only, no path diff_")
