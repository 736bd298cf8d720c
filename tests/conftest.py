"""Fixtures shared by the integration and end-to-end tests: the real engine and the local base image.

A missing engine or base image FAILS the tests that need them: it never skips them.
"""

from __future__ import annotations

from typing import Any

import docker
import docker.errors
import pytest

BUSYBOX = "local/busybox:1"


@pytest.fixture(scope="session")
def docker_client() -> Any:
    try:
        client = docker.from_env(timeout=300)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.fail(f"the Docker engine is required and not reachable ({exc}); run `bash scripts/provision.sh`")
    return client


@pytest.fixture(scope="session")
def busybox(docker_client: Any) -> str:
    try:
        docker_client.images.get(BUSYBOX)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{BUSYBOX} is missing; run `bash scripts/provision.sh` (it makes it from busybox-static)")
    return BUSYBOX
