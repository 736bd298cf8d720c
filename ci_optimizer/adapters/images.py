"""Measuring a built image through the docker SDK: size as the engine reports it, layers, config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import docker.errors

from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.errors import EngineError
from ci_optimizer.measure.history import attribute_layers
from ci_optimizer.measure.oci_manifest import Platform
from ci_optimizer.model.image_model import ImageConfig, ImageStats


def measure(client: Any, image_id: str, *, instructions: Sequence[Instruction], base_image: str) -> ImageStats:
    try:
        attrs = client.api.inspect_image(image_id)
        history = client.api.history(image_id)
    except docker.errors.APIError as exc:
        raise EngineError(f"cannot inspect image {image_id[:19]}: {exc.explanation or exc}") from None
    return ImageStats(
        image_id=attrs["Id"],
        size_bytes=int(attrs["Size"]),
        layers=len((attrs.get("RootFS") or {}).get("Layers") or ()),
        layer_details=attribute_layers(history, instructions),
        config=image_config(attrs.get("Config") or {}),
        base_image=base_image,
        base_image_bytes=_size_of(client, base_image),
    )


def image_config(config: dict[str, Any]) -> ImageConfig:
    """The parts of the image config the report and the checklist read. Env values are dropped: secrets."""
    health = config.get("Healthcheck") or None
    return ImageConfig(
        user=str(config.get("User") or ""),
        healthcheck=tuple(health["Test"]) if health and health.get("Test") else None,
        labels=tuple(sorted((str(k), str(v)) for k, v in (config.get("Labels") or {}).items())),
        exposed_ports=tuple(sorted(config.get("ExposedPorts") or {})),
        entrypoint=tuple(config["Entrypoint"]) if config.get("Entrypoint") else None,
        cmd=tuple(config["Cmd"]) if config.get("Cmd") else None,
        workdir=str(config.get("WorkingDir") or ""),
        env_names=tuple(item.partition("=")[0] for item in config.get("Env") or ()),
    )


def _size_of(client: Any, image: str) -> int | None:
    if image == "scratch":
        return 0
    try:
        return int(client.api.inspect_image(image)["Size"])
    except docker.errors.DockerException:
        return None  # not in the engine (a base that was pulled by digest, or a stage name)


def engine_platform(client: Any) -> Platform:
    """The platform the engine builds for when none is asked (`docker version`'s Os/Arch, Go names)."""
    try:
        version = client.version()
    except docker.errors.DockerException as exc:
        raise EngineError(f"cannot ask the engine for its platform: {exc}") from None
    return Platform(os=str(version.get("Os") or "linux"), architecture=str(version.get("Arch") or "amd64"))
