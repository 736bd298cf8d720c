"""The one place that reads the environment and builds the adapters the pipeline is given."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_optimizer.adapters import containers, images
from ci_optimizer.adapters import docker_client as engine_client
from ci_optimizer.builders.buildx import BuildxBuilder, buildx_available
from ci_optimizer.builders.classic import ClassicBuilder
from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.model.image_model import ImageStats
from ci_optimizer.pipeline.request import Session
from ci_optimizer.ports import Builder, ContainerRun, Engine, Registry


def environment() -> Mapping[str, str]:
    return dict(os.environ)


def layer_cache_dir(env: Mapping[str, str]) -> Path | None:
    """Where layer summaries are kept between runs: CI_OPTIMIZER_CACHE, else the XDG cache; "off" disables."""
    explicit = env.get("CI_OPTIMIZER_CACHE")
    if explicit == "off":
        return None
    if explicit:
        return Path(explicit) / "layers"
    root = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(root) / "ci-optimizer" / "layers"


@dataclass(frozen=True)
class DockerImages:
    """`ports.Images` over the docker SDK."""

    client: Any

    def measure(self, image_id: str, *, instructions: Sequence[Instruction], base_image: str) -> ImageStats:
        return images.measure(self.client, image_id, instructions=instructions, base_image=base_image)

    def run(self, image: str, *, timeout: float) -> ContainerRun:
        return containers.run_to_completion(self.client, image, timeout=timeout)


def engine_adapters(env: Mapping[str, str]) -> tuple[Builder, DockerImages]:
    """BuildKit through `docker buildx` when present, else the classic builder through the SDK."""
    client = engine_client.connect(env)
    builder: Builder
    if env.get("CI_OPTIMIZER_BUILDER", "auto") != "classic" and buildx_available(env):
        builder = BuildxBuilder(env={**env, "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"})
    else:
        builder = ClassicBuilder(client)
    return builder, DockerImages(client)


def session(env: Mapping[str, str], *, cwd: Path = Path()) -> Session:
    """The pipeline's view of this machine: the engine, the layer cache and where hadolint is."""

    def engine() -> Engine:
        builder, images = engine_adapters(env)
        return Engine(builder=builder, images=images)

    def registry() -> Registry:
        from ci_optimizer.adapters.registry_auth import Credentials  # noqa: PLC0415
        from ci_optimizer.adapters.registry_client import RegistryClient  # noqa: PLC0415 - requests, only when asked for

        return RegistryClient(Credentials(config_dir=docker_config_dir(env), github_token=github_token(env), env=env))

    return Session(engine=engine, cwd=cwd, layer_cache=layer_cache_dir(env), path_env=env.get("PATH"),
                   debug=bool(env.get("CI_OPTIMIZER_DEBUG")), registry=registry)


def docker_config_dir(env: Mapping[str, str]) -> Path:
    """Where the docker CLI keeps config.json (registry logins): DOCKER_CONFIG, else ~/.docker."""
    return Path(env.get("DOCKER_CONFIG") or Path(env.get("HOME") or Path.home()) / ".docker")


def github_token(env: Mapping[str, str]) -> str:
    """The action's `github-token` input (or GITHUB_TOKEN): it reads ghcr.io images for --baseline-image."""
    return env.get("INPUT_GITHUB-TOKEN") or env.get("INPUT_GITHUB_TOKEN") or env.get("GITHUB_TOKEN") or ""
