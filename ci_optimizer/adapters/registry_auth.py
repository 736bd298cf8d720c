"""Registry credentials as the docker CLI finds them, and the auth challenge a registry answers with.

Where `docker login` put them: `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`), either
in `auths` (base64 `user:password`) or behind a credential helper (`credHelpers` per host, else
`credsStore`), which is asked with `docker-credential-NAME get`. On GitHub, the workflow's token
reads ghcr.io when nothing else is configured for it. Credentials are returned, never logged.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_optimizer.adapters import proc
from ci_optimizer.errors import CommandError, RegistryError

DOCKER_HUB_KEY = "https://index.docker.io/v1/"
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')


@dataclass(frozen=True, kw_only=True)
class Challenge:
    scheme: str  # "basic" or "bearer", lower-cased
    params: Mapping[str, str] = field(default_factory=dict)  # realm, service, scope


def parse_challenge(header: str) -> Challenge | None:
    """`Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"`. Pure."""
    scheme, _, rest = header.strip().partition(" ")
    if not scheme:
        return None
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)}
    return Challenge(scheme=scheme.lower(), params=params)


def _host_of(key: str) -> str:
    """`https://index.docker.io/v1/` → index.docker.io; `http://localhost:5000/v2/` → localhost:5000."""
    return key.split("://", 1)[-1].split("/", 1)[0]


class Credentials:
    """user/password per registry host; `None` when nothing is configured (anonymous)."""

    def __init__(self, *, config_dir: Path, github_token: str = "", env: Mapping[str, str] | None = None) -> None:
        self._config_dir = config_dir
        self._github_token = github_token
        self._env = env

    def __repr__(self) -> str:
        return f"Credentials(config_dir={str(self._config_dir)!r})"  # never the token

    def for_registry(self, registry: str) -> tuple[str, str] | None:
        config = self._config()
        hub = registry in ("docker.io", "registry-1.docker.io", "index.docker.io")
        server = DOCKER_HUB_KEY if hub else registry
        helper = (config.get("credHelpers") or {}).get(registry) or config.get("credsStore")
        if isinstance(helper, str) and helper:
            found = self._from_helper(helper, server)
            if found is not None:
                return found
        for key, entry in (config.get("auths") or {}).items():
            if isinstance(entry, dict) and (_host_of(key) == _host_of(server)):
                found = _from_entry(entry, registry)
                if found is not None:
                    return found
        if registry == "ghcr.io" and self._github_token:
            return "github-actions", self._github_token
        return None

    def _config(self) -> dict[str, Any]:
        path = self._config_dir / "config.json"
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"cannot read the docker config {path}: {exc}") from None
        return loaded if isinstance(loaded, dict) else {}

    def _from_helper(self, helper: str, server: str) -> tuple[str, str] | None:
        try:
            done = proc.run([f"docker-credential-{helper}", "get"], stdin=server, env=self._env, timeout=30)
        except CommandError as exc:
            if "credentials not found" in exc.output.lower():
                return None
            raise RegistryError(f"credential helper docker-credential-{helper} failed for {server} "
                                f"(exit {exc.returncode})") from None
        try:
            answer = json.loads(done.stdout)
            return str(answer["Username"]), str(answer["Secret"])
        except (ValueError, KeyError, TypeError):
            raise RegistryError(f"credential helper docker-credential-{helper} gave no Username/Secret "
                                f"for {server}") from None


def _from_entry(entry: dict[str, Any], registry: str) -> tuple[str, str] | None:
    if entry.get("auth"):
        try:
            user, sep, password = base64.b64decode(str(entry["auth"])).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise RegistryError(f"the docker config's auths entry for {registry} is not base64 user:password") from None
        return (user, password) if sep else None
    if entry.get("username") and entry.get("password"):
        return str(entry["username"]), str(entry["password"])
    return None
