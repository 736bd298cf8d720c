"""BuildKit progress parsing and round resolution, on output captured from real bake runs."""

from __future__ import annotations

from pathlib import Path

from ci_optimizer.builders.buildx import bake_argv, bake_definition, resolve_round
from ci_optimizer.builders.progress import BuildProgress, normalize_reference
from ci_optimizer.plan.build_plan import BuildOutcome, BuildPlan, BuildTarget, FailedStep

DATA = Path(__file__).parent / "data"


def feed(name: str) -> BuildProgress:
    progress = BuildProgress()
    for number, line in enumerate((DATA / name).read_text().splitlines()):
        progress.feed(line, float(number))  # one "second" per line: times are line numbers
    return progress


def target(name: str, tag: str, stages: set[str], index: int = 0) -> BuildTarget:
    return BuildTarget(name=name, index=index, stage=name, tag=tag, role="stage", line=1, stages=frozenset(stages))


FAIL_TARGETS = (
    target("builder", "cio/fail:builder", {"builder"}),
    target("tester", "cio/fail:tester", {"builder", "tester"}),
    target("production", "cio/fail:production", {"builder", "production"}),
)


def test_a_failing_tester_fails_itself_and_leaves_the_cancelled_target_for_another_round() -> None:
    progress = feed("bake-tester-fails.txt")
    image_ids = {"cio/fail:builder": "sha256:8ae120d7669eae6b83f85ac9d18b2976049fdc75236cd70c5ebc5a353f46ed19"}
    assert set(progress.exported()) == set(image_ids)
    outcomes = resolve_round(FAIL_TARGETS, progress, image_ids, returncode=1, started=0.0)
    assert outcomes == [
        BuildOutcome(
            name="builder",
            ok=True,
            image_id="sha256:8ae120d7669eae6b83f85ac9d18b2976049fdc75236cd70c5ebc5a353f46ed19",
            seconds=46.0,  # "#12 DONE" is line 47, fed as time 46
            cached_steps=0,
            total_steps=1,
        ),
        BuildOutcome(
            name="tester",
            ok=False,
            error=(
                '[tester 1/1] RUN echo "running tests" && echo "FAIL: test_x" && false: executor failed running '
                '[/bin/sh -c echo "running tests" && echo "FAIL: test_x" && false]: exit code: 1'
            ),
            failed_step=FailedStep(stage="tester", step="1/1",
                                   name='RUN echo "running tests" && echo "FAIL: test_x" && false'),
            log_tail=("running tests", "FAIL: test_x"),
            seconds=54.0,
            cached_steps=0,
            total_steps=2,
        ),
    ]
    assert progress.errors[-1].startswith("ERROR: failed to solve: executor failed running")


def test_a_fully_cached_run_exports_every_target_from_one_vertex() -> None:
    progress = feed("bake-all-cached.txt")
    exported = progress.exported()
    assert sorted(exported) == [
        "ci-optimizer/app-4292315b:builder",
        "ci-optimizer/app-4292315b:production",
        "ci-optimizer/app-4292315b:tester",
    ]
    assert set(exported.values()) == {92.0}  # "#24 DONE" (line 93), once for all three
    targets = (
        target("builder", "ci-optimizer/app-4292315b:builder", {"builder"}),
        target("tester", "ci-optimizer/app-4292315b:tester", {"builder", "tester"}),
        target("production", "ci-optimizer/app-4292315b:production", {"builder", "production"}),
    )
    image_ids = {t.tag: "sha256:" + str(n) * 64 for n, t in enumerate(targets)}
    outcomes = resolve_round(targets, progress, image_ids, returncode=0, started=0.0)
    assert [(o.name, o.ok, o.image_id, o.cached_steps, o.total_steps) for o in outcomes] == [
        ("builder", True, "sha256:" + "0" * 64, 4, 4),
        ("tester", True, "sha256:" + "1" * 64, 6, 6),
        ("production", True, "sha256:" + "2" * 64, 5, 5),
    ]


def test_parallel_exports_print_writes_and_names_in_any_order_so_names_alone_are_trusted() -> None:
    progress = BuildProgress()
    for n, line in enumerate([
        "#9 [production] exporting to image",
        "#9 writing image sha256:" + "1" * 64 + " done",
        "#9 writing image sha256:" + "2" * 64 + " done",
        "#9 naming to docker.io/p/r:production done",
        "#9 naming to docker.io/p/r:builder done",
        "#9 DONE 0.1s",
    ]):
        progress.feed(line, float(n))
    assert progress.exported() == {"p/r:production": 5.0, "p/r:builder": 5.0}
    targets = (target("builder", "p/r:builder", {"builder"}), target("production", "p/r:production", {"production"}))
    outcomes = resolve_round(targets, progress, {"p/r:builder": "sha256:b", "p/r:production": "sha256:p"},
                             returncode=0, started=0.0)
    assert [(o.name, o.image_id) for o in outcomes] == [("builder", "sha256:b"), ("production", "sha256:p")]


