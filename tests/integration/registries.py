"""Real registries for the tests: Debian's docker-registry (distribution v2) on 127.0.0.1.

One storage directory is shared by three registries: anonymous (the engine pushes to it), htpasswd
Basic auth, and token auth trusting a token issuer the tests run (JWTs signed with a test key, its
certificate in the registry's rootcertbundle). The token issuer grants anonymous pulls, like a
public GHCR package, and refuses wrong credentials.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

USER, PASSWORD = "cio", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Registry:
    host: str  # localhost:PORT
    process: subprocess.Popen[bytes]
    log: Path


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=1)
            return
        time.sleep(0.05)
    raise RuntimeError(f"docker-registry did not answer: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def registry(storage: Path, workdir: Path, *, auth: str = "") -> Iterator[Registry]:
    port = free_port()
    config = workdir / f"registry-{port}.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{auth}",
        encoding="utf-8",
    )
    log = workdir / f"registry-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(f"http://127.0.0.1:{port}/v2/", process, log)
        yield Registry(host=f"localhost:{port}", process=process, log=log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def htpasswd_auth(workdir: Path) -> str:
    line = subprocess.run(["htpasswd", "-Bbn", USER, PASSWORD], capture_output=True, text=True, check=True).stdout
    path = workdir / "htpasswd"
    path.write_text(line.strip() + "\n", encoding="utf-8")
    return f"auth:\n  htpasswd:\n    realm: cio-test\n    path: {path}\n"


class TokenIssuer:
    """A token endpoint: `GET /token?service=&scope=` → a JWT the registry verifies with our certificate."""

    def __init__(self, workdir: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cio-test-issuer")])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.bundle = workdir / "issuer.pem"
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self.requests: list[dict[str, Any]] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                given = self.headers.get("Authorization")
                issuer.requests.append({"query": query, "authorization": given})
                expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if given is not None and given != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.dumps({"token": issuer.token(query)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, query: dict[str, list[str]]) -> str:
        access = []
        for scope in query.get("scope", []):
            kind, name, actions = scope.split(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {"iss": "cio-test-issuer", "sub": "anyone", "aud": "cio-test-registry", "iat": now, "nbf": now - 5,
                  "exp": now + 300, "jti": uuid.uuid4().hex, "access": access}
        der = base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"x5c": [der]})

    def auth_config(self) -> str:
        return (f"auth:\n  token:\n    realm: {self.realm}\n    service: cio-test-registry\n"
                f"    issuer: cio-test-issuer\n    rootcertbundle: {self.bundle}\n")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def put_index(host: str, repository: str, tag: str, entries: list[tuple[str, str]]) -> str:
    """An OCI index of manifests already in the registry: entries are (manifest digest, os/arch)."""
    manifests = []
    for digest, platform in entries:
        head = requests.head(f"http://{host}/v2/{repository}/manifests/{digest}", timeout=10,
                             headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json, "
                                                "application/vnd.oci.image.manifest.v1+json"})
        head.raise_for_status()
        os_name, arch = platform.split("/")
        manifests.append({"mediaType": head.headers["Content-Type"], "digest": digest,
                          "size": int(head.headers["Content-Length"]),
                          "platform": {"os": os_name, "architecture": arch}})
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
    put = requests.put(f"http://{host}/v2/{repository}/manifests/{tag}", data=json.dumps(index), timeout=10,
                       headers={"Content-Type": "application/vnd.oci.image.index.v1+json"})
    put.raise_for_status()
    return str(put.headers["Docker-Content-Digest"])


def manifest_digest(host: str, repository: str, tag: str) -> str:
    head = requests.head(f"http://{host}/v2/{repository}/manifests/{tag}", timeout=10,
                         headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    head.raise_for_status()
    return str(head.headers["Docker-Content-Digest"])


def push(reference: str) -> None:
    subprocess.run(["docker", "push", reference], capture_output=True, text=True, check=True, timeout=300)


def tiny_rootfs_image(tag: str) -> None:
    """A one-file image made with `docker import`: the second platform of an index."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "hello").write_text("arm64 " + uuid.uuid4().hex, encoding="utf-8")
        tar = subprocess.run(["tar", "-C", tmp, "-c", "."], capture_output=True, check=True).stdout
        subprocess.run(["docker", "import", "-", tag], input=tar, capture_output=True, check=True)
