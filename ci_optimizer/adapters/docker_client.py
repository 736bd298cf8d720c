"""Connecting to the Docker engine through the SDK, with an error that says how to fix it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import docker
import docker.errors
import requests

from ci_optimizer.errors import EngineError


def connect(env: Mapping[str, str], *, timeout: int = 300) -> Any:
    """A ping-checked `docker.DockerClient` for the engine `DOCKER_HOST` names (default: the local socket)."""
    host = env.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.DockerClient.from_env(environment=dict(env), timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        reason = str(exc).split("\n")[0][:200]
        raise EngineError(
            f"Docker engine not reachable at {host} ({reason}); start it "
            "(`sudo systemctl start docker`, or `sudo dockerd &`, or `bash scripts/provision.sh`) or set DOCKER_HOST"
        ) from None
    return client


def engine_version(client: Any) -> str:
    return str(client.version().get("Version", "unknown"))