def test_a_successful_run_without_an_image_for_a_target_is_a_failure_not_a_silent_pass() -> None:
    outcomes = resolve_round((target("ghost", "x/y:ghost", {"ghost"}),), BuildProgress(), {}, returncode=0,
                             started=0.0)
    assert outcomes == [BuildOutcome(name="ghost", ok=False, error="BuildKit reported no image for it")]


def test_vertex_headers_name_bake_target_stage_and_step() -> None:
    progress = BuildProgress()
    progress.feed("#7 [production builder 2/5] RUN make", 1.0)
    progress.feed("#7 0.125 cc -o app main.c", 1.5)
    progress.feed("#7 DONE 0.9s", 2.0)
    progress.feed("#8 [builder] exporting to image", 2.0)
    progress.feed("#8 writing image sha256:" + "a" * 64 + " done", 2.1)
    progress.feed("#8 naming to docker.io/library/app:builder done", 2.1)
    progress.feed("#8 DONE 0.1s", 2.2)
    vertex = progress.vertices[7]
    assert (vertex.bake_target, vertex.stage, vertex.step, vertex.logs) == ("production", "builder", "2/5",
                                                                             ["cc -o app main.c"])
    assert (vertex.started, vertex.finished, vertex.cached) == (1.0, 2.0, False)
    assert progress.exported() == {"app:builder": 2.2}


def test_normalize_reference() -> None:
    assert normalize_reference("docker.io/library/app:1") == "app:1"
    assert normalize_reference("docker.io/org/app:1") == "org/app:1"
    assert normalize_reference("ghcr.io/org/app:1") == "ghcr.io/org/app:1"


def test_bake_definition_passes_args_targets_and_tags() -> None:
    plan = BuildPlan(
        dockerfile=Path("/repo/docker/Dockerfile"),
        context=Path("/repo"),
        targets=(
            BuildTarget(name="app.v2", index=0, stage="app.v2", tag="p/r:app.v2", role="production", line=1,
                        stages=frozenset({"app.v2"})),
            BuildTarget(name="stage-1", index=1, stage=None, tag="p/r:stage-1", role="stage", line=3,
                        stages=frozenset({"stage-1"})),
        ),
        build_args={"BASE": "local/busybox:1"},
        no_cache=True,
    )
    assert bake_definition(plan, plan.targets) == {
        "group": {"default": {"targets": ["app_v2", "stage-1"]}},
        "target": {
            "app_v2": {"context": "/repo", "dockerfile": "/repo/docker/Dockerfile", "tags": ["p/r:app.v2"],
                       "args": {"BASE": "local/busybox:1"}, "target": "app.v2", "no-cache": True},
            "stage-1": {"context": "/repo", "dockerfile": "/repo/docker/Dockerfile", "tags": ["p/r:stage-1"],
                        "args": {"BASE": "local/busybox:1"}, "no-cache": True},
        },
    }
    assert bake_argv(Path("/tmp/b.json")) == [
        "docker", "buildx", "bake", "--file", "/tmp/b.json", "--progress", "plain", "--load",
    ]


def test_a_single_target_bake_prints_unprefixed_steps_and_export() -> None:
    progress = BuildProgress()
    for n, line in enumerate([
        "#6 [builder 2/2] RUN echo x > /built",
        "#6 CACHED",
        "#8 [production 3/3] RUN sleep 2",
        "#8 DONE 2.2s",
        "#9 exporting to image",
        "#9 exporting layers 0.0s done",
        "#9 writing image sha256:" + "9" * 64 + " done",
        "#9 naming to docker.io/ci-optimizer/p-d52008cf:production done",
        "#9 DONE 0.0s",
    ]):
        progress.feed(line, float(n))
    assert (progress.vertices[6].stage, progress.vertices[6].step, progress.vertices[6].bake_target) == (
        "builder", "2/2", None,
    )
    assert progress.exported() == {"ci-optimizer/p-d52008cf:production": 8.0}
    production = target("production", "ci-optimizer/p-d52008cf:production", {"builder", "production"})
    (outcome,) = resolve_round((production,), progress, {"ci-optimizer/p-d52008cf:production": "sha256:x"},
                               returncode=0, started=0.0)
    assert (outcome.ok, outcome.cached_steps, outcome.total_steps, outcome.seconds) == (True, 1, 2, 8.0)


def test_buildx_is_found_by_its_plugin_file_and_not_without_the_docker_cli(tmp_path: Path) -> None:
    from ci_optimizer.builders.buildx import buildx_available  # noqa: PLC0415

    bin_dir, config = tmp_path / "bin", tmp_path / "docker-config"
    (config / "cli-plugins").mkdir(parents=True)
    bin_dir.mkdir()
    for executable in (bin_dir / "docker", config / "cli-plugins" / "docker-buildx"):
        executable.write_text("#!/bin/sh\n")
        executable.chmod(0o755)
    assert buildx_available({"PATH": str(bin_dir), "DOCKER_CONFIG": str(config)})
    assert not buildx_available({"PATH": str(tmp_path / "empty"), "DOCKER_CONFIG": str(config)})
