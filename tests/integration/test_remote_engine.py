"""Builds on another engine: DOCKER_HOST, DOCKER_CONTEXT and a buildx builder of a docker context
all build there and measure there. A second dockerd, started by the fixture, is that engine.

Cost: the dockerd start and the busybox load (printed at the end of the module), then three
COPY-only builds of a few bytes.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from ci_optimizer.cli.main import main
from tests.integration.second_engine import SecondEngine, second_engine

DOCKERFILE = """ARG BASE_IMAGE=local/busybox:1
FROM ${BASE_IMAGE} AS builder
COPY stamp /out/stamp
RUN test -s /out/stamp
FROM builder AS tester
CMD ["sh", "-c", "test -s /out/stamp"]
FROM ${BASE_IMAGE} AS production
COPY --from=builder /out/stamp /stamp
"""


@pytest.fixture(scope="module")
def engine(busybox: str, request: pytest.FixtureRequest) -> Iterator[SecondEngine]:
    with second_engine(busybox) as started:
        yield started
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"second dockerd: up in {started.started_seconds}s, busybox loaded in "
                            f"{started.loaded_seconds}s")


@pytest.fixture(scope="module")
def context(engine: SecondEngine) -> Iterator[str]:
    """A docker context for the second engine; buildx offers it as a builder of the same name
    (driver `docker`). Unique name: other runs share this machine's contexts."""
    name = f"cio-test-{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "context", "create", name, "--docker", f"host={engine.host}"], check=True,
                   capture_output=True)
    yield name
    subprocess.run(["docker", "context", "rm", "-f", name], check=False, capture_output=True)


def run_here(project: Path, tag_prefix: str, busybox: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(project)
    try:
        code = main(["run", "--tag-prefix", tag_prefix, "--build-arg", f"BASE_IMAGE={busybox}", "--quiet",
                     "--no-hadolint", "--json", "report.json", *extra], stdout=out, stderr=err)
    finally:
        os.chdir(cwd)
    document = json.loads((project / "report.json").read_text()) if (project / "report.json").exists() else {}
    return code, document, err.getvalue()


def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "stamp").write_text(uuid.uuid4().hex)  # images no other run can have made
    return tmp_path


def assert_built_and_measured_there(document: dict[str, Any], host: str, docker_client: Any) -> None:
    remote = docker.DockerClient(base_url=host)
    try:
        ids = [t["image_id"] for t in document["targets"]]
        assert len(ids) == 3
        assert all(t["status"] == "built" and t["size_bytes"] for t in document["targets"])
        for image_id in ids:
            assert remote.images.get(image_id).id == image_id
            with pytest.raises(docker.errors.ImageNotFound):
                docker_client.images.get(image_id)
    finally:
        remote.close()
    assert document["tester"]["passed"]
    assert document["tester"]["ran_container"]  # the tester's CMD ran on the second engine
    analysed = next(t for t in document["targets"] if t["role"] == "production")["analysis"]
    assert analysed is not None  # `docker save` read from the second engine
    assert document["origin"]["engine"] == host


def test_docker_host_builds_and_measures_on_that_engine(
    engine: SecondEngine, *, tag_prefix: str, busybox: str, docker_client: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine.host)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    code, document, err = run_here(project(tmp_path), tag_prefix, busybox)
    assert code == 0, err
    assert_built_and_measured_there(document, engine.host, docker_client)
    assert (document["origin"]["builder"], document["origin"]["driver"]) == ("default", "docker")


def test_docker_context_builds_and_measures_on_its_engine(
    engine: SecondEngine, *, context: str, tag_prefix: str, busybox: str, docker_client: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONTEXT", context)
    code, document, err = run_here(project(tmp_path), tag_prefix, busybox)
    assert code == 0, err
    assert_built_and_measured_there(document, engine.host, docker_client)
    assert document["origin"]["builder"] == context


def test_a_builder_of_a_context_builds_and_measures_on_its_engine(
    engine: SecondEngine, *, context: str, tag_prefix: str, busybox: str, docker_client: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    code, document, err = run_here(project(tmp_path), tag_prefix, busybox, "--builder", context)
    assert code == 0, (err, [(t["name"], t["error"]) for t in document.get("targets", [])], document.get("tester"))
    assert_built_and_measured_there(document, engine.host, docker_client)
    assert document["origin"] == {"engine": engine.host, "builder": context, "driver": "docker",
                                  "load_seconds": None, "commit": None, "shard": None}


def test_an_unknown_builder_is_one_line_and_exit_2(tag_prefix: str, busybox: str, tmp_path: Path) -> None:
    code, _document, err = run_here(project(tmp_path), tag_prefix, busybox, "--builder", "cio-no-such-builder")
    assert code == 2
    assert err.startswith("ci-optimizer: error: no buildx builder 'cio-no-such-builder' here (")
    assert err.endswith("); `docker buildx ls` lists them\n")
    assert err.count("\n") == 1
