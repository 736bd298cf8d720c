from __future__ import annotations

from ci_optimizer.compare.deltas import apply_baseline, diff_layers, layer_key
from ci_optimizer.model.image_model import Layer
from ci_optimizer.model.results import Baseline, Report, TargetResult
from ci_optimizer.model.step_results import LayerChange
from tests.report_support import make_target


def layer(created_by: str, size: int, line: int | None = None, *, from_base: bool = False) -> Layer:
    return Layer(size_bytes=size, created_by=created_by, line=line, from_base=from_base)


BASE_IMAGE = layer("", 1_982_445, from_base=True)
BASE_LAYERS = (
    BASE_IMAGE,
    layer("COPY /out/ /app/", 1_767_687, 17),
    layer("RUN dd if=/dev/urandom of=/app/download.tmp bs=1M count=3", 3_145_728, 19),
    layer("RUN rm /app/download.tmp", 0, 20),
    layer("RUN dd if=/dev/urandom of=/app/data.bin bs=1K count=512", 524_288, 22),
    layer("RUN dd if=/dev/urandom of=/app/data.bin bs=1K count=512", 524_288, 23),
    layer("RUN seq 1 200 > /app/app.conf", 3_184, 25),
)


def target(name: str, size: int | None, layers: tuple[Layer, ...] = (), *, status: str = "built",
           dockerfile: str = "Dockerfile", error: str | None = None) -> TargetResult:
    return make_target(name=name, dockerfile=dockerfile, role="production" if name == "production" else "builder",
                        stage_line=1, status=status, size_bytes=size, layer_details=layers,
                        layers=len(layers) or None, error=error)


def report(*targets: TargetResult, warnings: tuple[str, ...] = ()) -> Report:
    return Report(dockerfile=targets[0].dockerfile if targets else "Dockerfile", targets=targets, warnings=warnings)


def test_layer_key_reads_buildkit_and_classic_history_the_same() -> None:
    assert layer_key("RUN |2 X=1 Y=2 /bin/sh -c make all # buildkit") == "RUN make all"
    assert layer_key("|2 X=1 Y=2 /bin/sh -c make all") == "RUN make all"
    assert layer_key("RUN make all") == "RUN make all"
    assert layer_key("COPY /out/ /app/ # buildkit") == "COPY /out/ /app/"
    assert layer_key("/bin/sh -c #(nop) COPY file:" + "ab" * 32 + " in /w/ ") == "COPY file:* in /w/"
    assert layer_key("/bin/sh -c #(nop) ADD dir:" + "0f" * 32 + " in /srv") == "ADD dir:* in /srv"


def test_a_build_arg_bump_is_the_same_layer_grown() -> None:
    base = (layer("RUN |1 VERSION=1.0 /bin/sh -c fetch $VERSION # buildkit", 1000, 4),)
    head = (layer("RUN |1 VERSION=2.0 /bin/sh -c fetch $VERSION # buildkit", 1500, 4),)
    assert diff_layers(base, head) == (
        LayerChange(kind="changed", created_by="RUN fetch $VERSION", base_bytes=1000, head_bytes=1500,
                    delta_bytes=500, line=4),
    )


def test_layers_new_gone_and_changed_are_matched_by_instruction() -> None:
    head_layers = (
        BASE_IMAGE,
        layer("COPY /out/ /app/", 1_800_000, 17),  # the builder's output grew
        # the download layer is gone (line 19 deleted), so is the 0-byte `rm`
        layer("RUN dd if=/dev/urandom of=/app/data.bin bs=1K count=512", 524_288, 20),
        layer("RUN dd if=/dev/urandom of=/app/data.bin bs=1K count=512", 524_288, 21),
        layer("RUN seq 1 200 > /app/app.conf", 3_184, 23),
        layer("RUN dd if=/dev/zero of=/app/new.bin bs=1K count=100", 102_400, 24),
        layer("WORKDIR /app", 0, 25),  # empty: not worth a line
    )
    assert diff_layers(BASE_LAYERS, head_layers) == (
        LayerChange(kind="changed", created_by="COPY /out/ /app/", base_bytes=1_767_687, head_bytes=1_800_000,
                    delta_bytes=32_313, line=17),
        LayerChange(kind="gone", created_by="RUN dd if=/dev/urandom of=/app/download.tmp bs=1M count=3",
                    base_bytes=3_145_728, head_bytes=None, delta_bytes=-3_145_728, line=19),
        LayerChange(kind="new", created_by="RUN dd if=/dev/zero of=/app/new.bin bs=1K count=100",
                    base_bytes=None, head_bytes=102_400, delta_bytes=102_400, line=24),
    )


def test_a_repeated_instruction_matches_its_own_occurrence() -> None:
    base = (layer("RUN write", 10, 2), layer("RUN write", 10, 3))
    head = (layer("RUN write", 10, 2), layer("RUN write", 30, 3))
    assert diff_layers(base, head) == (
        LayerChange(kind="changed", created_by="RUN write", base_bytes=10, head_bytes=30, delta_bytes=20, line=3),
    )


def test_an_updated_base_image_shows_as_base_layers() -> None:
    base = (layer("", 100, from_base=True), layer("RUN a", 5, 3))
    head = (layer("", 140, from_base=True), layer("RUN a", 5, 3))
    assert diff_layers(base, head) == (
        LayerChange(kind="changed", created_by="", base_bytes=100, head_bytes=140, delta_bytes=40, from_base=True),
    )


