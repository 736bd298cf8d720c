"""Sizes, reduction math, terminal rendering and the JSON contract. Pure."""

from __future__ import annotations

import json

import pytest

from ci_optimizer.errors import ConfigError
from ci_optimizer.measure.reduction import compute_reduction
from ci_optimizer.model.image_model import ImageConfig, Layer
from ci_optimizer.model.results import Report, TargetResult, TesterResult
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.terminal import render_terminal
from ci_optimizer.sizes import format_delta, format_percent, format_size, parse_percent, parse_size
from tests.report_support import make_target

ID = "sha256:" + "ab" * 32


def built(name: str, role: str, size: int, **extra: object) -> TargetResult:
    return make_target(
        name=name, dockerfile="Dockerfile", role=role, stage_line=1, status="built", tag=f"p/r:{name}",
        image_id=ID, size_bytes=size, layers=3, build_seconds=1.25, cached_steps=1, total_steps=4, **extra,  # type: ignore[arg-type]
    )


SEED = (
    built("builder", "builder", 1_200_000_000),
    built("tester", "tester", 1_210_000_000),
    built(
        "production", "production", 85_000_000,
        layer_details=(
            Layer(size_bytes=80_000_000, created_by="Imported from -", from_base=True),
            Layer(size_bytes=5_000_000, created_by="COPY /out/ /app/", instruction="COPY", line=9),
        ),
        config=ImageConfig(user="app", labels=(("a", "b"),), cmd=("/app",)),
    ),
)


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1 kB"), (85_231_234, "85.2 MB"), (999_999, "1 MB"),
     (1_200_000_000, "1.2 GB"), (-3_000_000, "-3 MB"), (None, "—")],
)
def test_format_size(size: int | None, text: str) -> None:
    assert format_size(size) == text


def test_format_delta_and_percent() -> None:
    assert format_delta(1_500_000) == "+1.5 MB"
    assert format_delta(-2_000) == "-2 kB"
    assert format_delta(0) == "±0 B"
    assert format_percent(-92.91666, signed=True) == "−92.9 %"
    assert format_percent(4.0, signed=True) == "+4.0 %"


@pytest.mark.parametrize(
    ("text", "value"),
    [("100MB", 100_000_000), ("100 MB", 100_000_000), ("1.5GiB", 1_610_612_736), ("500kB", 500_000),
     ("500KB", 500_000), ("12", 12), ("12B", 12), (512, 512), ("2MiB", 2_097_152)],
)
def test_parse_size(text: str | int, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["banana", "-5MB", "5 parsecs", "", -1, True])
def test_parse_size_rejects(text: str | int) -> None:
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)


def test_parse_percent() -> None:
    assert parse_percent("10%") == 10.0
    assert parse_percent("12.5 %") == 12.5
    with pytest.raises(ValueError, match="is not a percentage"):
        parse_percent("10")


def test_reduction_of_the_seed() -> None:
    reduction = compute_reduction(SEED)
    assert reduction is not None
    assert (reduction.from_target, reduction.to_target) == ("builder", "production")
    assert reduction.percent == pytest.approx(100 * (1_200_000_000 - 85_000_000) / 1_200_000_000)
    assert round(reduction.percent, 1) == 92.9


def test_no_reduction_without_a_built_builder() -> None:
    failed_builder = make_target(name="builder", dockerfile="D", role="builder", stage_line=1, status="failed")
    assert compute_reduction((failed_builder, SEED[2])) is None
    assert compute_reduction((SEED[2],)) is None


def test_terminal_report() -> None:
    report = Report(
        dockerfile="Dockerfile", targets=SEED, tester=TesterResult(target="tester", passed=True, seconds=2.5),
        reduction=compute_reduction(SEED), build_seconds=3.0,
    )
    assert render_terminal(report) == (
        "ci-optimizer: Dockerfile (built with buildx in 3.0 s)\n"
        "\n"
        "TARGET      ROLE        STATUS  SIZE     COMPRESSED  LAYERS  BUILD  CACHED\n"
        "builder     builder     built   1.2 GB   —           3       1.2 s  1/4\n"
        "tester      tester      built   1.21 GB  —           3       1.2 s  1/4\n"
        "production  production  built   85 MB    —           3       1.2 s  1/4\n"
        "\n"
        "Reduction: builder 1.2 GB → production 85 MB (−92.9 %)\n"
        "\n"
        "Tests: tester passed (2.5 s)\n"
        "\n"
        "Heaviest layers of production:\n"
        "      80 MB  base image  Imported from -\n"
        "       5 MB  line 9      COPY /out/ /app/\n"
        "\n"
        "Result: PASSED\n"
    )


