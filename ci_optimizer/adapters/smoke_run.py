"""`--smoke`: run production read-only, without a network, for a few seconds (the read-only practice).

A tmpfs on /tmp is given, as `docker run --read-only --tmpfs /tmp` is how read-only containers
are run in practice; anything else the service writes must be a volume.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import docker.errors
import requests

from ci_optimizer.judge.checks.inputs import SmokeOutcome

LOG_TAIL = 20
TMPFS = ("/tmp",)  # noqa: S108 - a path inside the container, not a temporary file here


def run_smoke(client: Any, image: str, *, seconds: float = 5.0, tmpfs: tuple[str, ...] = TMPFS) -> SmokeOutcome:
    options = "--read-only --network none" + "".join(f" --tmpfs {path}" for path in tmpfs)
    try:
        container = client.containers.create(
            image, read_only=True, network_mode="none", tmpfs={path: "" for path in tmpfs},
            labels={"ci-optimizer": "smoke"},
        )
    except docker.errors.DockerException as exc:
        return SmokeOutcome(image=image, seconds=0.0, running=False, error=_reason(exc), options=options)
    try:
        started = time.monotonic()
        container.start()
        try:
            exit_code: int | None = int(container.wait(timeout=seconds)["StatusCode"])
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            exit_code = None  # still running when the watch ended: what a service should do
        watched = round(time.monotonic() - started, 3)
        output = container.logs(stdout=True, stderr=True, tail=LOG_TAIL).decode("utf-8", "replace")
    except docker.errors.DockerException as exc:
        return SmokeOutcome(image=image, seconds=0.0, running=False, error=_reason(exc), options=options)
    finally:
        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)
    return SmokeOutcome(image=image, seconds=watched, running=exit_code is None, exit_code=exit_code,
                        log_tail=tuple(output.splitlines()[-LOG_TAIL:]), options=options)


def _reason(exc: docker.errors.DockerException) -> str:
    explanation = getattr(exc, "explanation", None)
    return " ".join(str(explanation or exc).split())[:300]
