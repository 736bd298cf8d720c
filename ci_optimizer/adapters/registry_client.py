"""Read an image's manifest and config from a registry (OCI distribution API), with `requests`.

Three requests at most for an image, none for its layers: the tag's manifest (an index or list
picks the platform's manifest, a second request), then the config blob. Auth as registries ask
for it: anonymous first, then the `WWW-Authenticate` challenge, Basic with the docker config's
credentials, or Bearer (`realm`, `service`, `scope` → a token from the realm → retry). Tokens are
kept per registry and repository for the rest of the run. A loopback registry is spoken to over
plain HTTP, as the engine does (localhost registries are insecure-allowed by default).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import threading
from typing import Any

import requests

from ci_optimizer.adapters.registry_auth import Challenge, Credentials, parse_challenge
from ci_optimizer.errors import RegistryError
from ci_optimizer.measure.oci_manifest import (
    ACCEPT,
    MANIFEST_TYPES,
    ImageName,
    Platform,
    document,
    is_index,
    manifest_parts,
    parse_reference,
    pick_platform,
    remote_image,
)
from ci_optimizer.model.remote_image import RemoteImage

USER_AGENT = "ci-optimizer (registry baseline)"


def is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    name = name.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class RegistryClient:
    """`ports.Registry` over HTTP. One per run; safe to call from several threads."""

    def __init__(self, credentials: Credentials, *, timeout: float = 15.0) -> None:
        self._credentials = credentials
        self._timeout = timeout
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT
        self._auth: dict[tuple[str, str], str] = {}  # (host, repository) -> Authorization header
        self._lock = threading.Lock()

    def fetch(self, reference: str, platform: Platform) -> RemoteImage:
        name = parse_reference(reference)
        shown = str(name) if name.registry != "docker.io" else reference
        base = f"{'http' if is_loopback(name.api_host) else 'https'}://{name.api_host}/v2/{name.repository}"
        response = self._get(name, f"{base}/manifests/{name.reference}", shown, accept=ACCEPT, what="manifest")
        doc = document(response.content, what="manifest", image=shown)
        digest = response.headers.get("Docker-Content-Digest") or _digest(response.content)
        chosen: str | None = None
        if is_index(response.headers.get("Content-Type", ""), doc):
            digest, chosen = pick_platform(doc, platform, image=shown)
            response = self._get(name, f"{base}/manifests/{digest}", shown, accept=", ".join(MANIFEST_TYPES),
                                 what=f"{chosen} manifest")
            doc = document(response.content, what=f"{chosen} manifest", image=shown)
            if is_index(response.headers.get("Content-Type", ""), doc):
                raise RegistryError(f"baseline image {shown}: its {chosen} entry is another index")
        config_digest, _layers = manifest_parts(doc, image=shown)
        config = self._get(name, f"{base}/blobs/{config_digest}", shown, accept="*/*", what="config blob")
        return remote_image(doc, document(config.content, what="config blob", image=shown), image=shown,
                            digest=digest, platform=chosen)

    def _get(self, name: ImageName, url: str, shown: str, *, accept: str, what: str) -> requests.Response:
        key = (name.api_host, name.repository)
        headers = {"Accept": accept}
        with self._lock:
            known = self._auth.get(key)
        if known:
            headers["Authorization"] = known
        response = self._send(url, headers, shown)
        if response.status_code == 401:
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
            authorization = self._authorize(name, challenge, shown)
            with self._lock:
                self._auth[key] = authorization
            response = self._send(url, {**headers, "Authorization": authorization}, shown)
        if response.status_code != 200:
            raise RegistryError(f"baseline image {shown}: {what}: {_status(response)}")
        return response

    def _send(self, url: str, headers: dict[str, str], shown: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.get(url, headers=headers, timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise RegistryError(f"baseline image {shown}: cannot reach {_host(url)}: {_reason(exc)}") from None

    def _authorize(self, name: ImageName, challenge: Challenge | None, shown: str) -> str:
        login = self._credentials.for_registry(name.registry)
        if challenge is not None and challenge.scheme == "basic":
            if login is None:
                raise RegistryError(f"baseline image {shown}: 401 Unauthorized and no credentials for "
                                    f"{name.registry} (docker login {name.registry})")
            return "Basic " + base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
        if challenge is None or challenge.scheme != "bearer" or not challenge.params.get("realm"):
            raise RegistryError(f"baseline image {shown}: 401 Unauthorized with no usable challenge")
        params = {"scope": challenge.params.get("scope") or f"repository:{name.repository}:pull"}
        if challenge.params.get("service"):
            params["service"] = challenge.params["service"]
        try:
            answer = self._http.get(challenge.params["realm"], params=params, auth=login, timeout=self._timeout)
        except requests.RequestException as exc:
            raise RegistryError(f"baseline image {shown}: cannot reach the token service "
                                f"{_host(challenge.params['realm'])}: {_reason(exc)}") from None
        if answer.status_code != 200:
            who = "with the configured credentials" if login else "anonymously (docker login to read it)"
            raise RegistryError(f"baseline image {shown}: the token service refused a pull token {who}: "
                                f"{_status(answer)}")
        try:
            body = answer.json()
            token = body.get("token") or body.get("access_token")
        except ValueError:
            token = None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"baseline image {shown}: the token service answered without a token")
        return f"Bearer {token}"


def _digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or no route"
    return type(exc).__name__


def _status(response: requests.Response) -> str:
    """`404 Not Found (MANIFEST_UNKNOWN: manifest unknown)`: the registry's own error code when it gives one."""
    text = f"{response.status_code} {response.reason or ''}".strip()
    try:
        errors = response.json().get("errors") or []
        first = errors[0] if errors and isinstance(errors[0], dict) else None
    except (ValueError, AttributeError):
        first = None
    if first is not None:
        text += f" ({first.get('code', '')}: {first.get('message', '')})"
    return text
