"""Where a report ran: the engine, the builder, the commit and the matrix leg. Pure.

A merged report (`ci-optimizer merge`) keeps each leg's origin, so a reader can tell which runner
and which engine measured which Dockerfile.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True, kw_only=True)
class Shard:
    """The matrix leg a report came from (`--shard K/N`)."""

    index: int
    count: int
    dockerfiles: tuple[str, ...]  # what this leg was given to build (possibly none)
    planned: tuple[str, ...]  # every Dockerfile of the config, in its order: what the legs share

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a run happened; any part may be unknown (None)."""

    engine: str | None = None  # the endpoint that holds and measured the images, without credentials
    builder: str | None = None  # the buildx builder's name, or "classic"
    driver: str | None = None  # docker, docker-container, kubernetes, remote
    load_seconds: float | None = None  # moving images from a non-docker builder into the engine
    commit: str | None = None  # git HEAD of the working directory
    shard: Shard | None = None


def public_endpoint(endpoint: str) -> str:
    """The endpoint without `user:password@` (tcp://u:p@host:2376 -> tcp://host:2376; ssh keeps no user)."""
    parts = urlsplit(endpoint)
    if not parts.scheme or "@" not in parts.netloc:
        return endpoint
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
