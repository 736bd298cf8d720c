"""The one place that reads the environment and builds the adapters the pipeline is given."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_optimizer.adapters import containers, images
from ci_optimizer.adapters import docker_client as engine_client
from ci_optimizer.adapters import docker_endpoint as endpoint
from ci_optimizer.builders.buildx import BuildxBuilder, buildx_available
from ci_optimizer.builders.classic import ClassicBuilder
from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.errors import UsageError
from ci_optimizer.model.image_model import ImageStats
from ci_optimizer.model.origin import Origin, public_endpoint
from ci_optimizer.pipeline.request import Session
from ci_optimizer.ports import ContainerRun, Engine, Registry


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


def engine_adapters(env: Mapping[str, str], *, builder: str | None = None) -> Engine:
    """BuildKit through `docker buildx` when present, else the classic builder through the SDK.

    The SDK is pointed at the engine that holds the images (docker_endpoint.py): with DOCKER_CONTEXT
    or a builder on another engine, building there and measuring here would measure nothing.
    """
    name = builder or env.get("BUILDX_BUILDER") or None
    if env.get("CI_OPTIMIZER_BUILDER", "auto") != "classic" and buildx_available(env):
        info = endpoint.inspect_builder(env, name)
        host = endpoint.builder_engine(env, info)
        engine_env = endpoint.pinned(env, host)
        # A `docker`-driver builder is its engine's default builder, and buildx refuses it by name from
        # another context ("use `docker --context=X buildx`"): bake on that engine instead.
        own_engine = info.driver == "docker"
        buildx = BuildxBuilder(env={**(engine_env if own_engine else env), "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"},
                               builder=None if own_engine else info.name, engine_env=engine_env,
                               driver=info.driver or None)
        client = engine_client.connect(engine_env)

        def describe() -> Origin:
            loads = info.driver != "docker"
            return Origin(engine=public_endpoint(host), builder=info.name, driver=info.driver or None,
                          load_seconds=round(buildx.load_seconds, 3) if loads else None)

        return Engine(builder=buildx, images=DockerImages(client), describe=describe)
    if name:
        raise UsageError(f"--builder {name}: needs `docker buildx`, which is not installed here")
    host = endpoint.current_engine(env)
    client = engine_client.connect(endpoint.pinned(env, host))
    origin = Origin(engine=public_endpoint(host), builder="classic")
    return Engine(builder=ClassicBuilder(client), images=DockerImages(client), describe=lambda: origin)


def session(env: Mapping[str, str], *, cwd: Path = Path(), builder: str | None = None) -> Session:
    """The pipeline's view of this machine: the engine, the layer cache and where hadolint is.

    `builder`: the buildx builder every build uses (`--builder`, the action's `builder` input).
    """

    def engine() -> Engine:
        return engine_adapters(env, builder=builder)

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
