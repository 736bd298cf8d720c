"""The whole `run` pipeline on the real engine: real builds, real images, real containers."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.report import json_report as report_json
from tests.integration.conftest import write_project

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "app"


def line_of(dockerfile: Path, prefix: str) -> int:
    return next(n for n, line in enumerate(dockerfile.read_text().splitlines(), 1) if line.startswith(prefix))


def test_the_bundled_example_builds_tests_and_measures_every_target(run_cli: Any, docker_client: Any,
                                                                   tmp_path: Path) -> None:
    result = run_cli("--file", str(EXAMPLE / "Dockerfile"), "--context", str(EXAMPLE), "--json",
                     str(tmp_path / "report.json"), "--quiet")
    assert result.code == 0, result.stdout + result.stderr
    document = json.loads((tmp_path / "report.json").read_text())
    report_json.validate(document)
    assert [(t["name"], t["role"], t["status"]) for t in document["targets"]] == [
        ("builder", "builder", "built"), ("tester", "tester", "built"), ("production", "production", "built"),
    ]
    for target in document["targets"]:
        image = docker_client.images.get(target["tag"])
        assert image.id == target["image_id"]
        assert target["size_bytes"] == image.attrs["Size"]
        assert target["layers"] == len(image.attrs["RootFS"]["Layers"])
        assert target["build_seconds"] > 0
    builder, _, production = document["targets"]
    assert document["reduction"]["percent"] == pytest.approx(
        100 * (builder["size_bytes"] - production["size_bytes"]) / builder["size_bytes"]
    )
    assert builder["size_bytes"] - production["size_bytes"] > 8 * 1024 * 1024  # the SDK blob stays behind
    assert document["tester"]["passed"] is True
    copy = [layer for layer in production["layer_details"] if layer["instruction"] == "COPY"]
    assert [layer["line"] for layer in copy] == [line_of(EXAMPLE / "Dockerfile", "COPY --from=builder")]
    assert production["config"]["user"] == "65534:65534"
    assert production["config"]["healthcheck"] == ["CMD", "/usr/local/bin/greet", "--health"]
    assert "Reduction: builder" in result.stdout
    assert result.stdout.rstrip().endswith("Result: PASSED")


def test_a_failing_tester_fails_the_run_but_every_other_target_is_built_and_reported(
    run_cli: Any, tmp_path: Path
) -> None:
    nonce = uuid.uuid4().hex  # defeats BuildKit's cache, so production is still building when the tests fail
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        f"FROM ${{BASE_IMAGE}} AS builder\nRUN echo {nonce} > /built\n"
        "FROM builder AS tester\nRUN echo 'running 2 tests' && echo 'FAIL: test_parse' && exit 1\n"
        f"FROM ${{BASE_IMAGE}} AS production\nCOPY --from=builder /built /built\nRUN sleep 2 && echo {nonce} > /p\n"
    ))
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"))
    assert result.code == 1
    document = json.loads((tmp_path / "r.json").read_text())
    report_json.validate(document)
    status = {t["name"]: t["status"] for t in document["targets"]}
    assert status == {"builder": "built", "tester": "failed", "production": "built"}
    assert document["passed"] is False
    assert document["tester"]["passed"] is False
    assert document["tester"]["log_tail"][-2:] == ["running 2 tests", "FAIL: test_parse"]
    assert "Tests: tester FAILED" in result.stdout
    assert "FAIL: test_parse" in result.stdout


def test_a_broken_production_build_carries_its_log_and_exit_code(run_cli: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS builder\nRUN echo ok > /b\n"
        "FROM ${BASE_IMAGE} AS production\nCOPY --from=builder /b /b\n"
        f"RUN echo 'compiling {uuid.uuid4().hex}' && echo 'error: missing symbol' && exit 3\n"
    ))
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"), "--quiet")
    assert result.code == 1
    document = json.loads((tmp_path / "r.json").read_text())
    production = document["targets"][1]
    assert production["status"] == "failed"
    assert production["error"].startswith("[production 3/3] RUN echo 'compiling")
    assert production["error"].endswith("exit code: 3")
    assert production["log_tail"][-1] == "error: missing symbol"
    assert document["targets"][0]["status"] == "built"
    assert document["reduction"] is None
    assert "Build of production FAILED" in result.stdout


@pytest.mark.parametrize(("script", "passed", "code"), [("exit 0", True, 0), ("exit 3", False, 3)])
def test_a_tester_with_its_own_cmd_is_run_without_network(
    run_cli: Any, tmp_path: Path, script: str, passed: bool, code: int
) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS builder\nRUN echo built > /b\n"
        "FROM builder AS tester\n"
        f'CMD ["sh", "-c", "echo interfaces: $(ls /sys/class/net); {script}"]\n'
        "FROM ${BASE_IMAGE} AS production\nCOPY --from=builder /b /b\n"
    ))
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"), "--quiet")
    tester = json.loads((tmp_path / "r.json").read_text())["tester"]
    assert (result.code, tester["passed"], tester["exit_code"], tester["ran_container"]) == (
        0 if passed else 1, passed, code, True,
    )
    assert tester["log_tail"] == ["interfaces: lo"]


def test_a_tester_that_hangs_is_stopped_at_the_timeout(run_cli: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS tester\nCMD [\"sleep\", \"60\"]\n"
        "FROM ${BASE_IMAGE} AS production\n"
    ))
    result = run_cli("--context", str(project), "--tester-timeout", "2", "--json", str(tmp_path / "r.json"), "-q")
    tester = json.loads((tmp_path / "r.json").read_text())["tester"]
    assert result.code == 1
    assert tester["passed"] is False
    assert tester["exit_code"] is None
    assert tester["log_tail"][-1] == "ci-optimizer: the tester did not finish within 2s and was stopped"
    assert tester["seconds"] < 30


def test_stages_shared_by_several_targets_are_built_once(run_cli: Any, docker_client: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        f"FROM ${{BASE_IMAGE}} AS builder\nRUN echo {uuid.uuid4().hex} && head -c 32 /dev/urandom | od -x > /token\n"
        "FROM builder AS tester\nRUN test -s /token\n"
        "FROM ${BASE_IMAGE} AS docs\nCOPY --from=builder /token /docs-token\n"
        "FROM ${BASE_IMAGE}\nCOPY --from=builder /token /token\n"  # unnamed last stage: built without --target
    ))
    # --targets all: docs is neither production, tester nor builder, so the default would not build it
    result = run_cli("--context", str(project), "--targets", "all", "--json", str(tmp_path / "r.json"), "--quiet")
    assert result.code == 0, result.stdout
    targets = {t["name"]: t for t in json.loads((tmp_path / "r.json").read_text())["targets"]}
    assert list(targets) == ["builder", "tester", "docs", "stage-3"]
    assert targets["stage-3"]["role"] == "production"

    def read(image: str, path: str) -> bytes:
        output: bytes = docker_client.containers.run(image, ["cat", path], remove=True, network_mode="none")
        return output

    token = read(targets["builder"]["tag"], "/token")
    assert read(targets["docs"]["tag"], "/docs-token") == token
    assert read(targets["stage-3"]["tag"], "/token") == token


def test_the_classic_builder_is_used_when_asked_and_said_so(
    run_cli: Any, docker_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_OPTIMIZER_BUILDER", "classic")
    result = run_cli("--file", str(EXAMPLE / "Dockerfile"), "--context", str(EXAMPLE), "--json",
                     str(tmp_path / "r.json"), "--quiet")
    assert result.code == 0, result.stdout + result.stderr
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["builder_backend"] == "classic"
    assert document["warnings"] == [
        "docker buildx is not installed: built with the engine's classic builder, one target after another"
    ]
    for target in document["targets"]:
        assert target["size_bytes"] == docker_client.images.get(target["image_id"]).attrs["Size"]
    assert document["tester"]["passed"] is True


def test_an_unreachable_engine_is_one_line_and_exit_2(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    result = run_cli("--file", str(EXAMPLE / "Dockerfile"), "--context", str(EXAMPLE))
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ci-optimizer: error: Docker engine not reachable at unix:///nonexistent/docker.sock")
    assert "scripts/provision.sh" in lines[0]


def test_without_the_docker_cli_the_classic_builder_takes_over(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `docker` at all, so no buildx plugin: the SDK still works
    result = run_cli("--file", str(EXAMPLE / "Dockerfile"), "--context", str(EXAMPLE), "--json",
                     str(tmp_path / "r.json"), "--quiet")
    assert result.code == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["builder_backend"] == "classic"
    assert "warning: docker buildx is not installed" in result.stdout


def test_run_analyses_production_checks_it_and_writes_sarif(run_cli: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS builder\nRUN echo built > /b\n"
        "FROM ${BASE_IMAGE} AS production\nCOPY --from=builder /b /b\n"
        f"RUN head -c 300000 /dev/urandom > /tmp/download-{uuid.uuid4().hex[:6]}.tar\n"
        "RUN rm -f /tmp/download-*.tar\n"
    ))
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"), "--sarif",
                     str(tmp_path / "checks.sarif"), "--quiet")
    assert result.code == 0, result.stdout + result.stderr
    document = json.loads((tmp_path / "r.json").read_text())
    builder, production = document["targets"]
    assert builder["analysis"] is None  # --analyze defaults to production only
    assert production["analysis"]["wasted_bytes"] == 300000
    assert production["analysis"]["own_wasted_bytes"] == 300000
    assert production["compressed_bytes"] == production["analysis"]["compressed_bytes"] > 0
    ids = {c["id"] for c in document["checks"]}
    assert {"non-root-user", "healthcheck", "dockerignore"} <= ids
    root_user = next(c for c in document["checks"] if c["id"] == "non-root-user")
    assert (root_user["passed"], root_user["line"]) == (False, 4)
    sarif = json.loads((tmp_path / "checks.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    rule_ids = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "non-root-user" in rule_ids
    assert "Layer analysis of production" in result.stdout


def test_analyze_names_an_unknown_target(run_cli: Any) -> None:
    result = run_cli("--file", str(EXAMPLE / "Dockerfile"), "--context", str(EXAMPLE), "--analyze", "prod", "-q")
    assert result.code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "ci-optimizer: error: --analyze: no target named 'prod' (targets: builder, production, tester)"
    )


def test_a_key_file_deleted_in_a_later_layer_still_fails_the_run(run_cli: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS production\n"
        "COPY id_rsa /root/.ssh/id_rsa\n"
        "RUN rm /root/.ssh/id_rsa\n"
    ), {"id_rsa": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{uuid.uuid4().hex}\n", ".dockerignore": ".git\n"})
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"), "--quiet")
    assert result.code == 1, result.stdout
    document = json.loads((tmp_path / "r.json").read_text())
    key = next(c for c in document["checks"] if c["id"] == "no-key-files")
    assert (key["passed"], key["severity"], key["line"]) == (False, "error", 3)
    assert "/root/.ssh/id_rsa" in key["message"]
    assert result.stdout.rstrip().endswith("Result: FAILED (1 check(s) failed)")


def test_the_checks_read_the_analysed_layers_even_with_the_layer_cache_off(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key written by one RUN and deleted by the next still ships in the first layer: only the
    # layer analysis can see it. With the cache off, the checks must get the layers from the
    # analysis itself, not read them back from the cache's directory.
    monkeypatch.setenv("CI_OPTIMIZER_CACHE", "off")
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS production\n"
        "RUN mkdir -p /app && echo key > /app/id_rsa\n"
        "RUN rm /app/id_rsa\n"
        "USER 65534\n"
    ))
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"), "--no-hadolint", "--quiet")
    document = json.loads((tmp_path / "r.json").read_text())
    keys = [c for c in document["checks"] if c["id"] == "no-key-files"]
    assert result.code == 1, result.stderr
    assert [(c["passed"], c["line"]) for c in keys] == [(False, 3)]
    assert "in the image's layers (line 3): /app/id_rsa (deleted later, still in the layer)" in keys[0]["message"]


def test_a_failed_build_is_placed_on_the_line_of_the_failing_step(run_cli: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", (
        "ARG BASE_IMAGE=alpine:3.20\n"
        "FROM ${BASE_IMAGE} AS builder\n"
        "RUN mkdir -p /out && echo ok > /out/a\n"
        "FROM ${BASE_IMAGE} AS production\n"
        "ENV X=1\n"
        "COPY --from=builder /out/a /a\n"
        "COPY --from=builder /never/made /b\n"
        "USER 65534\n"
    ))
    result = run_cli("--context", str(project), "--json", str(tmp_path / "r.json"), "--no-hadolint", "--quiet")
    production = next(t for t in json.loads((tmp_path / "r.json").read_text())["targets"] if t["name"] == "production")
    assert result.code == 1
    assert (production["status"], production["stage_line"], production["error_line"]) == ("failed", 4, 7)
    assert "Build of production FAILED at line 7: " in result.stdout
