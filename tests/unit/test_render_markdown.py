"""Report -> markdown, and the escaping it relies on. Pure, exact expectations."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from ci_optimizer.model.image_model import ImageConfig, Layer
from ci_optimizer.model.results import (
    Baseline,
    BudgetResult,
    CheckResult,
    Reduction,
    Report,
    Section,
    TargetResult,
    TesterResult,
)
from ci_optimizer.model.step_results import LayerChange
from ci_optimizer.report import markdown_text as md
from ci_optimizer.report.markdown import COMMENT_LIMIT, MarkdownOptions, render_markdown, stable_digest
from tests.report_support import make_target, retarget

ID = "sha256:" + "ab" * 32


def target(name: str, role: str = "stage", size: int | None = 10_000_000, **extra: object) -> TargetResult:
    return make_target(
        name=name, dockerfile="Dockerfile", role=role, stage_line=1, status="built",
        image_id=ID, size_bytes=size, layers=3, build_seconds=1.25, **extra,  # type: ignore[arg-type]
    )


SMALL = Report(
    dockerfile="Dockerfile",
    targets=(
        target("builder", "builder", 1_200_000_000, base_size_bytes=1_195_000_000, delta_bytes=5_000_000,
               delta_percent=0.4184, base_status="built"),
        target("tester", "tester", 1_210_000_000),
        target("production", "production", 85_200_000, compressed_bytes=30_100_000, compressed_exact=True,
               base_size_bytes=86_400_000, delta_bytes=-1_200_000, delta_percent=-1.3889, base_status="built",
               layer_details=(
                   Layer(size_bytes=80_000_000, created_by="RUN |1 V=2 /bin/sh -c make # buildkit",
                         instruction="RUN", line=9),
                   Layer(size_bytes=5_000_000, created_by="/bin/sh -c #(nop) ADD file:1a in / ", from_base=True),
                   Layer(size_bytes=0, created_by="ENV A=1", instruction="ENV", line=4),
               ),
               base_image="python:3.12-slim",
               config=ImageConfig(user="app", cmd=("/app",), exposed_ports=("8080/tcp",))),
    ),
    tester=TesterResult(target="tester", passed=True, seconds=4.25),
    reduction=Reduction(from_target="builder", to_target="production", from_bytes=1_200_000_000,
                        to_bytes=85_200_000, percent=92.9),
    build_seconds=44.0,
    baseline=Baseline(source="ref", ref="main", commit="0123456789abcdef0123"),
)

GOLDEN = """\
### ✅ ci-optimizer: passed

3 of 3 targets built · tests passed

`Dockerfile` · 3 targets · built in 44.0 s with buildx · compared with `main` (merge base `0123456789ab`)

| Target | Role | Size | Δ vs base | Compressed | Layers | Build | Budget |
|---|---|--:|--:|--:|--:|--:|---|
| `builder` | builder | 1.2 GB | ▲ +5 MB (+0.4 %) | — | 3 | 1.2 s | — |
| `tester` | tester | 1.21 GB | — | — | 3 | 1.2 s | — |
| `production` | production | 85.2 MB | ▼ -1.2 MB (−1.4 %) | 30.1 MB | 3 | 1.2 s | — |

**Production vs builder:** `builder` 1.2 GB → `production` 85.2 MB (−92.9 %)

**Tests:** ✅ `tester` passed in 4.2 s

```mermaid
xychart-beta
    title "Image size, base vs head (MB)"
    x-axis ["builder base", "builder head", "tester head", "production base", "production head"]
    y-axis "MB" 0 --> 1331
    bar [1195.0, 1200.0, 1210.0, 86.4, 85.2]
```

<details><summary><code>production</code> · production · heaviest layer 80 MB</summary>

| Layer | Made by | Dockerfile line |
|--:|---|---|
| 80 MB | `RUN make` | `Dockerfile:9` |
| 5 MB | `ADD file:1a in /` | base image `python:3.12-slim` |

**Image:** user `app` · cmd `/app` · ports `8080/tcp` · healthcheck none

</details>

