"""Which members of an image archive are the image's layers, in which order. Pure.

`manifest.json` (legacy and Docker >= 25 archives) lists the config and the layer paths; a pure
OCI layout has only `index.json`, followed through (nested) indexes to the image manifest.
Attestation manifests that BuildKit adds beside the image are passed over.
"""

from __future__ import annotations

import json
from typing import Any

from ci_optimizer.errors import EngineError

ATTESTATION = "attestation-manifest"


def blob_digest(path: str) -> str:
    parts = path.split("/")
    return f"{parts[1]}:{parts[2]}" if len(parts) == 3 else ""


def blob_path(digest: str) -> str:
    return "blobs/" + digest.replace(":", "/", 1)


def resolve(path: str, links: dict[str, str]) -> str:
    seen = set()
    while path in links and path not in seen:
        seen.add(path)
        path = links[path]
    return path


def _json(documents: dict[str, bytes], path: str, *, name: str) -> Any:
    if path not in documents:
        raise EngineError(f"{name}: {path} is missing from the archive")
    try:
        return json.loads(documents[path])
    except ValueError as exc:
        raise EngineError(f"{name}: {path} is not valid JSON ({exc})") from None


def image_manifest(documents: dict[str, bytes], *, name: str) -> tuple[str, list[str]]:
    """(config path, layer paths oldest first) of the one image in the archive."""
    if "manifest.json" in documents:
        manifest = _json(documents, "manifest.json", name=name)
        if not isinstance(manifest, list) or not manifest:
            raise EngineError(f"{name}: manifest.json lists no image")
        return str(manifest[0]["Config"]), [str(p) for p in manifest[0]["Layers"]]
    if "index.json" not in documents:
        raise EngineError(f"{name}: neither manifest.json nor index.json is in the archive (not an image archive)")
    document = _json(documents, "index.json", name=name)
    for _ in range(4):  # index -> (nested index ->) image manifest
        if "manifests" not in document:
            break
        candidates = [
            m for m in document["manifests"]
            if (m.get("annotations") or {}).get("vnd.docker.reference.type") != ATTESTATION
        ]
        if not candidates:
            raise EngineError(f"{name}: the OCI index lists no image manifest")
        document = _json(documents, blob_path(candidates[0]["digest"]), name=name)
    return blob_path(document["config"]["digest"]), [blob_path(layer["digest"]) for layer in document["layers"]]


def config_diff_ids(documents: dict[str, bytes], config_path: str, count: int, *, name: str) -> tuple[str, ...]:
    config = _json(documents, config_path, name=name)
    diff_ids = tuple(str(d) for d in (config.get("rootfs") or {}).get("diff_ids") or ())
    if len(diff_ids) != count:
        raise EngineError(f"{name}: the image config lists {len(diff_ids)} diff IDs for {count} layers")
    return diff_ids
