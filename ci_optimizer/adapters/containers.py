"""Running the tester image's own CMD/ENTRYPOINT: no network, bounded time, output kept."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import docker.errors
import requests

from ci_optimizer.errors import EngineError
from ci_optimizer.ports import ContainerRun


def run_to_completion(client: Any, image: str, *, timeout: float, name_hint: str = "tester") -> ContainerRun:
    started = time.monotonic()
    try:
        container = client.containers.create(image, network_mode="none", labels={"ci-optimizer": name_hint})
    except docker.errors.APIError as exc:
        raise EngineError(f"cannot create a container from {image}: {exc.explanation or exc}") from None
    try:
        container.start()
        try:
            exit_code: int | None = int(container.wait(timeout=timeout)["StatusCode"])
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            container.kill()
            exit_code = None
        output = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
    except docker.errors.APIError as exc:
        raise EngineError(f"cannot run a container from {image}: {exc.explanation or exc}") from None
    finally:
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True)
    return ContainerRun(exit_code=exit_code, seconds=round(time.monotonic() - started, 3), output=output)
