"""Fallback when `docker buildx` is absent: the engine's classic builder through the docker SDK.

It builds targets one after another (no shared graph, no parallel stages); the report says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import docker.errors

from ci_optimizer.plan.build_plan import BuildOutcome, BuildPlan, BuildTarget

LOG_TAIL = 50


class ClassicBuilder:
    backend = "classic"

    def __init__(self, client: Any) -> None:
        self._client = client

    def driver(self) -> str:
        return "classic"

    def build(self, plan: BuildPlan, log: Callable[[str], None]) -> tuple[BuildOutcome, ...]:
        return tuple(self._one(plan, target, log) for target in plan.targets)

    def _one(self, plan: BuildPlan, target: BuildTarget, log: Callable[[str], None]) -> BuildOutcome:
        started = time.monotonic()
        lines: list[str] = []
        image_id = None
        error = None
        cached = total = 0
        try:
            stream = self._client.api.build(
                path=str(plan.context),
                dockerfile=str(plan.dockerfile.resolve()),
                target=target.stage,
                tag=target.tag,
                buildargs=dict(plan.build_args),
                nocache=plan.no_cache,
                platform=plan.platform,
                rm=True,
                decode=True,
            )
            for chunk in stream:
                text = chunk.get("stream") or chunk.get("status") or ""
                for line in text.splitlines():
                    if line.strip():
                        lines.append(line)
                        log(line)
                        total += line.startswith("Step ")
                        cached += line.strip() == "---> Using cache"
                if "aux" in chunk and "ID" in chunk["aux"]:
                    image_id = chunk["aux"]["ID"]
                if "error" in chunk:
                    error = str(chunk["error"]).strip()
        except docker.errors.APIError as exc:
            error = str(exc.explanation or exc)
        seconds = round(time.monotonic() - started, 3)
        if error or not image_id:
            return BuildOutcome(
                name=target.name, ok=False, error=error or "the classic builder reported no image",
                log_tail=tuple(lines[-LOG_TAIL:]), seconds=seconds,
            )
        return BuildOutcome(
            name=target.name, ok=True, image_id=image_id, seconds=seconds, cached_steps=cached, total_steps=total
        )