<sub>ci-optimizer · measured at `0123456789ab` · [workflow run](https://github.com/o/r/actions/runs/9)</sub>
"""


def test_a_base_given_as_its_commit_is_named_once() -> None:
    report = replace(SMALL, baseline=Baseline(source="ref", ref="ab" * 20, commit="ab" * 20))
    assert "· compared with the base commit `abababababab`\n" in render_markdown(report)
    saved = replace(SMALL, baseline=Baseline(source="file", path="base/report.json"))
    assert "· compared with the saved report `base/report.json`\n" in render_markdown(saved)


def test_full_rendering_of_a_passing_report() -> None:
    options = MarkdownOptions(head_sha="0123456789abcdef", run_url="https://github.com/o/r/actions/runs/9")
    assert render_markdown(SMALL, options) == GOLDEN


def test_failed_headline_lists_every_reason_once() -> None:
    report = replace(
        SMALL,
        targets=(*SMALL.targets[:2], retarget(SMALL.targets[2], status="failed", size_bytes=None, error="boom")),
        tester=TesterResult(target="tester", passed=False, seconds=2.0, log_tail=("E assert 1 == 2",)),
        budgets=(BudgetResult(target="production", rule="max_size", limit="80MB", actual="85.2 MB", passed=False),),
        checks=(CheckResult(id="non-root", target="production", severity="error", passed=False,
                            message="runs as root", file="Dockerfile", line=12),),
    )
    head = render_markdown(report).split("\n\n`Dockerfile`")[0]
    assert head == (
        "### ❌ ci-optimizer: failed\n\n"
        "- `production` failed to build\n"
        "- tests failed in `tester`\n"
        "- budget exceeded: `production` max\\_size is 85.2 MB, limit 80MB\n"
        "- 1 checklist error"
    )


def test_a_tester_that_failed_to_build_is_reported_as_failed_tests_only() -> None:
    report = replace(
        SMALL,
        targets=(SMALL.targets[0], retarget(SMALL.targets[1], status="failed", size_bytes=None)),
        tester=TesterResult(target="tester", passed=False, seconds=2.0),
    )
    assert render_markdown(report).startswith("### ❌ ci-optimizer: failed\n\n- tests failed in `tester`\n\n")


def test_budgets_not_enforced_pass_with_a_warning_headline() -> None:
    report = replace(SMALL, budgets=(
        BudgetResult(target="production", rule="max_size", limit="80MB", actual="85.2 MB", passed=False),
    ))
    text = render_markdown(report, MarkdownOptions(budgets_enforced=False))
    assert text.startswith(
        "### ⚠️ ci-optimizer: passed\n\n3 of 3 targets built · tests passed · budgets exceeded (not enforced)\n"
        "- budget exceeded (not enforced): `production` max\\_size is 85.2 MB, limit 80MB\n"
    )
    assert "| ⚠️ max\\_size 85.2 MB (limit 80MB) |" in text
    assert "| ⚠️ | `production` | max\\_size | 80MB | 85.2 MB |  |" in text
    enforced = render_markdown(report)
    assert enforced.startswith("### ❌ ci-optimizer: failed\n")
    assert "| ❌ max\\_size 85.2 MB (limit 80MB) |" in enforced


@pytest.mark.parametrize(
    ("extra", "cell"),
    [
        ({}, "—"),
        ({"base_status": "new"}, "🆕 new"),
        ({"base_status": "failed"}, "— (base failed to build)"),
        ({"base_status": "built", "delta_bytes": 0, "delta_percent": 0.0, "base_size_bytes": 1}, "±0 B (+0.0 %)"),
        ({"base_status": "built", "delta_bytes": 2_000_000, "delta_percent": None, "base_size_bytes": 1},
         "▲ +2 MB"),
    ],
)
def test_delta_cell(extra: dict[str, Any], cell: str) -> None:
    report = Report(dockerfile="Dockerfile", targets=(target("app", **extra),))
    row = next(line for line in render_markdown(report).splitlines() if line.startswith("| `app`"))
    assert row.split(" | ")[3] == cell


def test_failed_and_skipped_targets_and_estimated_compressed_size() -> None:
    report = Report(dockerfile="Dockerfile", targets=(
        retarget(target("a"), status="failed", size_bytes=None, layers=None, build_seconds=None),
        retarget(target("b"), status="skipped", size_bytes=None),
        target("c", compressed_bytes=4_000_000, compressed_exact=False, cached_steps=2, total_steps=5),
    ))
    rows = [line for line in render_markdown(report).splitlines() if line.startswith("| `")]
    assert rows == [
        "| `a` | stage | ❌ build failed | — | — | — | — | — |",
        "| `b` | stage | skipped | — | — | — | 1.2 s | — |",
        "| `c` | stage | 10 MB | — | ≈ 4 MB | 3 | 1.2 s (2/5 cached) | — |",
    ]


def test_failed_tests_show_the_log_tail_in_a_fence_no_line_can_close() -> None:
    log = ("step 1", "```", "`````not a fence", "done")
    report = replace(SMALL, tester=TesterResult(target="tester", passed=False, seconds=65.0, log_tail=log,
                                                ran_container=True, exit_code=3))
    text = render_markdown(report)
    assert (
        "**Tests:** ❌ `tester` failed after 1 min 5 s, ran its command (exit 3)\n\n"
        "Last 4 lines of its output:\n\n"
        "``````text\nstep 1\n```\n`````not a fence\ndone\n``````"
    ) in text


def test_repository_text_cannot_inject_html_markdown_or_mentions() -> None:
    evil = "x|y`<img src=x onerror=alert(1)>@octocat"
    report = Report(
        dockerfile="Dockerfile",
        targets=(retarget(target(evil), config=ImageConfig(labels=(("maintainer", "@octocat <o@c.at>"),)),
                         layer_details=(Layer(size_bytes=5, created_by="RUN echo </details> @team", line=2),)),),
        budgets=(BudgetResult(target=evil, rule="max_size", limit="1 <b>B</b>", actual="@admin", passed=False,
                              message="see [here](javascript:alert(1))"),),
        warnings=("<script>alert(1)</script> cc @someone",),
    )
    text = render_markdown(report)
    # Only tags we write ourselves survive; none from the repository.
    tags = set(re.findall(r"</?([a-zA-Z]+)", _without_code(text)))
    assert tags <= {"details", "summary", "code", "sub"}
    assert "<img" not in _without_code(text)
    # No mention outside code can ping: every bare @ is followed by a zero-width joiner.
    assert re.search(r"@(?!\u200d)\w", _without_code(text)) is None
    # The table row stays one row with eight cells (a pipe in the name is escaped).
    row = next(line for line in text.splitlines() if line.startswith("| ``"))
    assert len(re.split(r"(?<!\\)\|", row)) == 10
    assert "<summary><code>x|y`&lt;img src=x onerror=alert(1)&gt;@\u200doctocat</code>" in text
    assert "> ⚠️ &lt;script&gt;alert(1)&lt;/script&gt; cc @\u200dsomeone" in text
    assert "see \\[here\\](javascript:alert(1))" in text


def _without_code(text: str) -> str:
    """Markdown with code spans and fences removed: what GitHub would treat as HTML/mentions."""
    text = re.sub(r"(`{3,})[^\n]*\n.*?\n\1", "", text, flags=re.DOTALL)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


def test_body_fits_the_limit_by_trimming_details_never_the_table() -> None:
    layers = tuple(Layer(size_bytes=1000 + i, created_by="RUN " + "x" * 90 + str(i), line=i + 1) for i in range(40))
    targets = tuple(
        retarget(target(f"t{i}"), status="failed", size_bytes=None, error="e" * 400,
                log_tail=tuple("log line " + "y" * 150 for _ in range(50)), layer_details=layers)
        for i in range(30)
    )
    report = Report(dockerfile="Dockerfile", targets=targets)
    full = render_markdown(report, MarkdownOptions(max_chars=10_000_000))
    assert len(full) > COMMENT_LIMIT
    fitted = render_markdown(report)
    assert len(fitted) <= COMMENT_LIMIT
    assert "_Some details were left out to fit GitHub's size limit; the JSON report has everything._" in fitted
    for i in range(30):
        assert f"| `t{i}` | stage | ❌ build failed |" in fitted
    tight = render_markdown(report, MarkdownOptions(max_chars=3_000))
    assert len(tight) <= 3_000


def test_several_dockerfiles_get_a_section_each() -> None:
    api = retarget(target("app"), dockerfile="api/Dockerfile")
    web = retarget(target("app"), dockerfile="web/Dockerfile")
    report = Report(
        dockerfile="api/Dockerfile", targets=(api, web),
        sections=(Section(dockerfile="api/Dockerfile", tester=TesterResult(target="app", passed=True, seconds=1)),
                  Section(dockerfile="web/Dockerfile")),
    )
    text = render_markdown(report)
    assert "`api/Dockerfile`, `web/Dockerfile` · 2 targets" in text
    api_part = text.split("#### `api/Dockerfile`")[1].split("#### `web/Dockerfile`")[0]
    assert api_part.count("| `app` |") == 1
    assert "**Tests:** ✅ `app` passed in 1.0 s" in api_part
    web_part = text.split("#### `web/Dockerfile`")[1]
    assert "**Tests:** no tester stage" in web_part


def test_build_arg_values_recorded_in_history_never_reach_the_markdown() -> None:
    layer = Layer(size_bytes=7, created_by="RUN |2 NPM_TOKEN=s3cr3t V=1 /bin/sh -c npm ci # buildkit", line=3)
    text = render_markdown(Report(dockerfile="Dockerfile", targets=(retarget(target("app"), layer_details=(layer,)),)))
    assert "s3cr3t" not in text
    assert "| 7 B | `RUN npm ci` | `Dockerfile:3` |" in text


def test_a_build_arg_value_with_spaces_does_not_leak_into_the_instruction() -> None:
    layer = Layer(size_bytes=7, created_by="RUN |2 NOTE=two words V=1 /bin/sh -c make # buildkit", line=3)
    text = render_markdown(Report(dockerfile="Dockerfile", targets=(retarget(target("app"), layer_details=(layer,)),)))
    assert "words" not in text
    assert "| 7 B | `RUN make` | `Dockerfile:3` |" in text


def test_layer_changes_say_which_line_made_the_image_grow() -> None:
    report = Report(dockerfile="Dockerfile", targets=(retarget(target("app"), layer_changes=(
        LayerChange(kind="changed", created_by="RUN make", base_bytes=1_000_000, head_bytes=4_000_000,
                    delta_bytes=3_000_000, line=7),
        LayerChange(kind="gone", created_by="COPY old /old", base_bytes=500_000, head_bytes=None,
                    delta_bytes=-500_000, line=None),
        LayerChange(kind="new", created_by="RUN apk add curl", base_bytes=None, head_bytes=9_000_000,
                    delta_bytes=9_000_000, line=8),
    )),))
    text = render_markdown(report)
    assert (
        "| Δ | Layer | Made by | Dockerfile line |\n|--:|---|---|---|\n"
        "| ▲ +9 MB | 🆕 new | `RUN apk add curl` | `Dockerfile:8` |\n"
        "| ▲ +3 MB | changed | `RUN make` | `Dockerfile:7` |\n"
        "| ▼ -500 kB | 🗑️ gone | `COPY old /old` | — |"
    ) in text


def test_checks_list_failures_first_and_count_the_passes() -> None:
    checks = (
        CheckResult(id="healthcheck", target="production", severity="warning", passed=False, message="none",
                    file=None, line=None),
        CheckResult(id="non-root", target="production", severity="error", passed=False, message="runs as root",
                    file="Dockerfile", line=12),
        CheckResult(id="labels", target="production", severity="info", passed=True, message="ok",
                    file=None, line=None),
    )
    text = render_markdown(replace(SMALL, checks=checks))
    assert (
        "**Checklist:** 1 of 3 checks passed\n"
        "- ❌ `non-root` on `production`: runs as root (`Dockerfile:12`)\n"
        "- ⚠️ `healthcheck` on `production`: none"
    ) in text


def test_chart_without_a_base_has_one_bar_per_target_in_kb_for_small_images() -> None:
    report = Report(dockerfile="Dockerfile", targets=(target("a", size=1_500), target("b", size=300_000)))
    assert (
        '```mermaid\nxychart-beta\n    title "Image size (kB)"\n    x-axis ["a", "b"]\n'
        '    y-axis "kB" 0 --> 330\n    bar [1.5, 300.0]\n```'
    ) in render_markdown(report)


def test_digest_ignores_timings_and_follows_sizes_and_verdicts() -> None:
    slower = replace(SMALL, build_seconds=99.0, targets=tuple(retarget(t, build_seconds=9.9) for t in SMALL.targets))
    assert stable_digest(slower) == stable_digest(SMALL)
    bigger = replace(SMALL, targets=(*SMALL.targets[:2], retarget(SMALL.targets[2], size_bytes=85_200_001)))
    assert stable_digest(bigger) != stable_digest(SMALL)
    assert SMALL.tester is not None
    failed = replace(SMALL, tester=replace(SMALL.tester, passed=False))
    assert stable_digest(failed) != stable_digest(SMALL)
    assert re.fullmatch(r"[0-9a-f]{16}", stable_digest(SMALL))


# --- markdown_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a ``` b", "````a ``` b````"),
        ("", "` `"),
        ("two\nlines", "`two lines`"),
    ],
)
def test_code_span(value: str, expected: str) -> None:
    assert md.code(value) == expected


def test_code_span_in_a_table_escapes_pipes_and_shortens() -> None:
    assert md.code("a|b", table=True) == "`a\\|b`"
    assert md.code("abcdef", limit=4) == "`abc…`"


def test_text_escapes_markdown_html_and_mentions() -> None:
    assert md.text("*bold* _it_ [l](u) <b>&amp; @me ~~s~~ a|b") == (
        "\\*bold\\* \\_it\\_ \\[l\\](u) &lt;b&gt;&amp;amp; @\u200dme \\~\\~s\\~\\~ a\\|b"
    )


def test_fence_strips_terminal_colours_and_control_characters() -> None:
    assert md.fence(["\x1b[31mred\x1b[0m\x07", "a\r\nb"]) == "```text\nred\na\nb\n```"


def test_mermaid_label_drops_quotes_and_brackets() -> None:
    assert md.mermaid_label('a"b];[c') == '"a_b___c"'