def test_terminal_report_of_failures_shows_log_tails() -> None:
    broken = make_target(
        name="production", dockerfile="Dockerfile", role="production", stage_line=5, status="failed",
        error="[production 2/3] RUN make: exit code: 2", log_tail=("make: *** [all] Error 2",),
    )
    report = Report(
        dockerfile="Dockerfile", targets=(SEED[0], broken),
        tester=TesterResult(target="tester", passed=False, seconds=1.0, log_tail=("FAIL test_x",)),
    )
    text = render_terminal(report)
    assert "Tests: tester FAILED (1.0 s)\n  | FAIL test_x\n" in text
    assert "Build of production FAILED: [production 2/3] RUN make: exit code: 2\n  | make: *** [all] Error 2\n" in text
    assert text.endswith("Result: FAILED (build failed: production; tests failed)\n")
    assert not report.passed


def test_json_report_validates_and_round_trips() -> None:
    report = Report(
        dockerfile="Dockerfile", targets=SEED, tester=TesterResult(target="tester", passed=True, seconds=2.5),
        reduction=compute_reduction(SEED), build_seconds=3.0,
    )
    document = json.loads(report_json.dumps(report))
    report_json.validate(document)
    assert document["schema_version"] == 2
    assert document["passed"] is True
    assert document["reduction"] == {
        "from": "builder", "to": "production", "from_bytes": 1_200_000_000, "to_bytes": 85_000_000,
        "percent": 100 * (1_200_000_000 - 85_000_000) / 1_200_000_000,
    }
    production = document["targets"][2]
    assert production["layer_details"][1] == {
        "size_bytes": 5_000_000, "created_by": "COPY /out/ /app/", "instruction": "COPY", "line": 9, "from_base": False,
    }
    assert production["config"]["labels"] == {"a": "b"}
    assert report_json.from_dict(document) == report


def test_json_schema_rejects_a_wrong_document_with_its_key_path() -> None:
    document = json.loads(report_json.dumps(Report(dockerfile="Dockerfile", targets=SEED)))
    document["targets"][1]["size_bytes"] = "big"
    with pytest.raises(ConfigError) as caught:
        report_json.validate(document, source="base.json")
    assert caught.value.one_line().startswith("base.json: targets.1.size_bytes: 'big' is not of type")


def test_terminal_report_against_the_base_with_budgets_and_grown_layers() -> None:
    from ci_optimizer.model.results import BudgetResult  # noqa: PLC0415
    from ci_optimizer.model.step_results import LayerChange  # noqa: PLC0415

    production = built(
        "production", "production", 90_000_000, base_status="built", base_size_bytes=85_000_000,
        delta_bytes=5_000_000, delta_percent=100 * 5 / 85,
        layer_changes=(
            LayerChange(kind="changed", created_by="COPY /out/ /app/", base_bytes=5_000_000, head_bytes=9_000_000,
                        delta_bytes=4_000_000, line=9),
            LayerChange(kind="new", created_by="RUN apt-get install -y curl", base_bytes=None, head_bytes=1_000_000,
                        delta_bytes=1_000_000, line=11),
            LayerChange(kind="gone", created_by="RUN rm -rf /tmp/x", base_bytes=10, head_bytes=None, delta_bytes=-10),
        ),
    )
    builder = built("builder", "builder", 1_000_000_000, base_status="built", base_size_bytes=1_010_000_000,
                    delta_bytes=-10_000_000, delta_percent=-100 / 101)
    docs = built("docs", "stage", 5_000_000, base_status="new")
    budgets = (
        BudgetResult(target="production", rule="max_size", limit="85 MB", actual="90 MB", passed=False),
        BudgetResult(target="production", rule="max_layers", limit="30", actual="3", passed=True),
        BudgetResult(target="builder", rule="max_growth", limit="10 %", actual="−1.0 %", passed=True),
    )
    text = render_terminal(Report(dockerfile="Dockerfile", targets=(builder, docs, production), budgets=budgets))
    assert text.splitlines()[2:6] == [
        "TARGET      ROLE        STATUS  SIZE   Δ BASE             COMPRESSED  LAYERS  BUILD  CACHED  BUDGET",
        "builder     builder     built   1 GB   ▼ -10 MB (−1.0 %)  —           3       1.2 s  1/4     ok (1)",
        "docs        stage       built   5 MB   new                —           3       1.2 s  1/4     —",
        "production  production  built   90 MB  ▲ +5 MB (+5.9 %)   —           3       1.2 s  1/4     FAIL max_size",
    ]
    assert (
        "Layers that grew in production:\n"
        "       +4 MB  changed  line 9      COPY /out/ /app/\n"
        "       +1 MB  new      line 11     RUN apt-get install -y curl\n"
    ) in text
    assert "  FAIL  production: max_size 90 MB (limit 85 MB)" in text
    assert text.endswith("Result: FAILED (1 budget(s) exceeded)\n")
