"""What a target's image is made of: its layers, config, measured stats and layer analysis. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class Layer:
    size_bytes: int
    created_by: str
    instruction: str | None = None  # Dockerfile instruction keyword, where known
    line: int | None = None  # Dockerfile line that made it, where known
    from_base: bool = False  # belongs to the base image, not to the user's own stages


@dataclass(frozen=True, kw_only=True)
class LayerAnalysis:
    """One layer as read from the image itself (analyze/); index is its place in the image, oldest first."""

    index: int
    diff_id: str
    from_base: bool
    tar_bytes: int  # the uncompressed layer tar
    file_bytes: int  # regular-file bytes the layer holds
    compressed_bytes: int  # gzip level 6, as a registry stores the layer
    compressed_exact: bool  # False: estimated from sampled blocks (within 1 %)
    files_added: int
    files_modified: int
    files_deleted: int
    wasted_bytes: int  # bytes of older file versions this layer overwrote, deleted or copied up


@dataclass(frozen=True, kw_only=True)
class WastedPath:
    path: str  # the file, or the directory a deletion removed
    size_bytes: int
    layer: int  # index of the layer that wasted them
    reason: Literal["deleted", "overwritten", "copied-up"]  # copied-up: chmod/chown of unchanged content
    versions: int = 1
    from_base: bool = False  # the wasting layer belongs to the base image


@dataclass(frozen=True, kw_only=True)
class PathSize:
    path: str
    size_bytes: int
    layer: int | None = None  # a file: the layer its visible version is in
    files: int = 1  # a directory: the regular files under it


@dataclass(frozen=True, kw_only=True)
class ImageAnalysis:
    """Where an image's bytes are and which are wasted: file versions not visible in the final image."""

    total_bytes: int  # every regular-file version in every layer
    visible_bytes: int  # regular files of the final image
    wasted_bytes: int  # total_bytes - visible_bytes
    own_bytes: int  # regular-file bytes the user's own layers hold
    own_wasted_bytes: int  # wasted by the user's own layers (including base files they overwrote or deleted)
    efficiency: float  # 1 - wasted / total
    base_layers: int  # leading layers that belong to the base image
    files: int  # regular files in the final image
    compressed_bytes: int
    compressed_exact: bool
    layers: tuple[LayerAnalysis, ...]
    top_wasted: tuple[WastedPath, ...] = ()
    largest_files: tuple[PathSize, ...] = ()
    largest_dirs: tuple[PathSize, ...] = ()
    cached_layers: int = 0  # layers not read from this image's export: in the layer cache, or read with the base

    @property
    def own_wasted_percent(self) -> float:
        return 100.0 * self.own_wasted_bytes / self.own_bytes if self.own_bytes else 0.0


@dataclass(frozen=True, kw_only=True)
class ImageConfig:
    user: str = ""
    healthcheck: tuple[str, ...] | None = None
    labels: tuple[tuple[str, str], ...] = ()
    exposed_ports: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    workdir: str = ""
    env_names: tuple[str, ...] = ()  # names only: values may hold secrets


@dataclass(frozen=True, kw_only=True)
class ImageStats:
    image_id: str
    size_bytes: int
    layers: int
    layer_details: tuple[Layer, ...]
    config: ImageConfig | None = None  # None only in a report read back without it
    base_image: str
    base_image_bytes: int | None  # size of the base image, when the engine has it

