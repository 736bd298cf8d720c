"""Which builder and engine a run uses: `docker buildx inspect` read, BuildKit's load time measured. Pure."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_optimizer.adapters.docker_endpoint import BuilderInfo, parse_buildx_inspect, pinned
from ci_optimizer.builders.buildx import bake_argv
from ci_optimizer.builders.progress import BuildProgress
from ci_optimizer.errors import EngineError

DEFAULT = """Name:          default
Driver:        docker
Last Activity: 2026-12-06 18:38:53 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.8+unknown
Platforms:        linux/amd64, linux/386
"""
CONTAINER = """Name:          ci
Driver:        docker-container
Last Activity: 2026-12-06 18:38:53 +0000 UTC

Nodes:
Name:                  ci0
Endpoint:              unix:///var/run/docker.sock
Driver Options:        image="moby/buildkit:v0.13.2"
Status:                running
"""


def test_the_builder_name_driver_and_first_endpoint_are_read() -> None:
    assert parse_buildx_inspect(DEFAULT) == BuilderInfo(name="default", driver="docker", endpoint="default")
    assert parse_buildx_inspect(CONTAINER) == BuilderInfo(name="ci", driver="docker-container",
                                                          endpoint="unix:///var/run/docker.sock")


def test_output_that_names_no_builder_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="cannot read `docker buildx inspect`"):
        parse_buildx_inspect("ERROR: no builder\n")


def test_the_engine_is_pinned_by_host_and_the_context_dropped() -> None:
    env = {"DOCKER_CONTEXT": "remote", "PATH": "/bin"}
    assert pinned(env, "unix:///tmp/d.sock") == {"PATH": "/bin", "DOCKER_HOST": "unix:///tmp/d.sock"}


def test_bake_is_pinned_to_the_builder() -> None:
    assert bake_argv(Path("/b.json"), "remote")[:5] == [
        "docker", "buildx", "--builder", "remote", "bake"]
    assert "--builder" not in bake_argv(Path("/b.json"))


def feed(progress: BuildProgress, lines: list[tuple[float, str]]) -> None:
    for now, line in lines:
        progress.feed(line, now)


def test_loading_from_a_container_builder_is_timed_once_where_it_overlaps() -> None:
    progress = BuildProgress()
    feed(progress, [
        (1.0, "#12 [production] exporting to docker image format"),
        (1.1, "#12 exporting layers 0.1s done"),
        (1.2, "#12 sending tarball"),
        (1.5, "#13 importing to docker"),
        (2.5, "#13 DONE 1.0s"),
        (2.6, "#12 sending tarball 1.4s done"),
        (2.6, "#12 DONE 1.6s"),
        (3.0, "#14 [tester] exporting to docker image format"),
        (3.5, "#14 DONE 0.5s"),
    ])
    assert progress.load_seconds() == 2.1  # 1.0-2.6 and 3.0-3.5


def test_the_docker_driver_loads_nothing() -> None:
    progress = BuildProgress()
    feed(progress, [(1.0, "#9 exporting to image"), (1.3, "#9 writing image sha256:abc done"), (1.4, "#9 DONE 0.4s")])
    assert progress.load_seconds() == 0.0