def test_identical_layers_make_no_changes() -> None:
    assert diff_layers(BASE_LAYERS, BASE_LAYERS) == ()


def test_apply_baseline_fills_exact_deltas_per_target() -> None:
    head_layers = (*BASE_LAYERS, layer("RUN touch /app/extra", 2_000_000, 26))
    head = report(target("builder", 17_900_000), target("production", 9_947_620, head_layers))
    base = report(target("builder", 17_900_000), target("production", 7_947_620, BASE_LAYERS))
    provenance = Baseline(source="ref", ref="main", commit="a" * 40)
    compared = apply_baseline(head, base, baseline=provenance)
    builder, production = compared.targets
    assert (builder.base_status, builder.base_size_bytes, builder.delta_bytes, builder.delta_percent) == (
        "built", 17_900_000, 0, 0.0)
    assert builder.layer_changes == ()
    assert (production.base_status, production.base_size_bytes, production.delta_bytes) == (
        "built", 7_947_620, 2_000_000)
    assert production.delta_percent == 100.0 * 2_000_000 / 7_947_620
    assert production.layer_changes == (
        LayerChange(kind="new", created_by="RUN touch /app/extra", base_bytes=None, head_bytes=2_000_000,
                    delta_bytes=2_000_000, line=26),
    )
    assert compared.baseline == provenance
    assert compared.warnings == ()


def test_a_target_missing_on_the_base_is_new_and_a_gone_one_is_named() -> None:
    head = report(target("builder", 10), target("production", 5))
    base = report(target("builder", 8), target("debug", 3))
    compared = apply_baseline(head, base)
    assert [(t.name, t.base_status, t.delta_bytes) for t in compared.targets] == [
        ("builder", "built", 2), ("production", "new", None)]
    assert compared.warnings == ("target 'debug' is on the base but not on this branch",)


def test_a_target_that_failed_on_the_base_has_a_warning_and_no_delta() -> None:
    head = report(target("production", 5))
    base = report(target("production", None, status="failed", error="RUN make exited with 2"))
    compared = apply_baseline(head, base)
    (production,) = compared.targets
    assert (production.base_status, production.base_size_bytes, production.delta_bytes,
            production.delta_percent, production.layer_changes) == ("failed", None, None, None, ())
    assert compared.warnings == (
        "target 'production' did not build on the base: RUN make exited with 2; no size comparison",)


def test_a_target_that_failed_on_head_keeps_the_base_size_only() -> None:
    head = report(target("production", None, status="failed"))
    base = report(target("production", 70))
    (production,) = apply_baseline(head, base).targets
    assert (production.base_status, production.base_size_bytes, production.delta_bytes) == ("built", 70, None)


def test_no_base_report_marks_every_target_new_with_the_callers_warning() -> None:
    head = report(target("builder", 10), target("production", 5), warnings=("buildx missing",))
    compared = apply_baseline(head, None, warnings=("the base has no Dockerfile; every target is new",))
    assert [t.base_status for t in compared.targets] == ["new", "new"]
    assert compared.warnings == ("buildx missing", "the base has no Dockerfile; every target is new")


def test_targets_match_by_stage_when_each_side_has_one_dockerfile() -> None:
    head = report(target("production", 12, dockerfile="Dockerfile"))
    base = report(target("production", 10, dockerfile="/home/runner/work/app/Dockerfile"))
    assert apply_baseline(head, base).targets[0].delta_bytes == 2


def test_with_several_dockerfiles_targets_match_by_dockerfile_and_stage() -> None:
    head = Report(dockerfile="api/Dockerfile, web/Dockerfile", targets=(
        target("api/Dockerfile:production", 12, dockerfile="api/Dockerfile"),
        target("web/Dockerfile:production", 30, dockerfile="web/Dockerfile"),
        target("worker/Dockerfile:production", 7, dockerfile="worker/Dockerfile"),
    ))
    base = Report(dockerfile="api/Dockerfile, web/Dockerfile", targets=(
        target("./api/Dockerfile:production", 10, dockerfile="./api/Dockerfile"),
        target("web/Dockerfile:production", 33, dockerfile="web/Dockerfile"),
    ))
    compared = apply_baseline(head, base)
    assert [(t.name, t.base_status, t.delta_bytes) for t in compared.targets] == [
        ("api/Dockerfile:production", "built", 2),
        ("web/Dockerfile:production", "built", -3),
        ("worker/Dockerfile:production", "new", None),
    ]


def test_targets_broken_by_the_same_base_error_share_one_warning() -> None:
    head = report(target("builder", 10), target("production", 5), target("debug", 6))
    base = report(target("builder", None, status="failed", error="syntax error: line 3"),
                  target("production", None, status="failed", error="syntax error: line 3"),
                  target("debug", None, status="failed"))
    compared = apply_baseline(head, base)
    assert [t.base_status for t in compared.targets] == ["failed", "failed", "failed"]
    assert compared.warnings == (
        "targets 'builder', 'production' did not build on the base: syntax error: line 3; no size comparison",
        "target 'debug' did not build on the base; no size comparison",
    )
