"""An image in a registry, read from the distribution API's documents: reference, index, manifest, config. Pure.

The registry answers with an OCI index or a Docker v2 manifest list (several platforms), or an
OCI or Docker v2 image manifest (one). The manifest's layer sizes are the compressed blobs the
registry stores; the config blob's `rootfs.diff_ids` name the same layers uncompressed, which is
how they match the head's (measure/ reads those from `docker save`). Every problem is a
RegistryError naming the image, so the run can warn and go on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ci_optimizer.errors import RegistryError
from ci_optimizer.measure.history import clean_created_by
from ci_optimizer.model.remote_image import RemoteImage, RemoteLayer

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
ACCEPT = ", ".join((*INDEX_TYPES, *MANIFEST_TYPES))

_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True, kw_only=True)
class ImageName:
    registry: str  # host[:port] as written; docker.io for Docker Hub
    repository: str
    reference: str  # a tag or a digest

    @property
    def api_host(self) -> str:
        return "registry-1.docker.io" if self.registry == "docker.io" else self.registry

    def __str__(self) -> str:
        joiner = "@" if self.reference.startswith("sha256:") else ":"
        return f"{self.registry}/{self.repository}{joiner}{self.reference}"


@dataclass(frozen=True, kw_only=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


def parse_reference(text: str) -> ImageName:
    """`ghcr.io/acme/app:main`, `localhost:5000/app@sha256:…`, `debian` (Docker Hub's library/debian:latest)."""
    value = text.strip()
    name, _, digest = value.partition("@")
    if digest and not _DIGEST.match(digest):
        raise RegistryError(f"{value}: {digest!r} is not a sha256 digest")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
        if not _TAG.match(tag):
            raise RegistryError(f"{value}: {tag!r} is not a valid tag")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
        if "/" not in path:
            path = f"library/{path}"
    if not path or not all(_COMPONENT.match(c) for c in path.split("/")):
        raise RegistryError(f"{value}: not an image reference (lower-case repository, optional :tag or @digest)")
    return ImageName(registry=registry, repository=path, reference=digest or tag or "latest")


def parse_platform(text: str) -> Platform:
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise RegistryError(f"{text!r} is not a platform such as linux/amd64")
    return Platform(os=parts[0], architecture=parts[1], variant=parts[2] if len(parts) == 3 else None)


def document(body: bytes, *, what: str, image: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        raise RegistryError(f"baseline image {image}: its {what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise RegistryError(f"baseline image {image}: its {what} is not a JSON object")
    return parsed


def is_index(content_type: str, doc: dict[str, Any]) -> bool:
    """By the response's Content-Type, else by the document's own mediaType or shape."""
    kind = content_type.split(";", maxsplit=1)[0].strip() or str(doc.get("mediaType") or "")
    if kind in INDEX_TYPES:
        return True
    if kind in MANIFEST_TYPES:
        return False
    return "manifests" in doc and "layers" not in doc


def pick_platform(index: dict[str, Any], wanted: Platform, *, image: str) -> tuple[str, str]:
    """(digest, platform) of the index entry built for `wanted`; attestation entries are passed over."""
    entries = index.get("manifests")
    if not isinstance(entries, list):
        raise RegistryError(f"baseline image {image}: malformed index (no manifests list)")
    offered = []
    for entry in entries:
        platform = entry.get("platform") if isinstance(entry, dict) else None
        if not isinstance(platform, dict) or platform.get("os") in (None, "unknown"):
            continue
        found = Platform(os=str(platform.get("os")), architecture=str(platform.get("architecture")),
                         variant=platform.get("variant") or None)
        offered.append(str(found))
        if _same(found, wanted) and isinstance(entry.get("digest"), str):
            return entry["digest"], str(found)
    has = ", ".join(offered) or "none"
    raise RegistryError(f"baseline image {image}: no {wanted} image in its index (platforms: {has})")


def _same(found: Platform, wanted: Platform) -> bool:
    if (found.os, found.architecture) != (wanted.os, wanted.architecture):
        return False
    default = "v8" if wanted.architecture == "arm64" else None  # arm64 and arm64/v8 are the same platform
    return wanted.variant is None or (found.variant or default) == (wanted.variant or default)


def manifest_parts(manifest: dict[str, Any], *, image: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """(config digest, ((layer digest, compressed size), ...)) of an image manifest."""
    config = manifest.get("config")
    layers = manifest.get("layers")
    if not isinstance(config, dict) or not isinstance(config.get("digest"), str) or not isinstance(layers, list):
        raise RegistryError(f"baseline image {image}: malformed manifest (no config or layers)")
    parts = []
    for layer in layers:
        size = layer.get("size") if isinstance(layer, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(layer.get("digest"), str):
            raise RegistryError(f"baseline image {image}: malformed manifest (a layer without digest or size)")
        parts.append((layer["digest"], size))
    return config["digest"], tuple(parts)


def remote_image(
    manifest: dict[str, Any], config: dict[str, Any], *, image: str, digest: str, platform: str | None = None
) -> RemoteImage:
    """The image the manifest and its config blob describe, layers oldest first."""
    _config_digest, blobs = manifest_parts(manifest, image=image)
    rootfs = config.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != len(blobs):
        raise RegistryError(f"baseline image {image}: malformed config (its diff IDs do not match the layers)")
    history = config.get("history")
    if not isinstance(history, list):
        history = []
    made = [str(h.get("created_by") or "") for h in history if isinstance(h, dict) and not h.get("empty_layer")]
    aligned = len(made) == len(blobs)
    layers = tuple(
        RemoteLayer(diff_id=str(diff_id), compressed_bytes=size,
                    created_by=clean_created_by(made[i]) if aligned else "")
        for i, (diff_id, (_digest, size)) in enumerate(zip(diff_ids, blobs, strict=True))
    )
    shown = platform or "/".join(str(config.get(k)) for k in ("os", "architecture") if config.get(k))
    return RemoteImage(reference=image, digest=digest, platform=shown, layers=layers)
