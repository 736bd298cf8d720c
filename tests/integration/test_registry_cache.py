"""Registry cache round trip on a fresh runner: inline cache pushed, the engine's cache and images
pruned (a private engine: the shared one is never pruned), then `--cache-from type=registry`."""

from __future__ import annotations

import io
import json
import subprocess
import uuid
from pathlib import Path

import pytest

from ci_optimizer.cli.main import main
from tests.integration import registries
from tests.integration.conftest import write_project
from tests.integration.private_engine import private_engine

DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS builder
ARG NONCE
RUN echo "$NONCE" > /built
FROM ${BASE_IMAGE} AS production
COPY --from=builder /built /app/built
RUN cp /app/built /app/copy
"""


def run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["run", *args, "--analyze", "none", "--no-hadolint", "--build-arg", "BASE_IMAGE=local/busybox:1"],
                stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_an_inline_cache_pushed_by_main_serves_a_fresh_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, busybox: str
) -> None:
    project = write_project(tmp_path / "app", DOCKERFILE)
    nonce = ["--build-arg", f"NONCE={uuid.uuid4().hex}", "--context", str(project), "--tag-prefix", "cio13cache"]
    with private_engine(tmp_path, base_image=busybox) as host, registries.registry(tmp_path / "s", tmp_path) as reg:
        monkeypatch.setenv("DOCKER_HOST", host)
        env = {"DOCKER_HOST": host, "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        code, log = run(*nonce, "--cache-to", "type=inline", "--json", str(tmp_path / "main.json"))
        assert code == 0, log
        main_report = json.loads((tmp_path / "main.json").read_text())
        assert main_report["cache"] == {"from": [], "to": ["type=inline"]}
        production = next(t for t in main_report["targets"] if t["name"] == "production")
        assert (production["cached_steps"], production["total_steps"]) == (0, 3)
        cache_ref = f"{reg.host}/cio13cache/app:main-production"
        subprocess.run(["docker", "tag", production["tag"], cache_ref], env=env, check=True)
        subprocess.run(["docker", "push", cache_ref], env=env, check=True, capture_output=True)
        # the fresh runner: no build cache, no images but the base
        subprocess.run(["docker", "builder", "prune", "-af"], env=env, check=True, capture_output=True)
        ids = subprocess.run(["docker", "images", "-q", "--filter", "reference=*cio13cache*/*:*"], env=env,
                             check=True, capture_output=True, text=True).stdout.split()
        subprocess.run(["docker", "rmi", "-f", *set(ids), cache_ref], env=env, check=True, capture_output=True)

        code, log = run(*nonce, "--cache-from", f"type=registry,ref={cache_ref}", "--json", str(tmp_path / "pr.json"))
        assert code == 0, log
        report = json.loads((tmp_path / "pr.json").read_text())
        assert report["cache"] == {"from": [f"type=registry,ref={cache_ref}"], "to": []}
        production = next(t for t in report["targets"] if t["name"] == "production")
        # the builder's RUN is not in production's image, so mode=min inline cache lacks it: it runs again,
        # and the COPY and RUN of production come from the registry
        assert (production["cached_steps"], production["total_steps"]) == (2, 3)
        assert f"importing cache manifest from {cache_ref}" in log
