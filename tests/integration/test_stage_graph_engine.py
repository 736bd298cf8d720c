"""The resolved stage graph against BuildKit itself: build a target and compare the stages that ran.

The engine's built-in BuildKit names each step `[stage-name n/m]` in its plain progress; the stages
that ran must be exactly the ones `ci-optimizer plan` says the target builds (alias stages, which
are only a FROM, run no step of their own). `--network none`: the steps need none, and the build
does not depend on the engine's bridge network.
"""

from __future__ import annotations

import contextlib
import platform as host
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from ci_optimizer.dockerfile.parse import read_dockerfile
from ci_optimizer.dockerfile.platforms import machine_platform

pytestmark = pytest.mark.integration

DOCKERFILE = """\
ARG BASE_IMAGE=busybox:1.36
ARG FLAVOUR="slim"
ARG VARIANT=base-${FLAVOUR}
FROM ${BASE_IMAGE} AS base-full
RUN echo full > /flavour
FROM ${BASE_IMAGE} AS base-slim
RUN echo slim > /flavour
FROM ${BASE_IMAGE} AS bin-linux
RUN echo linux > /os
FROM ${BASE_IMAGE} AS bin-windows
RUN echo windows > /os
FROM bin-$TARGETOS AS bin
FROM ${BASE_IMAGE} AS unused
RUN echo never > /never
FROM ${VARIANT} AS final
COPY --from=bin /os /os
"""
STEP = re.compile(r"^#\d+ \[([a-z0-9_.-]+) \d+/\d+\]", re.MULTILINE)


def stages_that_ran(progress: str) -> set[str]:
    return set(STEP.findall(progress))


@pytest.mark.parametrize("flavour", ["slim", "full"])
def test_the_stages_buildkit_runs_are_the_ones_the_plan_names(
    tmp_path: Path, busybox: str, docker_client: Any, flavour: str
) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    args = {"BASE_IMAGE": busybox, "FLAVOUR": flavour}
    platform = machine_platform(host.machine())
    model = read_dockerfile(tmp_path / "Dockerfile", args, platform=platform)
    final = model.find("final")
    assert final is not None
    planned = {model.stages[i].name for i in model.dependencies(final.index)
               if model.stages[i].instructions or model.stages[i].parent is None}
    assert planned == {f"base-{flavour}", "bin-linux", "final"}

    tag = f"cio-test-graph-{uuid.uuid4().hex[:8]}:final"
    argv = ["docker", "buildx", "build", "--progress", "plain", "--load", "--network", "none", "--target", "final",
            "-t", tag,
            *(f"--build-arg={k}={v}" for k, v in args.items()), str(tmp_path)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert stages_that_ran(done.stderr) == planned
        out = docker_client.containers.run(tag, ["cat", "/flavour", "/os"], remove=True, network_mode="none")
        assert out.decode().split() == [flavour, "linux"]
    finally:
        with contextlib.suppress(docker.errors.APIError):  # not built: nothing to remove
            docker_client.images.remove(tag, force=True)
