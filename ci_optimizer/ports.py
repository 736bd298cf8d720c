"""What the pipeline needs from the outside world, as protocols; wiring.py supplies the real ones.

The steps take these as arguments, so the spine never imports docker, BuildKit's CLI or git itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.measure.oci_manifest import Platform
from ci_optimizer.model.image_model import ImageStats
from ci_optimizer.model.origin import Origin
from ci_optimizer.model.remote_image import RemoteImage
from ci_optimizer.plan.build_plan import BuildOutcome, BuildPlan

Log = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class ContainerRun:
    """A container run to its end (the tester's own CMD)."""

    exit_code: int | None  # None: it did not finish in time
    seconds: float
    output: str


class Builder(Protocol):
    backend: str

    def driver(self) -> str:
        """`docker`, `docker-container`, ... for BuildKit; `classic` for the engine's classic builder."""
        ...

    def build(self, plan: BuildPlan, log: Log) -> tuple[BuildOutcome, ...]: ...


class Images(Protocol):
    """The engine that holds the built images."""

    @property
    def client(self) -> Any:  # the docker SDK client, for the layer analysis and the checks' smoke run
        ...

    def measure(self, image_id: str, *, instructions: Sequence[Instruction], base_image: str) -> ImageStats: ...

    def run(self, image: str, *, timeout: float) -> ContainerRun: ...


class Registry(Protocol):
    """Images in a registry, read from their manifests (adapters/registry_client.py)."""

    def fetch(self, reference: str, platform: Platform) -> RemoteImage:
        """The image built for `platform`; raises RegistryError naming the image and the cause."""
        ...


@dataclass(frozen=True, kw_only=True)
class Engine:
    """A builder and the images it builds into."""

    builder: Builder
    images: Images
    # Where it builds and measures, asked once the builds are done (the load cost is known then).
    describe: Callable[[], Origin] = Origin
