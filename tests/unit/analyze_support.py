"""Layer tars and image archives built in memory, as Docker and BuildKit write them, for the analysis tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ci_optimizer.measure.v1ids import chain_ids, v1_id

MTIME = 1_700_000_000


@dataclass(frozen=True)
class Member:
    name: str
    kind: bytes = tarfile.REGTYPE
    data: bytes = b""
    mode: int = 0o644
    mtime: int = MTIME
    uid: int = 0
    gid: int = 0
    link: str = ""


def file(name: str, size: int = 0, *, data: bytes | None = None, mode: int = 0o644, mtime: int = MTIME,
         uid: int = 0) -> Member:
    return Member(name, data=data if data is not None else b"x" * size, mode=mode, mtime=mtime, uid=uid)


def directory(name: str) -> Member:
    return Member(name, kind=tarfile.DIRTYPE, mode=0o755)


def symlink(name: str, target: str) -> Member:
    return Member(name, kind=tarfile.SYMTYPE, link=target, mode=0o777)


def hardlink(name: str, target: str) -> Member:
    return Member(name, kind=tarfile.LNKTYPE, link=target)


def whiteout(path: str) -> Member:
    parent, _, base = path.rpartition("/")
    return file(f"{parent}/.wh.{base}" if parent else f".wh.{base}")


def opaque(directory_path: str) -> Member:
    return file(f"{directory_path}/.wh..wh..opq")


def layer(*members: Member, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = m.kind
            info.mode = m.mode
            info.mtime = m.mtime
            info.uid, info.gid = m.uid, m.gid
            info.linkname = m.link
            info.size = len(m.data) if m.kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(m.data) if m.kind == tarfile.REGTYPE else None)
    return out.getvalue()


def diff_id(layer_tar: bytes) -> str:
    return "sha256:" + hashlib.sha256(layer_tar).hexdigest()


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _archive(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A tar of these files in name order, as Docker writes its export directory."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        names = sorted({*files, *(links or {})})
        for name in names:
            info = tarfile.TarInfo(name)
            if links and name in links:
                info.type = tarfile.SYMTYPE
                info.linkname = links[name]
                tar.addfile(info)
            else:
                info.size = len(files[name])
                tar.addfile(info, io.BytesIO(files[name]))
    return out.getvalue()


def _config(diff_ids: list[str]) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                       "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()


def legacy_archive(layers: list[bytes], *, duplicate_as_link: bool = True) -> bytes:
    """`docker save` of Docker < 25: <v1 id>/{VERSION,json,layer.tar}, <config>.json, manifest.json."""
    ids = [diff_id(t) for t in layers]
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    paths: list[str] = []
    parent: str | None = None
    first_copy: dict[str, str] = {}
    for number, (chain, tar) in enumerate(zip(chain_ids(ids), layers, strict=True)):
        v1: dict[str, object] = {"created": "1970-01-01T00:00:00Z", "os": "linux"}
        if parent:
            v1["parent"] = parent
        own = v1_id(v1, chain, keep_os=number == len(layers) - 1)
        files[f"{own}/VERSION"] = b"1.0"
        files[f"{own}/json"] = json.dumps({"id": own, **v1}, separators=(",", ":")).encode()
        if duplicate_as_link and ids[number] in first_copy:
            links[f"{own}/layer.tar"] = f"../{first_copy[ids[number]]}/layer.tar"
        else:
            files[f"{own}/layer.tar"] = tar
            first_copy[ids[number]] = own
        paths.append(f"{own}/layer.tar")
        parent = own
    config = _config(ids)
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    files[config_name] = config
    files["manifest.json"] = json.dumps([{"Config": config_name, "RepoTags": ["t:1"], "Layers": paths}]).encode()
    files["repositories"] = b"{}"
    return _archive(files, links)


def oci_archive(layers: list[bytes], *, gzipped: tuple[int, ...] = (), attestation: bool = True) -> bytes:
    """An OCI layout (BuildKit's oci exporter, Docker >= 25): blobs/sha256/<hex>, index.json, no manifest.json."""
    files: dict[str, bytes] = {}

    def blob(data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        files["blobs/sha256/" + digest.split(":")[1]] = data
        return digest

    descriptors = []
    for number, tar in enumerate(layers):
        data = gzip.compress(tar, 6, mtime=0) if number in gzipped else tar
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": blob(data),
                            "size": len(data)})
    config = blob(_config([diff_id(t) for t in layers]))
    manifest = blob(json.dumps({"schemaVersion": 2, "config": {"digest": config}, "layers": descriptors}).encode())
    entries: list[dict[str, Any]] = [{"digest": manifest}]
    if attestation:
        attest = blob(json.dumps({"schemaVersion": 2, "config": {"digest": config}, "layers": []}).encode())
        entries.insert(0, {"digest": attest, "annotations": {"vnd.docker.reference.type": "attestation-manifest"}})
    nested = blob(json.dumps({"schemaVersion": 2, "manifests": entries}).encode())
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [{"digest": nested}]}).encode()
    files["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    return _archive(files)
