"""Which engine a run builds on and measures: DOCKER_HOST, DOCKER_CONTEXT, the buildx builder.

The docker SDK reads DOCKER_HOST only; the docker CLI (and so `docker buildx`) also follows
DOCKER_CONTEXT and `docker context use`. Left alone, a user with a remote context would build
there and measure the local engine. So the endpoint is asked of the CLI once and the SDK is
pointed at it: for a builder with the `docker` driver, its node's engine (where its images
are); for any other driver, the CLI's current engine, which `bake --load` loads the images into.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ci_optimizer.adapters import proc
from ci_optimizer.errors import CommandError, EngineError

DEFAULT_HOST = "unix:///var/run/docker.sock"


@dataclass(frozen=True, kw_only=True)
class BuilderInfo:
    name: str
    driver: str  # docker, docker-container, kubernetes, remote ("" when buildx could not reach it)
    endpoint: str | None  # the first node's: a context name, or a URL for the remote driver


def parse_buildx_inspect(text: str) -> BuilderInfo:
    """`docker buildx inspect` output: the builder's Name and Driver, then its nodes' Endpoints. Pure."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("Name", "Driver", "Endpoint") and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    if "Name" not in fields:
        raise EngineError(f"cannot read `docker buildx inspect`: {text.strip()[:200]!r}")
    return BuilderInfo(name=fields["Name"], driver=fields.get("Driver", ""), endpoint=fields.get("Endpoint") or None)


def inspect_builder(env: Mapping[str, str], name: str | None) -> BuilderInfo:
    """The builder `name` (None: the current one, which BUILDX_BUILDER or `docker buildx use` sets)."""
    try:
        result = proc.run(["docker", "buildx", "inspect", *([name] if name else [])], env=env, timeout=60)
    except CommandError as exc:
        if name:
            raise EngineError(f"no buildx builder {name!r} here ({exc.one_line()[:200]}); "
                              "`docker buildx ls` lists them") from None
        raise EngineError(f"cannot inspect the current buildx builder: {exc.one_line()[:200]}") from None
    return parse_buildx_inspect(result.stdout)


def context_host(env: Mapping[str, str], context: str | None = None) -> str:
    """The engine a docker context names (None: the CLI's current one, DOCKER_HOST and DOCKER_CONTEXT included)."""
    argv = ["docker", "context", "inspect", *([context] if context else []), "--format", "{{json .Endpoints.docker}}"]
    try:
        result = proc.run(argv, env=env, timeout=30)
        host = json.loads(result.stdout).get("Host")
    except (CommandError, json.JSONDecodeError, AttributeError) as exc:
        what = f"docker context {context!r}" if context else "the current docker context"
        raise EngineError(f"cannot read {what}: {str(exc)[:200]}") from None
    return str(host) if host else DEFAULT_HOST


def builder_engine(env: Mapping[str, str], builder: BuilderInfo) -> str:
    """The engine that holds what `builder` builds with `--load`."""
    if builder.driver == "docker" and builder.endpoint:
        return builder.endpoint if "://" in builder.endpoint else context_host(env, builder.endpoint)
    return current_engine(env)


def current_engine(env: Mapping[str, str]) -> str:
    """The engine the docker CLI talks to: DOCKER_HOST, else the current context's, else the local socket."""
    if env.get("DOCKER_HOST"):
        return env["DOCKER_HOST"]
    if env.get("DOCKER_CONTEXT") or _has_cli(env):
        return context_host(env)
    return DEFAULT_HOST


def _has_cli(env: Mapping[str, str]) -> bool:
    import shutil  # noqa: PLC0415 - only when there is no DOCKER_HOST

    return shutil.which("docker", path=env.get("PATH")) is not None


def pinned(env: Mapping[str, str], host: str) -> dict[str, str]:
    """`env` with the engine fixed to `host`, for the SDK and for `docker image inspect`."""
    return {**{k: v for k, v in env.items() if k != "DOCKER_CONTEXT"}, "DOCKER_HOST": host}
