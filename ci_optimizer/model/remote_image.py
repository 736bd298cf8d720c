"""An image as a registry holds it: read from its manifest and config blob, never pulled. Pure data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class RemoteLayer:
    diff_id: str  # sha256 of the uncompressed layer: the same content has the same diff ID everywhere
    compressed_bytes: int  # the blob's size in the manifest: exactly what the registry stores
    created_by: str  # the base image's history entry for it ("" when the history does not line up)


@dataclass(frozen=True, kw_only=True)
class RemoteImage:
    reference: str  # as looked up, `{target}` filled
    digest: str  # the manifest's digest (of the platform's manifest, under an index)
    platform: str  # os/arch[/variant] of the manifest read
    layers: tuple[RemoteLayer, ...]

    @property
    def compressed_bytes(self) -> int:
        return sum(layer.compressed_bytes for layer in self.layers)
